// onestop audit access: the API's access log (adapters/sqlite/access_log.hpp), filtered by local
// day, client and target. Part of `onestop audit`, whose options it shares.
#pragma once

#include <iosfwd>

#include "tools/onestop/cli.hpp"

namespace onestop::cli {

// Lists the access log by the options of `parsed` (--from, --to, --client, --target, --limit,
// --format, --db, --utc-offset, --config). Exit kOk, or kUsage after saying why.
int audit_access(const Parsed& parsed, std::ostream& out, std::ostream& err);

}  // namespace onestop::cli
