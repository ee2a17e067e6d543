// The national interface's tables (schema version 4) on PostgreSQL (national_store.hpp), for
// several servers on one database. SQLite has one writer at a time and each server answers one
// message at a time, so there what a transaction read before its commit still holds when it
// commits; here another server may commit in between. So a commit claims its keys first, by
// INSERT ... ON CONFLICT DO NOTHING (the message's (fixmedins_code, msgid) before anything
// else: a second server answering the same message waits on the first's uncommitted row and
// then finds it taken, without writing the effects twice), and locks the visit's row before
// changing the visit or its fee lines, checking the state machine (check_visit_change) on what
// the lock shows. A key found taken or a state moved on is the interface's refusal, never a
// database error.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "adapters/postgres/open.hpp"
#include "adapters/postgres/pg.hpp"
#include "adapters/postgres/schema.hpp"

namespace onestop::postgres {
namespace {

using detail::Connection;
using detail::Params;
using detail::Rows;
using national::Change;
using national::FeeLine;
using national::Person;
using national::StoredFile;
using national::StoredMessage;
using national::TifClient;
using national::Visit;

// Raised inside a commit to end it with this refusal (rolled back).
struct Refused {
  Error error;
};

Error duplicate(const std::string& field, const std::string& value) {
  return Error{"duplicate", field,
               field + ": " + value + " 已存在 (another message wrote it first)"};
}

// Diagnoses as one text, one per line, as the SQLite tables keep them.
std::string join_lines(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : "\n") + v;
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// Epoch seconds, as the SQLite tables record them.
std::string now_utc() {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return std::to_string(secs.count());
}

std::optional<std::string> id_or_null(const std::optional<std::int64_t>& id) {
  return id ? std::optional<std::string>(std::to_string(*id)) : std::nullopt;
}

constexpr const char* kVisitColumns =
    "id, mdtrt_id, fixmedins_code, hospital_id, psn_no, insutype, med_type, mdtrt_cert_type, "
    "begntime, endtime, diagnoses, state, settle_seq, setl_id FROM national_visits";

Visit visit_from_row(const Rows& rows, int r) {
  Visit v;
  v.id = rows.int64(r, 0);
  v.mdtrt_id = rows.text(r, 1);
  v.fixmedins_code = rows.text(r, 2);
  v.hospital_id = rows.text(r, 3);
  v.psn_no = rows.text(r, 4);
  v.insutype = rows.text(r, 5);
  v.med_type = rows.text(r, 6);
  v.mdtrt_cert_type = rows.text(r, 7);
  v.begntime = rows.text(r, 8);
  v.endtime = rows.text(r, 9);
  v.diagnoses = split_lines(rows.text(r, 10));
  v.state = rows.text(r, 11);
  v.settle_seq = static_cast<int>(rows.int64(r, 12));
  if (!rows.is_null(r, 13)) v.setl_id = rows.int64(r, 13);
  return v;
}

// The advisory locks of admissions: the two-key form (this class, a hash of hospital and
// person), a key space apart from the one-key locks of the migrations and the sealer.
constexpr std::int64_t kAdmissionLocks = 2401;

void claim_message(Connection& db, const Change& c) {
  const Rows inserted = db.run(
      "INSERT INTO national_messages (fixmedins_code, msgid, infno, input_sha256, answer, "
      "mdtrt_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
      Params::of(c.fixmedins_code, c.msgid, c.infno, c.input_sha256, c.answer, c.mdtrt_id,
                 now_utc()));
  if (inserted.affected() == 0) throw Refused{duplicate("msgid", c.msgid)};
}

// ON CONFLICT without a target: the id and the mdtrt_id are both the visit's keys. Then the
// person's other open admissions: the lock on (hospital, person), taken first and held to the
// end of the transaction, serializes two servers admitting one person, and the check after it
// sees what the other committed (READ COMMITTED reads anew at each statement).
void insert_visit(Connection& db, const Visit& v) {
  db.run("SELECT pg_advisory_xact_lock($1::integer, hashtext($2))",
         Params::of(kAdmissionLocks, v.fixmedins_code + "/" + v.psn_no));
  const Rows inserted = db.run(
      "INSERT INTO national_visits (id, mdtrt_id, fixmedins_code, hospital_id, psn_no, insutype, "
      "med_type, mdtrt_cert_type, begntime, endtime, diagnoses, state, settle_seq, setl_id, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
      "ON CONFLICT DO NOTHING",
      Params::of(v.id, v.mdtrt_id, v.fixmedins_code, v.hospital_id, v.psn_no, v.insutype,
                 v.med_type, v.mdtrt_cert_type, v.begntime, v.endtime, join_lines(v.diagnoses),
                 v.state, v.settle_seq, id_or_null(v.setl_id), now_utc()));
  if (inserted.affected() == 0) throw Refused{duplicate("mdtrt_id", v.mdtrt_id)};
  const Rows open = db.run(
      "SELECT 1 FROM national_visits WHERE fixmedins_code = $1 AND psn_no = $2 "
      "AND state IN ('admitted', 'discharged') AND mdtrt_id <> $3 LIMIT 1",
      Params::of(v.fixmedins_code, v.psn_no, v.mdtrt_id));
  if (!open.empty()) throw Refused{national::open_admission(v.psn_no)};
}

// Locks the visit's row, then checks the change against it. The lines are counted by a
// statement of their own: under READ COMMITTED it sees what the holder of the lock committed.
void lock_and_check_visit(Connection& db, const Change& c) {
  const Rows locked =
      db.run("SELECT state, settle_seq FROM national_visits WHERE mdtrt_id = $1 FOR UPDATE",
             Params::of(c.mdtrt_id));
  if (locked.empty()) {
    throw Refused{Error{"visit_changed", "mdtrt_id",
                        "mdtrt_id: 就诊信息不存在 (no visit " + c.mdtrt_id + ")"}};
  }
  const std::int64_t lines =
      db.run("SELECT count(*) FROM national_fee_lines WHERE mdtrt_id = $1", Params::of(c.mdtrt_id))
          .int64(0, 0);
  if (auto e = national::check_visit_change(locked.text(0, 0), static_cast<int>(locked.int64(0, 1)),
                                            lines, c)) {
    throw Refused{*e};
  }
}

void write_change(Connection& db, const Change& c) {
  if (!c.infno.empty()) claim_message(db, c);
  if (c.insert_visit) insert_visit(db, *c.insert_visit);
  if (c.update_visit || !c.add_lines.empty() || !c.remove_lines.empty() || c.remove_all_lines) {
    lock_and_check_visit(db, c);
  }
  if (c.update_visit) {
    const Visit& v = *c.update_visit;
    db.run(
        "UPDATE national_visits SET endtime = $2, diagnoses = $3, state = $4, settle_seq = $5, "
        "setl_id = $6, updated_at = $7 WHERE mdtrt_id = $1",
        Params::of(v.mdtrt_id, v.endtime, join_lines(v.diagnoses), v.state, v.settle_seq,
                   id_or_null(v.setl_id), now_utc()));
  }
  if (c.remove_all_lines) {
    db.run("DELETE FROM national_fee_lines WHERE mdtrt_id = $1", Params::of(c.mdtrt_id));
  }
  for (const std::string& sn : c.remove_lines) {
    db.run("DELETE FROM national_fee_lines WHERE mdtrt_id = $1 AND feedetl_sn = $2",
           Params::of(c.mdtrt_id, sn));
  }
  for (const FeeLine& l : c.add_lines) {
    const Rows inserted = db.run(
        "INSERT INTO national_fee_lines (mdtrt_id, feedetl_sn, init_feedetl_sn, med_list_codg, "
        "fee_ocur_time, cnt, pric, msgid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT DO NOTHING",
        Params::of(c.mdtrt_id, l.feedetl_sn, l.init_feedetl_sn, l.med_list_codg, l.fee_ocur_time,
                   l.cnt, l.pric, l.msgid));
    if (inserted.affected() == 0) throw Refused{duplicate("feedetl_sn", l.feedetl_sn)};
  }
  if (c.reversed_msgid) {
    // Only a message not reversed yet: two servers reversing it, one does.
    const Rows reversed = db.run(
        "UPDATE national_messages SET reversed_by = $3 WHERE fixmedins_code = $1 AND msgid = $2 "
        "AND reversed_by IS NULL",
        Params::of(c.fixmedins_code, *c.reversed_msgid, c.msgid));
    if (reversed.affected() == 0) throw Refused{duplicate("omsgid", *c.reversed_msgid)};
  }
  if (c.add_file) {
    const Rows inserted = db.run(
        "INSERT INTO national_files (file_qury_no, fixmedins_code, filename, content_base64, "
        "created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        Params::of(c.add_file->file_qury_no, c.fixmedins_code, c.add_file->filename,
                   c.add_file->content_base64, now_utc()));
    if (inserted.affected() == 0) {
      throw Refused{duplicate("file_qury_no", c.add_file->file_qury_no)};
    }
  }
}

class PgNationalStore final : public national::Store {
 public:
  explicit PgNationalStore(const std::string& uri) : pool_(uri, 4) {}

