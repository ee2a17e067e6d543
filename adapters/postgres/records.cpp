#include "adapters/postgres/records.hpp"

#include <stdexcept>
#include <unordered_map>

#include "adapters/store/compact.hpp"
#include "adapters/store/derive.hpp"
#include "adapters/store/person_years.hpp"

namespace onestop::postgres::detail {
namespace {

using store::RecordKind;

// Every column of a record row, in the order record_from_row() reads them. cancelled_by is
// derived from the cancellation that names the record (in the same person's partition). The
// body is read as hex text so that no setting of bytea_output changes what is decoded.
constexpr const char* kSelectRecord =
    "SELECT r.id, r.kind, r.cancels, r.hospital_id, r.bill_no, r.patient_id, r.year, "
    "r.policy_id, r.policy_sha256, r.request_sha256, r.reason, r.recorded_at, r.total, "
    "r.fund_paid, r.patient_pays, r.admissions_delta, r.prev_hash, r.hash, "
    "(SELECT c.id FROM records c WHERE c.patient_id = r.patient_id AND c.cancels = r.id), "
    "r.special_disease, encode(r.body, 'hex'), r.person_seq, r.claim_json, r.result_json "
    "FROM records r ";

// SQLSTATE data_corrupted: a record that cannot be read as it was first answered.
PgError corrupt(const std::string& message) { return PgError("XX001", message); }

Money fen(const Rows& rows, int row, int column) {
  return Money::from_fen(rows.int64(row, column));
}

std::optional<std::int64_t> optional_id(const Rows& rows, int row, int column) {
  if (rows.is_null(row, column)) return std::nullopt;
  return rows.int64(row, column);
}

std::string from_hex(const std::string& hex) {
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) throw corrupt("a record body is no hex text");
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]);
    const int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) throw corrupt("a record body is no hex text");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// bytea's text input form of `bytes` ("\x" then hex), for a text parameter.
