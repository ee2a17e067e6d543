// The roster tables of the ledger database: replaced whole by an import, read per lookup.
#include <mutex>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/read_pool.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"

namespace onestop::sqlite {
namespace {

using detail::Connection;
using detail::DbError;

using detail::database_failed;

// The entry of the current row of a SELECT of all six columns in table order.
RosterEntry entry_from_row(const detail::Query& q) {
  RosterEntry e;
  e.patient_id = q.text(0);
  e.name = q.text(1);
  e.id_number = q.text(2);
  e.category = q.text(3);
  e.valid_from = Date::parse(q.text(4)).value_or(Date{});
  if (!q.is_null(5)) e.valid_to = Date::parse(q.text(5));
  return e;
}

class SqliteRoster final : public Roster {
 public:
  SqliteRoster(std::unique_ptr<Connection> db, const std::string& path)
      : db_(std::move(db)), readers_(detail::ConnectionOptions{path, false, 5000, ""}, 4) {}

  std::optional<Error> replace_all(const std::vector<RosterEntry>& entries) override;
  std::optional<RosterEntry> lookup(const std::string& patient_id, const Date& date) override;
  bool knows(const std::string& patient_id) override;
  std::size_t size() override;
  std::optional<Error> replace_certifications(const std::vector<Certification>& entries) override;
  std::vector<Certification> certifications(const std::string& patient_id) override;

 private:
  void write_all(const std::vector<RosterEntry>& entries);
  void write_certifications(const std::vector<Certification>& entries);
  // Runs `read` on a connection of the read pool in one read transaction (reads run side by
  // side, beside an import); a database failure throws LedgerUnavailable.
  template <typename F>
  auto read(F&& f) {
    try {
      return readers_.with_connection(f);
    } catch (const DbError& e) {
      throw LedgerUnavailable(database_failed(e));
    }
  }

  std::mutex mutex_;  // db_'s: imports run in turns
  std::unique_ptr<Connection> db_;
  detail::ReadPool readers_;
};

std::optional<Error> SqliteRoster::replace_all(const std::vector<RosterEntry>& entries) {
  if (auto bad = store::check_roster(entries)) return bad;
  std::lock_guard lock(mutex_);
  try {
    write_all(entries);
  } catch (const DbError& e) {
    db_->rollback_quietly();
    return database_failed(e);
  }
  return std::nullopt;
}

// One IMMEDIATE transaction: the old roster goes and the new one comes, or neither.
void SqliteRoster::write_all(const std::vector<RosterEntry>& entries) {
  db_->exec("BEGIN IMMEDIATE");
  db_->exec("DELETE FROM roster");
  detail::Query insert = db_->query(
      "INSERT INTO roster (patient_id, valid_from, valid_to, name, id_number, category) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  for (const auto& e : entries) {
    const std::optional<std::string> valid_to =
        e.valid_to ? std::optional<std::string>(e.valid_to->to_string()) : std::nullopt;
    insert.bind_all(e.patient_id, e.valid_from.to_string(), valid_to, e.name, e.id_number,
                    e.category);
    insert.run();
    insert.reset();
  }
  db_->exec("COMMIT");
}

std::optional<RosterEntry> SqliteRoster::lookup(const std::string& patient_id, const Date& date) {
  return read([&](Connection& db) -> std::optional<RosterEntry> {
    detail::Query q = db.query(
        "SELECT patient_id, name, id_number, category, valid_from, valid_to FROM roster "
        "WHERE patient_id = ?1 AND valid_from <= ?2 AND (valid_to IS NULL OR valid_to >= ?2) "
        "ORDER BY valid_from DESC LIMIT 1");
    q.bind_all(patient_id, date.to_string());
    if (!q.step()) return std::nullopt;
    return entry_from_row(q);
  });
}

bool SqliteRoster::knows(const std::string& patient_id) {
  return read([&](Connection& db) {
    detail::Query q = db.query("SELECT 1 FROM roster WHERE patient_id = ?1 LIMIT 1");
    q.bind_all(patient_id);
    return q.step();
  });
}

std::size_t SqliteRoster::size() {
  return read([](Connection& db) {
    detail::Query q = db.query("SELECT count(*) FROM roster");
    return q.step() ? static_cast<std::size_t>(q.int64(0)) : std::size_t{0};
  });
}

std::optional<Error> SqliteRoster::replace_certifications(
    const std::vector<Certification>& entries) {
  if (auto bad = store::check_certifications(entries)) return bad;
  std::lock_guard lock(mutex_);
  try {
    write_certifications(entries);
  } catch (const DbError& e) {
    db_->rollback_quietly();
    return database_failed(e);
  }
  return std::nullopt;
}

// One IMMEDIATE transaction, as write_all.
void SqliteRoster::write_certifications(const std::vector<Certification>& entries) {
  db_->exec("BEGIN IMMEDIATE");
  db_->exec("DELETE FROM certifications");
  detail::Query insert = db_->query(
      "INSERT INTO certifications (patient_id, disease, valid_from, valid_to) "
      "VALUES (?1, ?2, ?3, ?4)");
  for (const auto& c : entries) {
    const std::optional<std::string> valid_to =
        c.valid_to ? std::optional<std::string>(c.valid_to->to_string()) : std::nullopt;
    insert.bind_all(c.patient_id, c.disease, c.valid_from.to_string(), valid_to);
    insert.run();
    insert.reset();
  }
  db_->exec("COMMIT");
}

std::vector<Certification> SqliteRoster::certifications(const std::string& patient_id) {
  return read([&](Connection& db) {
    detail::Query q = db.query(
        "SELECT patient_id, disease, valid_from, valid_to FROM certifications "
        "WHERE patient_id = ?1 ORDER BY disease, valid_from");
    q.bind_all(patient_id);
    std::vector<Certification> out;
    while (q.step()) {
      Certification c{q.text(0), q.text(1), Date::parse(q.text(2)).value_or(Date{}), {}};
      if (!q.is_null(3)) c.valid_to = Date::parse(q.text(3));
      out.push_back(std::move(c));
    }
    return out;
  });
}

}  // namespace

Result<std::unique_ptr<Roster>> open_roster(const std::string& path) {
  if (path.empty() || path == ":memory:") {
    return detail::unavailable("the roster needs a database file, not '" + path + "'");
  }
  try {
    auto db = std::make_unique<Connection>(detail::ConnectionOptions{path, true, 5000, ""});
    detail::migrate(*db);
    return std::unique_ptr<Roster>(std::make_unique<SqliteRoster>(std::move(db), path));
  } catch (const DbError& e) {
    return database_failed(e);
  }
}

}  // namespace onestop::sqlite