  Result<std::optional<TifClient>> tif_client(std::string_view paasid) override {
    return detail::guarded(pool_, [&](Connection& db) -> std::optional<TifClient> {
      const Rows rows = db.run(
          "SELECT k.hash, c.name, c.role, coalesce(c.hospital_id, '') "
          "FROM client_keys k JOIN clients c ON c.name = k.client "
          "WHERE k.key_id = $1 AND c.revoked_at IS NULL",
          Params::of(paasid));
      if (rows.empty()) return std::nullopt;
      const auto role = store::parse_role(rows.text(0, 2));
      if (!role) return std::nullopt;
      return TifClient{store::Principal{rows.text(0, 1), *role, rows.text(0, 3)}, rows.text(0, 0)};
    });
  }

  Result<std::optional<StoredMessage>> message(std::string_view fixmedins_code,
                                               std::string_view msgid) override {
    return detail::guarded(pool_, [&](Connection& db) -> std::optional<StoredMessage> {
      const Rows rows = db.run(
          "SELECT infno, input_sha256, answer, mdtrt_id, (reversed_by IS NOT NULL)::integer "
          "FROM national_messages WHERE fixmedins_code = $1 AND msgid = $2",
          Params::of(fixmedins_code, msgid));
      if (rows.empty()) return std::nullopt;
      return StoredMessage{rows.text(0, 0), rows.text(0, 1), rows.text(0, 2), rows.text(0, 3),
                           rows.int64(0, 4) != 0};
    });
  }

