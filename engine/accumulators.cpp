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

constexpr std::string_view kDiseaseInfix = ":disease:";

}  // namespace

std::string outpatient_key(std::string_view layer_id) {
  return std::string(layer_id) + ":outpatient";
}

std::string disease_key(std::string_view layer_id, std::string_view disease) {
  return std::string(layer_id) + std::string(kDiseaseInfix) + std::string(disease);
}

std::string_view owner_layer(std::string_view key) { return key.substr(0, key.find(':')); }

std::string_view disease_of_key(std::string_view key) {
  const auto at = key.find(kDiseaseInfix);
  return at == std::string_view::npos ? std::string_view{} : key.substr(at + kDiseaseInfix.size());
}

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

Accumulators& Accumulators::operator+=(const Accumulators& o) {
  admissions += o.admissions;
  for (const auto& [id, totals] : o.layers) {
    LayerTotals& mine = layers[id];
    mine = mine + totals;
  }
  std::erase_if(layers, [](const auto& entry) { return entry.second.is_zero(); });
  return *this;
}

Accumulators Accumulators::operator-(const Accumulators& o) const {
  return combine(*this, o, [](const auto& x, const auto& y) { return x - y; });
}

}  // namespace onestop
