// The policy model: a region's rules as data. adapters/policy loads it from config/policies/*.json
// and validates it; the engine only reads it. Parameter names follow domain.md §3.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/claim.hpp"
#include "engine/date.hpp"
#include "engine/money.hpp"

namespace onestop {

enum class LayerKind { deductible_ratio, tiered_cumulative, share_of_remainder, patient_ceiling };
std::optional<LayerKind> parse_layer_kind(std::string_view text);
std::string_view to_string(LayerKind kind);

// Who a layer applies to. An ineligible layer pays 0 and moves none of its accumulators.
struct Eligibility {
  std::vector<std::string> categories;          // empty: every category
  bool requires_in_region_or_referral = false;  // out of region only with a referral
  std::vector<std::string> diagnosis_prefixes;  // empty: any diagnosis; else one must match
};

// The outpatient special-disease part of basic insurance (domain.md §3.6): one yearly
// deductible shared by every disease of the person, and a yearly limit per disease.
struct OutpatientSpecial {
  struct Disease {
    std::string id;    // a wire contract: a claim's special_disease, a certification's disease
    std::string name;  // for people, e.g. "重性精神病"
    Money limit_annual;
  };
  Money deductible_annual;
  std::map<std::string, Rate> deductible_reduction;  // by category; absent: none
  std::vector<Disease> diseases;

  // The disease with this id and its index in `diseases`, or nullopt.
  std::optional<std::size_t> disease_index(std::string_view id) const;
};

// Basic medical insurance (domain.md §3.1).
struct DeductibleRatio {
  struct CategoryAdjustment {
    Rate deductible_reduction;  // the deductible is multiplied by (1 − reduction)
    Rate ratio_bonus;           // added to the level's ratio
  };
  std::array<Money, kLevelCount> deductible;  // nominal, per admission, by Level
  std::array<Rate, kLevelCount> ratio;        // by Level
  Rate repeat_factor = Rate::one();           // 2nd+ admission of the year
  std::optional<Money> deductible_limit_annual;
  Rate unreferred_penalty;  // out of region without referral
  std::optional<Money> cap_annual;
  std::map<std::string, CategoryAdjustment> by_category;
  std::optional<OutpatientSpecial> outpatient;  // nullopt: the layer settles no visits
};

// Critical-illness insurance (§3.2): bands above a yearly threshold, cumulative over the year.
struct TieredCumulative {
  struct Band {
    Money from;  // lower edge, measured above the threshold; the first band starts at 0
    Rate ratio;
  };
  struct CategoryAdjustment {
    std::optional<Money> threshold;        // replaces the threshold
    Rate ratio_bonus;                      // added in every band
    bool cap_overridden = false;           // when true, cap_annual below replaces the layer's
    std::optional<Money> cap_annual;       // nullopt with cap_overridden: no cap
  };
  Money threshold;
  std::vector<Band> bands;  // ascending by `from`
  std::optional<Money> cap_annual;
  std::map<std::string, CategoryAdjustment> by_category;
};

// Special benefit, medical assistance, hospital reduction (§3.3): a share of what is still on
// the patient in policy after the earlier layers.
struct ShareOfRemainder {
  Rate ratio;
  std::optional<Money> cap_annual;
};

// Government backstop (§3.4): keeps the patient's in-policy share under a ceiling.
struct PatientCeiling {
  struct Programme {  // special programme by diagnosis; the lowest matching ceiling applies
    std::string name;
    std::vector<std::string> diagnosis_prefixes;
    Rate ceiling_ratio;
  };
  Rate ceiling_ratio;
  std::optional<Money> ceiling_annual;  // on backstop_patient_share_this_year
  std::vector<Programme> programmes;
};

using LayerParams = std::variant<DeductibleRatio, TieredCumulative, ShareOfRemainder, PatientCeiling>;

struct Layer {
  std::string id;    // e.g. "basic"; unique in the policy; a wire contract
  std::string fund;  // national fund code, six digits, e.g. "390100"
  std::string name;  // for people, e.g. "基本医疗保险"
  Eligibility eligibility;
  LayerParams params;

  LayerKind kind() const { return static_cast<LayerKind>(params.index()); }
};

// The annual cap on what a layer pays for a person of `category`, or nullopt when none
// (share_of_remainder and deductible_ratio caps, tiered_cumulative with its category override;
// patient_ceiling has no cap on its payment).
std::optional<Money> cap_annual(const Layer& layer, const std::string& category);

// Thresholds for the audit flags (§3.5); flags never refuse a claim.
struct AuditThresholds {
  Rate out_of_catalogue_share_max;  // (out_of_policy + over_limit) / total above this: flag
  Rate reimbursement_target;        // Σ paid / total below this: flag
  std::vector<std::string> target_categories;  // whom the target is promised to; empty: all
};

struct Policy {
  std::string id;      // e.g. "zhaoshan-2020"
  std::string name;
  std::string sha256;  // content hash of the policy's canonical form, set by the loader
  std::string text;    // that canonical form, set by the loader: the ledger keeps it
  Date effective_from;
  std::optional<Date> effective_to;  // inclusive; nullopt: open-ended
  Rounding rounding = Rounding::half_up;
  std::vector<std::string> categories;  // every category a claim may carry
  Rate b_share;                         // class B 先行自付 share
  AuditThresholds audit;
  std::vector<Layer> layers;  // in the order they pay

  bool knows_category(std::string_view category) const;
  bool effective_on(const Date& date) const;
  // Index of the layer with this id, or nullopt.
  std::optional<std::size_t> layer_index(std::string_view id) const;
  // The outpatient part of the first deductible_ratio layer, or nullopt when the policy
  // settles no outpatient special-disease visits (domain.md §3.6).
  const OutpatientSpecial* outpatient() const;
  // The listed disease with this id, or nullptr (also when there is no outpatient part).
  const OutpatientSpecial::Disease* special_disease(std::string_view id) const;
};

}  // namespace onestop
