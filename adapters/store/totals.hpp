// The reconciliation totals as every engine makes them: the details summed (so they cannot
// disagree with them), and the days cut into parts that can be summed side by side.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "adapters/store/reports.hpp"

namespace onestop::store {

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

// Adds `paid` to the row's entry for `fund`, or appends one (the first appearance of a fund
// keeps its place: the funds of a detail row stand in layer order).
void add_fund(DetailRow& row, std::string fund, const Money& paid);

// The totals of `query`, the details summed so they cannot disagree with them. Days are
// independent: the range is cut into `parts` consecutive parts summed side by side, each walked
// with `details` on a thread of its own, and since no row of one part shares a day with
// another, the parts' rows simply follow each other in order.
using DetailWalk =
    std::function<void(const ReconciliationQuery&, const std::function<bool(const DetailRow&)>&)>;
std::vector<TotalRow> sum_details(const ReconciliationQuery& query, std::size_t parts,
                                  const DetailWalk& details);

}  // namespace onestop::store
