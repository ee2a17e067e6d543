// What verification of a ledger (onestop verify) reports: the hash chain, every settlement
// re-settled from its stored claim on the accumulators the ledger implies at that point, every
// cancellation against the settlement it reverses, and the person_years rows (accumulators)
// against the sum of the movements. Re-settling a record written before the ledger kept policy
// texts needs the codec and the policy files, so the caller supplies it
// (tools/onestop/verify_command.cpp; the tests). adapters/backend runs it on a ledger's URL.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "adapters/store/ledger.hpp"
#include "engine/error.hpp"

namespace onestop::store {

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

}  // namespace onestop::store
