#include "adapters/sqlite/report_store.hpp"

#include <string>

namespace onestop::sqlite {

namespace detail {

using store::add_fund;

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

}  // namespace detail
}  // namespace onestop::sqlite
