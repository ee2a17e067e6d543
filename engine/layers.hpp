// The four layer kinds of domain.md §3, one function each. Internal to the engine: settle()
// runs them in policy order.
#pragma once

#include <vector>

#include "engine/accumulators.hpp"
#include "engine/claim.hpp"
#include "engine/policy.hpp"
#include "engine/settlement.hpp"

namespace onestop::detail {

// What a layer sees: the claim, its split, what the earlier layers paid, and the person's
// totals for this layer before the claim.
struct LayerInput {
  const Policy& policy;
  const Claim& claim;
  const Split& split;
  const Money& earlier_paid;  // Σ paid of the layers before this one
  const LayerTotals& totals;  // this layer's accumulators before the claim
  bool repeat_admission;      // the person already had a settled admission this year
  const Accumulators& before;  // every accumulator before the claim (derived keys included)
};

// How a layer moves the layer's accumulators, and for a visit the derived accumulators of
// accumulators.hpp (outpatient deductible, payment per disease).
struct LayerOutcome {
  LayerTotals movement;
  std::vector<std::pair<std::string, LayerTotals>> derived;  // by derived key
};

// Runs one layer: eligibility first (an ineligible layer pays 0 and moves nothing), then the
// rules of its kind. Appends the layer's result to `results` and its steps to `trace`.
LayerOutcome run_layer(const Layer& layer, const LayerInput& in, std::vector<LayerResult>& results,
                       std::vector<TraceStep>& trace);

}  // namespace onestop::detail
