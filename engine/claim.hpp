// The canonical claim: one admission (or outpatient special-disease visit) as the engine sees it,
// after the adapters have resolved the patient's category (roster) and the hospital's level
// (registry).
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

// What a claim settles (domain.md §3.6): an admission (住院, the default) or a certified
// person's outpatient special-disease visit (门诊特殊病种, national med_type 14).
enum class Visit { inpatient, outpatient_special };
std::optional<Visit> parse_visit(std::string_view text);
std::string_view to_string(Visit visit);

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
  Visit visit = Visit::inpatient;
  std::string special_disease;         // the policy's disease id of a visit; empty for an admission
  std::vector<std::string> diagnoses;  // ICD-10 codes
  std::vector<Item> items;

  // The policy year: the calendar year of discharge.
  int year() const { return discharged_on.year(); }
  // In region, or out of region with a referral (转诊备案).
  bool in_region_or_referred() const { return in_region || referral; }
  bool is_visit() const { return visit == Visit::outpatient_special; }
};

// Semantic checks the engine needs, with the JSON path of the field at fault, in a fixed order:
// ids, dates, visit (special_disease present exactly for a visit), diagnoses, items (each: amount,
// over_limit). Syntax and types are the codec's job. Returns nullopt when the claim is acceptable.
std::optional<Error> validate(const Claim& claim);

}  // namespace onestop
