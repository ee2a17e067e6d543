// onestop verify and the source of onestop ledger copy on a SQLite ledger: what store::verify
// and store::copy_ledger read, from one read snapshot.
#include "adapters/store/verify.hpp"

#include <utility>

#include "adapters/sqlite/chain_store.hpp"
#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/record_store.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"
#include "adapters/store/copy.hpp"

namespace onestop::sqlite {
namespace {

using detail::Connection;
using detail::DbError;
using store::PersonYearRow;
using store::VerifyRecord;

class SqliteSnapshot final : public store::CopySource {
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
  explicit SqliteSnapshot(Connection& db) : db_(db) {}

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
          out.push_back({std::move(r), {}, std::nullopt});
        }
        return out;
      } catch (const DbError& e) {
        if (e.code() != SQLITE_CORRUPT) throw;
      }
      for (auto& r : detail::load_records_after(db_, after_id, limit, Documents::none)) {
        const std::int64_t id = r.id;
        out.push_back({std::move(r), {}, std::nullopt});
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

  // The rows as read, compact bodies left to verify; when the rows do not read (SQLITE_CORRUPT),
  // records_after's record-by-record reading.
  std::vector<VerifyRecord> records_after_undecoded(std::int64_t after_id, int limit) override {
    std::optional<std::vector<detail::Row>> rows = read([&] {
      try {
        return std::optional(detail::load_rows_after(db_, after_id, limit));
      } catch (const DbError& e) {
        if (e.code() != SQLITE_CORRUPT) throw;
        return std::optional<std::vector<detail::Row>>();
      }
    });
    if (!rows) return records_after(after_id, limit);
    std::vector<VerifyRecord> out;
    out.reserve(rows->size());
    for (auto& row : *rows) {
      VerifyRecord& v = out.emplace_back(VerifyRecord{std::move(row.record), {}, std::nullopt});
      if (v.record.compact()) v.body = std::move(row.body);
    }
    return out;
  }

  std::optional<VerifyRecord> record(std::int64_t id) override {
    return read([&]() -> std::optional<VerifyRecord> {
      try {
        auto r = detail::load_record(db_, id, Documents::claim);
        if (!r) return std::nullopt;
        return VerifyRecord{std::move(*r), {}, std::nullopt};
      } catch (const DbError& e) {
        if (e.code() != SQLITE_CORRUPT) throw;
        auto r = detail::load_record(db_, id, Documents::none);
        if (!r) return std::nullopt;
        return VerifyRecord{std::move(*r), e.what(), std::nullopt};
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

  void each_row(const store::PlainTable& table,
                const std::function<void(const store::TextRow&)>& visit) override {
    read([&] {
      std::string columns;
      for (const auto& c : table.columns) columns += (columns.empty() ? "" : ", ") + c;
      detail::Query q =
          db_.query("SELECT " + columns + " FROM " + table.name + " ORDER BY " + table.order);
      store::TextRow row(table.columns.size());
      while (q.step()) {
        for (std::size_t i = 0; i < row.size(); ++i) {
          const int c = static_cast<int>(i);
          row[i] = q.is_null(c) ? std::nullopt : std::optional<std::string>(q.text(c));
        }
        visit(row);
      }
      return true;
    });
  }

 private:
  Connection& db_;
};

// Opens the ledger at `path` read-only at the current schema and runs `f` on a snapshot of it.
template <typename F>
auto in_snapshot(const std::string& path, F&& f) -> decltype(f(std::declval<SqliteSnapshot&>())) {
  try {
    Connection db(detail::ConnectionOptions{path, false, 5000, ""});
    db.exec("PRAGMA query_only = ON");
    detail::require_current_schema(db);
    detail::ReadTransaction snapshot(db);
    SqliteSnapshot source(db);
    auto result = f(source);
    snapshot.commit();
    return result;
  } catch (const DbError& e) {
    return detail::unavailable("cannot read the ledger: " + std::string(e.what()));
  }
}

}  // namespace

Result<VerifySummary> verify_ledger(const std::string& path, const Resettle& resettle,
                                    const VerifyHooks& hooks) {
  return in_snapshot(
      path, [&](SqliteSnapshot& source) { return store::verify(source, resettle, hooks); });
}

Result<store::CopySummary> copy_from(const std::string& path, store::CopyTarget& target,
                                     const std::function<void(std::int64_t)>& progress) {
  return in_snapshot(
      path, [&](SqliteSnapshot& source) { return store::copy_ledger(source, target, progress); });
}

}  // namespace onestop::sqlite
