#include "adapters/sqlite/report_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>

namespace onestop::sqlite {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::sys_days;
using std::chrono::sys_time;

namespace detail {
namespace {

// The fund paid, summed into the row's list (first appearance keeps its place).
void add_fund(DetailRow& row, std::string fund, const Money& paid) {
  for (auto& entry : row.funds) {
    if (entry.fund == fund) {
      entry.paid += paid;
      return;
    }
  }
  row.funds.push_back({std::move(fund), paid});
}

}  // namespace

}  // namespace detail

namespace detail {

void walk_details(Connection& db, const ReconciliationQuery& query,
                  const std::function<bool(const DetailRow&)>& visit) {
  Query q = db.query(
      "SELECT r.id, r.kind, r.cancels, r.recorded_at, r.hospital_id, r.bill_no, r.patient_id, "
      "r.total, r.fund_paid, r.patient_pays, l.fund, l.paid, v.special_disease "
      "FROM records r INDEXED BY records_reconciliation "
      "JOIN record_layers l ON l.record_id = r.id "
      "LEFT JOIN record_visits v ON v.record_id = r.id "
      "WHERE r.recorded_at >= ?1 AND r.recorded_at < ?2 "
      "AND (?3 IS NULL OR r.hospital_id = ?3) AND (?4 IS NULL OR l.fund = ?4) "
      "AND (?5 IS NULL OR (CASE WHEN v.record_id IS NULL THEN '21' ELSE '11' END) = ?5) "
      "ORDER BY r.recorded_at, r.id, l.position");
  const Date after_last = query.to;
  q.bind_all(local_day_start_utc(query.from, query.utc_offset_minutes),
             local_day_start_utc(after_last, query.utc_offset_minutes - 24 * 60), query.hospital_id,
             query.fund, query.clr_type);
  DetailRow row;
  std::string last_day_key;  // recorded_at up to the minute: the day changes only with it
  while (q.step()) {
    const std::int64_t id = q.int64(0);
    if (id != row.record_id) {
      if (row.record_id != 0 && !visit(row)) return;
      row.record_id = id;
      row.kind = q.text(1) == "cancellation" ? RecordKind::cancellation : RecordKind::settlement;
      row.cancels = q.is_null(2) ? std::nullopt : std::optional<std::int64_t>(q.int64(2));
      row.recorded_at = q.text(3);
      if (row.recorded_at.compare(0, 16, last_day_key) != 0) {
        auto day = local_day(row.recorded_at, query.utc_offset_minutes);
        if (!day) {
          throw DbError(SQLITE_CORRUPT, "record " + std::to_string(id) +
                                            " has a recorded_at that is no timestamp");
        }
        row.day = std::move(*day);
        last_day_key = row.recorded_at.substr(0, 16);
      }
      row.hospital_id = q.text(4);
      row.bill_no = q.text(5);
      row.patient_id = q.text(6);
      row.total = Money::from_fen(q.int64(7));
      row.fund_paid = Money::from_fen(q.int64(8));
      row.patient_pays = Money::from_fen(q.int64(9));
      row.special_disease = q.is_null(12) ? "" : q.text(12);
      row.funds.clear();
    }
    add_fund(row, q.text(10), Money::from_fen(q.int64(11)));
  }
  if (row.record_id != 0) visit(row);
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

}  // namespace detail
}  // namespace onestop::sqlite
