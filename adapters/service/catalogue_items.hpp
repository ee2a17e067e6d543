// Catalogue-priced items in the native API (issue 12). Besides an item declared the old way
// ({"code", "name", "class", "amount", "over_limit"?}), a settle or trial request may send
//   {"code": "...", "quantity": "2", "unit_price": "35.500000", "name"?: "...",
//    "fee_date"?: "YYYY-MM-DD"}
// and the service prices it with the catalogue version in force on fee_date (default: the
// request's discharged_on): amount = quantity × unit price, over-limit above the price cap,
// class and pay-first share from the catalogue. The priced item is what is settled and stored
// (the canonical request), so verify re-settles it without the catalogue.
#pragma once

#include <string>
#include <string_view>

#include "adapters/catalogue/catalogue.hpp"
#include "engine/error.hpp"

namespace onestop::service {

// The body with every catalogue-priced item replaced by its priced, declared form; the body
// unchanged when it has none or cannot be read far enough (decode_settle_request then reports
// the defect). Errors, naming the item's path ("items[2].quantity"): missing_field,
// wrong_type, unknown_field (class, amount, over_limit come from the catalogue), bad_quantity,
// bad_price, bad_date, unknown_catalogue_code, catalogue_unavailable (no catalogue configured).
Result<std::string> price_catalogue_items(std::string_view body,
                                          const catalogue::Catalogue* catalogue);

}  // namespace onestop::service
