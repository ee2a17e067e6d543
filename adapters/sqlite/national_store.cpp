// The national interface's tables (schema v5) on one connection of their own.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <utility>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/open.hpp"
#include "adapters/sqlite/schema.hpp"

namespace onestop::sqlite {
namespace {

using detail::Connection;
using detail::DbError;
using detail::Query;
using national::Change;
using national::FeeLine;
using national::Person;
using national::StoredFile;
using national::StoredMessage;
using national::TifClient;
using national::Visit;

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

std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  return std::to_string(secs.count());
}

constexpr const char* kVisitColumns =
    "id, mdtrt_id, fixmedins_code, hospital_id, psn_no, insutype, med_type, mdtrt_cert_type, "
    "begntime, endtime, diagnoses, state, settle_seq, setl_id FROM national_visits";

Visit read_visit(const Query& q) {
  Visit v;
  v.id = q.int64(0);
  v.mdtrt_id = q.text(1);
  v.fixmedins_code = q.text(2);
  v.hospital_id = q.text(3);
  v.psn_no = q.text(4);
  v.insutype = q.text(5);
  v.med_type = q.text(6);
  v.mdtrt_cert_type = q.text(7);
  v.begntime = q.text(8);
  v.endtime = q.text(9);
  v.diagnoses = split_lines(q.text(10));
  v.state = q.text(11);
  v.settle_seq = static_cast<int>(q.int64(12));
  if (!q.is_null(13)) v.setl_id = q.int64(13);
  return v;
}

void insert_visit(Connection& db, const Visit& v) {
  db.query(
        "INSERT INTO national_visits (id, mdtrt_id, fixmedins_code, hospital_id, psn_no, "
        "insutype, med_type, mdtrt_cert_type, begntime, endtime, diagnoses, state, settle_seq, "
        "setl_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
        "?14, ?15)")
      .bind_all(v.id, v.mdtrt_id, v.fixmedins_code, v.hospital_id, v.psn_no, v.insutype, v.med_type,
                v.mdtrt_cert_type, v.begntime, v.endtime, join_lines(v.diagnoses), v.state,
                v.settle_seq, v.setl_id, now_utc())
      .run();
}

void update_visit(Connection& db, const Visit& v) {
  db.query(
        "UPDATE national_visits SET endtime = ?2, diagnoses = ?3, state = ?4, settle_seq = ?5, "
        "setl_id = ?6, updated_at = ?7 WHERE mdtrt_id = ?1")
      .bind_all(v.mdtrt_id, v.endtime, join_lines(v.diagnoses), v.state, v.settle_seq, v.setl_id,
                now_utc())
      .run();
}

Error duplicate(const std::string& field, const std::string& value) {
  return Error{"duplicate", field,
               field + ": " + value + " 已存在 (another message wrote it first)"};
}

template <typename... T>
bool found(Connection& db, const char* sql, const T&... values) {
  Query q = db.query(sql);
  q.bind_all(values...);
  return q.step();
}

// What the store's contract refuses (national_store.hpp): a change another writer overtook
// since its caller read. BEGIN IMMEDIATE holds the only write lock, so these reads still hold
// when the change is written.
std::optional<Error> overtaken(Connection& db, const Change& c) {
  if (!c.infno.empty() &&
      found(db, "SELECT 1 FROM national_messages WHERE fixmedins_code = ?1 AND msgid = ?2",
            c.fixmedins_code, c.msgid)) {
    return duplicate("msgid", c.msgid);
  }
  if (c.insert_visit && found(db, "SELECT 1 FROM national_visits WHERE id = ?1 OR mdtrt_id = ?2",
                              c.insert_visit->id, c.insert_visit->mdtrt_id)) {
    return duplicate("mdtrt_id", c.insert_visit->mdtrt_id);
  }
  if (c.insert_visit &&
      found(db,
            "SELECT 1 FROM national_visits WHERE fixmedins_code = ?1 AND psn_no = ?2 "
            "AND state IN ('admitted', 'discharged')",
            c.insert_visit->fixmedins_code, c.insert_visit->psn_no)) {
    return national::open_admission(c.insert_visit->psn_no);
  }
  if (c.update_visit || !c.add_lines.empty() || !c.remove_lines.empty() || c.remove_all_lines) {
    Query v = db.query("SELECT state, settle_seq FROM national_visits WHERE mdtrt_id = ?1");
    v.bind_all(c.mdtrt_id);
    if (!v.step()) {
      return Error{"visit_changed", "mdtrt_id",
                   "mdtrt_id: 就诊信息不存在 (no visit " + c.mdtrt_id + ")"};
    }
    Query n = db.query("SELECT count(*) FROM national_fee_lines WHERE mdtrt_id = ?1");
    n.bind_all(c.mdtrt_id);
    n.step();
    if (auto e =
            national::check_visit_change(v.text(0), static_cast<int>(v.int64(1)), n.int64(0), c)) {
      return e;
    }
  }
  for (const FeeLine& l : c.add_lines) {
    const bool removed = c.remove_all_lines ||
                         std::find(c.remove_lines.begin(), c.remove_lines.end(), l.feedetl_sn) !=
                             c.remove_lines.end();
    if (!removed &&
        found(db, "SELECT 1 FROM national_fee_lines WHERE mdtrt_id = ?1 AND feedetl_sn = ?2",
              c.mdtrt_id, l.feedetl_sn)) {
      return duplicate("feedetl_sn", l.feedetl_sn);
    }
  }
  if (c.reversed_msgid &&
      !found(db,
             "SELECT 1 FROM national_messages WHERE fixmedins_code = ?1 AND msgid = ?2 AND "
             "reversed_by IS NULL",
             c.fixmedins_code, *c.reversed_msgid)) {
    return duplicate("omsgid", *c.reversed_msgid);
  }
  if (c.add_file &&
      found(db, "SELECT 1 FROM national_files WHERE file_qury_no = ?1", c.add_file->file_qury_no)) {
    return duplicate("file_qury_no", c.add_file->file_qury_no);
  }
  return std::nullopt;
}

class SqliteNationalStore final : public national::Store {
 public:
  explicit SqliteNationalStore(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  Result<std::optional<TifClient>> tif_client(std::string_view paasid) override;
  Result<std::optional<StoredMessage>> message(std::string_view fixmedins_code,
                                               std::string_view msgid) override;
  Result<std::optional<Visit>> visit(std::string_view mdtrt_id) override;
  Result<std::vector<FeeLine>> lines(std::string_view mdtrt_id) override;
  Result<std::int64_t> next_visit_id() override;
  Result<std::vector<Visit>> visits_of(std::string_view fixmedins_code) override;
  Result<std::optional<Person>> person(std::string_view psn_no_or_id_number,
                                       std::string_view on) override;
  Result<std::optional<StoredFile>> file(std::string_view fixmedins_code,
                                         std::string_view file_qury_no) override;
  std::optional<Error> commit(const Change& change) override;

 private:
  std::unique_ptr<Connection> db_;  // one connection, used in turns
  std::mutex mutex_;
};

}  // namespace

Result<std::unique_ptr<national::Store>> open_national_store(const std::string& path) {
  try {
    detail::ConnectionOptions options;
    options.path = path;
    options.create = true;
    auto db = std::make_unique<Connection>(options);
    detail::migrate(*db);
    return std::unique_ptr<national::Store>(std::make_unique<SqliteNationalStore>(std::move(db)));
  } catch (const DbError& e) {
    return detail::database_failed(e);
  }
}

Result<std::optional<TifClient>> SqliteNationalStore::tif_client(std::string_view paasid) {
  std::lock_guard lock(mutex_);
  try {
    Query q = db_->query(
        "SELECT k.hash, c.name, c.role, coalesce(c.hospital_id, '') "
        "FROM client_keys k JOIN clients c ON c.name = k.client "
        "WHERE k.key_id = ?1 AND c.revoked_at IS NULL");
    q.bind_all(std::string(paasid));
    if (!q.step()) return std::optional<TifClient>();
    const auto role = store::parse_role(q.text(2));
    if (!role) return std::optional<TifClient>();
    return std::optional<TifClient>(
        TifClient{store::Principal{q.text(1), *role, q.text(3)}, q.text(0)});
  } catch (const DbError& e) {
    return detail::database_failed(e);
  }
}

Result<std::optional<StoredMessage>> SqliteNationalStore::message(std::string_view fixmedins_code,
                                                                  std::string_view msgid) {
  std::lock_guard lock(mutex_);
  try {
    Query q = db_->query(
        "SELECT infno, input_sha256, answer, mdtrt_id, reversed_by IS NOT NULL "
        "FROM national_messages WHERE fixmedins_code = ?1 AND msgid = ?2");
    q.bind_all(std::string(fixmedins_code), std::string(msgid));
    if (!q.step()) return std::optional<StoredMessage>();
    return std::optional<StoredMessage>(
        StoredMessage{q.text(0), q.text(1), q.text(2), q.text(3), q.int64(4) != 0});
  } catch (const DbError& e) {
    return detail::database_failed(e);
  }
}

Result<std::optional<Visit>> SqliteNationalStore::visit(std::string_view mdtrt_id) {
  std::lock_guard lock(mutex_);
  try {
    Query q = db_->query(std::string("SELECT ") + kVisitColumns + " WHERE mdtrt_id = ?1");
    q.bind_all(std::string(mdtrt_id));
    if (!q.step()) return std::optional<Visit>();
    return std::optional<Visit>(read_visit(q));
  } catch (const DbError& e) {
    return detail::database_failed(e);
  }
}

Result<std::vector<Visit>> SqliteNationalStore::visits_of(std::string_view fixmedins_code) {
  std::lock_guard lock(mutex_);
  try {
    Query q = db_->query(std::string("SELECT ") + kVisitColumns +
                         " WHERE fixmedins_code = ?1 ORDER BY id");
    q.bind_all(std::string(fixmedins_code));
    std::vector<Visit> out;
    while (q.step()) out.push_back(read_visit(q));
    return out;
  } catch (const DbError& e) {
    return detail::database_failed(e);
  }
}

Result<std::optional<Person>> SqliteNationalStore::person(std::string_view who,
                                                          std::string_view on) {
  std::lock_guard lock(mutex_);
  try {
    Query q = db_->query(
        "SELECT patient_id, name, id_number, category, valid_from, coalesce(valid_to, '') "
        "FROM roster WHERE (patient_id = ?1 OR id_number = ?1) AND valid_from <= ?2 AND "
        "(valid_to IS NULL OR valid_to >= ?2) ORDER BY patient_id = ?1 DESC LIMIT 1");
    q.bind_all(std::string(who), std::string(on));
    if (!q.step()) return std::optional<Person>();
    return std::optional<Person>(
        Person{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5)});
  } catch (const DbError& e) {
    return detail::database_failed(e);
  }
}

