// The SQLite ledger: one writer thread with a queue (group commit), a pool of readers.
#include <Poco/Logger.h>

#include <algorithm>
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
#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/derive.hpp"
#include "adapters/sqlite/read_pool.hpp"
#include "adapters/sqlite/record_store.hpp"
#include "adapters/sqlite/report_store.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"
#include "adapters/store/compact.hpp"

namespace onestop::sqlite {
namespace {

using detail::ChainHead;
using detail::Connection;
using detail::DbError;

// Records per page when scan() walks the ledger: bounds its memory and how long it holds a
// read connection.
constexpr int kScanPage = 256;

// Person-years whose accumulators the writer keeps in memory at most; beyond, it starts again.
constexpr std::size_t kAccumulatorCache = 100'000;

struct PendingJob {
  std::variant<SettleJob, CancelJob> job;
  std::promise<WriteResult> promise;
};

// A result without a record: refused, not found, unavailable.
WriteResult failed(Outcome outcome, Error error) {
  WriteResult r;
  r.outcome = outcome;
  r.error = std::move(error);
  return r;
}

// A result about `record`: created, replayed, or a conflict with it.
WriteResult with_record(Outcome outcome, StoredRecord record, std::optional<Error> error = {}) {
  WriteResult r;
  r.outcome = outcome;
  r.record = std::move(record);
  r.error = std::move(error);
  return r;
}

// A bug (of the caller or of compute()), refused without writing.
Error internal(const std::string& message) { return Error{"internal", "", message}; }

using detail::database_failed;

// A future that is ready at once, for jobs answered without the writer.
std::future<WriteResult> ready(WriteResult result) {
  std::promise<WriteResult> promise;
  promise.set_value(std::move(result));
  return promise.get_future();
}

// Failures only, without personal data: SQL text and SQLite's message, never values.
Poco::Logger& logger() { return Poco::Logger::get("onestop.ledger"); }

// A job the writer cannot run at all: a caller's bug, refused without touching the database.
std::optional<Error> check_settle_job(const SettleJob& job) {
  if (!job.compute) return internal("settle job without compute()");
  if (job.hospital_id.empty() || job.bill_no.empty() || job.patient_id.empty()) {
    return internal("settle job without hospital_id, bill_no or patient_id");
  }
  if (job.request_sha256.empty()) return internal("settle job without request_sha256");
  return std::nullopt;
}

// What compute() returned must be a settlement of this job's key on the state it was given,
// with one result per layer and no movement outside them; else storing it would corrupt the
// ledger, so it is refused as a bug.
std::optional<Error> check_computed(const SettleJob& job, const Accumulators& before,
                                    const Computed& c) {
  const Settlement& s = c.settlement;
  if (s.hospital_id != job.hospital_id || s.bill_no != job.bill_no ||
      s.patient_id != job.patient_id || s.year != job.year) {
    return internal("compute() returned a settlement for another key");
  }
  if (!(s.before == before)) return internal("compute() did not settle on the state it was given");
  if (c.claim_json.empty() || s.policy_id.empty() || s.policy_sha256.empty()) {
    return internal("compute() returned no claim or policy");
  }
  std::set<std::string> layers;
  for (const auto& layer : s.layers) {
    if (!layers.insert(layer.id).second) return internal("duplicate layer " + layer.id);
  }
  for (const auto& [id, totals] : (s.after - s.before).layers) {
    // A derived key (a visit's outpatient totals) belongs to its owner layer's result.
    if (!layers.contains(std::string(owner_layer(id)))) {
      return internal("layer " + id + " moved but has no result");
    }
  }
  return std::nullopt;
}

// Gives the record its place in the chain after `head`.
void seal(StoredRecord& r, const ChainHead& head) {
  r.id = head.id + 1;
  r.prev_hash = head.hash;
  r.hash = chain_hash(r);
}

// The claim part of the compact body of a record whose canonical claim is `claim_json`: made
// from `claim` when the caller has it, else from claim_json decoded. Throws
// std::runtime_error when the claim does not decode (a bug).
std::string claim_part(const std::optional<Claim>& claim, const std::string& claim_json) {
  if (claim) return store::encode_claim_part(*claim, claim_json);
  Result<Claim> decoded = codec::decode_claim(claim_json);
  if (!decoded) throw std::runtime_error("the claim does not decode: " + decoded.error().message);
  return store::encode_claim_part(*decoded, claim_json);
}

// The record of a computed settlement stamped `recorded_at`, next in the chain after `head`.
StoredRecord settlement_record(const SettleJob& job, const Computed& c, std::string recorded_at,
                               const ChainHead& head) {
  const Settlement& s = c.settlement;
  StoredRecord r;
  r.kind = RecordKind::settlement;
  r.hospital_id = s.hospital_id;
  r.bill_no = s.bill_no;
  r.patient_id = s.patient_id;
  r.year = s.year;
  r.policy_id = s.policy_id;
  r.policy_sha256 = s.policy_sha256;
  r.request_sha256 = job.request_sha256;
  r.claim_json = c.claim_json;
  r.result_json = c.result_json;
  r.recorded_at = std::move(recorded_at);
  r.total = s.split.total;
  r.fund_paid = s.fund_paid;
  r.patient_pays = s.patient_pays;
  for (const auto& layer : s.layers) {
    r.layer_paid.emplace_back(layer.id, layer.paid);
    r.layer_fund.push_back(layer.fund);
  }
  r.movement = s.after - s.before;
  r.special_disease = s.special_disease;
  r.before = s.before;
  seal(r, head);
  return r;
}

// The reversal of `original`: same keys, policy and claim; every amount and the movement
// negated; result_json is cancellation_json() of the record itself.
StoredRecord cancellation_record(const CancelJob& job, const StoredRecord& original,
                                 std::string recorded_at, const ChainHead& head) {
  StoredRecord r;
  r.kind = RecordKind::cancellation;
  r.cancels = original.id;
  r.hospital_id = original.hospital_id;
  r.bill_no = original.bill_no;
  r.patient_id = original.patient_id;
  r.year = original.year;
  r.policy_id = original.policy_id;
  r.policy_sha256 = original.policy_sha256;
  r.request_sha256 = job.request_sha256;
  r.claim_json = original.claim_json;
  r.reason = job.reason;
  r.recorded_at = std::move(recorded_at);
  r.total = -original.total;
  r.fund_paid = -original.fund_paid;
  r.patient_pays = -original.patient_pays;
  for (const auto& [id, paid] : original.layer_paid) r.layer_paid.emplace_back(id, -paid);
  r.layer_fund = original.layer_fund;
  r.movement = Accumulators{} - original.movement;
  r.special_disease = original.special_disease;
  r.result_json = cancellation_json(r);
  seal(r, head);
  return r;
}

// compute() with its exceptions turned into an "internal" refusal (and logged: a bug).
Result<Computed> run_compute(const SettleJob& job, const Accumulators& before) {
  try {
    return job.compute(before);
  } catch (const std::exception& e) {
    logger().critical(std::string("settle compute() threw: ") + e.what());
    return internal(std::string("the settlement failed: ") + e.what());
  }
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

  ~SqliteLedger() override;

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

 private:
  using Job = std::variant<SettleJob, CancelJob>;

  std::future<WriteResult> enqueue(Job job);
  void writer_loop();
  void run_batch(std::vector<PendingJob>& batch);
  std::vector<WriteResult> write_batch(std::vector<PendingJob>& batch);
  WriteResult run_job(Job& job, ChainHead& head);
  WriteResult settle_one(const SettleJob& job, ChainHead& head);
  WriteResult cancel_one(const CancelJob& job, ChainHead& head);
  WriteResult existing_settlement(const SettleJob& job, WriteResult otherwise);
  WriteResult existing_cancellation(const CancelJob& job, std::int64_t cancellation_id);
  std::optional<Error> keep_policy(const SettleJob& job, const Settlement& s);
  detail::PersonYearState& person_year(const std::string& patient_id, int year);
  void moved(const StoredRecord& r);
  Connection& writer();
  // The time a record is stamped with: the options' clock, or the system's.
  std::string now() const { return options_.clock ? options_.clock() : detail::utc_now(); }
  template <typename F>
  auto read(F&& f);

  LedgerOptions options_;
  detail::ConnectionOptions connection_options_;
  std::unique_ptr<Connection> writer_;  // only the writer thread touches it after open()
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
  std::int64_t cached_head_ = -1;  // the chain head the cache agrees with; -1: none yet
  bool closing_ = false;
  std::thread thread_;  // last: it starts once everything it uses exists
};

// Lets the writer answer every queued job, then joins it.
SqliteLedger::~SqliteLedger() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_all();
  thread_.join();
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
void SqliteLedger::writer_loop() {
  const std::size_t max_batch = options_.max_batch == 0 ? 1 : options_.max_batch;
  for (;;) {
    std::vector<PendingJob> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing, and every queued job was answered
      while (!queue_.empty() && batch.size() < max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_batch(batch);
  }
}

// Answers every job of the batch after its COMMIT, or every one with unavailable when the
// database failed anywhere in it (then nothing of the batch is written).
void SqliteLedger::run_batch(std::vector<PendingJob>& batch) {
  std::vector<WriteResult> results;
  batch_policies_.clear();
  batch_keys_.clear();
  try {
    results = write_batch(batch);
    known_policies_.merge(batch_policies_);
  } catch (const DbError& e) {
    // Nothing of the batch was written: its person-years are read again when next needed.
    for (const auto& key : batch_keys_) person_years_.erase(key);
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

// One IMMEDIATE transaction for the batch, one savepoint per job. The chain head is read
// inside the transaction and carried from job to job. Throws DbError.
std::vector<WriteResult> SqliteLedger::write_batch(std::vector<PendingJob>& batch) {
  Connection& db = writer();
  db.exec("BEGIN IMMEDIATE");
  ChainHead head = detail::load_chain_head(db);
  // Another connection wrote since this writer's last commit (another process on the file):
  // the cached accumulators may be stale.
  if (head.id != cached_head_) person_years_.clear();
  std::vector<WriteResult> results;
  results.reserve(batch.size());
  for (auto& pending : batch) results.push_back(run_job(pending.job, head));
  db.exec("COMMIT");
  cached_head_ = head.id;
  return results;
}

// Runs one job in its own savepoint: kept when it created a record, rolled back otherwise
// (a refused or conflicting job leaves nothing behind). A database failure propagates and
// takes the batch with it; any other exception is a bug of this job alone.
WriteResult SqliteLedger::run_job(Job& job, ChainHead& head) {
  Connection& db = *writer_;
  // Prepared once and cached: sqlite3_exec would parse each of them for every job.
  db.query("SAVEPOINT job").run();
  WriteResult result;
  try {
    result = std::holds_alternative<SettleJob>(job) ? settle_one(std::get<SettleJob>(job), head)
                                                    : cancel_one(std::get<CancelJob>(job), head);
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
WriteResult SqliteLedger::settle_one(const SettleJob& job, ChainHead& head) {
  if (auto bad = check_settle_job(job)) return failed(Outcome::refused, *bad);
  Connection& db = *writer_;
  const Accumulators before = person_year(job.patient_id, job.year).accumulators;
  Result<Computed> computed = run_compute(job, before);
  if (!computed) return existing_settlement(job, failed(Outcome::refused, computed.error()));
  if (auto bad = check_computed(job, before, *computed)) {
    logger().critical("settle job refused: " + bad->message);
    return failed(Outcome::refused, *bad);
  }
  if (auto bad = keep_policy(job, computed->settlement)) return failed(Outcome::refused, *bad);
  StoredRecord r = settlement_record(job, *computed, now(), head);
  const std::string body = store::encode_body(
      job.stored_claim.empty() ? claim_part(std::nullopt, r.claim_json) : job.stored_claim,
      r.before);
  if (!detail::insert_record(db, r, body)) {
    return existing_settlement(
        job, failed(Outcome::refused, internal("the settlement key is taken but not found")));
  }
  detail::insert_layers(db, r);
  moved(r);
  head = {r.id, r.hash};
  WriteResult created = with_record(Outcome::created, std::move(r));
  created.settlement = std::move(computed->settlement);
  return created;
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

// A record written in the running batch moves its person's year: person_years is written as
// the cached state plus the movement (one row, whatever the layers), the cache follows, and
// the person-year is remembered so that a rollback of the batch forgets it again.
void SqliteLedger::moved(const StoredRecord& r) {
  detail::PersonYearState& state = person_year(r.patient_id, r.year);
  detail::PersonYearState after{state.accumulators + r.movement, r.id, {}};
  detail::store_person_year(*writer_, r.patient_id, r.year, state.last_record_id, after);
  state = std::move(after);
  batch_keys_.insert({r.patient_id, r.year});
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
    if (job.policy_text.empty() || policy::sha256_hex(job.policy_text) != s.policy_sha256) {
      return internal("no text of policy " + s.policy_id + " (" + s.policy_sha256 +
                      ") to keep in the ledger");
    }
    detail::keep_policy(db, s.policy_id, s.policy_sha256, job.policy_text);
  }
  batch_policies_.insert(s.policy_sha256);
  return std::nullopt;
}

// The answer when the job's key may already be settled: the same request replays the stored
// record, another request is a conflict naming the key; `otherwise` when nothing is stored.
WriteResult SqliteLedger::existing_settlement(const SettleJob& job, WriteResult otherwise) {
  std::optional<StoredRecord> stored =
      detail::load_settlement_by_key(*writer_, job.hospital_id, job.bill_no);
  if (!stored) return otherwise;
  if (stored->request_sha256 == job.request_sha256) {
    return with_record(Outcome::replayed, std::move(*stored));
  }
  Error conflict{"idempotency_conflict", "bill_no",
                 "bill_no " + job.bill_no + " of hospital " + job.hospital_id +
                     " is already settled (record " + std::to_string(stored->id) +
                     ") from a different request"};
  return with_record(Outcome::conflict, std::move(*stored), std::move(conflict));
}

// Cancels one settlement: only the person's latest live settlement of the year, once.
// The cancellation found first (not the blockers) answers a repeated cancel, so a replay
// stays a replay after later settlements; UNIQUE(cancels) still guarantees at most one.
WriteResult SqliteLedger::cancel_one(const CancelJob& job, ChainHead& head) {
  if (job.request_sha256.empty()) {
    return failed(Outcome::refused, internal("cancel job without request_sha256"));
  }
  Connection& db = *writer_;
  std::optional<StoredRecord> original =
      detail::load_record(db, job.settlement_id, Documents::claim);
  if (!original || original->kind != RecordKind::settlement) {
    return failed(Outcome::not_found,
                  Error{"not_found", "", "no settlement " + std::to_string(job.settlement_id)});
  }
  if (original->cancelled_by) return existing_cancellation(job, *original->cancelled_by);
  std::vector<std::int64_t> blocking =
      detail::later_live_settlements(db, original->patient_id, original->year, original->id);
  if (!blocking.empty()) {
    std::string ids;
    for (const auto id : blocking) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
    Error e{"not_latest", "",
            "settlement " + std::to_string(original->id) +
                " is not the person's latest live settlement of " + std::to_string(original->year) +
                "; cancel " + ids + " first"};
    WriteResult r = with_record(Outcome::conflict, std::move(*original), std::move(e));
    r.blocking = std::move(blocking);
    return r;
  }
  StoredRecord r = cancellation_record(job, *original, now(), head);
  // The original's claim as its body was read (when compact), so the writer decodes no JSON.
  const std::string body = store::encode_body(claim_part(original->claim, r.claim_json), r.before);
  if (!detail::insert_record(db, r, body)) {
    const auto again = detail::load_record(db, job.settlement_id);
    return existing_cancellation(job, again ? again->cancelled_by.value_or(0) : 0);
  }
  detail::insert_layers(db, r);
  moved(r);
  head = {r.id, r.hash};
  return with_record(Outcome::created, std::move(r));
}

// A cancel of a settlement already cancelled by `cancellation_id`: the same request replays
// that cancellation, another is refused as already_cancelled.
WriteResult SqliteLedger::existing_cancellation(const CancelJob& job,
                                                std::int64_t cancellation_id) {
  std::optional<StoredRecord> cancellation = detail::load_record(*writer_, cancellation_id);
  if (!cancellation) {
    return failed(Outcome::refused, internal("a cancellation is recorded but not found"));
  }
  if (cancellation->request_sha256 == job.request_sha256) {
    return with_record(Outcome::replayed, std::move(*cancellation));
  }
  Error e{"already_cancelled", "",
          "settlement " + std::to_string(job.settlement_id) + " is already cancelled (record " +
              std::to_string(cancellation_id) + ")"};
  return with_record(Outcome::conflict, std::move(*cancellation), std::move(e));
}

// The writer connection, opened again after a failure closed it. Throws DbError.
Connection& SqliteLedger::writer() {
  if (!writer_) writer_ = std::make_unique<Connection>(connection_options_);
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

void SqliteLedger::scan(const std::function<bool(const StoredRecord&)>& visit) {
  std::int64_t after = 0;
  for (;;) {
    const std::vector<StoredRecord> page =
        read([after](Connection& db) { return detail::load_records_after(db, after, kScanPage); });
    for (const auto& r : page) {
      if (!visit(r)) return;
      after = r.id;
    }
    if (page.size() < static_cast<std::size_t>(kScanPage)) return;
  }
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

// The totals are the details summed, so they cannot disagree with them. Days are independent:
// the range is cut into consecutive parts summed side by side on the pool's connections (one
// per core at most), and since no row of one part shares a day with another, the parts'
// rows simply follow each other in order.
std::vector<TotalRow> SqliteLedger::totals(const ReconciliationQuery& query) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const auto parts = detail::split_days(query, std::min(options_.read_connections, cores));
  std::vector<std::future<std::vector<TotalRow>>> sums;
  for (const auto& part : parts) {
    sums.push_back(std::async(std::launch::async, [this, part] {
      detail::TotalsBuilder totals;
      details(part, [&totals](const DetailRow& row) {
        totals.add(row);
        return true;
      });
      return totals.rows();
    }));
  }
  std::vector<TotalRow> rows;
  for (auto& sum : sums) {
    for (auto& row : sum.get()) rows.push_back(std::move(row));
  }
  return rows;
}

void SqliteLedger::scan_year(int year, Documents documents,
                             const std::function<bool(const StoredRecord&)>& visit) {
  std::int64_t after = 0;
  for (;;) {
    const std::vector<StoredRecord> page = read([&](Connection& db) {
      return detail::load_year_after(db, year, after, kScanPage, documents);
    });
    for (const auto& r : page) {
      if (!visit(r)) return;
      after = r.id;
    }
    if (page.size() < static_cast<std::size_t>(kScanPage)) return;
  }
}

std::int64_t SqliteLedger::record_count() {
  return read([](Connection& db) {
    detail::Query q = db.query("SELECT count(*) FROM records");
    return q.step() ? q.int64(0) : std::int64_t{0};
  });
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
    return std::unique_ptr<Ledger>(
        std::make_unique<SqliteLedger>(options, std::move(writer), connection));
  } catch (const DbError& e) {
    return database_failed(e);
  }
}

}  // namespace onestop::sqlite
