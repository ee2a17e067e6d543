#!/bin/sh
# Fails when engine/ reaches for I/O, a clock, threads, randomness, the environment, a framework,
# or binary floating point. Includes are checked against an allowlist (a header not on it fails,
# so a new way to reach the OS cannot slip in unnoticed); quoted includes must be engine's own.
dir=${1:?usage: check_engine_purity.sh ENGINE_DIR}
allowed='algorithm|array|bit|cassert|cctype|charconv|compare|concepts|cstddef|cstdint|cstring|'\
'exception|functional|initializer_list|iterator|limits|map|memory|numeric|optional|set|span|'\
'stdexcept|string|string_view|tuple|type_traits|unordered_map|unordered_set|utility|variant|'\
'vector|boost/multiprecision/[a-z_/]+\.hpp|boost/container/[a-z_/]+\.hpp'
includes=$(grep -nE '^\s*#\s*include' "$dir"/*.hpp "$dir"/*.cpp)
bad=$(printf '%s\n' "$includes" | grep -vE "#\s*include\s*(<($allowed)>|\"engine/[a-z_]+\.hpp\")\s*(//.*)?$" \
  | grep -v '^$')
# Calls that read the world without an include of their own (they come in through others).
calls=$(grep -nE '\b(std::chrono|getenv|std::rand|srand|time\(|clock\(|printf|std::cout|std::cerr|fopen)\b' \
  "$dir"/*.hpp "$dir"/*.cpp | grep -vE '^\S+:[0-9]+:\s*//')
fp=$(grep -nwE 'double|float' "$dir"/*.hpp "$dir"/*.cpp | grep -vE '^\S+:[0-9]+:\s*//')
if [ -n "$bad$calls$fp" ]; then
  echo "engine/ must stay pure:"; echo "$bad"; echo "$calls"; echo "$fp"; exit 1
fi
echo "engine/ is pure"
