// The roster and certifications on PostgreSQL (store/roster.hpp): replaced whole by an import
// in one transaction, read per lookup on a small pool of connections.
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
using store::Certification;
using store::RosterEntry;

std::optional<std::string> date_or_null(const std::optional<Date>& d) {
  return d ? std::optional<std::string>(d->to_string()) : std::nullopt;
}

RosterEntry entry_from_row(const Rows& rows, int r) {
  RosterEntry e;
  e.patient_id = rows.text(r, 0);
  e.name = rows.text(r, 1);
  e.id_number = rows.text(r, 2);
  e.category = rows.text(r, 3);
  e.valid_from = Date::parse(rows.text(r, 4)).value_or(Date{});
  if (!rows.is_null(r, 5)) e.valid_to = Date::parse(rows.text(r, 5));
  return e;
}

class PgRoster final : public store::Roster {
 public:
  explicit PgRoster(const std::string& uri) : pool_(uri, 4) {}

  std::optional<Error> replace_all(const std::vector<RosterEntry>& entries) override {
    if (auto bad = store::check_roster(entries)) return bad;
    return write([&](Connection& db) {
      db.exec("DELETE FROM roster");
      detail::insert_rows(
          db,
          "INSERT INTO roster (patient_id, valid_from, valid_to, name, id_number, "
          "category)",
          6, entries.size(), [&](std::size_t i, Params& p) {
            const RosterEntry& e = entries[i];
            p.add(e.patient_id).add(e.valid_from.to_string()).add(date_or_null(e.valid_to));
            p.add(e.name).add(e.id_number).add(e.category);
          });
    });
  }

  std::optional<RosterEntry> lookup(const std::string& patient_id, const Date& date) override {
    return read([&](Connection& db) -> std::optional<RosterEntry> {
      const Rows rows = db.run(
          "SELECT patient_id, name, id_number, category, valid_from, valid_to FROM roster "
          "WHERE patient_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) "
          "ORDER BY valid_from DESC LIMIT 1",
          Params::of(patient_id, date.to_string()));
      if (rows.empty()) return std::nullopt;
      return entry_from_row(rows, 0);
    });
  }

  bool knows(const std::string& patient_id) override {
    return read([&](Connection& db) {
      return !db.run("SELECT 1 FROM roster WHERE patient_id = $1 LIMIT 1", Params::of(patient_id))
                  .empty();
    });
  }

  std::size_t size() override {
    return read([](Connection& db) {
      return static_cast<std::size_t>(db.run("SELECT count(*) FROM roster").int64(0, 0));
    });
  }

  std::optional<Error> replace_certifications(const std::vector<Certification>& entries) override {
    if (auto bad = store::check_certifications(entries)) return bad;
    return write([&](Connection& db) {
      db.exec("DELETE FROM certifications");
      detail::insert_rows(db,
                          "INSERT INTO certifications (patient_id, disease, valid_from, valid_to)",
                          4, entries.size(), [&](std::size_t i, Params& p) {
                            const Certification& c = entries[i];
                            p.add(c.patient_id).add(c.disease).add(c.valid_from.to_string());
                            p.add(date_or_null(c.valid_to));
                          });
    });
  }

  std::vector<Certification> certifications(const std::string& patient_id) override {
    return read([&](Connection& db) {
      const Rows rows = db.run(
          "SELECT patient_id, disease, valid_from, valid_to FROM certifications "
          "WHERE patient_id = $1 ORDER BY disease, valid_from",
          Params::of(patient_id));
      std::vector<Certification> out;
      for (int r = 0; r < rows.size(); ++r) {
        Certification c{
            rows.text(r, 0), rows.text(r, 1), Date::parse(rows.text(r, 2)).value_or(Date{}), {}};
        if (!rows.is_null(r, 3)) c.valid_to = Date::parse(rows.text(r, 3));
        out.push_back(std::move(c));
      }
      return out;
    });
  }

 private:
  // One transaction: the old rows go and the new ones come, or neither.
  template <typename F>
  std::optional<Error> write(F&& f) {
    return detail::guarded(pool_, [&](Connection& db) { detail::in_transaction(db, f); });
  }

  // A database failure throws LedgerUnavailable, as the interface says.
  template <typename F>
  auto read(F&& f) -> decltype(f(std::declval<Connection&>())) {
    return detail::guarded_or_throw(pool_, std::forward<F>(f));
  }

  detail::Pool pool_;
};

}  // namespace

Result<std::unique_ptr<store::Roster>> open_roster(const std::string& uri) {
  return detail::open_migrated<store::Roster, PgRoster>(uri);
}

}  // namespace onestop::postgres
