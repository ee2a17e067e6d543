// The SQLite ledger: one writer thread with a queue (group commit), a pool of readers.
#include <Poco/Logger.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <variant>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "adapters/sqlite/chain_store.hpp"
#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/derive.hpp"
#include "adapters/sqlite/read_pool.hpp"
#include "adapters/sqlite/record_store.hpp"
#include "adapters/sqlite/report_store.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"
#include "adapters/store/compact.hpp"
#include "adapters/store/pages.hpp"
#include "adapters/store/record_jobs.hpp"

namespace onestop::sqlite {
namespace {

using detail::Connection;
using detail::DbError;
using detail::PersonHead;

// Records per page when scan() walks the ledger: bounds its memory and how long it holds a
// read connection.
constexpr int kScanPage = 256;

// Person-years whose accumulators the writer keeps in memory at most; beyond, it starts again.
constexpr std::size_t kAccumulatorCache = 100'000;

struct PendingJob {
  std::variant<SettleJob, CancelJob> job;
  std::promise<WriteResult> promise;
};

using detail::database_failed;
using store::failed;
using store::internal;
using store::ready;
using store::with_record;

// Failures only, without personal data: SQL text and SQLite's message, never values.
Poco::Logger& logger() { return Poco::Logger::get("onestop.ledger"); }

// The writer's commits are synced to the disk (a Connection's synchronous=FULL) unless the
// options say otherwise (LedgerOptions::sync_commits). Throws DbError.
void sync_as_asked(Connection& writer, const LedgerOptions& options) {
  if (!options.sync_commits) writer.exec("PRAGMA synchronous = OFF");
}

class SqliteLedger final : public Ledger {
 public:
  SqliteLedger(LedgerOptions options, std::unique_ptr<Connection> writer,
               detail::ConnectionOptions connection_options)
      : options_(std::move(options)),
        connection_options_(std::move(connection_options)),
        writer_(std::move(writer)),
        readers_(connection_options_, options_.read_connections),
        thread_([this] { writer_loop(); }) {}

  ~SqliteLedger() override { close(); }
  std::optional<Error> close() override;

  std::future<WriteResult> settle(SettleJob job) override { return enqueue(std::move(job)); }
  std::future<WriteResult> cancel(CancelJob job) override { return enqueue(std::move(job)); }

  std::optional<StoredRecord> get(std::int64_t id) override;
  std::optional<StoredRecord> find(const std::string& hospital_id,
                                   const std::string& bill_no) override;
  std::pair<Accumulators, std::int64_t> accumulators(const std::string& patient_id,
                                                     int year) override;
  std::vector<StoredRecord> for_patient(const std::string& patient_id, int year) override;
  void scan(const std::function<bool(const StoredRecord&)>& visit) override;
  std::int64_t record_count() override;
  void details(const ReconciliationQuery& query,
               const std::function<bool(const DetailRow&)>& visit) override;
  std::vector<TotalRow> totals(const ReconciliationQuery& query) override;
  void scan_year(int year, Documents documents,
                 const std::function<bool(const StoredRecord&)>& visit) override;
  store::LedgerHealth health() override;

 private:
  using Job = std::variant<SettleJob, CancelJob>;

  std::future<WriteResult> enqueue(Job job);
  void writer_loop();
  void run_batch(std::vector<PendingJob>& batch);
  std::vector<WriteResult> write_batch(std::vector<PendingJob>& batch);
  WriteResult run_job(Job& job, std::int64_t& last_id);
  WriteResult settle_one(const SettleJob& job, std::int64_t& last_id);
  WriteResult cancel_one(const CancelJob& job, std::int64_t& last_id);
  WriteResult existing_settlement(const SettleJob& job, WriteResult otherwise);
  WriteResult existing_cancellation(const CancelJob& job, std::int64_t cancellation_id);
  std::optional<Error> keep_policy(const SettleJob& job, const Settlement& s);
  detail::PersonYearState& person_year(const std::string& patient_id, int year);
  PersonHead& person_head(const std::string& patient_id);
  void append(StoredRecord& r, std::string_view body, std::int64_t& last_id);
  void seal_if_due(bool closing);
  void sync_to_disk();
  Connection& writer();
  // The time a record is stamped with: the options' clock, or the system's.
  std::string now() const { return options_.clock ? options_.clock() : detail::utc_now(); }
  template <typename F>
  auto read(F&& f);

