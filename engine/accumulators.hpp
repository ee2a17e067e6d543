// What one person has used of each layer in one policy year. The engine reads these and
// returns the values after a settlement; adapters store them.
#pragma once

#include <map>
#include <string>

#include "engine/money.hpp"

namespace onestop {

// Every layer keeps the same four totals; each kind reads and moves the ones it needs:
// deductible_ratio: paid, deductible_charged; tiered_cumulative: paid, base_cumulative;
// share_of_remainder: paid; patient_ceiling: paid, patient_share.
struct LayerTotals {
  Money paid;
  Money deductible_charged;
  Money base_cumulative;
  Money patient_share;

  friend bool operator==(const LayerTotals&, const LayerTotals&) = default;
  LayerTotals operator+(const LayerTotals& o) const;
  LayerTotals operator-(const LayerTotals& o) const;
  bool is_zero() const;
};

struct Accumulators {
  int admissions = 0;                         // settled claims of the person in the year
  std::map<std::string, LayerTotals> layers;  // by layer id; absent means all zero

  // The totals of a layer (zero when the layer has none yet).
  LayerTotals of(const std::string& layer_id) const;

  // Componentwise sum and difference; layers whose totals are all zero are dropped, so equal
  // states compare equal however they were reached.
  Accumulators operator+(const Accumulators& o) const;
  Accumulators operator-(const Accumulators& o) const;
  friend bool operator==(const Accumulators&, const Accumulators&) = default;
};

}  // namespace onestop
