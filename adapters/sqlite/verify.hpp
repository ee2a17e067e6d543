// Verification of a ledger database (onestop verify): the hash chain, every settlement
// re-settled from its stored claim on the accumulators the ledger implies at that point, every
// cancellation against the settlement it reverses, and the person_years rows (accumulators)
// against the sum of the movements. Re-settling needs the codec and the policies, which this
// adapter does not know, so the caller supplies it (tools/onestop/verify_command.cpp; the tests).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "adapters/sqlite/ledger.hpp"
#include "engine/error.hpp"

namespace onestop::sqlite {

// Re-settles the settlement record `r` on `before` (the person's accumulators for r.year as
// the earlier records imply them): the claim decoded from r.claim_json under the policy with
// r.policy_id whose sha256 is r.policy_sha256; claim_json re-encoded, result_json encoded.
// An error is reported as a difference of that record.
using Resettle = std::function<Result<Computed>(const StoredRecord& r, const Accumulators& before)>;

struct VerifyDifference {
  std::int64_t record_id = 0;  // 0: not one record's (a person_years row)
  std::string what;
};

struct VerifyHooks {
  std::function<void(const VerifyDifference&)> difference;  // each one as found
  std::function<void(std::int64_t records)> progress;       // now and then; may be empty
};

struct VerifySummary {
  std::int64_t records = 0;  // records walked
  std::int64_t last_id = 0;  // the last record's id
  std::int64_t differences = 0;
};

// Walks the database at `path` in one read snapshot (a running server may keep writing; the
// snapshot is checked). Never writes. Checks, per record in id order:
//   chain        ids 1, 2, 3, ...; prev_hash = the previous record's hash ("" first);
//                hash = chain_hash(record)
//   settlement   re-settling succeeds; claim_json (and a format 1 record's result_json)
//                equal its output byte for byte; keys, policy, total, fund_paid,
//                patient_pays, layer_paid, layer_fund and movement equal the re-settlement's.
//                A format 2 record is re-settled under the policy text the ledger keeps
//                (which must hash to its policy_sha256) and its stored `before` must be the
//                implied accumulators; a format 1 record goes through resettle()
//   cancellation it cancels an earlier settlement, the person's latest live one then; same
//                keys, policy and claim; amounts and movement exactly negated; a format 1
//                record's result_json = cancellation_json(record)
// and at the end that every person_years row (admissions, layers, last record) equals the sum
// of the stored movements; a row whose layers text does not read is a difference.
// Errors ("ledger_unavailable"): the database cannot be opened or read, or its schema version
// is not this build's. Differences are not errors: they are counted in the summary.
Result<VerifySummary> verify_ledger(const std::string& path, const Resettle& resettle,
                                    const VerifyHooks& hooks);

}  // namespace onestop::sqlite
