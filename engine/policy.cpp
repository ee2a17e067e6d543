#include "engine/policy.hpp"

#include <algorithm>
#include <array>

namespace onestop {
namespace {
constexpr std::array<std::string_view, 4> kKindNames = {
    "deductible_ratio", "tiered_cumulative", "share_of_remainder", "patient_ceiling"};
}  // namespace

std::optional<LayerKind> parse_layer_kind(std::string_view text) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == text) return static_cast<LayerKind>(i);
  }
  return std::nullopt;
}

std::string_view to_string(LayerKind kind) {
  return kKindNames.at(static_cast<std::size_t>(kind));
}

bool Policy::knows_category(std::string_view category) const {
  return std::find(categories.begin(), categories.end(), category) != categories.end();
}

bool Policy::effective_on(const Date& date) const {
  return effective_from <= date && (!effective_to || date <= *effective_to);
}

std::optional<std::size_t> Policy::layer_index(std::string_view id) const {
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].id == id) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> OutpatientSpecial::disease_index(std::string_view id) const {
  for (std::size_t i = 0; i < diseases.size(); ++i) {
    if (diseases[i].id == id) return i;
  }
  return std::nullopt;
}

const OutpatientSpecial* Policy::outpatient() const {
  for (const auto& layer : layers) {
    if (const auto* p = std::get_if<DeductibleRatio>(&layer.params)) {
      return p->outpatient ? &*p->outpatient : nullptr;
    }
  }
  return nullptr;
}

const OutpatientSpecial::Disease* Policy::special_disease(std::string_view id) const {
  const OutpatientSpecial* part = outpatient();
  if (part == nullptr) return nullptr;
  const auto i = part->disease_index(id);
  return i ? &part->diseases[*i] : nullptr;
}

}  // namespace onestop

namespace onestop {

std::optional<Money> cap_annual(const Layer& layer, const std::string& category) {
  if (const auto* p = std::get_if<DeductibleRatio>(&layer.params)) return p->cap_annual;
  if (const auto* p = std::get_if<ShareOfRemainder>(&layer.params)) return p->cap_annual;
  if (const auto* p = std::get_if<TieredCumulative>(&layer.params)) {
    const auto it = p->by_category.find(category);
    if (it != p->by_category.end() && it->second.cap_overridden) return it->second.cap_annual;
    return p->cap_annual;
  }
  return std::nullopt;
}

}  // namespace onestop
