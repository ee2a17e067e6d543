// What one person has used of each layer in one policy year. The engine reads these and
// returns the values after a settlement; adapters store them.
#pragma once

#include <map>
#include <string>
#include <string_view>

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

// Outpatient special-disease visits (domain.md §3.6) keep their own totals of a
// deductible_ratio layer as extra entries of Accumulators::layers under derived ids, which
// cannot clash with a layer id (those are [a-z0-9_]): the outpatient deductible charged this
// year in deductible_charged of "<layer>:outpatient", and the layer's payment for one disease
// this year in paid of "<layer>:disease:<disease id>". The layer's own entry keeps counting
// its whole payment (the annual cap is shared) but never a visit's deductible.
std::string outpatient_key(std::string_view layer_id);
std::string disease_key(std::string_view layer_id, std::string_view disease);
// The layer an accumulator key belongs to: the id itself, or the part before ':' of a
// derived key.
std::string_view owner_layer(std::string_view key);
// The disease of a "<layer>:disease:<id>" key, or "" for any other key.
std::string_view disease_of_key(std::string_view key);

struct Accumulators {
  int admissions = 0;  // settled inpatient claims of the person in the year (visits excluded)
  std::map<std::string, LayerTotals> layers;  // by layer id or derived key; absent: all zero

  // The totals of a layer (zero when the layer has none yet).
  LayerTotals of(const std::string& layer_id) const;

  // Componentwise sum and difference; layers whose totals are all zero are dropped, so equal
  // states compare equal however they were reached.
  Accumulators operator+(const Accumulators& o) const;
  Accumulators operator-(const Accumulators& o) const;
  // *this = *this + o, in place (no new map when the layers are there already).
  Accumulators& operator+=(const Accumulators& o);
  friend bool operator==(const Accumulators&, const Accumulators&) = default;
};

}  // namespace onestop
