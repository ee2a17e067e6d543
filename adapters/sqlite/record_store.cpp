#include "adapters/sqlite/record_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "adapters/sqlite/derive.hpp"
#include "adapters/store/compact.hpp"
#include "adapters/store/person_years.hpp"

namespace onestop::sqlite::detail {
namespace {

using store::accumulators_from;
using store::layers_json;

// Every column of a record row, in the order record_from_row() reads them; cancelled_by is
// derived from the cancellation that names the record.
// `claim` and `result` are the expressions of those two columns: a scan that needs neither
// selects '' and never reads the overflow pages that hold them.
std::string select_record(std::string_view claim, std::string_view result) {
  return "SELECT r.id, r.kind, r.cancels, r.hospital_id, r.bill_no, r.patient_id, r.year, "
         "r.policy_id, r.policy_sha256, r.request_sha256, " +
         std::string(claim) + ", " + std::string(result) +
         ", r.reason, r.recorded_at, r.total, r.fund_paid, r.patient_pays, r.admissions_delta, "
         "r.prev_hash, r.hash, (SELECT c.id FROM records c WHERE c.cancels = r.id), "
         "(SELECT v.special_disease FROM record_visits v WHERE v.record_id = r.id), r.body, "
         "r.person_seq FROM records r ";
}
const std::string kSelectRecord = select_record("r.claim_json", "r.result_json");

// The amount in fen stored in `column`.
Money fen(const Query& q, int column) { return Money::from_fen(q.int64(column)); }

// A nullable id column.
std::optional<std::int64_t> optional_id(const Query& q, int column) {
  if (q.is_null(column)) return std::nullopt;
  return q.int64(column);
}

// The record of the current row of a kSelectRecord query, without its layers.
StoredRecord record_from_row(const Query& q) {
  StoredRecord r;
  r.id = q.int64(0);
  r.kind = q.text(1) == "cancellation" ? RecordKind::cancellation : RecordKind::settlement;
  r.cancels = optional_id(q, 2);
  r.hospital_id = q.text(3);
  r.bill_no = q.text(4);
  r.patient_id = q.text(5);
  r.year = static_cast<int>(q.int64(6));
  r.policy_id = q.text(7);
  r.policy_sha256 = q.text(8);
  r.request_sha256 = q.text(9);
  r.claim_json = q.text(10);
  r.result_json = q.text(11);
  r.reason = q.text(12);
  r.recorded_at = q.text(13);
  r.total = fen(q, 14);
  r.fund_paid = fen(q, 15);
  r.patient_pays = fen(q, 16);
  r.movement.admissions = static_cast<int>(q.int64(17));
  r.prev_hash = q.text(18);
  r.hash = q.text(19);
  r.cancelled_by = optional_id(q, 20);
  if (!q.is_null(21)) r.special_disease = q.text(21);
  r.format = q.is_null(22) ? 1 : q.is_null(23) ? 2 : 3;
  if (r.format == 3) r.person_seq = q.int64(23);
  return r;
}

// A compact record's claim and `before` from its body, and its result when asked for, derived.
void derive_documents(Connection& db, StoredRecord& r, const std::string& body,
                      Documents documents) {
  const bool text = documents == Documents::claim || documents == Documents::all;
  store::Body decoded = [&] {
    try {
      return store::decode_body(body, r.id, r.hospital_id, r.bill_no, r.patient_id, text);
    } catch (const store::CorruptBody& e) {
      throw DbError(SQLITE_CORRUPT, e.what());
    }
  }();
  r.before = std::move(decoded.before);
  r.claim_json = std::move(decoded.claim_json);
  if (documents == Documents::all) r.result_json = derive_result(db, r, decoded.claim);
  if (documents == Documents::settlement && r.kind == RecordKind::settlement) {
    r.settlement = derive_settlement(db, r, decoded.claim);
  }
  if (decoded.compact) r.claim = std::move(decoded.claim);
}

// One layer row of `r` (columns from `at`: layer_id, fund, paid, then the four moved totals).
void add_layer(StoredRecord& r, const Query& q, int at) {
  const std::string layer = q.text(at);
  r.layer_paid.emplace_back(layer, fen(q, at + 2));
  r.layer_fund.push_back(q.text(at + 1));
  const LayerTotals moved{fen(q, at + 3), fen(q, at + 4), fen(q, at + 5), fen(q, at + 6)};
  if (!moved.is_zero()) r.movement.layers[layer] = moved;
}

// One derived movement row of `r` (columns from `at`: key, then the four totals).
void add_movement(StoredRecord& r, const Query& q, int at) {
  r.movement.layers[q.text(at)] = {fen(q, at + 1), fen(q, at + 2), fen(q, at + 3), fen(q, at + 4)};
}

// Fills layer_paid, layer_fund and the layers of the movement from the record's layer rows.
void load_layers(Connection& db, StoredRecord& r) {
  Query q = db.query(
      "SELECT layer_id, fund, paid, moved_paid, deductible_charged, base_cumulative, "
      "patient_share FROM record_layers WHERE record_id = ?1 ORDER BY position");
  q.bind_all(r.id);
  while (q.step()) add_layer(r, q, 0);
  Query derived = db.query(
      "SELECT key, paid, deductible_charged, base_cumulative, patient_share "
      "FROM record_movements WHERE record_id = ?1");
  derived.bind_all(r.id);
  while (derived.step()) add_movement(r, derived, 0);
}

// The layers of every record of `rows` (ascending ids): one range read of each table, merged
// with the rows, instead of two lookups per record. Rows spread thinly over many ids (a year's
// records among other years') are read one by one, so a range never reads far more than asked.
void load_layers(Connection& db, std::vector<Row>& rows) {
  if (rows.empty()) return;
  const std::int64_t lo = rows.front().record.id;
  const std::int64_t hi = rows.back().record.id;
  const bool ascending = std::is_sorted(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.record.id < b.record.id;
  });
  if (!ascending || rows.size() < 4 || hi - lo >= 4 * static_cast<std::int64_t>(rows.size())) {
    for (auto& row : rows) load_layers(db, row.record);
    return;
  }
  // Calls add(record, query) for each row of `q` (its column 0 a record id, ascending) whose
  // record is among `rows`.
  const auto merge = [&rows](Query& q, auto add) {
    std::size_t at = 0;
    while (q.step()) {
      const std::int64_t id = q.int64(0);
      while (at < rows.size() && rows[at].record.id < id) ++at;
      if (at == rows.size()) break;
      if (rows[at].record.id == id) add(rows[at].record, q);
    }
    q.reset();
  };
  Query layers = db.query(
      "SELECT record_id, layer_id, fund, paid, moved_paid, deductible_charged, base_cumulative, "
      "patient_share FROM record_layers WHERE record_id BETWEEN ?1 AND ?2 "
      "ORDER BY record_id, position");
  layers.bind_all(lo, hi);
  merge(layers, [](StoredRecord& r, const Query& q) { add_layer(r, q, 1); });
  Query derived = db.query(
      "SELECT record_id, key, paid, deductible_charged, base_cumulative, patient_share "
      "FROM record_movements WHERE record_id BETWEEN ?1 AND ?2 ORDER BY record_id");
  derived.bind_all(lo, hi);
  merge(derived, [](StoredRecord& r, const Query& q) { add_movement(r, q, 1); });
}

// Runs a kSelectRecord query bound by the caller and returns its rows with their layers, the
// bodies left undecoded; `expected` rows are made room for.
std::vector<Row> collect_rows(Connection& db, Query& q, std::size_t expected = 0) {
  std::vector<Row> rows;
  rows.reserve(expected);
  while (q.step()) {
    Row& row = rows.emplace_back(Row{record_from_row(q), {}});
    if (row.record.compact()) row.body = q.blob(22);
  }
  q.reset();
  load_layers(db, rows);
  return rows;
}

// Runs a kSelectRecord query bound by the caller and returns its records with their layers
// and, for a compact record, `before` and the documents asked for, derived.
std::vector<StoredRecord> collect(Connection& db, Query& q, Documents documents = Documents::all) {
  std::vector<Row> rows = collect_rows(db, q);
  std::vector<StoredRecord> records;
  records.reserve(rows.size());
  for (auto& row : rows) {
    if (row.record.compact() && documents != Documents::none) {
      derive_documents(db, row.record, row.body, documents);
    }
    records.push_back(std::move(row.record));
  }
  return records;
}

// The only record of a query by key, or nullopt.
std::optional<StoredRecord> first(std::vector<StoredRecord> records) {
  if (records.empty()) return std::nullopt;
  return std::move(records.front());
}

// The state of a person_years row of (admissions, last_record_id, layers) from `at`. Throws
// std::invalid_argument when the layers text does not read.
PersonYearState person_year_from_row(const Query& q, int at) {
  PersonYearState state;
  state.accumulators = accumulators_from(q.text(at + 2));
  state.accumulators.admissions = static_cast<int>(q.int64(at));
  state.last_record_id = q.int64(at + 1);
  return state;
}

}  // namespace

