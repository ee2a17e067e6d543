#!/usr/bin/env bash
# The migration fixture of schema version 7, written by commit 4ec9198 (see
# ../make-ledger-fixture.sh):  tests/cases/ledger-v7/make.sh ONESTOP_BINARY_BUILT_FROM_4ec9198
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../make-ledger-fixture.sh" "${1:?usage: make.sh ONESTOP_BINARY (built from commit 4ec9198)}" 7 "$here"
