// Every validation error yields its code and the JSON path of the field at fault, the first one
// in document order. Each case edits the minimal valid policy in one or two places.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "adapters/policy/policy_loader.hpp"
#include "engine/limits.hpp"
#include "tests/adapters/policy/policy_test_support.hpp"

namespace onestop::policy {
namespace {

using testing::edited;
using testing::kMinimal;
using Edits = std::vector<std::pair<std::string, std::string>>;

// Anchors too long to repeat inline.
const std::string kBands =
    R"([{"from": "0.00", "ratio": "0.60"}, {"from": "50000.00", "ratio": "0.65"}])";
const std::string kProgrammes =
    R"([{"name": "P", "diagnosis_prefixes": ["F20"], "ceiling_ratio": "0.05"}])";
const std::string kEnd = "}\n  ]\n}";  // the end of the last layer, the layers and the policy

struct ErrorCase {
  const char* name;
  Edits edits;
  const char* code;
  const char* field;
};

std::ostream& operator<<(std::ostream& out, const ErrorCase& c) { return out << c.name; }

// Table data rather than a function: one row per case.
const std::vector<ErrorCase> kErrorCases = {
    // Syntax.
    {"TruncatedJson", {{R"("layers": [)", R"("layers": [}])"}}, "malformed_json", ""},
    {"NumberTooBig", {{R"({"b_share": "0.10"})", R"({"b_share": 1e999})"}}, "malformed_json", ""},
    {"DuplicateTopLevelKey",
     {{R"("name": "Mini",)", R"("name": "Mini", "name": "M",)"}},
     "duplicate_key",
     "name"},
    {"DuplicateNestedKey",
     {{R"("repeat_factor": "0.5",)", R"("repeat_factor": "0.5", "repeat_factor": "0.6",)"}},
     "duplicate_key",
     "layers[0].repeat_factor"},
    // Top level.
    {"FormatMissing", {{R"("format": "onestop-policy/1",)", ""}}, "missing_field", "format"},
    {"FormatNotString", {{R"("onestop-policy/1")", "1"}}, "wrong_type", "format"},
    {"FormatUnsupported",
     {{R"("onestop-policy/1")", R"("onestop-policy/2")"}},
     "unsupported_format",
     "format"},
    {"FormatCheckedBeforeEarlierErrors",
     {{R"("id": "mini-2020",)", R"("id": "BAD", "format": "x/2",)"},
      {R"("format": "onestop-policy/1",)", ""}},
     "unsupported_format",
     "format"},
    {"UnknownTopLevelKey",
     {{R"("id": "mini-2020",)", R"("id": "mini-2020", "notes": "",)"}},
     "unknown_field",
     "notes"},
    {"DescriptionNotString",
     {{R"("id": "mini-2020",)", R"("id": "mini-2020", "description": 1,)"}},
     "wrong_type",
     "description"},
    {"PolicyIdWithSpace", {{R"("mini-2020")", R"("mini 2020")"}}, "bad_id", "id"},
    {"PolicyIdUppercase", {{R"("mini-2020")", R"("Mini-2020")"}}, "bad_id", "id"},
    {"PolicyIdEmpty", {{R"("mini-2020")", R"("")"}}, "bad_id", "id"},
    {"NameEmpty", {{R"("name": "Mini",)", R"("name": "",)"}}, "empty", "name"},
    {"NameMissing", {{R"("name": "Mini",)", ""}}, "missing_field", "name"},
    {"EffectiveFromNoSuchDay",
     {{R"("2020-01-01")", R"("2020-02-30")"}},
     "bad_date",
     "effective_from"},
    {"EffectiveFromNotIso", {{R"("2020-01-01")", R"("2020/01/01")"}}, "bad_date", "effective_from"},
    {"EffectiveToBeforeFrom", {{R"("2020-12-31")", R"("2019-12-31")"}}, "bad_date", "effective_to"},
    {"EffectiveToNumber", {{R"("2020-12-31")", "20201231"}}, "wrong_type", "effective_to"},
    {"RoundingUnknown", {{R"("half_up")", R"("nearest")"}}, "unknown_rounding", "rounding"},
    {"RoundingMissing", {{R"("rounding": "half_up",)", ""}}, "missing_field", "rounding"},
    {"CategoriesEmpty", {{R"(["resident", "poor"])", "[]"}}, "empty", "categories"},
    {"CategoriesNotArray",
     {{R"(["resident", "poor"])", R"("resident")"}},
     "wrong_type",
     "categories"},
    {"CategoryNotString",
     {{R"(["resident", "poor"])", R"(["resident", 2])"}},
     "wrong_type",
     "categories[1]"},
    {"CategoryTwice",
     {{R"(["resident", "poor"])", R"(["resident", "poor", "poor"])"}},
     "duplicate_category",
     "categories[2]"},
    {"CategoryBadToken",
     {{R"(["resident", "poor"])", R"(["resident", "Poor"])"}},
     "bad_id",
     "categories[1]"},
    {"BShareNumber",
     {{R"("b_share": "0.10")", R"("b_share": 0.10)"}},
     "wrong_type",
     "items.b_share"},
    {"BSharePercent",
     {{R"("b_share": "0.10")", R"("b_share": "10%")"}},
     "bad_rate",
     "items.b_share"},
    {"BShareTooManyDecimals",
     {{R"("b_share": "0.10")", R"("b_share": "0.1000001")"}},
     "bad_rate",
     "items.b_share"},
    {"ItemsUnknownKey",
     {{R"("b_share": "0.10")", R"("b_share": "0.10", "c_share": "0")"}},
     "unknown_field",
     "items.c_share"},
    {"ItemsMissing", {{R"("items": {"b_share": "0.10"},)", ""}}, "missing_field", "items"},
    {"AuditRateAboveOne",
     {{R"("out_of_catalogue_share_max": "0.10")", R"("out_of_catalogue_share_max": "1.5")"}},
     "rate_out_of_range",
     "audit.out_of_catalogue_share_max"},
    {"AuditTargetMissing",
     {{R"(, "reimbursement_target": "0.85")", ""}},
     "missing_field",
     "audit.reimbursement_target"},
    {"LayersRenamed", {{R"("layers": [)", R"("no_layers": [)"}}, "unknown_field", "no_layers"},
    {"LayersNotArray",
     {{R"("layers": [)", R"("layers": {"x": [)"}, {kEnd, "}]}}"}},
     "wrong_type",
     "layers"},
    // Every layer.
    {"KindMissing", {{R"("kind": "share_of_remainder",)", ""}}, "missing_field", "layers[2].kind"},
    {"KindUnknown",
     {{R"("share_of_remainder")", R"("flat_rate")"}},
     "unknown_kind",
     "layers[2].kind"},
    {"KindNotString", {{R"("share_of_remainder")", "3"}}, "wrong_type", "layers[2].kind"},
    {"KindCheckedBeforeSiblings",
     {{R"("id": "special")", R"("id": "SPECIAL")"}, {R"("share_of_remainder")", R"("flat")"}},
     "unknown_kind",
     "layers[2].kind"},
    {"LayerNotObject", {{R"("layers": [)", R"("layers": ["basic",)"}}, "wrong_type", "layers[0]"},
    {"LayerIdUppercase", {{R"("id": "basic")", R"("id": "Basic")"}}, "bad_id", "layers[0].id"},
    {"LayerIdDash", {{R"("id": "basic")", R"("id": "basic-1")"}}, "bad_id", "layers[0].id"},
    {"LayerIdTwice",
     {{R"("id": "special")", R"("id": "basic")"}},
     "duplicate_layer_id",
     "layers[2].id"},
    {"FundFiveDigits", {{R"("390100")", R"("39010")"}}, "bad_fund_code", "layers[0].fund"},
    {"FundLetters", {{R"("390100")", R"("39010a")"}}, "bad_fund_code", "layers[0].fund"},
    {"FundNumber", {{R"("390100")", "390100"}}, "wrong_type", "layers[0].fund"},
    {"LayerNameEmpty", {{R"("name": "Basic")", R"("name": "")"}}, "empty", "layers[0].name"},
    {"EligibilityMissing",
     {{R"("eligibility": {},)", ""}},
     "missing_field",
     "layers[0].eligibility"},
    {"EligibilityUnknownKey",
     {{R"("eligibility": {},)", R"("eligibility": {"visit": 1},)"}},
     "unknown_field",
     "layers[0].eligibility.visit"},
    {"EligibilityUnknownCategory",
     {{R"({"categories": ["poor"]})", R"({"categories": ["rich"]})"}},
     "unknown_category",
     "layers[2].eligibility.categories[0]"},
    {"EligibilityCategoriesEmpty",
     {{R"({"categories": ["poor"]})", R"({"categories": []})"}},
     "empty",
     "layers[2].eligibility.categories"},
    {"EligibilityCategoryTwice",
     {{R"({"categories": ["poor"]})", R"({"categories": ["poor", "poor"]})"}},
     "duplicate_category",
     "layers[2].eligibility.categories[1]"},
    {"EligibilityRegionNotBool",
     {{R"("in_region_or_referral": true)", R"("in_region_or_referral": "yes")"}},
     "wrong_type",
     "layers[3].eligibility.in_region_or_referral"},
    {"PrefixLowercase",
     {{R"(["J60"])", R"(["j60"])"}},
     "bad_diagnosis_prefix",
     "layers[3].eligibility.diagnosis_prefixes[0]"},
    {"PrefixWithSpace",
     {{R"(["J60"])", R"(["J60", "J6 1"])"}},
     "bad_diagnosis_prefix",
     "layers[3].eligibility.diagnosis_prefixes[1]"},
    {"PrefixTooLong",
     {{R"(["J60"])", R"(["J60123456789012345"])"}},
     "bad_diagnosis_prefix",
     "layers[3].eligibility.diagnosis_prefixes[0]"},
    {"PrefixEmpty",
     {{R"(["J60"])", R"([""])"}},
     "empty",
     "layers[3].eligibility.diagnosis_prefixes[0]"},
    {"PrefixesEmpty", {{R"(["J60"])", "[]"}}, "empty", "layers[3].eligibility.diagnosis_prefixes"},
    {"KeyOfAnotherKind",
     {{R"("ratio": "0.50",)", R"("ratio": "0.50", "threshold": "1.00",)"}},
     "unknown_field",
     "layers[2].threshold"},
    // deductible_ratio.
    {"LevelMissing",
     {{R"("county": "500.00", )", ""}},
     "missing_field",
     "layers[0].deductible.county"},
    {"LevelUnknown",
     {{R"("county": "500.00", )", R"("county": "500.00", "village": "1.00", )"}},
     "unknown_field",
     "layers[0].deductible.village"},
    {"DeductibleNoDecimals",
     {{R"("city": "800.00")", R"("city": "800")"}},
     "bad_amount",
     "layers[0].deductible.city"},
    {"DeductibleThreeDecimals",
     {{R"("city": "800.00")", R"("city": "800.001")"}},
     "bad_amount",
     "layers[0].deductible.city"},
    {"DeductibleNegative",
     {{R"("city": "800.00")", R"("city": "-800.00")"}},
     "bad_amount",
     "layers[0].deductible.city"},
    {"DeductibleNegativeZero",
     {{R"("city": "800.00")", R"("city": "-0.00")"}},
     "bad_amount",
     "layers[0].deductible.city"},
    {"DeductibleNumber",
     {{R"("city": "800.00")", R"("city": 800.00)"}},
     "wrong_type",
     "layers[0].deductible.city"},
    {"DeductibleNull",
     {{R"("city": "800.00")", R"("city": null)"}},
     "wrong_type",
     "layers[0].deductible.city"},
    {"RatioAboveOne",
     {{R"("primary": "0.85")", R"("primary": "1.10")"}},
     "rate_out_of_range",
     "layers[0].ratio.primary"},
    {"RatioNegative",
     {{R"("primary": "0.85")", R"("primary": "-0.10")"}},
     "bad_rate",
     "layers[0].ratio.primary"},
    {"RatioNumber",
     {{R"("city": "0.65")", R"("city": 0.65)"}},
     "wrong_type",
     "layers[0].ratio.city"},
    {"RepeatFactorMissing",
     {{R"("repeat_factor": "0.5", )", ""}},
     "missing_field",
     "layers[0].repeat_factor"},
    {"BasicCapMissing",
     {{R"("cap_annual": "150000.00",)", ""}},
     "missing_field",
     "layers[0].cap_annual"},
    {"DeductibleLimitBad",
     {{R"("repeat_factor": "0.5",)",
       R"("repeat_factor": "0.5", "deductible_limit_annual": "3e3",)"}},
     "bad_amount",
     "layers[0].deductible_limit_annual"},
    // The outpatient special-disease part of the basic layer (domain.md §3.6).
    {"OutpatientDeductibleMissing",
     {{R"("repeat_factor": "0.5",)",
       R"("repeat_factor": "0.5", "outpatient": {"diseases": [{"id": "severe_mental",
          "name": "S", "limit_annual": "6000.00"}]},)"}},
     "missing_field",
     "layers[0].outpatient.deductible_annual"},
    {"OutpatientDiseasesEmpty",
     {{R"("repeat_factor": "0.5",)",
       R"("repeat_factor": "0.5", "outpatient": {"deductible_annual": "200.00",
          "diseases": []},)"}},
     "empty",
     "layers[0].outpatient.diseases"},
    {"OutpatientDiseaseBadId",
     {{R"("repeat_factor": "0.5",)",
       R"("repeat_factor": "0.5", "outpatient": {"deductible_annual": "200.00",
          "diseases": [{"id": "Severe Mental", "name": "S", "limit_annual": "6000.00"}]},)"}},
     "bad_id",
     "layers[0].outpatient.diseases[0].id"},
    {"OutpatientDiseaseDuplicate",
     {{R"("repeat_factor": "0.5",)",
       R"("repeat_factor": "0.5", "outpatient": {"deductible_annual": "200.00",
          "diseases": [{"id": "severe_mental", "name": "S", "limit_annual": "6000.00"},
                       {"id": "severe_mental", "name": "T", "limit_annual": "1.00"}]},)"}},
     "duplicate_disease",
     "layers[0].outpatient.diseases[1].id"},
    {"OutpatientLimitBad",
     {{R"("repeat_factor": "0.5",)",
       R"("repeat_factor": "0.5", "outpatient": {"deductible_annual": "200.00",
          "diseases": [{"id": "severe_mental", "name": "S", "limit_annual": "6000"}]},)"}},
     "bad_amount",
     "layers[0].outpatient.diseases[0].limit_annual"},
    {"OutpatientByUnknownCategory",
     {{R"("repeat_factor": "0.5",)",
       R"("repeat_factor": "0.5", "outpatient": {"deductible_annual": "200.00",
          "by_category": {"rich": {"deductible_reduction": "0.5"}},
          "diseases": [{"id": "severe_mental", "name": "S", "limit_annual": "6000.00"}]},)"}},
     "unknown_category",
     "layers[0].outpatient.by_category.rich"},
    {"OutpatientUnknownKey",
     {{R"("repeat_factor": "0.5",)",
       R"("repeat_factor": "0.5", "outpatient": {"deductible_annual": "200.00",
          "limit_annual": "1.00",
          "diseases": [{"id": "severe_mental", "name": "S", "limit_annual": "6000.00"}]},)"}},
     "unknown_field",
     "layers[0].outpatient.limit_annual"},
    {"PenaltyAboveOne",
     {{R"("repeat_factor": "0.5",)", R"("repeat_factor": "0.5", "unreferred_penalty": "2",)"}},
     "rate_out_of_range",
     "layers[0].unreferred_penalty"},
    {"BasicByUnknownCategory",
     {{R"({"poor": {"deductible_reduction")", R"({"rich": {"deductible_reduction")"}},
     "unknown_category",
     "layers[0].by_category.rich"},
    {"BasicAdjustmentUnknownKey",
     {{R"("ratio_bonus": "0.10"}})", R"("ratio_malus": "0.10"}})"}},
     "unknown_field",
     "layers[0].by_category.poor.ratio_malus"},
    {"BasicByCategoryNotObject",
     {{R"({"poor": {"deductible_reduction": "0.5", "ratio_bonus": "0.10"}})", "[]"}},
     "wrong_type",
     "layers[0].by_category"},
    // tiered_cumulative.
    {"ThresholdNoDecimals", {{R"("15000.00")", R"("15000")"}}, "bad_amount", "layers[1].threshold"},
    {"BandsEmpty", {{kBands, "[]"}}, "empty", "layers[1].bands"},
    {"FirstBandNotAtZero",
     {{R"({"from": "0.00",)", R"({"from": "100.00",)"}},
     "bands_not_ascending",
     "layers[1].bands[0].from"},
    {"BandsDescending",
     {{R"({"from": "50000.00",)", R"({"from": "0.00",)"}},
     "bands_not_ascending",
     "layers[1].bands[1].from"},
    {"BandEdgeRepeated",
     {{R"("ratio": "0.65"}])", R"("ratio": "0.65"}, {"from": "50000.00", "ratio": "0.7"}])"}},
     "bands_not_ascending",
     "layers[1].bands[2].from"},
    {"BandRatioBad",
     {{R"("ratio": "0.60")", R"("ratio": "0.6.0")"}},
     "bad_rate",
     "layers[1].bands[0].ratio"},
    {"BandRatioMissing",
     {{R"(, "ratio": "0.65")", ""}},
     "missing_field",
     "layers[1].bands[1].ratio"},
    {"BandUnknownKey",
     {{R"(, "ratio": "0.65")", R"(, "ratio": "0.65", "to": "1.00")"}},
     "unknown_field",
     "layers[1].bands[1].to"},
    {"TieredCapMissing",
     {{R"("cap_annual": "300000.00",)", ""}},
     "missing_field",
     "layers[1].cap_annual"},
    {"TieredByUnknownCategory",
     {{R"({"poor": {"threshold")", R"({"rich": {"threshold")"}},
     "unknown_category",
     "layers[1].by_category.rich"},
    {"TieredAdjustmentThresholdNumber",
     {{R"("threshold": "7500.00")", R"("threshold": 7500)"}},
     "wrong_type",
     "layers[1].by_category.poor.threshold"},
    {"TieredAdjustmentCapBad",
     {{R"("cap_annual": null)", R"("cap_annual": "none")"}},
     "bad_amount",
     "layers[1].by_category.poor.cap_annual"},
    // share_of_remainder.
    {"ShareRatioMissing", {{R"("ratio": "0.50", )", ""}}, "missing_field", "layers[2].ratio"},
    {"ShareCapNegative",
     {{R"("cap_annual": "50000.00")", R"("cap_annual": "-1.00")"}},
     "bad_amount",
     "layers[2].cap_annual"},
    {"ShareCapNumber",
     {{R"("cap_annual": "50000.00")", R"("cap_annual": 50000)"}},
     "wrong_type",
     "layers[2].cap_annual"},
    // patient_ceiling.
    {"CeilingRatioAboveOne",
     {{R"("ceiling_ratio": "0.10")", R"("ceiling_ratio": "1.000001")"}},
     "rate_out_of_range",
     "layers[3].ceiling_ratio"},
    {"CeilingAnnualMissing",
     {{R"("ceiling_annual": "5000.00",)", ""}},
     "missing_field",
     "layers[3].ceiling_annual"},
    {"ProgrammesNotArray", {{kProgrammes, "{}"}}, "wrong_type", "layers[3].programmes"},
    {"ProgrammeRatioMissing",
     {{R"(, "ceiling_ratio": "0.05")", ""}},
     "missing_field",
     "layers[3].programmes[0].ceiling_ratio"},
    {"ProgrammePrefixesEmpty",
     {{R"(["F20"])", "[]"}},
     "empty",
     "layers[3].programmes[0].diagnosis_prefixes"},
    {"ProgrammeNameEmpty",
     {{R"({"name": "P")", R"({"name": "")"}},
     "empty",
     "layers[3].programmes[0].name"},
    // Document order: the first error in the file wins; missing keys at the object's end.
    {"FirstErrorInDocumentOrder",
     {{R"("390100")", R"("1")"}, {R"("ratio": "0.50")", R"("ratio": "x")"}},
     "bad_fund_code",
     "layers[0].fund"},
    {"PresentKeysBeforeMissingKeys",
     {{R"("repeat_factor": "0.5", )", ""}, {R"("150000.00")", R"("150000")"}},
     "bad_amount",
     "layers[0].cap_annual"},
    {"CategoryReferencesSeeALaterCategoriesList",
     {{R"("categories": ["resident", "poor"],)", ""},
      {kEnd, "}\n  ], \"categories\": [\"poor\"]\n}"},
      {R"({"categories": ["poor"]})", R"({"categories": ["resident"]})"}},
     "unknown_category",
     "layers[2].eligibility.categories[0]"},
};

class PolicyErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PolicyErrors, NamesCodeAndField) {
  const ErrorCase& c = GetParam();
  const std::string text = edited(std::string(kMinimal), c.edits);
  const auto result = parse_policy(text);
  ASSERT_FALSE(result.ok()) << "accepted:\n" << text;
  EXPECT_EQ(result.error().code, c.code) << result.error().message;
  EXPECT_EQ(result.error().field, c.field) << result.error().message;
  EXPECT_FALSE(result.error().message.empty());
  EXPECT_EQ(result.error().message.back(), '.') << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(Cases, PolicyErrors, ::testing::ValuesIn(kErrorCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PolicyErrors, MinimalPolicyIsValid) {
  const auto result = parse_policy(kMinimal);
  ASSERT_TRUE(result.ok()) << result.error().field << ": " << result.error().message;
  EXPECT_EQ(result->layers.size(), 4u);
}

TEST(PolicyErrors, CategoriesMayFollowTheLayers) {
  const auto result = parse_policy(edited(
      std::string(kMinimal), {{R"("categories": ["resident", "poor"],)", ""},
                              {kEnd, "}\n  ], \"categories\": [\"poor\", \"resident\"]\n}"}}));
  ASSERT_TRUE(result.ok()) << result.error().field << ": " << result.error().message;
  EXPECT_EQ(result->categories, (std::vector<std::string>{"poor", "resident"}));
}

TEST(PolicyErrors, RootMustBeAnObject) {
  for (const char* text : {"[]", "\"policy\"", "null", "1"}) {
    const auto result = parse_policy(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code, "wrong_type") << text;
    EXPECT_EQ(result.error().field, "") << text;
  }
}

std::string layers_of(std::size_t count) {
  std::string layers;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) layers += ",";
    layers += R"({"id": "l)" + std::to_string(i) +
              R"(", "fund": "610100", "name": "L", "kind": "share_of_remainder",
                   "eligibility": {}, "ratio": "0.5", "cap_annual": null})";
  }
  return layers;
}

