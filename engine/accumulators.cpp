#include "engine/accumulators.hpp"

namespace onestop {
namespace {

template <typename Op>
Accumulators combine(const Accumulators& a, const Accumulators& b, Op op) {
  Accumulators out;
  out.admissions = op(a.admissions, b.admissions);
  for (const auto& [id, totals] : a.layers) out.layers[id] = op(totals, b.of(id));
  for (const auto& [id, totals] : b.layers) {
    if (!a.layers.contains(id)) out.layers[id] = op(LayerTotals{}, totals);
  }
  std::erase_if(out.layers, [](const auto& entry) { return entry.second.is_zero(); });
  return out;
}

}  // namespace

LayerTotals LayerTotals::operator+(const LayerTotals& o) const {
  return {paid + o.paid, deductible_charged + o.deductible_charged,
          base_cumulative + o.base_cumulative, patient_share + o.patient_share};
}

LayerTotals LayerTotals::operator-(const LayerTotals& o) const {
  return {paid - o.paid, deductible_charged - o.deductible_charged,
          base_cumulative - o.base_cumulative, patient_share - o.patient_share};
}

bool LayerTotals::is_zero() const {
  return paid.is_zero() && deductible_charged.is_zero() && base_cumulative.is_zero() &&
         patient_share.is_zero();
}

LayerTotals Accumulators::of(const std::string& layer_id) const {
  const auto it = layers.find(layer_id);
  return it == layers.end() ? LayerTotals{} : it->second;
}

Accumulators Accumulators::operator+(const Accumulators& o) const {
  return combine(*this, o, [](const auto& x, const auto& y) { return x + y; });
}

Accumulators Accumulators::operator-(const Accumulators& o) const {
  return combine(*this, o, [](const auto& x, const auto& y) { return x - y; });
}

}  // namespace onestop
