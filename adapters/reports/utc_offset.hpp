// The district's clock: reconciliation days are local calendar days, the ledger stamps UTC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace onestop::reports {

// Parses an offset from UTC, "+08:00", "-03:30" or "Z", into minutes; nullopt unless it is
// one of those forms within ±14:00.
std::optional<int> parse_utc_offset(std::string_view text);

// The offset as "+08:00".
std::string format_utc_offset(int minutes);

}  // namespace onestop::reports
