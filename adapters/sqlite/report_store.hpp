// The reporting reads of reports.hpp on one connection. Internal to adapters/sqlite.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/types.hpp"
#include "adapters/store/totals.hpp"

namespace onestop::sqlite::detail {

// Calls `visit` for each record of the query's days, with its funds, in (recorded_at, id)
// order, all in the caller's read transaction; stops when `visit` returns false. Throws DbError.
void walk_details(Connection& db, const ReconciliationQuery& query,
                  const std::function<bool(const DetailRow&)>& visit);

// Shared with the other engines (store/totals.hpp).
using store::split_days;
using store::TotalsBuilder;

}  // namespace onestop::sqlite::detail