std::string bytea_text(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

// A record row read, with its body still encoded.
struct Row {
  StoredRecord record;
  std::string body;
  std::string unreadable;
};

StoredRecord record_from_row(const Rows& q, int i) {
  StoredRecord r;
  r.id = q.int64(i, 0);
  r.kind = q.text(i, 1) == "cancellation" ? RecordKind::cancellation : RecordKind::settlement;
  r.cancels = optional_id(q, i, 2);
  r.hospital_id = q.text(i, 3);
  r.bill_no = q.text(i, 4);
  r.patient_id = q.text(i, 5);
  r.year = static_cast<int>(q.int64(i, 6));
  r.policy_id = q.text(i, 7);
  r.policy_sha256 = q.text(i, 8);
  r.request_sha256 = q.text(i, 9);
  r.reason = q.text(i, 10);
  r.recorded_at = q.text(i, 11);
  r.total = fen(q, i, 12);
  r.fund_paid = fen(q, i, 13);
  r.patient_pays = fen(q, i, 14);
  r.movement.admissions = static_cast<int>(q.int64(i, 15));
  r.prev_hash = q.text(i, 16);
  r.hash = q.text(i, 17);
  r.cancelled_by = optional_id(q, i, 18);
  if (!q.is_null(i, 19)) r.special_disease = q.text(i, 19);
  // A server writes format 3; formats 1 and 2 come from a copied SQLite ledger.
  r.format = q.is_null(i, 20) ? 1 : q.is_null(i, 21) ? 2 : 3;
  if (r.format == 3) r.person_seq = q.int64(i, 21);
  if (r.format == 1) {
    r.claim_json = q.text(i, 22);
    r.result_json = q.text(i, 23);
  }
  return r;
}

// The layer rows and derived movements of every record of `rows`, two statements for all.
void load_layers(Connection& db, std::vector<Row>& rows) {
  if (rows.empty()) return;
  std::unordered_map<std::int64_t, StoredRecord*> by_id;
  std::vector<std::int64_t> ids;
  for (auto& row : rows) {
    by_id.emplace(row.record.id, &row.record);
    ids.push_back(row.record.id);
  }
  const std::string id_list = bigint_array(ids);
  const Rows layers = db.run(
      "SELECT record_id, layer_id, fund, paid, moved_paid, deductible_charged, base_cumulative, "
      "patient_share FROM record_layers WHERE record_id = ANY($1::bigint[]) "
      "ORDER BY record_id, position",
      Params::of(id_list));
  for (int i = 0; i < layers.size(); ++i) {
    StoredRecord& r = *by_id.at(layers.int64(i, 0));
    const std::string layer = layers.text(i, 1);
    r.layer_paid.emplace_back(layer, fen(layers, i, 3));
    r.layer_fund.push_back(layers.text(i, 2));
    const LayerTotals moved{fen(layers, i, 4), fen(layers, i, 5), fen(layers, i, 6),
                            fen(layers, i, 7)};
    if (!moved.is_zero()) r.movement.layers[layer] = moved;
  }
  const Rows derived = db.run(
      "SELECT record_id, key, paid, deductible_charged, base_cumulative, patient_share "
      "FROM record_movements WHERE record_id = ANY($1::bigint[])",
      Params::of(id_list));
  for (int i = 0; i < derived.size(); ++i) {
    StoredRecord& r = *by_id.at(derived.int64(i, 0));
    r.movement.layers[derived.text(i, 1)] = {fen(derived, i, 2), fen(derived, i, 3),
                                             fen(derived, i, 4), fen(derived, i, 5)};
  }
}

// The policy a settlement was settled under, from the ledger's policies table through the
// process's cache (a content hash names one text forever).
std::shared_ptr<const Policy> stored_policy(Connection& db, const std::string& sha256) {
  return store::cached_policy(sha256, [&] {
    std::optional<std::string> text = policy_text(db, sha256);
    if (!text) throw store::CorruptRecord("the ledger holds no policy " + sha256);
    return *text;
  });
}

// A record's claim and `before` from its body, and its result when asked for, derived again.
void derive_documents(Connection& db, StoredRecord& r, const std::string& body,
                      Documents documents) {
  const bool text = documents == Documents::claim || documents == Documents::all;
  store::Body decoded =
      store::decode_body(body, r.id, r.hospital_id, r.bill_no, r.patient_id, text);
  r.before = std::move(decoded.before);
  r.claim_json = std::move(decoded.claim_json);
  if (documents == Documents::all) {
    if (r.kind == RecordKind::cancellation) {
      r.result_json = store::cancellation_json(r);
    } else {
      r.result_json =
          store::derive_result(stored_policy(db, r.policy_sha256).get(), r, decoded.claim);
    }
  }
  if (documents == Documents::settlement && r.kind == RecordKind::settlement) {
    r.settlement = store::derive_settlement(*stored_policy(db, r.policy_sha256), r, decoded.claim);
  }
  if (decoded.compact) r.claim = std::move(decoded.claim);
}

// The records of a kSelectRecord result with their layers and the documents asked for. With
// `tolerant` (verify), a body that does not decode is noted in the row instead of thrown.
std::vector<Row> collect(Connection& db, const Rows& q, Documents documents, bool tolerant) {
  std::vector<Row> rows;
  rows.reserve(static_cast<std::size_t>(q.size()));
  for (int i = 0; i < q.size(); ++i) {
    rows.push_back({record_from_row(q, i), q.is_null(i, 20) ? "" : q.text(i, 20), {}});
  }
  load_layers(db, rows);
  for (auto& row : rows) {
    if (documents == Documents::none || !row.record.compact()) continue;
    try {
      derive_documents(db, row.record, from_hex(row.body), documents);
    } catch (const store::CorruptBody& e) {
      if (!tolerant) throw corrupt(e.what());
      row.unreadable = e.what();
    } catch (const store::CorruptRecord& e) {
      throw corrupt(e.what());
    }
  }
  return rows;
}

std::vector<StoredRecord> records_of(Connection& db, const Rows& q,
                                     Documents documents = Documents::all) {
  std::vector<StoredRecord> out;
  for (auto& row : collect(db, q, documents, false)) out.push_back(std::move(row.record));
  return out;
}

std::optional<StoredRecord> first(std::vector<StoredRecord> records) {
  if (records.empty()) return std::nullopt;
  return std::move(records.front());
}

std::vector<store::VerifyRecord> verify_records(Connection& db, const Rows& q) {
  std::vector<store::VerifyRecord> out;
  for (auto& row : collect(db, q, Documents::claim, true)) {
    out.push_back({std::move(row.record), std::move(row.unreadable), std::nullopt});
  }
  return out;
}

std::string_view kind_text(RecordKind kind) {
  return kind == RecordKind::settlement ? "settlement" : "cancellation";
}

}  // namespace

std::optional<StoredRecord> load_record(Connection& db, std::int64_t id, Documents documents) {
  const Rows q = db.run(std::string(kSelectRecord) + "WHERE r.id = $1", Params::of(id));
  return first(records_of(db, q, documents));
}

std::optional<StoredRecord> load_person_record(Connection& db, const std::string& patient_id,
                                               std::int64_t id, Documents documents) {
  const Rows q = db.run(std::string(kSelectRecord) + "WHERE r.patient_id = $1 AND r.id = $2",
                        Params::of(patient_id, id));
  return first(records_of(db, q, documents));
}

std::optional<StoredRecord> load_settlement_by_key(Connection& db, const std::string& hospital_id,
                                                   const std::string& bill_no) {
  const Rows key =
      db.run("SELECT patient_id, record_id FROM bills WHERE hospital_id = $1 AND bill_no = $2",
             Params::of(hospital_id, bill_no));
  if (key.empty()) return std::nullopt;
  std::optional<StoredRecord> r = load_person_record(db, key.text(0, 0), key.int64(0, 1));
  if (!r) throw corrupt("bill " + bill_no + " of " + hospital_id + " names no record");
  return r;
}