  LedgerOptions options_;
  detail::ConnectionOptions connection_options_;
  std::unique_ptr<Connection> writer_;  // only the writer thread touches it after open()
  // What health() reads of the writer, which it may not touch: whether the writer thread is
  // running a batch or a seal, and whether writer_ was open when it last finished one.
  std::atomic<bool> writer_busy_{false};
  std::atomic<bool> writer_open_{true};
  detail::ReadPool readers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<PendingJob> queue_;
  // Writer thread only: content hashes of the policies the ledger holds (committed), and those
  // the running batch added.
  std::set<std::string> known_policies_;
  std::set<std::string> batch_policies_;
  // Writer thread only: person-years as committed plus the running batch's movements, and the
  // person-years the running batch read or moved (forgotten if it rolls back).
  std::map<std::pair<std::string, int>, detail::PersonYearState> person_years_;
  std::set<std::pair<std::string, int>> batch_keys_;
  // Writer thread only: the persons' chain heads, kept the same way.
  std::map<std::string, PersonHead> heads_;
  std::set<std::string> batch_people_;
  std::int64_t cached_last_id_ = -1;  // the last record the caches agree with; -1: none yet
  std::chrono::steady_clock::time_point last_seal_ = std::chrono::steady_clock::now();
  bool closing_ = false;
  std::optional<Error> sync_error_;  // set by the writer thread's last step, read after join
  std::thread thread_;  // last: it starts once everything it uses exists
};

// Lets the writer answer every queued job, seal and sync, then joins it.
std::optional<Error> SqliteLedger::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_all();
  if (!thread_.joinable()) return std::nullopt;
  thread_.join();
  return sync_error_;
}

// Queues a job for the writer, or answers unavailable at once when the ledger is closing or
// the queue is full (a bounded queue keeps a stalled disk from eating the memory).
std::future<WriteResult> SqliteLedger::enqueue(Job job) {
  PendingJob pending{std::move(job), {}};
  std::future<WriteResult> future = pending.promise.get_future();
  {
    std::lock_guard lock(mutex_);
    if (closing_) {
      return ready(failed(Outcome::unavailable, detail::unavailable("the ledger is closing")));
    }
    if (queue_.size() >= options_.max_queue) {
      return ready(failed(Outcome::unavailable,
                          detail::unavailable("the ledger's write queue is full; retry later")));
    }
    queue_.push_back(std::move(pending));
  }
  wake_.notify_one();
  return future;
}

// Takes up to max_batch queued jobs at a time, without waiting for more: jobs that arrive
// while a batch commits form the next batch, so batches grow with the load by themselves.
// Between batches, and while idle at least every seal interval, it seals the chains that
// moved; closing, it seals what is left.
void SqliteLedger::writer_loop() {
  const std::size_t max_batch = options_.max_batch == 0 ? 1 : options_.max_batch;
  const auto interval = std::chrono::milliseconds(std::max(options_.seal_interval_ms, 0));
  const auto woken = [this] { return closing_ || !queue_.empty(); };
  for (;;) {
    std::vector<PendingJob> batch;
    {
      std::unique_lock lock(mutex_);
      if (interval.count() == 0) {
        wake_.wait(lock, woken);
      } else {
        wake_.wait_for(lock, interval, woken);
      }
      if (closing_ && queue_.empty()) break;  // every queued job was answered
      while (!queue_.empty() && batch.size() < max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    writer_busy_ = true;
    if (!batch.empty()) run_batch(batch);
    seal_if_due(false);
    writer_open_ = writer_ != nullptr;
    writer_busy_ = false;
  }
  seal_if_due(true);
  if (!options_.sync_commits) sync_to_disk();
}

// Syncs what the writer committed without syncing (LedgerOptions::sync_commits false): a
// checkpoint under synchronous=FULL syncs the WAL, copies it into the database file, syncs
// that, and empties the WAL. A checkpoint that could not copy everything (another process
// reading) leaves the WAL's frames beyond the synced ones: that is an error too.
void SqliteLedger::sync_to_disk() {
  try {
    Connection& db = writer();
    db.exec("PRAGMA synchronous = FULL");
    detail::Query q = db.query("PRAGMA wal_checkpoint(TRUNCATE)");
    if (q.step() && q.int64(0) != 0) {
      sync_error_ = detail::unavailable(
          "the ledger could not be synced to the disk: another connection is reading it");
    }
  } catch (const DbError& e) {
    sync_error_ = database_failed(e);
  }
}

// Seals the heads of the chains that moved (seal.hpp) when the interval has passed since the
// last seal, or now when closing; in its own transaction, so that a failing seal never fails
// a settlement (the heads stay unsealed and the next seal takes them).
void SqliteLedger::seal_if_due(bool closing) {
  const auto now_steady = std::chrono::steady_clock::now();
  if (!closing && now_steady - last_seal_ < std::chrono::milliseconds(options_.seal_interval_ms)) {
    return;
  }
  last_seal_ = now_steady;
  try {
    Connection& db = writer();
    db.exec("BEGIN IMMEDIATE");
    // The time of sealing itself, not the options' clock (which stamps loaded history).
    detail::seal_moved_heads(db, detail::utc_now());
    db.exec("COMMIT");
  } catch (const DbError& e) {
    logger().error(std::string("sealing the ledger's chains failed: ") + e.what());
    if (writer_ && !writer_->rollback_quietly()) writer_.reset();
  }
}

// Answers every job of the batch after its COMMIT, or every one with unavailable when the
// database failed anywhere in it (then nothing of the batch is written).
void SqliteLedger::run_batch(std::vector<PendingJob>& batch) {
  std::vector<WriteResult> results;
  batch_policies_.clear();
  batch_keys_.clear();
  batch_people_.clear();
  try {
    results = write_batch(batch);
    known_policies_.merge(batch_policies_);
  } catch (const DbError& e) {
    // Nothing of the batch was written: its person-years and chain heads are read again when
    // next needed.
    for (const auto& key : batch_keys_) person_years_.erase(key);
    for (const auto& patient_id : batch_people_) heads_.erase(patient_id);
    logger().error("ledger batch of " + std::to_string(batch.size()) +
                   " jobs rolled back: " + e.what());
    // Roll back what SQLite did not roll back itself and keep the connection: while it stays
    // open, frames of a commit that failed half-way stay beyond the WAL index and the next
    // batch overwrites them. Only a connection that cannot even roll back is replaced.
    if (writer_ && !writer_->rollback_quietly()) writer_.reset();
    results.assign(batch.size(), failed(Outcome::unavailable, database_failed(e)));
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].promise.set_value(std::move(results[i]));
}

// One IMMEDIATE transaction for the batch, one savepoint per job. The last record's id is read
// inside the transaction and carried from job to job. Throws DbError.
std::vector<WriteResult> SqliteLedger::write_batch(std::vector<PendingJob>& batch) {
  Connection& db = writer();
  db.exec("BEGIN IMMEDIATE");
  std::int64_t last_id = detail::load_chain_head(db).id;
  // Another connection wrote since this writer's last commit (another process on the file):
  // the cached accumulators and heads may be stale.
  if (last_id != cached_last_id_) {
    person_years_.clear();
    heads_.clear();
  }
  std::vector<WriteResult> results;
  results.reserve(batch.size());
  for (auto& pending : batch) results.push_back(run_job(pending.job, last_id));
  db.exec("COMMIT");
  cached_last_id_ = last_id;
  return results;
}

// Runs one job in its own savepoint: kept when it created a record, rolled back otherwise
// (a refused or conflicting job leaves nothing behind). A database failure propagates and
// takes the batch with it; any other exception is a bug of this job alone.
WriteResult SqliteLedger::run_job(Job& job, std::int64_t& last_id) {
  Connection& db = *writer_;
  // Prepared once and cached: sqlite3_exec would parse each of them for every job.
  db.query("SAVEPOINT job").run();
  WriteResult result;
  try {
    result = std::holds_alternative<SettleJob>(job) ? settle_one(std::get<SettleJob>(job), last_id)
                                                    : cancel_one(std::get<CancelJob>(job), last_id);
  } catch (const DbError&) {
    throw;
  } catch (const std::exception& e) {
    logger().critical(std::string("ledger job failed: ") + e.what());
    result = failed(Outcome::refused, internal(std::string("the ledger refused it: ") + e.what()));
  }
  if (result.outcome != Outcome::created) db.query("ROLLBACK TO job").run();
  db.query("RELEASE job").run();
  return result;
}

// Settles one job: reads the person's accumulators inside the transaction, computes, and
// INSERTs; the UNIQUE key decides between a new record and an existing one (replay/conflict).
WriteResult SqliteLedger::settle_one(const SettleJob& job, std::int64_t& last_id) {
  if (auto bad = store::check_settle_job(job)) return failed(Outcome::refused, *bad);
  const Accumulators before = person_year(job.patient_id, job.year).accumulators;
  Result<Computed> computed = store::run_compute(job, before);
  if (!computed) return existing_settlement(job, failed(Outcome::refused, computed.error()));
  if (auto bad = store::check_computed(job, before, *computed)) {
    logger().critical("settle job refused: " + bad->message);
    return failed(Outcome::refused, *bad);
  }
  if (auto bad = keep_policy(job, computed->settlement)) return failed(Outcome::refused, *bad);
  StoredRecord r = store::settlement_record(job, *computed, now());
  const std::string body = store::record_body(job.stored_claim, std::nullopt, r);
  try {
    append(r, body, last_id);
  } catch (const DbError& e) {
    if (e.code() != SQLITE_CONSTRAINT) throw;
    return existing_settlement(
        job, failed(Outcome::refused, internal("the settlement key is taken but not found")));
  }
  WriteResult created = with_record(Outcome::created, std::move(r));
  created.settlement = std::move(computed->settlement);
  return created;
}

// Writes record `r` (its id the next after `last_id`, its place the next in its person's
// chain) with its layers, and moves its person's year and chain head: person_years is written
// as the cached state plus the movement (one row, whatever the layers), persons as the new
// head, and the caches follow, remembered so that a rollback of the batch forgets them. Throws
// DbError (SQLITE_CONSTRAINT, nothing written) when a UNIQUE index refuses the record.
void SqliteLedger::append(StoredRecord& r, std::string_view body, std::int64_t& last_id) {
  Connection& db = *writer_;
  PersonHead& head = person_head(r.patient_id);
  PersonHead after = head;
  store::link(r, last_id + 1, after);
  if (!detail::insert_record(db, r, body)) {
    throw DbError(SQLITE_CONSTRAINT, "the record's key is taken");
  }
  detail::insert_layers(db, r);
  detail::PersonYearState& state = person_year(r.patient_id, r.year);
  detail::PersonYearState moved{state.accumulators + r.movement, r.id, {}};
  detail::store_person_year(db, r.patient_id, r.year, state.last_record_id, moved);
  detail::store_person_head(db, after, head.seq);
  state = std::move(moved);
  head = std::move(after);
  batch_keys_.insert({r.patient_id, r.year});
  batch_people_.insert(r.patient_id);
  last_id = r.id;
}

// The person's year as the writer's transaction sees it: from the writer's cache, loaded from
// the database the first time. The cache is the writer's alone (every write goes through it),
// so it stays true without reading again. The reference lives until the next call.
detail::PersonYearState& SqliteLedger::person_year(const std::string& patient_id, int year) {
  auto key = std::make_pair(patient_id, year);
  if (auto it = person_years_.find(key); it != person_years_.end()) return it->second;
  if (person_years_.size() >= kAccumulatorCache) person_years_.clear();  // bounded memory
  detail::PersonYearState loaded = detail::load_person_year_state(*writer_, patient_id, year);
  batch_keys_.insert(key);  // read inside the batch: may hold its writes
  return person_years_.emplace(std::move(key), std::move(loaded)).first->second;
}

// The person's chain head, cached like the person-years.
PersonHead& SqliteLedger::person_head(const std::string& patient_id) {
  if (auto it = heads_.find(patient_id); it != heads_.end()) return it->second;
  if (heads_.size() >= kAccumulatorCache) heads_.clear();  // bounded memory
  PersonHead loaded = detail::load_person_head(*writer_, patient_id);
  batch_people_.insert(patient_id);
  return heads_.emplace(patient_id, std::move(loaded)).first->second;
}

// Makes sure the ledger holds the text of the policy `s` was settled under, inside the
// batch's transaction: known_policies_ lists those committed, batch_policies_ those this
// batch added (forgotten when it rolls back). An internal error when the job has no text for
// a policy the ledger lacks, or a text that is not that policy's.
std::optional<Error> SqliteLedger::keep_policy(const SettleJob& job, const Settlement& s) {
  if (known_policies_.contains(s.policy_sha256) || batch_policies_.contains(s.policy_sha256)) {
    return std::nullopt;
  }
  Connection& db = *writer_;
  if (!detail::holds_policy(db, s.policy_sha256)) {
    if (auto bad = store::check_policy_text(job, s)) return bad;
    detail::keep_policy(db, s.policy_id, s.policy_sha256, job.policy_text);
  }
  batch_policies_.insert(s.policy_sha256);
  return std::nullopt;
}

// The answer when the job's key may already be settled: the stored record's (replayed or
// conflict), or `otherwise` when nothing is stored.
WriteResult SqliteLedger::existing_settlement(const SettleJob& job, WriteResult otherwise) {
  std::optional<StoredRecord> stored =
      detail::load_settlement_by_key(*writer_, job.hospital_id, job.bill_no);
  if (!stored) return otherwise;
  return store::settled_before(job, std::move(*stored));
}

// Cancels one settlement: only the person's latest live settlement of the year, once.
// The cancellation found first (not the blockers) answers a repeated cancel, so a replay
// stays a replay after later settlements; UNIQUE(cancels) still guarantees at most one.
WriteResult SqliteLedger::cancel_one(const CancelJob& job, std::int64_t& last_id) {
  if (auto bad = store::check_cancel_job(job)) return failed(Outcome::refused, *bad);
  Connection& db = *writer_;
  std::optional<StoredRecord> original =
      detail::load_record(db, job.settlement_id, Documents::claim);
  if (!original || original->kind != RecordKind::settlement) {
    return store::no_settlement(job.settlement_id);
  }
  if (original->cancelled_by) return existing_cancellation(job, *original->cancelled_by);
  std::vector<std::int64_t> blocking =
      detail::later_live_settlements(db, original->patient_id, original->year, original->id);
  if (!blocking.empty()) return store::not_latest(std::move(*original), std::move(blocking));
  StoredRecord r = store::cancellation_record(job, *original, now());
  // The original's claim as its body was read (when compact), so the writer decodes no JSON.
  const std::string body = store::record_body({}, original->claim, r);
  try {
    append(r, body, last_id);
  } catch (const DbError& e) {
    if (e.code() != SQLITE_CONSTRAINT) throw;
    const auto again = detail::load_record(db, job.settlement_id);
    return existing_cancellation(job, again ? again->cancelled_by.value_or(0) : 0);
  }
  return with_record(Outcome::created, std::move(r));
}

// A cancel of a settlement already cancelled by `cancellation_id`.
WriteResult SqliteLedger::existing_cancellation(const CancelJob& job,
                                                std::int64_t cancellation_id) {
  std::optional<StoredRecord> cancellation = detail::load_record(*writer_, cancellation_id);
  if (!cancellation) {
    return failed(Outcome::refused, internal("a cancellation is recorded but not found"));
  }
  return store::cancelled_before(job, std::move(*cancellation));
}

// The writer connection, opened again after a failure closed it. Throws DbError.
Connection& SqliteLedger::writer() {
  if (!writer_) {
    writer_ = std::make_unique<Connection>(connection_options_);
    sync_as_asked(*writer_, options_);
  }
  return *writer_;
}

// Runs `f` on a pooled read connection; a database failure becomes LedgerUnavailable.
template <typename F>
auto SqliteLedger::read(F&& f) {
  try {
    return readers_.with_connection(std::forward<F>(f));
  } catch (const DbError& e) {
    throw LedgerUnavailable(database_failed(e));
  }
}

std::optional<StoredRecord> SqliteLedger::get(std::int64_t id) {
  return read([id](Connection& db) { return detail::load_record(db, id); });
}

std::optional<StoredRecord> SqliteLedger::find(const std::string& hospital_id,
                                               const std::string& bill_no) {
  return read(
      [&](Connection& db) { return detail::load_settlement_by_key(db, hospital_id, bill_no); });
}

std::pair<Accumulators, std::int64_t> SqliteLedger::accumulators(const std::string& patient_id,
                                                                 int year) {
  return read([&](Connection& db) {
    detail::PersonYearState state = detail::load_person_year_state(db, patient_id, year);
    return std::make_pair(std::move(state.accumulators), state.last_record_id);
  });
}

std::vector<StoredRecord> SqliteLedger::for_patient(const std::string& patient_id, int year) {
  return read([&](Connection& db) { return detail::load_person_year(db, patient_id, year); });
}

// Each page a read of its own: a walk holds no connection between pages.
void SqliteLedger::scan(const std::function<bool(const StoredRecord&)>& visit) {
  store::walk_pages(
      kScanPage,
      [this](std::int64_t after, int limit) {
        return read([&](Connection& db) { return detail::load_records_after(db, after, limit); });
      },
      visit);
}

// One read transaction for the whole walk: the visitor runs on the connection's lease, so it
// must not wait on other reads of this ledger (a walk holds one of the pool's connections).
void SqliteLedger::details(const ReconciliationQuery& query,
                           const std::function<bool(const DetailRow&)>& visit) {
  read([&](Connection& db) {
    detail::walk_details(db, query, visit);
    return true;
  });
}

// The totals are the details summed (store::sum_details), one part per core at most.
std::vector<TotalRow> SqliteLedger::totals(const ReconciliationQuery& query) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return store::sum_details(
      query, std::min(options_.read_connections, cores),
      [this](const ReconciliationQuery& part, const auto& visit) { details(part, visit); });
}

void SqliteLedger::scan_year(int year, Documents documents,
                             const std::function<bool(const StoredRecord&)>& visit) {
  store::walk_pages(
      kScanPage,
      [&](std::int64_t after, int limit) {
        return read([&](Connection& db) {
          return detail::load_year_after(db, year, after, limit, documents);
        });
      },
      visit);
}

std::int64_t SqliteLedger::record_count() {
  return read([](Connection& db) {
    detail::Query q = db.query("SELECT count(*) FROM records");
    return q.step() ? q.int64(0) : std::int64_t{0};
  });
}

// The read pool and the writer counted, then one row of the records table read on a pooled
// connection: a read of the file itself (SELECT 1 alone would not open it), bounded by the
// busy timeout.
store::LedgerHealth SqliteLedger::health() {
  store::LedgerHealth h;
  h.engine = "sqlite";
  const detail::ReadPool::Counts reads = readers_.counts();
  const bool writing = writer_busy_;
  h.connections_open = reads.open + (writing || writer_open_ ? 1 : 0);
  h.connections_in_use = reads.in_use + (writing ? 1 : 0);
  h.connections_max = reads.max + 1;
  try {
    read([](Connection& db) {
      detail::Query q = db.query("SELECT 1 FROM records LIMIT 1");
      q.step();
      return true;
    });
    h.answers = true;
  } catch (const LedgerUnavailable& e) {
    h.error = e.what();
  } catch (const std::exception& e) {
    h.error = std::string("the ledger's database failed: ") + e.what();
  }
  return h;
}

}  // namespace

Result<std::unique_ptr<Ledger>> open_ledger(const LedgerOptions& options) {
  if (options.path.empty() || options.path == ":memory:") {
    return detail::unavailable("the ledger needs a database file, not '" + options.path + "'");
  }
  const detail::ConnectionOptions connection{options.path, false, options.busy_timeout_ms,
                                             options.vfs};
  try {
    detail::ConnectionOptions create = connection;
    create.create = true;
    auto writer = std::make_unique<Connection>(create);
    detail::migrate(*writer);
    sync_as_asked(*writer, options);
    return std::unique_ptr<Ledger>(
        std::make_unique<SqliteLedger>(options, std::move(writer), connection));
  } catch (const DbError& e) {
    return database_failed(e);
  }
}

}  // namespace onestop::sqlite
