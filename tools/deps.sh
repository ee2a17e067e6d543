#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages OneStop needs to build, test and run — only those
# missing, so a machine that has them is not touched. Sourced by tools/test and tools/run.
onestop_packages=(
  g++ make cmake pkg-config git ca-certificates ccache
  libboost-dev libsqlite3-dev sqlite3 libpoco-dev libssl-dev libsimdjson-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl
  chromium  # headless, for the audit report's rendering test
  libpq-dev      # the PostgreSQL ledger's client library
  postgresql-15  # the server the tests start throwaway clusters of
)

onestop_install_deps() {
  local missing=()
  for p in "${onestop_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "onestop: installing ${missing[*]}"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

# Configures and builds into $1 (default build/); further arguments name the targets to build
# (default: everything). ONESTOP_CMAKE_ARGS adds configure options (e.g. -DONESTOP_SANITIZE=ON).
onestop_build() {
  local dir=${1:-build}
  # ccache hits across clones at other paths: paths below the checkout hash as relative ones.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=1
  shift || true
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  # shellcheck disable=SC2086  # the options are words on purpose
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONESTOP_WERROR=ON \
    ${ONESTOP_CMAKE_ARGS:-} >/dev/null
  cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
}
