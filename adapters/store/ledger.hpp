// The ledger as the service, the HTTP API, the reports and the commands see it, whatever engine
// keeps it (design.md §7): append-only settlement records with their layer rows and accumulator
// movements, idempotency by UNIQUE (hospital_id, bill_no), a SHA-256 hash chain per person
// sealed now and then into a chain of seals (seal.hpp), and writes committed in batches.
// adapters/sqlite and adapters/postgres implement it; a command or the server opens one from its
// URL through adapters/backend.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "adapters/store/reports.hpp"
#include "engine/accumulators.hpp"
#include "engine/claim.hpp"
#include "engine/error.hpp"
#include "engine/money.hpp"
#include "engine/settlement.hpp"

namespace onestop::store {

// One row of the ledger as stored. A cancellation is a new record with negated amounts that
// names the settlement it cancels; the original is never edited.
struct StoredRecord {
  std::int64_t id = 0;  // ascending; a person's records ascend in the order they were written
  RecordKind kind = RecordKind::settlement;
  std::optional<std::int64_t> cancels;       // cancellation: the settlement it reverses
  std::optional<std::int64_t> cancelled_by;  // settlement: its cancellation; derived on read,
                                             // never written to the original row
  std::string hospital_id;
  std::string bill_no;
  std::string patient_id;
  int year = 0;
  std::string policy_id;
  std::string policy_sha256;
  std::string request_sha256;  // hash of the request body that created it (idempotency)
  std::string claim_json;      // canonical claim (codec::encode_claim); empty when a compact
                               // record was read with Documents::decoded or ::settlement
  std::optional<Claim> claim;  // read from a compact body: the claim claim_json was encoded
                               // from on this read (so it is canonical by construction)
  std::string result_json;     // the result as returned (codec::encode_settlement); derived
                               // again on read by settling (see `format`)
  std::optional<Settlement> settlement;  // a compact settlement read with
                                         // Documents::settlement (or handed to
                                         // VerifyHooks::record): the result derived again,
                                         // not encoded (result_json is then empty)
  std::string reason;          // cancellation reason
  std::string recorded_at;     // UTC, "2020-03-12T08:30:00.123Z", set by the adapter
  Money total;                 // negated in a cancellation
  Money fund_paid;
  Money patient_pays;
  std::vector<std::pair<std::string, Money>> layer_paid;  // (layer id, paid), policy order
  std::vector<std::string> layer_fund;  // fund code of each layer_paid entry, same order
  Accumulators movement;  // what the record moved: settlement after − before; negated in a cancel
  std::string special_disease;  // an outpatient special-disease visit's (and its cancellation's)
                                // disease, domain.md §3.6; "" for an admission
  Accumulators before;    // settlement: the person's accumulators it settled on (format 2;
                          // empty in a cancellation and in a format 1 record)
  // 3: as 2, in its person's chain (SQLite schema 9 on, every PostgreSQL record): prev_hash
  // is the hash of the person's record before it (person_seq − 1), "" for the first.
  // 2: compact (schema 6 on): the claim and `before` stored compactly, the policy text kept
  // once in the ledger, result_json derived on read by settling again (byte for byte what
  // was first answered; a record the engine no longer reproduces to the fen fails the read).
  // 1: written before schema 6, its claim and result documents stored verbatim.
  // Formats 1 and 2 form one chain of the whole ledger in id order (written before schema 9).
  int format = 3;
  std::int64_t person_seq = 0;  // format 3: 1, 2, … along the person's chain; else 0
  std::string prev_hash;        // hex; "" for the first record of its chain
  std::string hash;             // sha256(prev_hash ‖ canonical record), hex