std::string with_layers(const std::string& layers) {
  const std::string text(kMinimal);
  const auto begin = text.find(R"("layers": [)") + std::string(R"("layers": [)").size();
  const auto end = text.rfind(']');
  return text.substr(0, begin) + layers + text.substr(end);
}

TEST(PolicyErrors, LayersUpToTheLimit) {
  EXPECT_TRUE(parse_policy(with_layers(layers_of(limits::kLayersPerPolicy))).ok());
  const auto result = parse_policy(with_layers(layers_of(limits::kLayersPerPolicy + 1)));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "too_many");
  EXPECT_EQ(result.error().field, "layers");
  EXPECT_EQ(parse_policy(with_layers("")).error().code, "empty");
}

std::string bands_of(std::size_t count) {
  std::string bands;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) bands += ",";
    bands += R"({"from": ")" + std::to_string(i * 1000) + R"(.00", "ratio": "0.6"})";
  }
  return "[" + bands + "]";
}

TEST(PolicyErrors, BandsUpToTheLimit) {
  const std::string& anchor = kBands;
  const std::string text(kMinimal);
  EXPECT_TRUE(parse_policy(edited(text, anchor, bands_of(limits::kBandsPerLayer))).ok());
  const auto result = parse_policy(edited(text, anchor, bands_of(limits::kBandsPerLayer + 1)));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "too_many");
  EXPECT_EQ(result.error().field, "layers[1].bands");
}

