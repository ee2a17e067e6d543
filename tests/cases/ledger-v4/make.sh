#!/usr/bin/env bash
# The migration fixture of schema version 4, written by commit 514ab87 (see
# ../make-ledger-fixture.sh):  tests/cases/ledger-v4/make.sh ONESTOP_BINARY_BUILT_FROM_514ab87
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../make-ledger-fixture.sh" "${1:?usage: make.sh ONESTOP_BINARY (built from commit 514ab87)}" 4 "$here"
