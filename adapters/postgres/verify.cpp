// What verify reads of a PostgreSQL ledger (store/verify.hpp): one connection holding one
// REPEATABLE READ, READ ONLY transaction for the whole walk, so every call sees one snapshot
// while the servers go on writing. In a file of its own, so that a program that never verifies
// a PostgreSQL ledger does not link it (adapters/backend does not route verify here yet).
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

class PgVerifySource final : public store::VerifySource {
 public:
  explicit PgVerifySource(const std::string& uri) : db_(uri) {
    db_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  }
  ~PgVerifySource() override { db_.rollback_quietly(); }

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

 private:
  Connection db_;
};

}  // namespace

Result<store::VerifySummary> verify_ledger(const std::string& uri, const store::Resettle& resettle,
                                           const store::VerifyHooks& hooks) {
  try {
    {
      Connection db(uri);
      detail::migrate(db);
    }
    PgVerifySource source(uri);
    return store::verify(source, resettle, hooks);
  } catch (const PgError& e) {
    return detail::database_failed(e);
  } catch (const store::LedgerUnavailable& e) {
    return e.error();
  }
}

}  // namespace onestop::postgres
