// What-if re-settlement (issue 4, "What-if"): every live settlement of a policy year settled
// again, in the original order, under another policy, on accumulators kept in memory; nothing
// is written to the ledger.
//
// Why live settlements only, from zero: the ledger lets only a person's latest live settlement
// of a year be cancelled, and a cancellation moves the accumulators back by exactly what the
// settlement moved. So every live settlement was settled on the sum of the movements of the
// person's earlier LIVE settlements of the year — a cancelled one and its reversal add up to
// nothing, whenever they came. Replaying the live settlements alone in id order therefore
// rebuilds the accumulators each of them was settled on, and the same policy gives zero
// differences (the tests check it with a cancellation in the sequence); another policy gives
// "what the year would have cost" under it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "adapters/store/ledger.hpp"
#include "engine/error.hpp"
#include "engine/money.hpp"
#include "engine/policy.hpp"

namespace onestop::reports {

struct SimulateOptions {
  std::size_t top = 10;  // how many of the largest patient-pays changes the report keeps
  // The per-settlement differences as CSV (format in simulate.cpp: diff_csv_header); nullptr:
  // none written. Only settlements where an amount changed, or that the new policy refuses.
  std::ostream* diff_csv = nullptr;
  // Called with the number of settlements re-settled so far, every `progress_every` of them.
  std::function<void(std::int64_t)> progress;
  std::int64_t progress_every = 10'000;
  // Threads that re-settle side by side, each owning a share of the persons (a person's
  // settlements stay in order on one thread) while the calling thread reads the next chunk; the
  // output does not depend on it. 0: one per CPU.
  unsigned threads = 1;
  // Settlements handed to the shards at once: large enough that starting their threads is
  // noise, small enough that a chunk of claims stays a few MB. The output does not depend on it.
  std::size_t chunk = 4096;
};

// One fund's payments over the year, as stored and as the new policy would pay.
struct FundComparison {
  std::string fund;  // national fund code, e.g. "640100"
  Money old_paid;
  Money new_paid;
  Money difference() const { return new_paid - old_paid; }
};

// One settlement whose patient pays changed.
struct SettlementChange {
  std::int64_t record_id = 0;
  std::string hospital_id;
  std::string bill_no;
  std::string patient_id;
  Money old_patient_pays;
  Money new_patient_pays;
  Money difference() const { return new_patient_pays - old_patient_pays; }
};

// A settlement the new policy refuses (e.g. not in effect on its discharge date, a category it
// does not know). It counts in no total and moves no accumulator of the simulated year.
struct SimulationRefusal {
  std::int64_t record_id = 0;
  std::string hospital_id;
  std::string bill_no;
  std::string patient_id;
  Error error;
};

struct SimulationReport {
  int year = 0;
  std::string policy_id;  // the new policy
  std::string policy_sha256;
  std::int64_t settlements = 0;  // live settlements of the year re-settled under the new policy
  std::int64_t skipped_cancelled = 0;  // settlements of the year that were cancelled
  std::int64_t persons = 0;            // persons with a re-settled settlement
  Money medical_total;                 // Σ total of the re-settled settlements
  std::vector<FundComparison> funds;   // the new policy's funds in layer order, then any fund
                                       // only the stored records name, in order of appearance
  Money old_patient_pays;
  Money new_patient_pays;
  std::int64_t settlements_changed = 0;  // any fund or the patient pays changed
  std::int64_t settlements_patient_pays_changed = 0;
  std::int64_t persons_patient_pays_changed = 0;  // whose year's Σ patient pays changed
  std::vector<SettlementChange> largest;          // by |difference| descending, then record id
  std::int64_t refused = 0;
  std::vector<SimulationRefusal> refusals;  // the first kMaxRefusalsListed, in id order
};

inline constexpr std::size_t kMaxRefusalsListed = 100;

// Re-settles every live settlement of `year` (id order) under `new_policy` as described above.
// Reads the ledger through scan_year(year, Documents::decoded); writes nothing to it. A record
// whose stored claim does not decode is refused like one the engine refuses. Throws
// store::LedgerUnavailable when a read fails, std::ios_base::failure when diff_csv fails
// (when its exceptions are enabled).
SimulationReport simulate(store::Ledger& ledger, const Policy& new_policy, int year,
                          const SimulateOptions& options);

// The CSV header of the differences for these fund columns:
// record_id,hospital_id,bill_no,patient_id, then for each fund F: F_old,F_new,F_diff, then
// other_old,other_new,other_diff (funds the new policy does not have), patient_pays_old,
// patient_pays_new,patient_pays_diff, and refused (the new policy's error code: message).
std::vector<std::string> diff_csv_header(const std::vector<std::string>& funds);

}  // namespace onestop::reports