std::vector<StoredRecord> load_records_after(Connection& db, std::int64_t after_id, int limit,
                                             Documents documents) {
  const Rows q = db.run(std::string(kSelectRecord) + "WHERE r.id > $1 ORDER BY r.id LIMIT $2",
                        Params::of(after_id, limit));
  return records_of(db, q, documents);
}

std::vector<StoredRecord> load_year_after(Connection& db, int year, std::int64_t after_id,
                                          int limit, Documents documents) {
  const Rows q =
      db.run(std::string(kSelectRecord) + "WHERE r.year = $1 AND r.id > $2 ORDER BY r.id LIMIT $3",
             Params::of(year, after_id, limit));
  return records_of(db, q, documents);
}

std::vector<StoredRecord> load_person_year(Connection& db, const std::string& patient_id,
                                           int year) {
  const Rows q =
      db.run(std::string(kSelectRecord) + "WHERE r.patient_id = $1 AND r.year = $2 ORDER BY r.id",
             Params::of(patient_id, year));
  return records_of(db, q);
}

std::vector<std::int64_t> later_live_settlements(Connection& db, const std::string& patient_id,
                                                 int year, std::int64_t after_id) {
  const Rows q = db.run(
      "SELECT s.id FROM records s WHERE s.patient_id = $1 AND s.year = $2 AND s.id > $3 "
      "AND s.kind = 'settlement' AND NOT EXISTS (SELECT 1 FROM records c "
      "WHERE c.patient_id = s.patient_id AND c.cancels = s.id) ORDER BY s.id",
      Params::of(patient_id, year, after_id));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < q.size(); ++i) ids.push_back(q.int64(i, 0));
  return ids;
}

std::vector<store::VerifyRecord> load_verify_records_after(Connection& db, std::int64_t after_id,
                                                           int limit) {
  const Rows q = db.run(std::string(kSelectRecord) + "WHERE r.id > $1 ORDER BY r.id LIMIT $2",
                        Params::of(after_id, limit));
  return verify_records(db, q);
}

std::optional<store::VerifyRecord> load_verify_record(Connection& db, std::int64_t id) {
  const Rows q = db.run(std::string(kSelectRecord) + "WHERE r.id = $1", Params::of(id));
  auto records = verify_records(db, q);
  if (records.empty()) return std::nullopt;
  return std::move(records.front());
}

void insert_record(Batch& batch, const StoredRecord& r, std::string_view body) {
  Params p;
  p.add(r.id).add(r.patient_id);
  if (r.format >= 3) {
    p.add(r.person_seq);
  } else {
    p.add_null();
  }
  p.add(kind_text(r.kind));
  if (r.cancels) {
    p.add(*r.cancels);
  } else {
    p.add_null();
  }
  p.add(r.hospital_id).add(r.bill_no).add(r.year).add(r.policy_id).add(r.policy_sha256);
  p.add(r.request_sha256).add(r.reason).add(r.recorded_at);
  p.add(r.total.fen_i64()).add(r.fund_paid.fen_i64()).add(r.patient_pays.fen_i64());
  p.add(r.movement.admissions);
  if (r.special_disease.empty()) {
    p.add_null();
  } else {
    p.add(r.special_disease);
  }
  // A compact record keeps its body and not its documents; format 1 the other way round.
  if (r.compact()) {
    p.add(bytea_text(body)).add_null().add_null();
  } else {
    p.add_null().add(r.claim_json).add(r.result_json);
  }
  p.add(r.prev_hash).add(r.hash);
  batch.add(
      "INSERT INTO records (id, patient_id, person_seq, kind, cancels, hospital_id, bill_no, "
      "year, policy_id, policy_sha256, request_sha256, reason, recorded_at, total, fund_paid, "
      "patient_pays, admissions_delta, special_disease, body, claim_json, result_json, "
      "prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
      "$15, $16, $17, $18, $19, $20, $21, $22, $23)",
      std::move(p));
}

