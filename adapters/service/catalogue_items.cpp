#include "adapters/service/catalogue_items.hpp"

#include <optional>
#include <string>
#include <utility>

#include "adapters/codec/json_util.hpp"

namespace onestop::service {
namespace {

using codec::JsonNode;

// A catalogue-priced item is one that sends a quantity or a unit price.
bool is_priced(const JsonNode& item) {
  return item.type == JsonNode::Type::object && (item.find("quantity") != nullptr ||
                                                 item.find("unit_price") != nullptr);
}

// A decimal string member scaled by 10^scale: bad_<what> unless it reads and is > 0 (or ≥ 0
// with allow_zero).
Result<Int128> read_scaled(const JsonNode& item, const std::string& path, std::string_view key,
                           int scale, bool allow_zero, std::string_view code) {
  auto text = codec::read_string(item, path, key, codec::StringRule{64, false});
  if (!text) return text.error();
  auto value = catalogue::parse_scaled(*text, scale);
  if (!value || *value < 0 || (!allow_zero && *value == 0)) {
    return Error{std::string(code), codec::field_path(path, key),
                 "expected a " + std::string(allow_zero ? "non-negative" : "positive") +
                     " decimal with at most " + std::to_string(scale) + " decimals, got " +
                     codec::shown_value(*text)};
  }
  return *value;
}

// Prices `item` and writes its declared form (the members the old way of declaring has) to `w`.
std::optional<Error> price_item(const JsonNode& item, const std::string& path,
                                const catalogue::Catalogue& catalogue, const Date& default_date,
                                codec::JsonWriter& w) {
  if (auto e = codec::check_known_keys(item, path,
                                       {"code", "name", "quantity", "unit_price", "fee_date"})) {
    e->message =
        "is not accepted on a catalogue-priced item: class, amount and over-limit "
        "come from the catalogue";
    return e;
  }
  auto code =
      codec::read_string(item, path, "code", codec::StringRule{catalogue::kCodeBytes, false});
  if (!code) return code.error();
  auto quantity =
      read_scaled(item, path, "quantity", catalogue::kQuantityScale, false, "bad_quantity");
  if (!quantity) return quantity.error();
  auto price = read_scaled(item, path, "unit_price", catalogue::kPriceScale, true, "bad_price");
  if (!price) return price.error();
  Date on = default_date;
  if (item.find("fee_date") != nullptr) {
    auto date = codec::read_date(item, path, "fee_date");
    if (!date) return date.error();
    on = *date;
  }
  auto priced =
      catalogue.price(*code, *quantity, *price, on, codec::field_path(path, "code"), path);
  if (!priced) return priced.error();
  const Item& it = priced->item;
  std::string name = it.name;
  if (item.find("name") != nullptr) {
    auto given = codec::read_string(item, path, "name", codec::StringRule{200, true});
    if (!given) return given.error();
    if (!given->empty()) name = *given;
  }
  w.begin_object();
  w.member("code", it.code).member("name", name);
  w.member("class", to_string(it.item_class)).member("amount", it.amount);
  if (!it.over_limit.is_zero()) w.member("over_limit", it.over_limit);
  if (it.self_pay_ratio) w.member("self_pay_ratio", it.self_pay_ratio->to_string());
  w.end_object();
  return std::nullopt;
}

}  // namespace

Result<std::string> price_catalogue_items(std::string_view body,
                                          const catalogue::Catalogue* catalogue) {
  // Most requests declare their items: a body in which no key can read "quantity" or
  // "unit_price" (neither spelled out nor hidden in a \u escape) has no priced item, and is
  // not parsed here a first time before decode_settle_request parses it.
  if (body.find("quantity") == std::string_view::npos &&
      body.find("unit_price") == std::string_view::npos &&
      body.find("\\u") == std::string_view::npos) {
    return std::string(body);
  }
  auto doc = codec::parse_object(body);
  if (!doc) return std::string(body);
  const JsonNode& root = **doc;
  const JsonNode* items = root.find("items");
  if (items == nullptr || items->type != JsonNode::Type::array) return std::string(body);
  bool any = false;
  for (const JsonNode& item : items->elements()) any = any || is_priced(item);
  if (!any) return std::string(body);
  auto discharged = codec::read_date(root, "", "discharged_on");
  if (!discharged) return std::string(body);  // decode reports the date before the items
  // The request again, in document order, with the priced items in their declared form; every
  // other value as it reads (canonical_json: the same content, so decoding judges it alike).
  codec::JsonWriter w(body.size() + 256);
  w.begin_object();
  for (const JsonNode& member : root.members()) {
    w.key(member.key);
    if (&member != items) {
      w.raw(codec::canonical_json(member));
      continue;
    }
    w.begin_array();
    for (std::size_t i = 0; i < items->size(); ++i) {
      const JsonNode& item = items->elements()[i];
      if (!is_priced(item)) {
        w.raw(codec::canonical_json(item));
        continue;
      }
      const std::string path = codec::element_path("", "items", i);
      if (catalogue == nullptr) {
        return Error{"catalogue_unavailable", path,
                     "catalogue-priced items need the catalogue (onestop.catalogue.dir)"};
      }
      if (auto e = price_item(item, path, *catalogue, *discharged, w)) return *e;
    }
    w.end_array();
  }
  w.end_object();
  return w.take();
}

}  // namespace onestop::service
