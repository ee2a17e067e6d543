// The roster tables of the ledger database: replaced whole by an import, read per lookup.
#include <algorithm>
#include <mutex>
#include <tuple>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"

namespace onestop::sqlite {
namespace {

using detail::Connection;
using detail::DbError;

using detail::database_failed;

// What replace_all refuses before touching the database: an entry without a person, a range
// that ends before it starts, or two overlapping ranges of one person.
std::optional<Error> check_entries(const std::vector<RosterEntry>& entries) {
  std::vector<const RosterEntry*> sorted;
  for (const auto& e : entries) {
    if (e.patient_id.empty()) return Error{"roster_invalid", "patient_id", "empty patient_id"};
    if (e.valid_to && *e.valid_to < e.valid_from) {
      return Error{"roster_invalid", "valid_to",
                   "a range of " + e.patient_id + " ends before it starts"};
    }
    sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(), [](const RosterEntry* a, const RosterEntry* b) {
    return std::tie(a->patient_id, a->valid_from) < std::tie(b->patient_id, b->valid_from);
  });
  std::optional<Date> reach;  // the latest end among the earlier ranges of this person
  bool open_ended = false;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const RosterEntry& e = *sorted[i];
    if (i == 0 || sorted[i - 1]->patient_id != e.patient_id) {
      reach.reset();
      open_ended = false;
    } else if (open_ended || (reach && *reach >= e.valid_from)) {
      return Error{"roster_overlap", "patient_id", "ranges of " + e.patient_id + " overlap"};
    }
    if (!e.valid_to) open_ended = true;
    if (e.valid_to && (!reach || *e.valid_to > *reach)) reach = e.valid_to;
  }
  return std::nullopt;
}

// What replace_certifications refuses before touching the database (as check_entries).
std::optional<Error> check_certifications(const std::vector<Certification>& entries) {
  std::vector<const Certification*> sorted;
  for (const auto& c : entries) {
    if (c.patient_id.empty() || c.disease.empty()) {
      return Error{"roster_invalid", "patient_id", "a certification without person or disease"};
    }
    if (c.valid_to && *c.valid_to < c.valid_from) {
      return Error{"roster_invalid", "valid_to",
                   "a certification of " + c.patient_id + " ends before it starts"};
    }
    sorted.push_back(&c);
  }
  std::sort(sorted.begin(), sorted.end(), [](const Certification* a, const Certification* b) {
    return std::tie(a->patient_id, a->disease, a->valid_from) <
           std::tie(b->patient_id, b->disease, b->valid_from);
  });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    const Certification& a = *sorted[i - 1];
    const Certification& b = *sorted[i];
    if (a.patient_id != b.patient_id || a.disease != b.disease) continue;
    if (!a.valid_to || *a.valid_to >= b.valid_from) {
      return Error{"roster_overlap", "patient_id",
                   "certifications of " + b.patient_id + " for " + b.disease + " overlap"};
    }
  }
  return std::nullopt;
}

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
  explicit SqliteRoster(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  std::optional<Error> replace_all(const std::vector<RosterEntry>& entries) override;
  std::optional<RosterEntry> lookup(const std::string& patient_id, const Date& date) override;
  bool knows(const std::string& patient_id) override;
  std::size_t size() override;
  std::optional<Error> replace_certifications(const std::vector<Certification>& entries) override;
  std::vector<Certification> certifications(const std::string& patient_id) override;

 private:
  void write_all(const std::vector<RosterEntry>& entries);
  void write_certifications(const std::vector<Certification>& entries);
  // Runs `read` under the lock in one read transaction; a database failure throws
  // LedgerUnavailable.
  template <typename F>
  auto read(F&& f) {
    std::lock_guard lock(mutex_);
    try {
      detail::ReadTransaction tx(*db_);
      auto result = f(*db_);
      tx.commit();
      return result;
    } catch (const DbError& e) {
      throw LedgerUnavailable(database_failed(e));
    }
  }

  std::mutex mutex_;
  std::unique_ptr<Connection> db_;
};

std::optional<Error> SqliteRoster::replace_all(const std::vector<RosterEntry>& entries) {
  if (auto bad = check_entries(entries)) return bad;
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
  if (auto bad = check_certifications(entries)) return bad;
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
    return std::unique_ptr<Roster>(std::make_unique<SqliteRoster>(std::move(db)));
  } catch (const DbError& e) {
    return database_failed(e);
  }
}

}  // namespace onestop::sqlite