Result<std::optional<StoredFile>> SqliteNationalStore::file(std::string_view fixmedins_code,
                                                            std::string_view file_qury_no) {
  std::lock_guard lock(mutex_);
  try {
    Query q = db_->query(
        "SELECT file_qury_no, filename, content_base64 FROM national_files "
        "WHERE fixmedins_code = ?1 AND file_qury_no = ?2");
    q.bind_all(std::string(fixmedins_code), std::string(file_qury_no));
    if (!q.step()) return std::optional<StoredFile>();
    return std::optional<StoredFile>(StoredFile{q.text(0), q.text(1), q.text(2)});
  } catch (const DbError& e) {
    return detail::database_failed(e);
  }
}

Result<std::vector<FeeLine>> SqliteNationalStore::lines(std::string_view mdtrt_id) {
  std::lock_guard lock(mutex_);
  try {
    Query q = db_->query(
        "SELECT feedetl_sn, init_feedetl_sn, med_list_codg, fee_ocur_time, cnt, pric, msgid "
        "FROM national_fee_lines WHERE mdtrt_id = ?1 ORDER BY rowid");
    q.bind_all(std::string(mdtrt_id));
    std::vector<FeeLine> out;
    while (q.step()) {
      out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6)});
    }
    return out;
  } catch (const DbError& e) {
    return detail::database_failed(e);
  }
}

