// The canonical claim: one admission as the engine sees it, after the adapters have resolved
// the patient's category (roster) and the hospital's level (registry).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/date.hpp"
#include "engine/error.hpp"
#include "engine/money.hpp"

namespace onestop {

enum class Level { primary, county, city, province, out_of_province };
inline constexpr int kLevelCount = 5;
std::optional<Level> parse_level(std::string_view text);
std::string_view to_string(Level level);

// Catalogue class: A 甲类 in policy, B 乙类 share first self-paid, C 丙类 out of policy.
enum class ItemClass { A, B, C };
std::optional<ItemClass> parse_item_class(std::string_view text);
std::string_view to_string(ItemClass c);

struct Item {
  std::string code;
  std::string name;
  ItemClass item_class = ItemClass::A;
  Money amount;
  Money over_limit;  // the part above the price ceiling; 0 when absent
  // Class B only: the item's own pay-first share (the catalogue's self_pay_ratio), in [0, 1];
  // nullopt: the policy's b_share.
  std::optional<Rate> self_pay_ratio = std::nullopt;
};

struct Claim {
  std::string hospital_id;
  std::string bill_no;
  std::string patient_id;
  std::string category;  // one of the policy's categories
  Level level = Level::primary;
  bool in_region = true;
  bool referral = false;
  Date admitted_on;
  Date discharged_on;
  std::vector<std::string> diagnoses;  // ICD-10 codes
  std::vector<Item> items;

  // The policy year: the calendar year of discharge.
  int year() const { return discharged_on.year(); }
  // In region, or out of region with a referral (转诊备案).
  bool in_region_or_referred() const { return in_region || referral; }
};

// Semantic checks the engine needs, with the JSON path of the field at fault, in a fixed order:
// ids, dates, diagnoses, items (each: amount, over_limit). Syntax and types are the codec's job.
// Returns nullopt when the claim is acceptable.
std::optional<Error> validate(const Claim& claim);

}  // namespace onestop