  Result<std::optional<Visit>> visit(std::string_view mdtrt_id) override {
    return detail::guarded(pool_, [&](Connection& db) -> std::optional<Visit> {
      const Rows rows = db.run(std::string("SELECT ") + kVisitColumns + " WHERE mdtrt_id = $1",
                               Params::of(mdtrt_id));
      if (rows.empty()) return std::nullopt;
      return visit_from_row(rows, 0);
    });
  }

  Result<std::vector<FeeLine>> lines(std::string_view mdtrt_id) override {
    return detail::guarded(pool_, [&](Connection& db) {
      const Rows rows = db.run(
          "SELECT feedetl_sn, init_feedetl_sn, med_list_codg, fee_ocur_time, cnt, pric, msgid "
          "FROM national_fee_lines WHERE mdtrt_id = $1 ORDER BY serial",
          Params::of(mdtrt_id));
      std::vector<FeeLine> out;
      for (int r = 0; r < rows.size(); ++r) {
        out.push_back({rows.text(r, 0), rows.text(r, 1), rows.text(r, 2), rows.text(r, 3),
                       rows.text(r, 4), rows.text(r, 5), rows.text(r, 6)});
      }
      return out;
    });
  }

  Result<std::int64_t> next_visit_id() override {
    return detail::guarded(pool_, [](Connection& db) {
      return db.run("SELECT coalesce(max(id), 0) + 1 FROM national_visits").int64(0, 0);
    });
  }

  Result<std::vector<Visit>> visits_of(std::string_view fixmedins_code) override {
    return detail::guarded(pool_, [&](Connection& db) {
      const Rows rows =
          db.run(std::string("SELECT ") + kVisitColumns + " WHERE fixmedins_code = $1 ORDER BY id",
                 Params::of(fixmedins_code));
      std::vector<Visit> out;
      for (int r = 0; r < rows.size(); ++r) out.push_back(visit_from_row(rows, r));
      return out;
    });
  }

  Result<std::optional<Person>> person(std::string_view who, std::string_view on) override {
    return detail::guarded(pool_, [&](Connection& db) -> std::optional<Person> {
      const Rows rows = db.run(
          "SELECT patient_id, name, id_number, category, valid_from, coalesce(valid_to, '') "
          "FROM roster WHERE (patient_id = $1 OR id_number = $1) AND valid_from <= $2 AND "
          "(valid_to IS NULL OR valid_to >= $2) ORDER BY patient_id = $1 DESC LIMIT 1",
          Params::of(who, on));
      if (rows.empty()) return std::nullopt;
      return Person{rows.text(0, 0), rows.text(0, 1), rows.text(0, 2),
                    rows.text(0, 3), rows.text(0, 4), rows.text(0, 5)};
    });
  }

  Result<std::optional<StoredFile>> file(std::string_view fixmedins_code,
                                         std::string_view file_qury_no) override {
    return detail::guarded(pool_, [&](Connection& db) -> std::optional<StoredFile> {
      const Rows rows = db.run(
          "SELECT file_qury_no, filename, content_base64 FROM national_files "
          "WHERE fixmedins_code = $1 AND file_qury_no = $2",
          Params::of(fixmedins_code, file_qury_no));
      if (rows.empty()) return std::nullopt;
      return StoredFile{rows.text(0, 0), rows.text(0, 1), rows.text(0, 2)};
    });
  }

  std::optional<Error> commit(const Change& change) override {
    try {
      return detail::guarded(pool_, [&](Connection& db) {
        detail::in_transaction(db, [&](Connection& c) { write_change(c, change); });
      });
    } catch (const Refused& r) {
      return r.error;
    }
  }

 private:
  detail::Pool pool_;
};

}  // namespace

Result<std::unique_ptr<national::Store>> open_national_store(const std::string& uri) {
  return detail::open_migrated<national::Store, PgNationalStore>(uri);
}

}  // namespace onestop::postgres