std::string_view to_string(RecordKind kind) {
  return kind == RecordKind::settlement ? "settlement" : "cancellation";
}

ChainHead load_chain_head(Connection& db) {
  Query q = db.query("SELECT id, hash FROM records ORDER BY id DESC LIMIT 1");
  if (!q.step()) return {};
  return {q.int64(0), q.text(1)};
}

std::optional<StoredRecord> load_record(Connection& db, std::int64_t id, Documents documents) {
  Query q = db.query(kSelectRecord + "WHERE r.id = ?1");
  q.bind_all(id);
  return first(collect(db, q, documents));
}

std::optional<StoredRecord> load_settlement_by_key(Connection& db, const std::string& hospital_id,
                                                   const std::string& bill_no) {
  Query q = db.query(kSelectRecord +
                     "WHERE r.hospital_id = ?1 AND r.bill_no = ?2 AND r.kind = 'settlement'");
  q.bind_all(hospital_id, bill_no);
  return first(collect(db, q));
}

std::vector<StoredRecord> load_records_after(Connection& db, std::int64_t after_id, int limit,
                                             Documents documents) {
  Query q = db.query(kSelectRecord + "WHERE r.id > ?1 ORDER BY r.id LIMIT ?2");
  q.bind_all(after_id, limit);
  return collect(db, q, documents);
}

