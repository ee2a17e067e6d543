#include "adapters/store/person_years.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <stdexcept>

#include "adapters/codec/json_reader.hpp"
#include "adapters/codec/json_util.hpp"

namespace onestop::store {

std::string layers_json(const Accumulators& acc) {
  std::string out = "{";
  for (const auto& [key, t] : acc.layers) {
    if (t.is_zero()) continue;
    if (out.size() > 1) out += ',';
    codec::append_json_string(out, key);
    out += ":[" + std::to_string(t.paid.fen_i64()) + ',' +
           std::to_string(t.deductible_charged.fen_i64()) + ',' +
           std::to_string(t.base_cumulative.fen_i64()) + ',' +
           std::to_string(t.patient_share.fen_i64()) + ']';
  }
  return out + "}";
}

Accumulators accumulators_from(std::string_view text) {
  auto doc = codec::parse_json(text);
  if (!doc) throw std::invalid_argument(doc.error().message);
  if (doc->root().type != codec::JsonNode::Type::object) {
    throw std::invalid_argument("not a JSON object");
  }
  Accumulators acc;
  for (const codec::JsonNode& layer : doc->root().members()) {
    std::array<Money, 4> totals;
    const bool four = layer.type == codec::JsonNode::Type::array && layer.size() == 4;
    for (std::size_t i = 0; four && i < totals.size(); ++i) {
      const codec::JsonNode& value = layer.elements()[i];
      const char* end = value.text.data() + value.text.size();
      std::int64_t fen = 0;
      if (value.type != codec::JsonNode::Type::number ||
          std::from_chars(value.text.data(), end, fen).ptr != end) {
        throw std::invalid_argument(std::string(layer.key) + "[" + std::to_string(i) +
                                    "] is not an amount in fen");
      }
      totals[i] = Money::from_fen(fen);
    }
    if (!four) throw std::invalid_argument(std::string(layer.key) + " is not four amounts");
    const LayerTotals t{totals[0], totals[1], totals[2], totals[3]};
    if (!t.is_zero()) acc.layers.emplace(std::string(layer.key), t);
  }
  return acc;
}

}  // namespace onestop::store
