// The target of onestop ledger copy on PostgreSQL (store/copy.hpp): one transaction on a new or
// empty database, committed at the end; the id sequences are moved past the copied ids, so the
// servers' next records and log entries follow them.
#include "adapters/postgres/open.hpp"
#include "adapters/postgres/pg.hpp"
#include "adapters/postgres/records.hpp"
#include "adapters/postgres/schema.hpp"
#include "adapters/store/person_years.hpp"
#include "adapters/store/record_jobs.hpp"

namespace onestop::postgres {
namespace {

using detail::Connection;
using detail::Params;
using detail::PgError;

class PgCopyTarget final : public store::CopyTarget {
  // Runs `f`; a database failure becomes LedgerUnavailable.
  template <typename F>
  auto write(F&& f) {
    try {
      return f();
    } catch (const PgError& e) {
      throw store::LedgerUnavailable(detail::database_failed(e));
    }
  }

 public:
  explicit PgCopyTarget(const std::string& uri) : db_(uri) { db_.exec("BEGIN"); }
  ~PgCopyTarget() override {
    if (!committed_) db_.rollback_quietly();
  }

  std::int64_t rows_present() override {
    return write([&] {
      return db_
          .run(
              "SELECT (SELECT count(*) FROM records) + (SELECT count(*) FROM clients) + "
              "(SELECT count(*) FROM roster) + (SELECT count(*) FROM access_log)")
          .int64(0, 0);
    });
  }

  void policy(const std::string& sha256, const std::string& id, const std::string& text) override {
    write([&] {
      db_.run(
          "INSERT INTO policies (sha256, id, text) VALUES ($1, $2, $3) "
          "ON CONFLICT (sha256) DO NOTHING",
          Params::of(sha256, id, text));
    });
  }

  void records(const std::vector<store::StoredRecord>& page) override {
    write([&] {
      // Records go 64 to a round trip: few enough that the answers the server sends while it
      // reads never fill the socket (detail::Connection::send).
      detail::Batch batch;
      std::size_t queued = 0;
      for (const store::StoredRecord& r : page) {
        if (queued++ == 64) {
          db_.send(batch);
          batch = {};
          queued = 1;
        }
        // The same bytes as the source's body: it is a function of the claim and `before`.
        detail::insert_record(batch, r, r.compact() ? store::record_body({}, r.claim, r) : "");
        detail::insert_layers(batch, r);
        if (r.kind == store::RecordKind::settlement) {
          batch.add(
              "INSERT INTO bills (hospital_id, bill_no, patient_id, record_id) "
              "VALUES ($1, $2, $3, $4)",
              Params::of(r.hospital_id, r.bill_no, r.patient_id, r.id));
        }
        last_id_ = std::max(last_id_, r.id);
      }
      if (!batch.empty()) db_.send(batch);
    });
  }

  void seals(const std::vector<store::Seal>& seals) override {
    write([&] {
      for (const auto& s : seals) {
        db_.run(
            "INSERT INTO seals (id, sealed_at, heads, prev_hash, hash) "
            "VALUES ($1, $2, $3, $4, $5)",
            Params::of(s.id, s.sealed_at, s.heads, s.prev_hash, s.hash));
      }
    });
  }

  void persons(const std::vector<store::PersonHead>& persons) override {
    write([&] {
      for (const auto& p : persons) {
        db_.run("INSERT INTO persons (patient_id, seq, head, sealed_seq) VALUES ($1, $2, $3, $4)",
                Params::of(p.patient_id, p.seq, p.head, p.sealed_seq));
      }
    });
  }

  void person_years(
      const std::map<std::pair<std::string, int>, store::PersonYearRow>& rows) override {
    write([&] {
      for (const auto& [key, row] : rows) {
        db_.run(
            "INSERT INTO person_years (patient_id, year, admissions, last_record_id, layers) "
            "VALUES ($1, $2, $3, $4, $5)",
            Params::of(key.first, key.second, row.accumulators.admissions, row.last_record_id,
                       store::layers_json(row.accumulators)));
      }
    });
  }

  void rows(const store::PlainTable& table, const std::vector<store::TextRow>& rows) override {
    write([&] {
      std::string columns;
      for (const auto& c : table.columns) columns += (columns.empty() ? "" : ", ") + c;
      // The log keeps its ids (an identity column the database would otherwise number).
      const bool identity = table.name == "access_log";
      detail::insert_rows(db_,
                          "INSERT INTO " + table.name + " (" + columns + ")" +
                              (identity ? " OVERRIDING SYSTEM VALUE" : ""),
                          table.columns.size(), rows.size(), [&](std::size_t i, Params& p) {
                            for (const auto& value : rows[i]) p.add(value);
                          });
    });
  }

  void commit() override {
    write([&] {
      if (last_id_ > 0) db_.run("SELECT setval('record_ids', $1)", Params::of(last_id_));
      db_.exec(
          "SELECT setval(pg_get_serial_sequence('access_log', 'id'), max(id)) FROM access_log "
          "HAVING max(id) IS NOT NULL");
      db_.exec("COMMIT");
    });
    committed_ = true;
  }

 private:
  Connection db_;
  std::int64_t last_id_ = 0;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<store::CopyTarget>> open_copy_target(const std::string& uri) {
  try {
    {
      Connection db(uri);
      detail::migrate(db);
    }
    return std::unique_ptr<store::CopyTarget>(std::make_unique<PgCopyTarget>(uri));
  } catch (const PgError& e) {
    return detail::database_failed(e);
  }
}

}  // namespace onestop::postgres
