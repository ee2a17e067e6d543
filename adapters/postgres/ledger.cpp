// The ledger on PostgreSQL (store/ledger.hpp): no single writer. settle() and cancel() run their
// job on the calling thread, on a pooled connection, in one transaction that locks the person's
// `persons` row: one person's writes take turns, everyone else's run side by side, and several
// servers share the database the same way. Nothing read in one transaction is trusted in the
// next (another server may have written since), except the policy texts, which a content hash
// names forever. A background thread seals the heads of the person chains that moved
// (store/seal.hpp) under an advisory lock, so two servers take turns there too.
#include <Poco/Logger.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "adapters/postgres/open.hpp"
#include "adapters/postgres/pg.hpp"
#include "adapters/postgres/records.hpp"
#include "adapters/postgres/schema.hpp"
#include "adapters/store/pages.hpp"
#include "adapters/store/record_jobs.hpp"
#include "adapters/store/seal.hpp"
#include "adapters/store/totals.hpp"

namespace onestop::postgres {
namespace {

using detail::Batch;
using detail::Connection;
using detail::Params;
using detail::PgError;
using detail::Rows;
using store::CancelJob;
using store::Computed;
using store::DetailRow;
using store::Documents;
using store::Outcome;
using store::PersonHead;
using store::ReconciliationQuery;
using store::RecordKind;
using store::SettleJob;
using store::StoredRecord;
using store::TotalRow;
using store::WriteResult;

// Connections of the write pool. A write holds one for its transaction only (a few round
// trips), so 16 carry far more settlements a second than one server is asked for, while the
// database's max_connections (100 by default) is shared by several servers and their readers.
constexpr std::size_t kWriteConnections = 16;

// Records per page when scan(), scan_year() and details() walk the ledger.
constexpr int kPage = 256;

// The advisory lock the sealers of every server take in turn ("onestop" + "seal"); not the
// migrations' key (schema.cpp).
constexpr const char* kSealLock = "SELECT pg_advisory_xact_lock(31365104422645617)";

// Failures only, without personal data.
Poco::Logger& logger() { return Poco::Logger::get("onestop.ledger"); }

class PgLedger final : public store::Ledger {
 private:
  // Runs `f` on a pooled read connection; a database failure becomes LedgerUnavailable.
  // (Defined before its callers below: they deduce its return type.)
  template <typename F>
  auto read(F&& f) {
    return detail::guarded_or_throw(readers_, std::forward<F>(f));
  }

 public:
  PgLedger(const std::string& uri, const store::LedgerOptions& options)
      : options_(options),
        writers_(uri, kWriteConnections, options.max_queue),
        readers_(uri, std::max<std::size_t>(1, options.read_connections)),
        sealer_connection_(uri, 1),
        sealer_([this] { seal_loop(); }) {}

  ~PgLedger() override { close(); }

  // Stops the sealer after one last seal of what moved. Every commit was synced already.
  std::optional<Error> close() override {
    {
      std::lock_guard lock(seal_mutex_);
      closing_ = true;
    }
    seal_wake_.notify_all();
    if (sealer_.joinable()) sealer_.join();
    return std::nullopt;
  }

  std::future<WriteResult> settle(SettleJob job) override;
  std::future<WriteResult> cancel(CancelJob job) override;

  std::optional<StoredRecord> get(std::int64_t id) override {
    return read([id](Connection& db) { return detail::load_record(db, id); });
  }
  std::optional<StoredRecord> find(const std::string& hospital_id,
                                   const std::string& bill_no) override {
    return read(
        [&](Connection& db) { return detail::load_settlement_by_key(db, hospital_id, bill_no); });
  }
  std::pair<Accumulators, std::int64_t> accumulators(const std::string& patient_id,
                                                     int year) override {
    return read([&](Connection& db) {
      detail::PersonYearState state = detail::load_person_year_state(db, patient_id, year);
      return std::make_pair(std::move(state.accumulators), state.last_record_id);
    });
  }
  std::vector<StoredRecord> for_patient(const std::string& patient_id, int year) override {
    return read([&](Connection& db) { return detail::load_person_year(db, patient_id, year); });
  }
  void scan(const std::function<bool(const StoredRecord&)>& visit) override;
  std::int64_t record_count() override {
    return read([](Connection& db) { return db.run("SELECT count(*) FROM records").int64(0, 0); });
  }
  void details(const ReconciliationQuery& query,
               const std::function<bool(const DetailRow&)>& visit) override;
  std::vector<TotalRow> totals(const ReconciliationQuery& query) override;
  void scan_year(int year, Documents documents,
                 const std::function<bool(const StoredRecord&)>& visit) override;
  store::LedgerHealth health() override;