Result<std::int64_t> SqliteNationalStore::next_visit_id() {
  std::lock_guard lock(mutex_);
  try {
    Query q = db_->query("SELECT coalesce(max(id), 0) + 1 FROM national_visits");
    q.step();
    return q.int64(0);
  } catch (const DbError& e) {
    return detail::database_failed(e);
  }
}

std::optional<Error> SqliteNationalStore::commit(const Change& c) {
  std::lock_guard lock(mutex_);
  try {
    db_->exec("BEGIN IMMEDIATE");
    if (auto refused = overtaken(*db_, c)) {
      db_->rollback_quietly();
      return refused;
    }
    if (c.insert_visit) insert_visit(*db_, *c.insert_visit);
    if (c.update_visit) update_visit(*db_, *c.update_visit);
    if (c.remove_all_lines) {
      db_->query("DELETE FROM national_fee_lines WHERE mdtrt_id = ?1").bind_all(c.mdtrt_id).run();
    }
    for (const std::string& sn : c.remove_lines) {
      db_->query("DELETE FROM national_fee_lines WHERE mdtrt_id = ?1 AND feedetl_sn = ?2")
          .bind_all(c.mdtrt_id, sn)
          .run();
    }
    for (const FeeLine& l : c.add_lines) {
      db_->query(
             "INSERT INTO national_fee_lines (mdtrt_id, feedetl_sn, init_feedetl_sn, "
             "med_list_codg, fee_ocur_time, cnt, pric, msgid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
             "?8)")
          .bind_all(c.mdtrt_id, l.feedetl_sn, l.init_feedetl_sn, l.med_list_codg, l.fee_ocur_time,
                    l.cnt, l.pric, l.msgid)
          .run();
    }
    if (c.reversed_msgid) {
      db_->query(
             "UPDATE national_messages SET reversed_by = ?3 WHERE fixmedins_code = ?1 AND "
             "msgid = ?2")
          .bind_all(c.fixmedins_code, *c.reversed_msgid, c.msgid)
          .run();
    }
    if (c.add_file) {
      db_->query(
             "INSERT INTO national_files (file_qury_no, fixmedins_code, filename, content_base64, "
             "created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
          .bind_all(c.add_file->file_qury_no, c.fixmedins_code, c.add_file->filename,
                    c.add_file->content_base64, now_utc())
          .run();
    }
    if (!c.infno.empty()) {
      db_->query(
             "INSERT INTO national_messages (fixmedins_code, msgid, infno, input_sha256, answer, "
             "mdtrt_id, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
          .bind_all(c.fixmedins_code, c.msgid, c.infno, c.input_sha256, c.answer, c.mdtrt_id,
                    now_utc())
          .run();
    }
    db_->exec("COMMIT");
    return std::nullopt;
  } catch (const DbError& e) {
    db_->rollback_quietly();
    return detail::database_failed(e);
  }
}

}  // namespace onestop::sqlite
