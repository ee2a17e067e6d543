#!/bin/sh
# The purity check itself: it passes on a pure file and fails on each way out of purity.
check=${1:?usage: check_engine_purity_test.sh CHECK_SCRIPT}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
write() { printf '#include <string>\n#include "engine/money.hpp"\n%s\nint f();\n' "$1" > "$tmp/x.hpp"; }
printf '#include "engine/x.hpp"\n' > "$tmp/x.cpp"
write '#include <vector>'
"$check" "$tmp" >/dev/null || { echo "a pure file was refused"; exit 1; }
failed=0
for line in '#include <filesystem>' '#include <cstdio>' '#include <chrono>' '#include <ctime>' \
    '#include <thread>' '#include <mutex>' '#include <atomic>' '#include <random>' \
    '#include <fstream>' '#include <iostream>' '#include <sstream>' '#include <cstdlib>' \
    '#include <Poco/JSON/Object.h>' '#include <sqlite3.h>' '#include "adapters/codec/json.hpp"' \
    '#include <boost/asio.hpp>' 'inline auto t = std::chrono::steady_clock::now();' \
    'inline const char* home = getenv("HOME");' 'inline double d = 0;'; do
  write "$line"
  if "$check" "$tmp" >/dev/null; then echo "not refused: $line"; failed=1; fi
done
[ "$failed" -eq 0 ] && echo "the purity check refuses every impurity tried"
exit "$failed"
