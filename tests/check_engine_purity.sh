#!/bin/sh
# Fails when engine/ reaches for I/O, a clock, a framework, or binary floating point.
dir=${1:?usage: check_engine_purity.sh ENGINE_DIR}
bad=$(grep -nE '#include *[<"](Poco/|sqlite3|fstream|iostream|cstdio|chrono|ctime|random|thread)' \
  "$dir"/*.hpp "$dir"/*.cpp)
fp=$(grep -nwE 'double|float' "$dir"/*.hpp "$dir"/*.cpp | grep -vE '^\S+:[0-9]+:\s*//')
if [ -n "$bad$fp" ]; then
  echo "engine/ must stay pure:"; echo "$bad"; echo "$fp"; exit 1
fi
echo "engine/ is pure"