  // The claim and `before` are kept in a compact body, the result derived on read.
  bool compact() const { return format >= 2; }
};

// What the engine computed for a settle job, ready to store. result_json is not stored (it is
// derived on read); when given, the created record carries it, else the caller encodes the
// answer from WriteResult::settlement after the commit, off the writer.
struct Computed {
  Settlement settlement;
  std::string claim_json;
  std::string result_json;
};

// A settle request for the writer. `compute` runs on the writer thread inside the transaction,
// on the person's accumulators for `year` as committed (including earlier jobs of the batch).
// It must not wait on a write of the ledger (it would wait on itself); reads see committed data
// only, not the earlier jobs of its batch, so it should use `before`. Its settlement must carry
// the job's hospital_id, bill_no, patient_id and year and `before` as given, or the job is
// refused ("internal"). An exception it throws refuses the job ("internal"); nothing is written.
// When compute() refuses but the key is already settled, the answer is the stored record's
// (replayed or conflict), as if the INSERT had found it.
struct SettleJob {
  std::string hospital_id;
  std::string bill_no;
  std::string patient_id;
  int year = 0;
  std::string request_sha256;
  // The canonical text of the policy it settles under (Policy::text), kept in the ledger's
  // policies table the first time a record names that policy; may be empty when the ledger
  // already holds it (else the job is refused as internal).
  std::string policy_text;
  // The claim as the ledger stores it (stored_claim() of the claim compute() settles), made
  // before the job is handed to the ledger, so SQLite's single writer does not; when empty the
  // ledger makes it from the computed claim_json.
  std::string stored_claim;
  std::function<Result<Computed>(const Accumulators& before)> compute;
};

// A SettleJob's stored_claim for `claim`, whose canonical encoding is `claim_json`.
std::string stored_claim(const Claim& claim, const std::string& claim_json);

enum class Outcome {
  created,     // newly settled and committed
  replayed,    // the same request was settled before; `record` is the original
  conflict,    // a different request holds the key, or a cancel is blocked (see `blocking`)
  not_found,   // no such settlement (cancel)
  refused,     // compute() returned an error (bad input, internal); nothing written
  unavailable  // the database failed (I/O error, disk full, busy); nothing written; retry later
};

struct WriteResult {
  Outcome outcome = Outcome::refused;
  std::optional<StoredRecord> record;    // created/replayed/conflict: the record concerned
  std::vector<std::int64_t> blocking;    // cancel conflict: later live settlements in the way
  std::optional<Error> error;            // refused/unavailable/conflict: why
  std::optional<Settlement> settlement;  // created settlement: what compute() returned
  // unavailable only: the connection to the database broke while it committed, so the record
  // may be stored. Resending the same request answers it (replayed) if it is.
  bool maybe_written = false;
};

// Error codes in WriteResult::error:
//   settle:  idempotency_conflict (field "bill_no"; record = the stored settlement), or the
//            error compute() returned (refused), internal (refused: compute threw or returned
//            a settlement for another key)
//   cancel:  not_found, not_latest (blocking = the later live settlements, record = the one
//            to cancel), already_cancelled (record = the cancellation that stands)
//   both:    ledger_unavailable (the database failed, the queue is full or the ledger is
//            closing; nothing of the job is written, unless maybe_written says the commit's
//            outcome is unknown)
// A cancellation record negates total, fund_paid, patient_pays, layer_paid and the movement
// of the settlement it cancels, copies its keys, policy and claim_json, and its result_json is
// cancellation_json() of itself (the reversal, not a settlement).
struct CancelJob {
  std::int64_t settlement_id = 0;
  std::string reason;
  std::string request_sha256;  // a repeated cancel of the same settlement replays
};

// How a ledger runs, whatever its engine (adapters/backend opens one from its URL).
struct LedgerOptions {
  std::size_t max_batch = 64;  // jobs committed together at most
  int busy_timeout_ms = 5000;
  // Jobs waiting (SQLite: in its writer's queue; PostgreSQL: for a write connection); beyond
  // it settle/cancel answer unavailable at once.
  std::size_t max_queue = 10'000;
  std::size_t read_connections = 4;  // the read pool: this many reads run side by side
  // How often the heads of the person chains that moved are sealed (seal.hpp), at most; the
  // ledger seals what is left when it closes too. 0: after every batch.
  int seal_interval_ms = 1000;
  // The UTC time a record is stamped with, "2020-03-12T08:30:00.123Z"; empty: the system clock.
  // Only tools that load historical data (onestop demo-data) set it.
  std::function<std::string()> clock;
  // false (SQLite only): a batch is answered once committed, before its commit is synced to
  // the disk, and close() syncs everything at the end. For loading a new ledger that can be
  // made again from its inputs (onestop demo-data), never for one that serves: a crash of the
  // process loses nothing committed, but a crash of the machine during the load can lose or
  // damage the ledger. PostgreSQL syncs every commit whatever this says.
  bool sync_commits = true;
};

// A read failed in the database (I/O error, busy beyond the timeout). error().code is
// "ledger_unavailable". Reads throw it rather than answer "not found" for a failure.
class LedgerUnavailable : public std::runtime_error {
 public:
  explicit LedgerUnavailable(Error error)
      : std::runtime_error(error.message), error_(std::move(error)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

// What an operator's health check and metrics ask of a ledger (GET /healthz, GET /metrics).
// The connection counts are of the ledger's own connections to its database: its read pool
// plus its writers (SQLite: the one writer; PostgreSQL: the write pool and the sealer's). A
// connection is open once made and until found broken; in use while a read, write or seal
// holds it (one being opened counts as open), so connections_in_use <= connections_open <=
// connections_max.
struct LedgerHealth {
  std::string engine;    // "sqlite" or "postgresql"
  bool answers = false;  // the database answered a cheap read just now
  std::string error;     // why it did not answer ("" when it did); may name files or hosts,
                         // so it is for logs, not for unauthenticated answers
  std::size_t connections_open = 0;
  std::size_t connections_in_use = 0;
  std::size_t connections_max = 0;
};

class Ledger {
 public:
  // Each engine's destructor calls close(), which does nothing the second time.
  virtual ~Ledger() = default;

  // Seals what moved since the last seal (a failing seal is logged; the next one, in a later
  // run, takes those heads) and, with LedgerOptions::sync_commits false, syncs every commit to
  // the disk: the error when that sync failed. SQLite's writer first answers its queue (jobs
  // queued after this answer unavailable) and is joined. No settle() or cancel() call may
  // still be running, nor be made after it (on PostgreSQL they run on their callers'
  // threads); reads still work. A second call returns nullopt at once.
  virtual std::optional<Error> close() = 0;

  // Writes. SQLite queues them to its single writer, which commits them in batches;
  // PostgreSQL runs each in a transaction of its own on the calling thread, one person's in
  // turn (the person's row lock). Either way the future is ready only after the job committed
  // (or failed). Thread-safe. Never throws: failures are Outcome::unavailable.
  virtual std::future<WriteResult> settle(SettleJob job) = 0;
  virtual std::future<WriteResult> cancel(CancelJob job) = 0;

  // Reads on their own connections (a pool), safe from any thread, beside the writer (WAL).
  // They see committed data only. They throw LedgerUnavailable when the database fails.
  virtual std::optional<StoredRecord> get(std::int64_t id) = 0;
  virtual std::optional<StoredRecord> find(const std::string& hospital_id,
                                           const std::string& bill_no) = 0;
  // The person's committed accumulators for the year and the id of the last record that moved
  // them (0 when none): the snapshot a trial settlement states it used.
  virtual std::pair<Accumulators, std::int64_t> accumulators(const std::string& patient_id,
                                                             int year) = 0;
  virtual std::vector<StoredRecord> for_patient(const std::string& patient_id, int year) = 0;
  // Every record in id order, one at a time (bounded memory); stop early by returning false.
  // `visit` runs without any lock held, so it may use the ledger; it reads pages of records,
  // each page a consistent snapshot (records never change, so the walk is consistent too).
  virtual void scan(const std::function<bool(const StoredRecord&)>& visit) = 0;
  virtual std::int64_t record_count() = 0;

  // Reporting reads (reports.hpp). Streamed a page at a time; `visit` returns false to stop.
  // The details of the query's days in (recorded_at, record id) order: a stable order. One read
  // snapshot for the whole walk; `visit` must not wait on other reads of this ledger.
  virtual void details(const ReconciliationQuery& query,
                       const std::function<bool(const DetailRow&)>& visit) = 0;
  // The totals of the query's days, ordered by day, hospital, fund: the details summed.
  virtual std::vector<TotalRow> totals(const ReconciliationQuery& query) = 0;
  // Every record (settlements and cancellations) of the year in id order, with its layers,
  // movement and cancelled_by; claim_json/result_json only as `documents` asks (else empty).
  virtual void scan_year(int year, Documents documents,
                         const std::function<bool(const StoredRecord&)>& visit) = 0;

  // The engine, the connection counts (taken first, so the probe's own connection is not
  // counted as in use), then a probe: one cheap read on a pooled read connection. Never
  // throws: a failed probe is answers = false with the error. It waits for a free read
  // connection like any read; reaching the database is bounded (SQLite's busy timeout,
  // PostgreSQL's connect_timeout), so it does not hang on a database that went away.
  virtual LedgerHealth health() = 0;
};

// The canonical byte string of a record that its hash covers, each field as decimal length,
// ':', bytes — so no two records share a canonical form. Format 1 ("onestop-record/1"): every
// stored field but `prev_hash` and `hash` (chain_hash puts prev_hash in front; `cancelled_by`
// is not stored), result_json included. Format 2 ("onestop-record/2"): the same fields but
// result_json (derived, not stored), then `before`; claim_json is the canonical claim text,
// whatever form the body keeps it in. Format 3 ("onestop-record/3"): format 2's fields, then
// person_seq.
std::string canonical_record(const StoredRecord& r);
// sha256(prev_hash ‖ canonical_record(r)), lowercase hex.
std::string chain_hash(const StoredRecord& r);

// The result_json of a cancellation record: the reversal it made, one line of compact JSON:
// {"kind":"cancellation","cancels":ID,"hospital_id","bill_no","patient_id","year",
//  "policy":{"id","sha256"},"reason","total","fund_paid","patient_pays",
//  "layers":[{"id","fund","paid"}],"movement":{"admissions":N,"layers":{id:{"paid",
//  "deductible_charged","base_cumulative","patient_share"}}}} with amounts as negative
// strings ("-1234.50"). Deterministic, so verify recomputes it byte for byte.
std::string cancellation_json(const StoredRecord& cancellation);

}  // namespace onestop::store
