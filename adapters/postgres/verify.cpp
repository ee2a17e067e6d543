// What verify and the source of onestop ledger copy read of a PostgreSQL ledger
// (store/verify.hpp, store/copy.hpp): one connection holding one REPEATABLE READ, READ ONLY
// transaction for the whole walk, so every call sees one snapshot while the servers go on
// writing.
#include <memory>

#include "adapters/postgres/open.hpp"
#include "adapters/postgres/pg.hpp"
#include "adapters/postgres/records.hpp"
#include "adapters/postgres/schema.hpp"

namespace onestop::postgres {
namespace {

using detail::Connection;
using detail::Params;
using detail::PgError;
using detail::Rows;

class PgSnapshot final : public store::CopySource {
 public:
  explicit PgSnapshot(const std::string& uri) : db_(uri) {
    db_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  }
  ~PgSnapshot() override { db_.rollback_quietly(); }

  // (Defined before its callers: they deduce its return type.) A database failure becomes
  // LedgerUnavailable, as VerifySource promises.
  template <typename F>
  auto guarded(F&& f) {
    try {
      return f();
    } catch (const PgError& e) {
      throw store::LedgerUnavailable(detail::database_failed(e));
    }
  }

  std::vector<store::Seal> seals() override {
    return guarded([&] {
      const Rows q = db_.run("SELECT id, sealed_at, heads, prev_hash, hash FROM seals ORDER BY id");
      std::vector<store::Seal> out;
      for (int i = 0; i < q.size(); ++i) {
        out.push_back({q.int64(i, 0), q.text(i, 1), q.text(i, 2), q.text(i, 3), q.text(i, 4)});
      }
      return out;
    });
  }
  std::vector<store::VerifyRecord> records_after(std::int64_t after_id, int limit) override {
    return guarded([&] { return detail::load_verify_records_after(db_, after_id, limit); });
  }
  std::optional<store::VerifyRecord> record(std::int64_t id) override {
    return guarded([&] { return detail::load_verify_record(db_, id); });
  }
  std::optional<std::string> policy_text(const std::string& sha256) override {
    return guarded([&] { return detail::policy_text(db_, sha256); });
  }
  std::map<std::pair<std::string, int>, store::PersonYearRow> person_years() override {
    return guarded([&] { return detail::load_all_person_years(db_); });
  }
  std::vector<store::PersonHead> persons() override {
    return guarded([&] {
      const Rows q =
          db_.run("SELECT patient_id, seq, head, sealed_seq FROM persons ORDER BY patient_id");
      std::vector<store::PersonHead> out;
      for (int i = 0; i < q.size(); ++i) {
        out.push_back({q.text(i, 0), q.int64(i, 1), q.text(i, 2), q.int64(i, 3)});
      }
      return out;
    });
  }

  void each_row(const store::PlainTable& table,
                const std::function<void(const store::TextRow&)>& visit) override {
    guarded([&] {
      std::string columns;
      for (const auto& c : table.columns) columns += (columns.empty() ? "" : ", ") + c;
      // A cursor keeps a large table (the access log) out of memory.
      db_.exec("DECLARE copy_rows NO SCROLL CURSOR FOR SELECT " + columns + " FROM " + table.name +
               " ORDER BY " + table.order);
      store::TextRow row(table.columns.size());
      for (;;) {
        const Rows q = db_.run_once("FETCH 1000 FROM copy_rows", {});
        for (int i = 0; i < q.size(); ++i) {
          for (std::size_t c = 0; c < row.size(); ++c)
            row[c] = q.optional_text(i, static_cast<int>(c));
          visit(row);
        }
        if (q.size() < 1000) break;
      }
      db_.exec("CLOSE copy_rows");
    });
  }

 private:
  Connection db_;
};

// Runs `f` on a snapshot of the ledger at `uri`, migrated to this build's schema first.
template <typename F>
auto in_snapshot(const std::string& uri, F&& f) -> decltype(f(std::declval<PgSnapshot&>())) {
  try {
    {
      Connection db(uri);
      detail::migrate(db);
    }
    PgSnapshot source(uri);
    return f(source);
  } catch (const PgError& e) {
    return detail::database_failed(e);
  } catch (const store::LedgerUnavailable& e) {
    return e.error();
  }
}

}  // namespace

Result<store::VerifySummary> verify_ledger(const std::string& uri, const store::Resettle& resettle,
                                           const store::VerifyHooks& hooks) {
  return in_snapshot(uri,
                     [&](PgSnapshot& source) { return store::verify(source, resettle, hooks); });
}

Result<store::CopySummary> copy_from(const std::string& uri, store::CopyTarget& target,
                                     const std::function<void(std::int64_t)>& progress) {
  return in_snapshot(
      uri, [&](PgSnapshot& source) { return store::copy_ledger(source, target, progress); });
}

}  // namespace onestop::postgres