std::string programmes_of(std::size_t count) {
  std::string programmes;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) programmes += ",";
    programmes += R"({"name": "P", "diagnosis_prefixes": ["F20"], "ceiling_ratio": "0"})";
  }
  return "[" + programmes + "]";
}

TEST(PolicyErrors, ProgrammesUpToTheLimit) {
  const std::string& anchor = kProgrammes;
  const std::string text(kMinimal);
  EXPECT_TRUE(parse_policy(edited(text, anchor, programmes_of(0))).ok());
  EXPECT_TRUE(parse_policy(edited(text, anchor, programmes_of(limits::kProgrammesPerLayer))).ok());
  const auto result =
      parse_policy(edited(text, anchor, programmes_of(limits::kProgrammesPerLayer + 1)));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "too_many");
  EXPECT_EQ(result.error().field, "layers[3].programmes");
}

TEST(PolicyErrors, TextAboveTheSizeLimit) {
  std::string text(kMinimal);
  text.append(limits::kPolicyFileBytes - text.size(), ' ');
  EXPECT_TRUE(parse_policy(text).ok());  // trailing whitespace is insignificant
  text += ' ';
  const auto result = parse_policy(text);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "too_large");
}

// No input makes the parser throw or accept garbage: every prefix of a valid policy is refused,
// and random byte flips either load or yield an error.
TEST(PolicyErrors, TruncationsAndByteFlipsNeverThrow) {
  const std::string text(kMinimal);
  for (std::size_t length = 0; length < text.size() - 1; ++length) {
    EXPECT_FALSE(parse_policy(text.substr(0, length)).ok()) << length;
  }
  std::mt19937 random(20200101);
  for (int round = 0; round < 2000; ++round) {
    std::string mutated = text;
    const auto at = random() % mutated.size();
    mutated[at] = static_cast<char>(random() % 256);
    const auto result = parse_policy(mutated);
    if (!result.ok()) {
      EXPECT_FALSE(result.error().code.empty());
    }
  }
}

}  // namespace
}  // namespace onestop::policy
