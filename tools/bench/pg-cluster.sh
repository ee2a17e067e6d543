#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for scripts: the shell twin of tests/support/pg_cluster.cpp.
# Sourced, not run. The caller stops it in its own EXIT trap, so a failing script cleans up too:
#   source tools/bench/pg-cluster.sh
#   trap pg_cluster_stop EXIT
#   pg_cluster_start                     # initdb, start, wait until it accepts connections
#   url=$(pg_cluster_create_database bench)
#   pg_cluster_psql bench 'SELECT 1'
# The cluster lives in a new directory under /tmp (the socket's path must stay under 108 bytes),
# listens on a Unix socket in that directory only (no TCP: nothing else on the machine can
# reach it or take its port), trusts local connections and has one superuser role, `onestop`.
# Durable as SQLite's synchronous=FULL: fsync=on and synchronous_commit=on, stated explicitly.
# As root, initdb, pg_ctl and the server run as the `postgres` user: PostgreSQL refuses root.
# pg_cluster_start unsets the caller's PG* variables (a developer's PGDATA, PGHOST or
# PGPASSWORD must steer neither the cluster nor the clients the caller starts).

pg_cluster_dir=""  # the cluster's directory: data/, the socket, the log; "" when none
pg_cluster_port=""
pg_cluster_bin_dir=${ONESTOP_PG_BINDIR:-/usr/lib/postgresql/15/bin}

# Runs a command as the server's user: `postgres` when we are root, else ourselves, in the
# cluster's directory (which that user can enter), with English messages.
pg_cluster_as_server_user() {
  if ((EUID == 0)); then
    (cd "$pg_cluster_dir" && LC_ALL=C runuser -u postgres -- "$@")
  else
    (cd "$pg_cluster_dir" && LC_ALL=C "$@")
  fi
}

# Creates the cluster and starts it; returns once it accepts connections, or fails (status 1)
# with the reason and the server log's tail on stderr, leaving the rest to pg_cluster_stop.
pg_cluster_start() {
  local bin=$pg_cluster_bin_dir
  if [[ ! -x $bin/initdb || ! -x $bin/pg_ctl || ! -x $bin/postgres ]] ||
    ! "$bin/postgres" -V | grep -q '(PostgreSQL) 15\.'; then
    echo "pg-cluster: no PostgreSQL 15 server in $bin (Debian: apt-get install postgresql-15;" \
      "ONESTOP_PG_BINDIR names another directory)" >&2
    return 1
  fi
  if ((EUID == 0)) && ! id postgres >/dev/null 2>&1; then
    echo "pg-cluster: running as root and there is no postgres user to run the server" >&2
    return 1
  fi
  unset "${!PG@}"
  pg_cluster_dir=$(mktemp -d /tmp/onestop-bench-pg.XXXXXX)
  ((EUID == 0)) && chown postgres: "$pg_cluster_dir"
  # --no-sync: initdb's own files need no fsync in a directory removed at the end; the server
  # itself runs with fsync=on.
  if ! pg_cluster_as_server_user "$bin/initdb" -D "$pg_cluster_dir/data" -U onestop \
    --auth=trust -E UTF8 --locale=C.UTF-8 --no-instructions --no-sync \
    >"$pg_cluster_dir/initdb.log" 2>&1; then
    echo "pg-cluster: initdb failed:" >&2
    cat "$pg_cluster_dir/initdb.log" >&2
    return 1
  fi
  # The port only names the socket (.s.PGSQL.PORT) in our own directory, so any port is free.
  pg_cluster_port=$((20000 + RANDOM % 20000))
  # pg_ctl hands -o to /bin/sh: listen_addresses='' reaches the server as an empty value.
  local options="-k $pg_cluster_dir -p $pg_cluster_port -c listen_addresses='' \
-c max_connections=200 -c fsync=on -c synchronous_commit=on"
  if ! pg_cluster_as_server_user "$bin/pg_ctl" start -D "$pg_cluster_dir/data" -w -t 60 \
    -l "$pg_cluster_dir/log" -o "$options" >/dev/null; then
    echo "pg-cluster: the server did not start; its log ends:" >&2
    tail -n 20 "$pg_cluster_dir/log" >&2
    return 1
  fi
}

# Stops the server (immediately: nothing in it is kept), waits until its processes are gone and
# removes its directory. Does nothing when there is no cluster, so it may run twice, and from an
# EXIT trap after a failed start.
pg_cluster_stop() {
  [[ -n $pg_cluster_dir ]] || return 0
  local data=$pg_cluster_dir/data pid=""
  # The postmaster's pid heads postmaster.pid, which it removes a moment before it ends.
  [[ -f $data/postmaster.pid ]] && pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
  if [[ $pid =~ ^[0-9]+$ ]]; then
    if ! pg_cluster_as_server_user "$pg_cluster_bin_dir/pg_ctl" stop -D "$data" -m immediate \
      -w -t 60 >/dev/null 2>&1; then
      echo "pg-cluster: pg_ctl stop failed; sending SIGQUIT (an immediate stop) to $pid" >&2
      kill -QUIT "$pid" 2>/dev/null || true
    fi
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  fi
  rm -rf -- "$pg_cluster_dir"
  pg_cluster_dir=""
}

# The libpq URI of database $1 of the cluster, as `onestop --ledger` takes it.
pg_cluster_url() {
  echo "postgresql:///$1?host=$pg_cluster_dir&port=$pg_cluster_port&user=onestop"
}

# Runs SQL $2 in database $1 and prints the result unaligned, without headers; fails on an error.
pg_cluster_psql() {
  LC_ALL=C "$pg_cluster_bin_dir/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$(pg_cluster_url "$1")" \
    -c "$2"
}

# Creates database $1 (letters, digits and '_') and prints its URL.
pg_cluster_create_database() {
  if [[ ! $1 =~ ^[A-Za-z0-9_]{1,63}$ ]]; then
    echo "pg-cluster: database name '$1': letters, digits and '_', at most 63" >&2
    return 1
  fi
  pg_cluster_psql postgres "CREATE DATABASE \"$1\"" >/dev/null
  pg_cluster_url "$1"
}
