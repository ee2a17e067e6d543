#include "adapters/service/catalogue_items.hpp"

#include <sstream>
#include <utility>

#include "adapters/codec/json_util.hpp"

namespace onestop::service {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// A catalogue-priced item is one that sends a quantity or a unit price.
bool is_priced(const Object& item) {
  return codec::find_member(item, "quantity") != nullptr ||
         codec::find_member(item, "unit_price") != nullptr;
}

// A decimal string member scaled by 10^scale: bad_<what> unless it reads and is > 0 (or ≥ 0
// with allow_zero).
Result<Int128> read_scaled(const Object& item, const std::string& path, std::string_view key,
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

// Prices item `i` in place: the priced item's members replace the hospital's.
std::optional<Error> price_item(Object& item, const std::string& path,
                                const catalogue::Catalogue& catalogue, const Date& default_date) {
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
  if (codec::find_member(item, "fee_date") != nullptr) {
    auto date = codec::read_date(item, path, "fee_date");
    if (!date) return date.error();
    on = *date;
  }
  auto priced =
      catalogue.price(*code, *quantity, *price, on, codec::field_path(path, "code"), path);
  if (!priced) return priced.error();
  const Item& it = priced->item;
  std::string name = it.name;
  if (codec::find_member(item, "name") != nullptr) {
    auto given = codec::read_string(item, path, "name", codec::StringRule{200, true});
    if (!given) return given.error();
    if (!given->empty()) name = *given;
  }
  item.clear();
  item.set("code", it.code);
  item.set("name", name);
  item.set("class", std::string(to_string(it.item_class)));
  item.set("amount", it.amount.to_string());
  if (!it.over_limit.is_zero()) item.set("over_limit", it.over_limit.to_string());
  if (it.self_pay_ratio) item.set("self_pay_ratio", it.self_pay_ratio->to_string());
  return std::nullopt;
}

}  // namespace

Result<std::string> price_catalogue_items(std::string_view body,
                                          const catalogue::Catalogue* catalogue) {
  auto doc = codec::parse_object(body);
  if (!doc) return std::string(body);
  Object& root = *doc.value();
  const auto* items_var = codec::find_member(root, "items");
  if (items_var == nullptr || items_var->type() != typeid(Array::Ptr)) return std::string(body);
  const Array::Ptr items = items_var->extract<Array::Ptr>();
  bool any = false;
  for (std::size_t i = 0; i < items->size(); ++i) {
    Object::Ptr item = items->getObject(static_cast<unsigned>(i));
    if (item && is_priced(*item)) any = true;
  }
  if (!any) return std::string(body);
  auto discharged = codec::read_date(root, "", "discharged_on");
  if (!discharged) return std::string(body);  // decode reports the date before the items
  for (std::size_t i = 0; i < items->size(); ++i) {
    Object::Ptr item = items->getObject(static_cast<unsigned>(i));
    if (!item || !is_priced(*item)) continue;
    const std::string path = codec::element_path("", "items", i);
    if (catalogue == nullptr) {
      return Error{"catalogue_unavailable", path,
                   "catalogue-priced items need the catalogue (onestop.catalogue.dir)"};
    }
    if (auto e = price_item(*item, path, *catalogue, *discharged)) return *e;
  }
  std::ostringstream out;
  root.stringify(out);
  return out.str();
}

}  // namespace onestop::service
