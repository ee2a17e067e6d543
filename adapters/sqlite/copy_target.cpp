// The target of onestop ledger copy on SQLite (store/copy.hpp): one IMMEDIATE transaction on a
// new or empty ledger file, committed at the end.
#include "adapters/sqlite/chain_store.hpp"
#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/derive.hpp"
#include "adapters/sqlite/record_store.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"
#include "adapters/store/copy.hpp"
#include "adapters/store/person_years.hpp"
#include "adapters/store/record_jobs.hpp"

namespace onestop::sqlite {
namespace {

using detail::Connection;
using detail::DbError;
using detail::Query;

class SqliteCopyTarget final : public store::CopyTarget {
  // Runs `f`; a database failure becomes LedgerUnavailable.
  template <typename F>
  auto write(F&& f) {
    try {
      return f();
    } catch (const DbError& e) {
      throw LedgerUnavailable(
          detail::unavailable("cannot write the ledger: " + std::string(e.what())));
    }
  }

 public:
  explicit SqliteCopyTarget(std::unique_ptr<Connection> db) : db_(std::move(db)) {
    db_->exec("BEGIN IMMEDIATE");
  }
  ~SqliteCopyTarget() override {
    if (!committed_) db_->rollback_quietly();
  }

  std::int64_t rows_present() override {
    return write([&] {
      Query q = db_->query(
          "SELECT (SELECT count(*) FROM records) + (SELECT count(*) FROM clients) + "
          "(SELECT count(*) FROM roster) + (SELECT count(*) FROM access_log)");
      return q.step() ? q.int64(0) : std::int64_t{0};
    });
  }

  void policy(const std::string& sha256, const std::string& id, const std::string& text) override {
    write([&] { detail::keep_policy(*db_, id, sha256, text); });
  }

  void records(const std::vector<StoredRecord>& page) override {
    write([&] {
      for (const StoredRecord& r : page) {
        // The same bytes as the source's body: it is a function of the claim and `before`.
        const std::string body = r.compact() ? store::record_body({}, r.claim, r) : std::string();
        if (!detail::insert_record(*db_, r, body)) {
          throw DbError(SQLITE_CONSTRAINT, "record " + std::to_string(r.id) + " is there twice");
        }
        detail::insert_layers(*db_, r);
      }
    });
  }

  void seals(const std::vector<store::Seal>& seals) override {
    write([&] {
      for (const auto& seal : seals) detail::insert_seal(*db_, seal);
    });
  }

  void persons(const std::vector<store::PersonHead>& persons) override {
    write([&] {
      Query q = db_->query(
          "INSERT INTO persons (patient_id, seq, head, sealed_seq) VALUES (?1, ?2, ?3, ?4)");
      for (const auto& p : persons) {
        q.bind_all(p.patient_id, p.seq, p.head, p.sealed_seq);
        q.run();
        q.reset();
      }
    });
  }

  void person_years(
      const std::map<std::pair<std::string, int>, store::PersonYearRow>& rows) override {
    write([&] {
      Query q = db_->query(
          "INSERT INTO person_years (patient_id, year, admissions, last_record_id, layers) "
          "VALUES (?1, ?2, ?3, ?4, ?5)");
      for (const auto& [key, row] : rows) {
        q.bind_all(key.first, key.second, row.accumulators.admissions, row.last_record_id,
                   store::layers_json(row.accumulators));
        q.run();
        q.reset();
      }
    });
  }

  void rows(const store::PlainTable& table, const std::vector<store::TextRow>& rows) override {
    write([&] {
      std::string columns;
      std::string values;
      for (std::size_t i = 0; i < table.columns.size(); ++i) {
        columns += (i == 0 ? "" : ", ") + table.columns[i];
        values += (i == 0 ? "?" : ", ?") + std::to_string(i + 1);
      }
      Query q =
          db_->query("INSERT INTO " + table.name + " (" + columns + ") VALUES (" + values + ")");
      for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) q.bind(static_cast<int>(i + 1), row[i]);
        q.run();
        q.reset();
      }
    });
  }

  void commit() override {
    write([&] { db_->exec("COMMIT"); });
    committed_ = true;
  }

 private:
  std::unique_ptr<Connection> db_;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<store::CopyTarget>> open_copy_target(const std::string& path) {
  try {
    auto db = std::make_unique<Connection>(detail::ConnectionOptions{path, true, 5000, ""});
    detail::migrate(*db);
    return std::unique_ptr<store::CopyTarget>(std::make_unique<SqliteCopyTarget>(std::move(db)));
  } catch (const DbError& e) {
    return detail::database_failed(e);
  }
}

}  // namespace onestop::sqlite
