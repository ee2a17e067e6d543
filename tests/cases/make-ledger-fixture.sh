#!/usr/bin/env bash
# Makes a migration fixture: a ledger of schema version VERSION as the code of that version
# wrote it (settlements, cancellations, visits when that code had them, clients, the access
# log), and what the API answered about every record then. Run it with a build of the commit
# that wrote that version (each fixture directory's make.sh names it and calls this script):
#   git worktree add /tmp/base COMMIT && cmake -S /tmp/base -B /tmp/base/b && \
#     cmake --build /tmp/base/b --target onestop
#   tests/cases/ledger-vN/make.sh /tmp/base/b/tools/onestop
# Writes ledger.db, keys.txt (role key per line) and answers.jsonl (one request per line:
# method, path, role, status, content_type, body) into OUT_DIR.
set -euo pipefail
onestop=$(realpath "${1:?usage: make-ledger-fixture.sh ONESTOP_BINARY VERSION OUT_DIR}")
version=${2:?the schema version the binary writes}
here=$(mkdir -p "${3:?the fixture directory}" && cd "$3" && pwd)
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
server=0
trap '[[ $server != 0 ]] && kill $server; rm -rf "$work"' EXIT
db=$work/ledger.db

"$onestop" demo-data --db "$db" --persons 12 --settlements 40 --year 2020 --seed 4 \
  --cancel-per-mille 100 --window 4 > /dev/null
: > "$work/keys.txt"
for role in auditor reconciler; do
  echo "$role $("$onestop" clients add "$role" --role "$role" --db "$db")" >> "$work/keys.txt"
done
hospital=$(sqlite3 "$db" "SELECT hospital_id FROM records ORDER BY id DESC LIMIT 1")
echo "hospital $("$onestop" clients add hospital --role hospital --hospital "$hospital" \
  --db "$db")" >> "$work/keys.txt"

port=$((20000 + RANDOM % 20000))
cat > "$work/onestop.properties" <<PROPS
onestop.http.port = $port
onestop.ledger.path = $db
onestop.log.level = warning
onestop.limits.requests_per_second = 0
PROPS
"$onestop" serve --config "$work/onestop.properties" & server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done

# The hospital cancels its latest live settlement through the API (an access log entry).
latest=$(sqlite3 "$db" "SELECT id FROM records s WHERE kind = 'settlement' AND hospital_id =
  '$hospital' AND NOT EXISTS (SELECT 1 FROM records c WHERE c.cancels = s.id)
  AND NOT EXISTS (SELECT 1 FROM records l WHERE l.patient_id = s.patient_id AND l.year = s.year
  AND l.id > s.id AND l.kind = 'settlement') ORDER BY id DESC LIMIT 1")
key() { awk -v r="$1" '$1 == r {print $2}' "$work/keys.txt"; }
curl -sf -X POST -H "Authorization: Bearer $(key hospital)" -H 'Content-Type: application/json' \
  -d '{"reason":"bill corrected before migration"}' \
  "http://127.0.0.1:$port/v1/settlements/$latest/cancel" > /dev/null

python3 - "$port" "$db" "$work/keys.txt" > "$work/answers.jsonl" <<'PY'
import json, sqlite3, sys, urllib.request, urllib.error
port, db, keys_file = sys.argv[1], sys.argv[2], sys.argv[3]
keys = dict(line.split() for line in open(keys_file))
con = sqlite3.connect(db)
ids = [r[0] for r in con.execute("SELECT id FROM records ORDER BY id")]
persons = [r[0] for r in con.execute("SELECT DISTINCT patient_id FROM records ORDER BY 1")]
requests = []
for i in ids:
    requests += [("GET", f"/v1/settlements/{i}", "auditor"),
                 ("GET", f"/v1/settlements/{i}/slip", "auditor")]
for p in persons:
    requests += [("GET", f"/v1/patients/{p}/ledger?year=2020", "auditor"),
                 ("GET", f"/v1/audit/patients/{p}?year=2020", "auditor")]
for route in ("totals", "details"):
    requests.append(("GET", f"/v1/reconciliation/{route}?from=2020-01-01&to=2020-12-31",
                     "reconciler"))
for method, path, role in requests:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 headers={"Authorization": "Bearer " + keys[role]})
    try:
        with urllib.request.urlopen(req) as r:
            status, ctype, body = r.status, r.headers["Content-Type"], r.read()
    except urllib.error.HTTPError as e:
        status, ctype, body = e.code, e.headers["Content-Type"], e.read()
    print(json.dumps({"method": method, "path": path, "role": role, "status": status,
                      "content_type": ctype, "body": body.decode("utf-8")}, ensure_ascii=False))
PY
kill "$server"; wait "$server" || true; server=0
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;" > /dev/null
test "$(sqlite3 "$db" 'PRAGMA user_version')" = "$version"
test "$(sqlite3 "$db" "SELECT count(*) FROM records WHERE kind = 'cancellation'")" -ge 2
test "$(sqlite3 "$db" 'SELECT count(*) FROM access_log')" -ge 1
cp "$db" "$work/keys.txt" "$work/answers.jsonl" "$here/"
echo "wrote $here: $(wc -l < "$here/answers.jsonl") answers"