std::vector<Row> load_rows_after(Connection& db, std::int64_t after_id, int limit) {
  Query q = db.query(kSelectRecord + "WHERE r.id > ?1 ORDER BY r.id LIMIT ?2");
  q.bind_all(after_id, limit);
  return collect_rows(db, q, static_cast<std::size_t>(std::max(limit, 0)));
}

std::vector<StoredRecord> load_year_after(Connection& db, int year, std::int64_t after_id,
                                          int limit, Documents documents) {
  static const std::string kWhere = "WHERE r.year = ?1 AND r.id > ?2 ORDER BY r.id LIMIT ?3";
  static const std::string kNone = select_record("''", "''") + kWhere;
  static const std::string kClaim = select_record("r.claim_json", "''") + kWhere;
  static const std::string kAll = kSelectRecord + kWhere;
  // `settlement` reads a format 1 record's stored result_json; a compact one has none.
  const std::string& sql = documents == Documents::none ? kNone
                           : documents == Documents::decoded || documents == Documents::claim
                               ? kClaim
                               : kAll;
  Query q = db.query(sql);
  q.bind_all(year, after_id, limit);
  return collect(db, q, documents);
}

std::vector<StoredRecord> load_person_year(Connection& db, const std::string& patient_id,
                                           int year) {
  Query q = db.query(kSelectRecord + "WHERE r.patient_id = ?1 AND r.year = ?2 ORDER BY r.id");
  q.bind_all(patient_id, year);
  return collect(db, q);
}

std::vector<std::int64_t> later_live_settlements(Connection& db, const std::string& patient_id,
                                                 int year, std::int64_t after_id) {
  Query q = db.query(
      "SELECT s.id FROM records s WHERE s.patient_id = ?1 AND s.year = ?2 AND s.id > ?3 "
      "AND s.kind = 'settlement' AND NOT EXISTS (SELECT 1 FROM records c WHERE c.cancels = s.id) "
      "ORDER BY s.id");
  q.bind_all(patient_id, year, after_id);
  std::vector<std::int64_t> ids;
  while (q.step()) ids.push_back(q.int64(0));
  return ids;
}

bool insert_record(Connection& db, const StoredRecord& r, std::string_view body) {
  Query q = db.query(
      "INSERT INTO records (id, kind, cancels, hospital_id, bill_no, patient_id, year, "
      "policy_id, policy_sha256, request_sha256, reason, recorded_at, total, fund_paid, "
      "patient_pays, admissions_delta, prev_hash, hash, claim_json, result_json, body, "
      "person_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
      "?16, ?17, ?18, ?19, ?20, ?21, ?22)");
  // Format 1 keeps its documents verbatim and no body; a compact record '' and its body; only
  // format 3 has a place in a person's chain.
  q.bind_all(r.id, to_string(r.kind), r.cancels, r.hospital_id, r.bill_no, r.patient_id, r.year,
             r.policy_id, r.policy_sha256, r.request_sha256, r.reason, r.recorded_at,
             r.total.fen_i64(), r.fund_paid.fen_i64(), r.patient_pays.fen_i64(),
             r.movement.admissions, r.prev_hash, r.hash, r.compact() ? "" : r.claim_json,
             r.compact() ? "" : r.result_json);
  if (r.compact()) q.bind(21, Blob{body});
  if (r.format >= 3) q.bind(22, r.person_seq);
  return q.run_unless_duplicate();
}

