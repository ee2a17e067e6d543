#include "adapters/store/totals.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <tuple>
#include <utility>

namespace onestop::store {

using std::chrono::days;
using std::chrono::sys_days;

void add_fund(DetailRow& row, std::string fund, const Money& paid) {
  for (auto& entry : row.funds) {
    if (entry.fund == fund) {
      entry.paid += paid;
      return;
    }
  }
  row.funds.push_back({std::move(fund), paid});
}

std::vector<ReconciliationQuery> split_days(const ReconciliationQuery& query, std::size_t parts) {
  const auto to_days = [](const Date& d) {
    return sys_days{std::chrono::year{d.year()} / d.month() / d.day()};
  };
  const auto to_date = [](sys_days day) {
    const std::chrono::year_month_day ymd{day};
    return *Date::from_ymd(static_cast<int>(ymd.year()), static_cast<int>(unsigned(ymd.month())),
                           static_cast<int>(unsigned(ymd.day())));
  };
  const sys_days first = to_days(query.from);
  const auto count = static_cast<std::size_t>((to_days(query.to) - first).count() + 1);
  parts = std::max<std::size_t>(1, std::min(parts, count));
  std::vector<ReconciliationQuery> out;
  for (std::size_t i = 0; i < parts; ++i) {
    ReconciliationQuery part = query;
    part.from = to_date(first + days(static_cast<int>(count * i / parts)));
    part.to = to_date(first + days(static_cast<int>(count * (i + 1) / parts) - 1));
    out.push_back(std::move(part));
  }
  return out;
}

void TotalsBuilder::add(const DetailRow& row) {
  const bool settlement = row.kind == RecordKind::settlement;
  for (const auto& [fund, paid] : row.funds) {
    const auto key = std::tie(row.day, row.hospital_id, fund);
    auto it = std::lower_bound(rows_.begin(), rows_.end(), key, [](const TotalRow& t, auto k) {
      return std::tie(t.day, t.hospital_id, t.fund) < k;
    });
    if (it == rows_.end() || std::tie(it->day, it->hospital_id, it->fund) != key) {
      TotalRow total;
      total.day = row.day;
      total.hospital_id = row.hospital_id;
      total.fund = fund;
      it = rows_.insert(it, std::move(total));
    }
    (settlement ? it->settlements : it->cancellations) += 1;
    it->medical_total += row.total;
    it->fund_paid += paid;
    it->patient_pays += row.patient_pays;
  }
}

std::vector<TotalRow> TotalsBuilder::rows() const { return rows_; }

std::vector<TotalRow> sum_details(const ReconciliationQuery& query, std::size_t parts,
                                  const DetailWalk& details) {
  std::vector<std::future<std::vector<TotalRow>>> sums;
  for (const auto& part : split_days(query, parts)) {
    sums.push_back(std::async(std::launch::async, [&details, part] {
      TotalsBuilder totals;
      details(part, [&totals](const DetailRow& row) {
        totals.add(row);
        return true;
      });
      return totals.rows();
    }));
  }
  std::vector<TotalRow> rows;
  for (auto& sum : sums) {
    for (auto& row : sum.get()) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace onestop::store