 private:
  WriteResult settle_in(Connection& db, const SettleJob& job);
  WriteResult cancel_in(Connection& db, const CancelJob& job);
  template <typename F>
  WriteResult write(F&& job);
  std::optional<Error> keep_policy(Connection& db, const SettleJob& job, const Settlement& s);
  void seal_loop();
  void seal_now();
  std::string now() const { return options_.clock ? options_.clock() : store::utc_now(); }

  store::LedgerOptions options_;
  detail::Pool writers_;
  detail::Pool readers_;
  detail::Pool sealer_connection_;
  // Content hashes of the policies found committed in the ledger (a kept text never changes).
  std::mutex policies_mutex_;
  std::set<std::string> known_policies_;
  std::mutex seal_mutex_;
  std::condition_variable seal_wake_;
  bool closing_ = false;
  bool seal_due_ = false;  // seal_interval_ms 0: a write committed since the last seal
  std::thread sealer_;     // last: it starts once everything it uses exists
};

// The person's chain head, its row made on the person's first settlement, in one statement
// that locks the row until the transaction ends as FOR UPDATE would (the no-op update takes
// the row lock, also on a row another transaction inserted meanwhile): this serializes the
// person's writes (on every server) and nobody else's. Queued in `batch`; person_head() reads
// its rows.
std::size_t claim_person(Batch& batch, const std::string& patient_id) {
  return batch.add(
      "INSERT INTO persons (patient_id, seq, head) VALUES ($1, 0, '') "
      "ON CONFLICT (patient_id) DO UPDATE SET seq = persons.seq "
      "RETURNING seq, head, sealed_seq",
      Params::of(patient_id));
}

PersonHead person_head(const Rows& q, const std::string& patient_id) {
  if (q.empty()) throw PgError("XX000", "no persons row for a person with records");
  return PersonHead{patient_id, q.int64(0, 0), q.text(0, 1), q.int64(0, 2)};
}

// Takes the settlement's key (hospital_id, bill_no) and its record's id in one statement,
// queued in `batch`: its rows hold the id, or none when the key is taken (a committed
// settlement holds it; one not yet committed makes the statement wait for its outcome).
std::size_t claim_key(Batch& batch, const SettleJob& job) {
  return batch.add(
      "INSERT INTO bills (hospital_id, bill_no, patient_id, record_id) "
      "VALUES ($1, $2, $3, nextval('record_ids')) "
      "ON CONFLICT (hospital_id, bill_no) DO NOTHING RETURNING record_id",
      Params::of(job.hospital_id, job.bill_no, job.patient_id));
}

// The chain head of a person with records, locked as claim_person locks it; a missing row is a
// broken ledger, not a new person.
PersonHead lock_person(Connection& db, const std::string& patient_id) {
  return person_head(
      db.run("SELECT seq, head, sealed_seq FROM persons WHERE patient_id = $1 FOR UPDATE",
             Params::of(patient_id)),
      patient_id);
}

// Queues what a new record `r` writes besides itself: its layers, its person's year moved from
// `before` and the chain's new head.
void queue_record(Batch& batch, const StoredRecord& r, std::string_view body,
                  const detail::PersonYearState& before, const PersonHead& head) {
  detail::insert_record(batch, r, body);
  detail::insert_layers(batch, r);
  detail::store_person_year(batch, r.patient_id, r.year, before.last_record_id,
                            {before.accumulators + r.movement, r.id});
  batch.add("UPDATE persons SET seq = $2, head = $3 WHERE patient_id = $1",
            Params::of(head.patient_id, head.seq, head.head));
}

// Runs `job(connection)` in one transaction on a write connection: committed when it created
// a record, rolled back otherwise (a refused or answered-before job leaves nothing behind). A
// database failure answers unavailable: with nothing written, except when the connection broke
// during COMMIT, whose outcome nobody can know then (maybe_written). A full queue (max_queue
// callers waiting for a write connection already, as SQLite's writer queue) answers unavailable
// too. Any other exception is a bug of this job alone.
template <typename F>
WriteResult PgLedger::write(F&& job) {
  try {
    WriteResult result = writers_.with([&](Connection& db) {
      db.exec("BEGIN");
      WriteResult r;
      try {
        r = job(db);
      } catch (const PgError&) {
        db.rollback_quietly();
        throw;
      } catch (const std::exception& e) {
        db.rollback_quietly();
        logger().critical(std::string("ledger job failed: ") + e.what());
        return store::failed(Outcome::refused,
                             store::internal(std::string("the ledger refused it: ") + e.what()));
      }
      if (r.outcome != Outcome::created) {
        db.rollback_quietly();
        return r;
      }
      try {
        db.exec("COMMIT");
      } catch (const PgError& e) {
        if (db.ok()) throw;  // the server refused the commit: it rolled back
        logger().error(std::string("ledger commit unconfirmed: ") + e.what());
        WriteResult unknown = store::failed(Outcome::unavailable, detail::database_failed(e));
        unknown.maybe_written = true;
        return unknown;
      }
      return r;
    });
    if (result.outcome == Outcome::created && options_.seal_interval_ms <= 0) {
      {
        std::lock_guard lock(seal_mutex_);
        seal_due_ = true;
      }
      seal_wake_.notify_all();
    }
    return result;
  } catch (const PgError& e) {
    logger().error(std::string("ledger write rolled back: ") + e.what());
    return store::failed(Outcome::unavailable, detail::database_failed(e));
  } catch (const detail::PoolFull&) {
    return store::failed(Outcome::unavailable,
                         detail::unavailable("the ledger's write queue is full; retry later"));
  }
}

std::future<WriteResult> PgLedger::settle(SettleJob job) {
  if (auto bad = store::check_settle_job(job)) {
    return store::ready(store::failed(Outcome::refused, *bad));
  }
  return store::ready(write([&](Connection& db) { return settle_in(db, job); }));
}

std::future<WriteResult> PgLedger::cancel(CancelJob job) {
  if (auto bad = store::check_cancel_job(job)) {
    return store::ready(store::failed(Outcome::refused, *bad));
  }
  return store::ready(write([&](Connection& db) { return cancel_in(db, job); }));
}

// Settles one job inside the transaction `write` opened, in two round trips besides BEGIN and
// COMMIT: first the person's row locked, the key and the record's id taken and the person's
// year read; then, after compute() on those accumulators, the record with its layers, the
// accumulators and the chain's head written. A key already taken answers the stored record.
WriteResult PgLedger::settle_in(Connection& db, const SettleJob& job) {
  Batch claims;
  const std::size_t person = claim_person(claims, job.patient_id);
  const std::size_t key = claim_key(claims, job);
  const std::size_t year = detail::read_person_year(claims, job.patient_id, job.year);
  const std::vector<Rows> claimed = db.send(claims);
  if (claimed[key].empty()) {
    std::optional<StoredRecord> stored =
        detail::load_settlement_by_key(db, job.hospital_id, job.bill_no);
    if (!stored) {
      return store::failed(Outcome::refused, store::internal("the key is taken but not found"));
    }
    return store::settled_before(job, std::move(*stored));
  }
  PersonHead head = person_head(claimed[person], job.patient_id);
  const detail::PersonYearState state =
      detail::person_year_state(claimed[year], job.patient_id, job.year);
  Result<Computed> computed = store::run_compute(job, state.accumulators);
  if (!computed) return store::failed(Outcome::refused, computed.error());
  if (auto bad = store::check_computed(job, state.accumulators, *computed)) {
    logger().critical("settle job refused: " + bad->message);
    return store::failed(Outcome::refused, *bad);
  }
  if (auto bad = keep_policy(db, job, computed->settlement)) {
    return store::failed(Outcome::refused, *bad);
  }
  StoredRecord r = store::settlement_record(job, *computed, now());
  store::link(r, claimed[key].int64(0, 0), head);
  Batch writes;
  queue_record(writes, r, store::record_body(job.stored_claim, std::nullopt, r), state, head);
  db.send(writes);
  WriteResult created = store::with_record(Outcome::created, std::move(r));
  created.settlement = std::move(computed->settlement);
  return created;
}

// Cancels one settlement: only the person's latest live settlement of the year, once. The
// checks run after the person's row is locked, so they see every write of the person.
WriteResult PgLedger::cancel_in(Connection& db, const CancelJob& job) {
  const Rows owner = db.run("SELECT patient_id FROM records WHERE id = $1 AND kind = 'settlement'",
                            Params::of(job.settlement_id));
  if (owner.empty()) return store::no_settlement(job.settlement_id);
  const std::string patient_id = owner.text(0, 0);
  PersonHead head = lock_person(db, patient_id);
  std::optional<StoredRecord> original =
      detail::load_person_record(db, patient_id, job.settlement_id, Documents::claim);
  if (!original) return store::no_settlement(job.settlement_id);
  if (original->cancelled_by) {
    std::optional<StoredRecord> cancellation =
        detail::load_person_record(db, patient_id, *original->cancelled_by);
    if (!cancellation) {
      return store::failed(Outcome::refused,
                           store::internal("a cancellation is recorded but not found"));
    }
    return store::cancelled_before(job, std::move(*cancellation));
  }
  std::vector<std::int64_t> blocking =
      detail::later_live_settlements(db, patient_id, original->year, original->id);
  if (!blocking.empty()) return store::not_latest(std::move(*original), std::move(blocking));
  const detail::PersonYearState state =
      detail::load_person_year_state(db, patient_id, original->year);
  const std::int64_t id = db.run("SELECT nextval('record_ids')").int64(0, 0);
  StoredRecord r = store::cancellation_record(job, *original, now());
  store::link(r, id, head);
  Batch writes;
  // The original's claim as its body was read (when compact), so no JSON is decoded.
  queue_record(writes, r, store::record_body("", original->claim, r), state, head);
  db.send(writes);
  return store::with_record(Outcome::created, std::move(r));
}

// Makes sure the ledger holds the text of the policy `s` was settled under, in the running
// transaction. Only a text found committed is remembered: one inserted here may roll back.
std::optional<Error> PgLedger::keep_policy(Connection& db, const SettleJob& job,
                                           const Settlement& s) {
  {
    std::lock_guard lock(policies_mutex_);
    if (known_policies_.contains(s.policy_sha256)) return std::nullopt;
  }
  if (!db.run("SELECT 1 FROM policies WHERE sha256 = $1", Params::of(s.policy_sha256)).empty()) {
    std::lock_guard lock(policies_mutex_);
    known_policies_.insert(s.policy_sha256);
    return std::nullopt;
  }
  if (auto bad = store::check_policy_text(job, s)) return bad;
  db.run("INSERT INTO policies (sha256, id, text) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
         Params::of(s.policy_sha256, s.policy_id, job.policy_text));
  return std::nullopt;
}

// Seals every seal_interval_ms (0: after each write), and once more when the ledger closes.
void PgLedger::seal_loop() {
  const auto interval = std::chrono::milliseconds(std::max(0, options_.seal_interval_ms));
  std::unique_lock lock(seal_mutex_);
  for (;;) {
    if (interval.count() > 0) {
      seal_wake_.wait_for(lock, interval, [this] { return closing_; });
    } else {
      seal_wake_.wait(lock, [this] { return closing_ || seal_due_; });
    }
    seal_due_ = false;
    const bool last = closing_;
    lock.unlock();
    seal_now();
    lock.lock();
    if (last) return;
  }
}

// One seal of the heads that moved since the last seal, in one transaction under the sealers'
// advisory lock; nothing when no head moved. A database failure is logged and the next round
// seals what this one could not.
void PgLedger::seal_now() {
  try {
    sealer_connection_.with([&](Connection& db) {
      detail::in_transaction(db, [&](Connection& c) {
        c.exec(kSealLock);
        store::Seal previous;
        const Rows last = c.run(
            "SELECT id, sealed_at, heads, prev_hash, hash FROM seals ORDER BY id DESC "
            "LIMIT 1");
        if (!last.empty()) {
          previous = {last.int64(0, 0), last.text(0, 1), last.text(0, 2), last.text(0, 3),
                      last.text(0, 4)};
        }
        const Rows moved = c.run(
            "SELECT patient_id, seq, head FROM persons WHERE seq > sealed_seq ORDER BY patient_id");
        if (moved.empty()) return;
        std::vector<store::SealEntry> entries;
        std::vector<std::string> persons;
        std::vector<std::int64_t> seqs;
        for (int i = 0; i < moved.size(); ++i) {
          entries.push_back({moved.text(i, 0), moved.int64(i, 1), moved.text(i, 2)});
          persons.push_back(moved.text(i, 0));
          seqs.push_back(moved.int64(i, 1));
        }
        const store::Seal seal = store::next_seal(previous, now(), std::move(entries));
        c.run(
            "INSERT INTO seals (id, sealed_at, heads, prev_hash, hash) VALUES ($1, $2, $3, $4, "
            "$5)",
            Params::of(seal.id, seal.sealed_at, seal.heads, seal.prev_hash, seal.hash));
        // A head that moved on since it was read keeps seq > sealed_seq for the next seal.
        c.run(
            "UPDATE persons p SET sealed_seq = u.seq FROM unnest($1::text[], $2::bigint[]) "
            "AS u(patient_id, seq) WHERE p.patient_id = u.patient_id AND p.sealed_seq < u.seq",
            Params::of(detail::text_array(persons), detail::bigint_array(seqs)));
      });
    });
  } catch (const PgError& e) {
    logger().error(std::string("sealing the person chains failed: ") + e.what());
  } catch (const std::exception& e) {
    logger().critical(std::string("sealing the person chains failed: ") + e.what());
  }
}

// Each page a read of its own: a walk holds no connection between pages.
void PgLedger::scan(const std::function<bool(const StoredRecord&)>& visit) {
  store::walk_pages(
      kPage,
      [this](std::int64_t after, int limit) {
        return read([&](Connection& db) { return detail::load_records_after(db, after, limit); });
      },
      visit);
}

void PgLedger::scan_year(int year, Documents documents,
                         const std::function<bool(const StoredRecord&)>& visit) {
  store::walk_pages(
      kPage,
      [&](std::int64_t after, int limit) {
        return read([&](Connection& db) {
          return detail::load_year_after(db, year, after, limit, documents);
        });
      },
      visit);
}

// One REPEATABLE READ snapshot for the whole walk, read a page of records at a time in
// (recorded_at, id) order, each page's layers in one statement. The visitor runs on the
// connection's lease, so it must not wait on other reads of this ledger.
void PgLedger::details(const ReconciliationQuery& query,
                       const std::function<bool(const DetailRow&)>& visit) {
  const std::string from = store::local_day_start_utc(query.from, query.utc_offset_minutes);
  const std::string to = store::local_day_start_utc(query.to, query.utc_offset_minutes - 24 * 60);
  read([&](Connection& db) {
    db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    try {
      std::string after_at;
      std::int64_t after_id = 0;
      bool more = true;
      while (more) {
        const Rows page = db.run(
            "SELECT r.id, r.kind, r.cancels, r.recorded_at, r.hospital_id, r.bill_no, "
            "r.patient_id, r.total, r.fund_paid, r.patient_pays, r.special_disease "
            "FROM records r WHERE r.recorded_at >= $1 AND r.recorded_at < $2 "
            "AND (r.recorded_at, r.id) > ($3::text, $4::bigint) "
            "AND ($5::text IS NULL OR r.hospital_id = $5) "
            "AND ($7::text IS NULL OR (CASE WHEN r.special_disease IS NULL THEN '21' ELSE '11' "
            "END) = $7) AND EXISTS (SELECT 1 FROM record_layers l WHERE l.patient_id = "
            "r.patient_id AND l.record_id = r.id AND ($6::text IS NULL OR l.fund = $6)) "
            "ORDER BY r.recorded_at, r.id LIMIT $8",
            Params::of(from, to, after_at, after_id, query.hospital_id, query.fund, query.clr_type,
                       kPage));
        more = page.size() == kPage;
        std::vector<std::int64_t> ids;
        for (int i = 0; i < page.size(); ++i) ids.push_back(page.int64(i, 0));
        const Rows layers = db.run(
            "SELECT record_id, fund, paid FROM record_layers WHERE record_id = ANY($1::bigint[]) "
            "AND ($2::text IS NULL OR fund = $2) ORDER BY record_id, position",
            Params::of(detail::bigint_array(ids), query.fund));
        std::map<std::int64_t, std::vector<std::pair<std::string, Money>>> funds;
        for (int i = 0; i < layers.size(); ++i) {
          funds[layers.int64(i, 0)].emplace_back(layers.text(i, 1),
                                                 Money::from_fen(layers.int64(i, 2)));
        }
        for (int i = 0; i < page.size(); ++i) {
          DetailRow row;
          row.record_id = page.int64(i, 0);
          row.kind =
              page.text(i, 1) == "cancellation" ? RecordKind::cancellation : RecordKind::settlement;
          if (!page.is_null(i, 2)) row.cancels = page.int64(i, 2);
          row.recorded_at = page.text(i, 3);
          auto day = store::local_day(row.recorded_at, query.utc_offset_minutes);
          if (!day) {
            throw PgError("XX001", "record " + std::to_string(row.record_id) +
                                       " has a recorded_at that is no timestamp");
          }
          row.day = std::move(*day);
          row.hospital_id = page.text(i, 4);
          row.bill_no = page.text(i, 5);
          row.patient_id = page.text(i, 6);
          row.total = Money::from_fen(page.int64(i, 7));
          row.fund_paid = Money::from_fen(page.int64(i, 8));
          row.patient_pays = Money::from_fen(page.int64(i, 9));
          if (!page.is_null(i, 10)) row.special_disease = page.text(i, 10);
          for (const auto& [fund, paid] : funds[row.record_id]) store::add_fund(row, fund, paid);
          after_at = row.recorded_at;
          after_id = row.record_id;
          if (!visit(row)) {
            more = false;
            break;
          }
        }
      }
      db.exec("COMMIT");
    } catch (...) {
      db.rollback_quietly();
      throw;
    }
    return true;
  });
}

// The details summed, the days cut into parts summed side by side on the read connections.
std::vector<TotalRow> PgLedger::totals(const ReconciliationQuery& query) {
  return store::sum_details(
      query, options_.read_connections,
      [this](const ReconciliationQuery& part, const auto& visit) { details(part, visit); });
}

// The read, write and sealer pools counted, then SELECT 1 on a read connection: it reaches
// the server (a new connection when the pooled one was dropped, bounded by connect_timeout)
// without touching a table.
store::LedgerHealth PgLedger::health() {
  store::LedgerHealth h;
  h.engine = "postgresql";
  for (const detail::Pool* pool : {&readers_, &writers_, &sealer_connection_}) {
    const detail::Pool::Counts c = pool->counts();
    h.connections_open += c.open;
    h.connections_in_use += c.in_use;
    h.connections_max += c.max;
  }
  try {
    readers_.with([](Connection& db) { db.run("SELECT 1"); });
    h.answers = true;
  } catch (const std::exception& e) {
    h.error = std::string("the ledger's database failed: ") + e.what();
  }
  return h;
}

}  // namespace

Result<std::unique_ptr<store::Ledger>> open_ledger(const std::string& uri,
                                                   const store::LedgerOptions& options) {
  return detail::open_migrated<store::Ledger, PgLedger>(uri, options);
}

}  // namespace onestop::postgres