void insert_layers(Batch& batch, const StoredRecord& r) {
  if (r.layer_fund.size() != r.layer_paid.size()) {
    throw std::logic_error("record " + std::to_string(r.id) +
                           ": layer_fund and layer_paid differ in length");
  }
  std::size_t placed = 0;
  for (const auto& [layer, paid] : r.layer_paid) {
    if (!r.movement.of(layer).is_zero()) ++placed;
  }
  // The movement of derived keys (a visit's outpatient totals, engine/accumulators.hpp), which
  // have no layer row of their own.
  std::vector<std::pair<std::string, LayerTotals>> derived;
  for (const auto& [key, moved] : r.movement.layers) {
    if (owner_layer(key) != key) derived.emplace_back(key, moved);
  }
  if (placed != r.movement.layers.size() - derived.size()) {
    throw std::logic_error("record " + std::to_string(r.id) +
                           ": a layer moved accumulators without a layer row");
  }
  // A record's few rows repeat the same statement texts: prepared.
  insert_rows(
      batch,
      "INSERT INTO record_layers (patient_id, record_id, position, layer_id, fund, paid, "
      "moved_paid, deductible_charged, base_cumulative, patient_share)",
      10, r.layer_paid.size(),
      [&](std::size_t i, Params& p) {
        const auto& [layer, paid] = r.layer_paid[i];
        const LayerTotals moved = r.movement.of(layer);
        p.add(r.patient_id).add(r.id).add(static_cast<std::int64_t>(i)).add(layer);
        p.add(r.layer_fund[i]).add(paid.fen_i64()).add(moved.paid.fen_i64());
        p.add(moved.deductible_charged.fen_i64()).add(moved.base_cumulative.fen_i64());
        p.add(moved.patient_share.fen_i64());
      },
      true);
  insert_rows(
      batch,
      "INSERT INTO record_movements (patient_id, record_id, key, paid, deductible_charged, "
      "base_cumulative, patient_share)",
      7, derived.size(),
      [&](std::size_t i, Params& p) {
        const auto& [key, moved] = derived[i];
        p.add(r.patient_id).add(r.id).add(key).add(moved.paid.fen_i64());
        p.add(moved.deductible_charged.fen_i64()).add(moved.base_cumulative.fen_i64());
        p.add(moved.patient_share.fen_i64());
      },
      true);
}

std::size_t read_person_year(Batch& batch, const std::string& patient_id, int year) {
  return batch.add(
      "SELECT admissions, last_record_id, layers FROM person_years "
      "WHERE patient_id = $1 AND year = $2",
      Params::of(patient_id, year));
}

PersonYearState load_person_year_state(Connection& db, const std::string& patient_id, int year) {
  Batch batch;
  read_person_year(batch, patient_id, year);
  return person_year_state(db.send(batch).front(), patient_id, year);
}

PersonYearState person_year_state(const Rows& q, const std::string& patient_id, int year) {
  if (q.empty()) return {};
  PersonYearState state;
  try {
    state.accumulators = store::accumulators_from(q.text(0, 2));
  } catch (const std::invalid_argument& e) {
    throw corrupt("person_years.layers of " + patient_id + " in " + std::to_string(year) + ": " +
                  e.what());
  }
  state.accumulators.admissions = static_cast<int>(q.int64(0, 0));
  state.last_record_id = q.int64(0, 1);
  return state;
}

void store_person_year(Batch& batch, const std::string& patient_id, int year,
                       std::int64_t last_record_id, const PersonYearState& after) {
  batch.add_one_row(
      "INSERT INTO person_years (patient_id, year, admissions, last_record_id, layers) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (patient_id, year) DO UPDATE SET "
      "admissions = excluded.admissions, last_record_id = excluded.last_record_id, "
      "layers = excluded.layers WHERE person_years.last_record_id = $6",
      Params::of(patient_id, year, after.accumulators.admissions, after.last_record_id,
                 store::layers_json(after.accumulators), last_record_id),
      "the accumulators of " + patient_id + " in " + std::to_string(year) + " moved since record " +
          std::to_string(last_record_id) + " without its person's lock");
}

std::map<std::pair<std::string, int>, store::PersonYearRow> load_all_person_years(Connection& db) {
  std::map<std::pair<std::string, int>, store::PersonYearRow> all;
  const Rows q =
      db.run("SELECT patient_id, year, admissions, last_record_id, layers FROM person_years");
  for (int i = 0; i < q.size(); ++i) {
    store::PersonYearRow row;
    try {
      row.accumulators = store::accumulators_from(q.text(i, 4));
    } catch (const std::invalid_argument& e) {
      row.unreadable = std::string("person_years.layers: ") + e.what();
    }
    row.accumulators.admissions = static_cast<int>(q.int64(i, 2));
    row.last_record_id = q.int64(i, 3);
    all.emplace(std::make_pair(q.text(i, 0), static_cast<int>(q.int64(i, 1))), std::move(row));
  }
  return all;
}

std::optional<std::string> policy_text(Connection& db, const std::string& sha256) {
  const Rows q = db.run("SELECT text FROM policies WHERE sha256 = $1", Params::of(sha256));
  if (q.empty()) return std::nullopt;
  return q.text(0, 0);
}

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string bigint_array(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (const auto v : values) {
    if (out.size() > 1) out += ',';
    out += std::to_string(v);
  }
  return out + "}";
}

}  // namespace onestop::postgres::detail