// Writes what a visit's record has beyond an admission's (domain.md §3.6): its disease, and the
// movement of the derived accumulator keys (engine/accumulators.hpp: outpatient deductible,
// payment per disease), which have no layer row; returns how many keys it wrote.
std::size_t insert_derived(Connection& db, const StoredRecord& r) {
  if (!r.special_disease.empty()) {
    Query visit =
        db.query("INSERT INTO record_visits (record_id, special_disease) VALUES (?1, ?2)");
    visit.bind_all(r.id, r.special_disease);
    visit.run();
  }
  std::size_t n = 0;
  Query q = db.query(
      "INSERT INTO record_movements (record_id, key, paid, deductible_charged, base_cumulative, "
      "patient_share) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  for (const auto& [key, moved] : r.movement.layers) {
    if (owner_layer(key) == key) continue;
    q.bind_all(r.id, key, moved.paid.fen_i64(), moved.deductible_charged.fen_i64(),
               moved.base_cumulative.fen_i64(), moved.patient_share.fen_i64());
    q.run();
    q.reset();
    ++n;
  }
  return n;
}

void insert_layers(Connection& db, const StoredRecord& r) {
  if (r.layer_fund.size() != r.layer_paid.size()) {
    throw std::logic_error("record " + std::to_string(r.id) +
                           ": layer_fund and layer_paid differ in length");
  }
  std::size_t placed = 0;
  Query q = db.query(
      "INSERT INTO record_layers (record_id, position, layer_id, fund, paid, moved_paid, "
      "deductible_charged, base_cumulative, patient_share) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  for (std::size_t i = 0; i < r.layer_paid.size(); ++i) {
    const auto& [layer, paid] = r.layer_paid[i];
    const LayerTotals moved = r.movement.of(layer);
    if (!moved.is_zero()) ++placed;
    q.bind_all(r.id, static_cast<std::int64_t>(i), layer, r.layer_fund[i], paid.fen_i64(),
               moved.paid.fen_i64(), moved.deductible_charged.fen_i64(),
               moved.base_cumulative.fen_i64(), moved.patient_share.fen_i64());
    q.run();
    q.reset();
  }
  if (placed != r.movement.layers.size() - insert_derived(db, r)) {
    throw std::logic_error("record " + std::to_string(r.id) +
                           ": a layer moved accumulators without a layer row");
  }
}

void store_person_year(Connection& db, const std::string& patient_id, int year,
                       std::int64_t last_record_id, const PersonYearState& after) {
  Query q = db.query(
      "INSERT INTO person_years (patient_id, year, admissions, last_record_id, layers) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (patient_id, year) DO UPDATE SET "
      "admissions = excluded.admissions, last_record_id = excluded.last_record_id, "
      "layers = excluded.layers WHERE person_years.last_record_id = ?6");
  q.bind_all(patient_id, year, after.accumulators.admissions, after.last_record_id,
             layers_json(after.accumulators), last_record_id);
  q.run();
  if (sqlite3_changes(db.handle()) != 1) {
    throw DbError(SQLITE_ERROR, "the accumulators of " + patient_id + " in " +
                                    std::to_string(year) + " moved since record " +
                                    std::to_string(last_record_id) + " (another writer?)");
  }
}

PersonYearState load_person_year_state(Connection& db, const std::string& patient_id, int year) {
  Query q = db.query(
      "SELECT admissions, last_record_id, layers FROM person_years "
      "WHERE patient_id = ?1 AND year = ?2");
  q.bind_all(patient_id, year);
  if (!q.step()) return {};
  try {
    return person_year_from_row(q, 0);
  } catch (const std::invalid_argument& e) {
    throw DbError(SQLITE_CORRUPT, "person_years.layers of " + patient_id + " in " +
                                      std::to_string(year) + ": " + e.what());
  }
}

std::map<std::pair<std::string, int>, PersonYearState> load_all_accumulators(Connection& db) {
  std::map<std::pair<std::string, int>, PersonYearState> all;
  Query q =
      db.query("SELECT patient_id, year, admissions, last_record_id, layers FROM person_years");
  while (q.step()) {
    std::string patient_id = q.text(0);
    const int year = static_cast<int>(q.int64(1));
    PersonYearState state;
    try {
      state = person_year_from_row(q, 2);
    } catch (const std::invalid_argument& e) {
      state.unreadable = std::string("person_years.layers: ") + e.what();
    }
    all.emplace(std::make_pair(std::move(patient_id), year), std::move(state));
  }
  return all;
}

}  // namespace onestop::sqlite::detail
