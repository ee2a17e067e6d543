// What every ledger's writer does with a job, whatever engine stores it: the checks of a job
// and of what compute() returned, the records a settlement and a cancellation write, their
// place in the person's chain, and the answers for a key settled or cancelled before. The
// engines differ only in how they read, lock and write (adapters/sqlite, adapters/postgres).
#pragma once

#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "adapters/store/ledger.hpp"
#include "adapters/store/seal.hpp"

namespace onestop::store {

// A result without a record: refused, not found, unavailable.
WriteResult failed(Outcome outcome, Error error);
// A result about `record`: created, replayed, or a conflict with it.
WriteResult with_record(Outcome outcome, StoredRecord record, std::optional<Error> error = {});
// A bug (of the caller or of compute()), refused without writing.
Error internal(const std::string& message);
// A future that is ready at once, for jobs answered without a write.
std::future<WriteResult> ready(WriteResult result);

// A job no writer can run: a caller's bug, refused before touching the database.
std::optional<Error> check_settle_job(const SettleJob& job);
std::optional<Error> check_cancel_job(const CancelJob& job);
// What compute() returned must settle this job's key on the state it was given, with one
// result per layer and no movement outside them; else storing it would corrupt the ledger.
std::optional<Error> check_computed(const SettleJob& job, const Accumulators& before,
                                    const Computed& c);
// The job's policy text, when the ledger lacks the policy `s` names: it must be that policy's.
std::optional<Error> check_policy_text(const SettleJob& job, const Settlement& s);
// compute() with its exceptions turned into an "internal" refusal (logged: a bug).
Result<Computed> run_compute(const SettleJob& job, const Accumulators& before);

// The record of a computed settlement stamped `recorded_at`, not yet in a chain.
StoredRecord settlement_record(const SettleJob& job, const Computed& c, std::string recorded_at);
// The reversal of `original`: same keys, policy and claim; every amount and the movement
// negated; result_json is cancellation_json() of the record itself. Not yet in a chain.
StoredRecord cancellation_record(const CancelJob& job, const StoredRecord& original,
                                 std::string recorded_at);
// Gives `r` the id `id` and its place after `head` in its person's chain (format 3), hashes it,
// and moves `head` on to it.
void link(StoredRecord& r, std::int64_t id, PersonHead& head);
// The compact body of a record as the writer stores it (compact.hpp): the job's claim part
// when made before queueing, else one made from `claim` or from claim_json decoded.
std::string record_body(const std::string& stored_claim, const std::optional<Claim>& claim,
                        const StoredRecord& r);

// Answers for a key taken before: the same request replays `stored`, another is a conflict
// (idempotency_conflict on bill_no).
WriteResult settled_before(const SettleJob& job, StoredRecord stored);
// A cancel of a settlement already cancelled by `cancellation`: the same request replays it,
// another is refused as already_cancelled.
WriteResult cancelled_before(const CancelJob& job, StoredRecord cancellation);
// A cancel of a settlement that later live settlements of the person and year block.
WriteResult not_latest(StoredRecord original, std::vector<std::int64_t> blocking);
// A cancel of an id that is no settlement.
WriteResult no_settlement(std::int64_t id);

}  // namespace onestop::store
