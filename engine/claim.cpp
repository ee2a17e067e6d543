#include "engine/claim.hpp"

#include <array>

#include "engine/limits.hpp"

namespace onestop {
namespace {

constexpr std::array<std::string_view, kLevelCount> kLevelNames = {
    "primary", "county", "city", "province", "out_of_province"};

std::string item_path(std::size_t i, std::string_view field) {
  return "items[" + std::to_string(i) + "]." + std::string(field);
}

std::optional<Error> check_id(const std::string& value, std::string_view field) {
  if (value.empty()) return Error{"empty", std::string(field), "must not be empty"};
  if (value.size() > limits::kIdLength) {
    return Error{"too_long", std::string(field),
                 "is longer than " + std::to_string(limits::kIdLength) + " bytes"};
  }
  return std::nullopt;
}

// The path is built only for an error: validation runs on every settlement.
std::optional<Error> check_amount(const Money& amount, std::size_t i, std::string_view field) {
  if (amount.is_negative()) return Error{"negative_amount", item_path(i, field), "must not be negative"};
  if (amount > Money::from_fen(limits::kItemAmountFen)) {
    return Error{"amount_too_large", item_path(i, field),
                 "exceeds " + Money::from_fen(limits::kItemAmountFen).to_string()};
  }
  return std::nullopt;
}

std::optional<Error> check_item(const Item& item, std::size_t i) {
  if (item.code.empty()) return Error{"empty", item_path(i, "code"), "must not be empty"};
  if (auto e = check_amount(item.amount, i, "amount")) return e;
  if (auto e = check_amount(item.over_limit, i, "over_limit")) return e;
  if (item.over_limit > item.amount) {
    return Error{"over_limit_exceeds_amount", item_path(i, "over_limit"),
                 "over_limit " + item.over_limit.to_string() + " exceeds the item's amount " +
                     item.amount.to_string()};
  }
  if (item.item_class == ItemClass::C && !item.over_limit.is_zero()) {
    return Error{"over_limit_not_applicable", item_path(i, "over_limit"),
                 "a class C item is wholly out of policy and has no over-limit part"};
  }
  if (item.self_pay_ratio && item.item_class != ItemClass::B) {
    return Error{"self_pay_ratio_not_applicable", item_path(i, "self_pay_ratio"),
                 "only a class B item has a pay-first share"};
  }
  if (item.self_pay_ratio && *item.self_pay_ratio > Rate::one()) {
    return Error{"bad_rate", item_path(i, "self_pay_ratio"), "must be at most 1"};
  }
  return std::nullopt;
}

std::optional<Error> check_items(const std::vector<Item>& items) {
  if (items.empty()) return Error{"empty", "items", "a claim needs at least one item"};
  if (items.size() > limits::kItemsPerClaim) {
    return Error{"too_many", "items",
                 "more than " + std::to_string(limits::kItemsPerClaim) + " items"};
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto e = check_item(items[i], i)) return e;
  }
  return std::nullopt;
}

// A visit names its disease (domain.md §3.6); an admission names none.
std::optional<Error> check_visit(const Claim& claim) {
  if (claim.is_visit()) return check_id(claim.special_disease, "special_disease");
  if (!claim.special_disease.empty()) {
    return Error{"special_disease_not_applicable", "special_disease",
                 "only an outpatient_special visit names a special disease"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == text) return static_cast<Level>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Level level) { return kLevelNames.at(static_cast<std::size_t>(level)); }

std::optional<Visit> parse_visit(std::string_view text) {
  if (text == "inpatient") return Visit::inpatient;
  if (text == "outpatient_special") return Visit::outpatient_special;
  return std::nullopt;
}

std::string_view to_string(Visit visit) {
  return visit == Visit::inpatient ? "inpatient" : "outpatient_special";
}

std::optional<ItemClass> parse_item_class(std::string_view text) {
  if (text == "A") return ItemClass::A;
  if (text == "B") return ItemClass::B;
  if (text == "C") return ItemClass::C;
  return std::nullopt;
}

std::string_view to_string(ItemClass c) {
  switch (c) {
    case ItemClass::A: return "A";
    case ItemClass::B: return "B";
    case ItemClass::C: return "C";
  }
  return "?";
}

std::optional<Error> validate(const Claim& claim) {
  if (auto e = check_id(claim.hospital_id, "hospital_id")) return e;
  if (auto e = check_id(claim.bill_no, "bill_no")) return e;
  if (auto e = check_id(claim.patient_id, "patient.id")) return e;
  if (auto e = check_id(claim.category, "patient.category")) return e;
  if (claim.discharged_on < claim.admitted_on) {
    return Error{"discharge_before_admission", "discharged_on",
                 "discharged_on " + claim.discharged_on.to_string() + " is before admitted_on " +
                     claim.admitted_on.to_string()};
  }
  if (auto e = check_visit(claim)) return e;
  if (claim.diagnoses.size() > limits::kDiagnosesPerClaim) {
    return Error{"too_many", "diagnoses",
                 "more than " + std::to_string(limits::kDiagnosesPerClaim) + " diagnoses"};
  }
  for (std::size_t i = 0; i < claim.diagnoses.size(); ++i) {
    const auto& d = claim.diagnoses[i];
    if (d.empty() || d.size() > limits::kDiagnosisLength) {
      return Error{"bad_diagnosis", "diagnoses[" + std::to_string(i) + "]",
                   "must be an ICD-10 code of 1 to " + std::to_string(limits::kDiagnosisLength) +
                       " characters"};
    }
  }
  return check_items(claim.items);
}

}  // namespace onestop
