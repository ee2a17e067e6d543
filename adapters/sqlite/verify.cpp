// onestop verify on a SQLite ledger: what store::verify reads, from one read snapshot.
#include "adapters/store/verify.hpp"

#include <utility>

#include "adapters/sqlite/chain_store.hpp"
#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/record_store.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"

namespace onestop::sqlite {
namespace {

using detail::Connection;
using detail::DbError;
using store::PersonYearRow;
using store::VerifyRecord;

class SqliteVerifySource final : public store::VerifySource {
  // Runs `f`; a database failure becomes LedgerUnavailable, which ends the walk.
  template <typename F>
  auto read(F&& f) {
    try {
      return f();
    } catch (const DbError& e) {
      throw LedgerUnavailable(
          detail::unavailable("cannot read the ledger: " + std::string(e.what())));
    }
  }

 public:
  explicit SqliteVerifySource(Connection& db) : db_(db) {}

  std::vector<store::Seal> seals() override {
    return read([&] { return detail::load_seals(db_); });
  }

  // A record whose body does not decode is read again without it, alone, so the rest of the
  // page still comes whole.
  std::vector<VerifyRecord> records_after(std::int64_t after_id, int limit) override {
    return read([&] {
      std::vector<VerifyRecord> out;
      try {
        for (auto& r : detail::load_records_after(db_, after_id, limit, Documents::claim)) {
          out.push_back({std::move(r), {}});
        }
        return out;
      } catch (const DbError& e) {
        if (e.code() != SQLITE_CORRUPT) throw;
      }
      for (auto& r : detail::load_records_after(db_, after_id, limit, Documents::none)) {
        const std::int64_t id = r.id;
        out.push_back({std::move(r), {}});
        try {
          if (auto whole = detail::load_record(db_, id, Documents::claim)) {
            out.back().record = std::move(*whole);
          }
        } catch (const DbError& e) {
          if (e.code() != SQLITE_CORRUPT) throw;
          out.back().unreadable = e.what();
        }
      }
      return out;
    });
  }

  std::optional<VerifyRecord> record(std::int64_t id) override {
    return read([&]() -> std::optional<VerifyRecord> {
      try {
        auto r = detail::load_record(db_, id, Documents::claim);
        if (!r) return std::nullopt;
        return VerifyRecord{std::move(*r), {}};
      } catch (const DbError& e) {
        if (e.code() != SQLITE_CORRUPT) throw;
        auto r = detail::load_record(db_, id, Documents::none);
        if (!r) return std::nullopt;
        return VerifyRecord{std::move(*r), e.what()};
      }
    });
  }

  std::optional<std::string> policy_text(const std::string& sha256) override {
    return read([&]() -> std::optional<std::string> {
      detail::Query q = db_.query("SELECT text FROM policies WHERE sha256 = ?1");
      q.bind_all(sha256);
      if (!q.step()) return std::nullopt;
      return q.text(0);
    });
  }

  std::map<std::pair<std::string, int>, PersonYearRow> person_years() override {
    return read([&] {
      std::map<std::pair<std::string, int>, PersonYearRow> out;
      for (auto& [key, state] : detail::load_all_accumulators(db_)) {
        out.emplace(key, PersonYearRow{std::move(state.accumulators), state.last_record_id,
                                       std::move(state.unreadable)});
      }
      return out;
    });
  }

  std::vector<store::PersonHead> persons() override {
    return read([&] { return detail::load_persons(db_); });
  }

 private:
  Connection& db_;
};

}  // namespace

Result<VerifySummary> verify_ledger(const std::string& path, const Resettle& resettle,
                                    const VerifyHooks& hooks) {
  try {
    Connection db(detail::ConnectionOptions{path, false, 5000, ""});
    db.exec("PRAGMA query_only = ON");
    detail::require_current_schema(db);
    detail::ReadTransaction snapshot(db);
    SqliteVerifySource source(db);
    Result<VerifySummary> summary = store::verify(source, resettle, hooks);
    snapshot.commit();
    return summary;
  } catch (const DbError& e) {
    return detail::unavailable("cannot read the ledger: " + std::string(e.what()));
  }
}

}  // namespace onestop::sqlite
