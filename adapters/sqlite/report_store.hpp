// The reporting reads of reports.hpp on one connection. Internal to adapters/sqlite.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/types.hpp"

namespace onestop::sqlite::detail {

// Calls `visit` for each record of the query's days, with its funds, in (recorded_at, id)
// order, all in the caller's read transaction; stops when `visit` returns false. Throws DbError.
void walk_details(Connection& db, const ReconciliationQuery& query,
                  const std::function<bool(const DetailRow&)>& visit);

// The query's days cut into at most `parts` consecutive ranges of (nearly) equal length, in
// order; each keeps the query's offset, hospital and fund. At least one range.
std::vector<ReconciliationQuery> split_days(const ReconciliationQuery& query, std::size_t parts);

// Adds one detail row to the totals it belongs to (one per fund of the row).
class TotalsBuilder {
 public:
  void add(const DetailRow& row);
  // The totals ordered by day, hospital, fund.
  std::vector<TotalRow> rows() const;

 private:
  std::vector<TotalRow> rows_;  // kept sorted; a month has a few thousand keys at most
};

}  // namespace onestop::sqlite::detail
