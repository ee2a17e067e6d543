// The shipped policies load with exactly the numbers of domain.md §3, and the content hash
// follows content, not layout.
#include "adapters/policy/policy_loader.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "tests/adapters/policy/policy_test_support.hpp"

namespace onestop::policy {
namespace {

using testing::edited;
using testing::kMinimal;
using testing::read_text;
using testing::source_file;

Money yuan(const char* text) { return *Money::parse(text); }
Rate rate(const char* text) { return *Rate::parse(text); }
Date date(const char* text) { return *Date::parse(text); }

const Policy& shipped(const std::string& id) {
  static std::deque<Policy> cache;  // a deque: references to cached policies stay valid
  for (const Policy& p : cache) {
    if (p.id == id) return p;
  }
  // Each region's policies live in a directory of their own; Zhaoshan's is the top one.
  const std::string dir = id.starts_with("demo-") ? "config/policies/demo-county/" : "config/policies/";
  auto loaded = load_policy_file(source_file(dir + id + ".json"));
  if (!loaded) throw std::runtime_error(loaded.error().field + ": " + loaded.error().message);
  cache.push_back(std::move(loaded).value());
  return cache.back();
}

const Policy& zhaoshan() { return shipped("zhaoshan-2020"); }

std::string hash_of(const std::string& text) {
  auto policy = parse_policy(text);
  if (!policy) throw std::runtime_error(policy.error().field + ": " + policy.error().message);
  return policy->sha256;
}

TEST(ReferencePolicy, HeaderMatchesDomain) {
  const Policy& p = zhaoshan();
  EXPECT_EQ(p.id, "zhaoshan-2020");
  EXPECT_EQ(p.effective_from, date("2020-01-01"));
  EXPECT_FALSE(p.effective_to.has_value());  // in force until a later policy replaces it
  EXPECT_EQ(p.rounding, Rounding::half_up);
  EXPECT_EQ(p.categories,
            (std::vector<std::string>{"resident", "poor", "low_income", "extreme_poor"}));
  EXPECT_EQ(p.b_share, rate("0.10"));
  EXPECT_EQ(p.audit.out_of_catalogue_share_max, rate("0.10"));
  EXPECT_EQ(p.audit.reimbursement_target, rate("0.85"));
  ASSERT_EQ(p.layers.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> ids_funds = {
      {"basic", "390100"}, {"critical", "390200"}, {"special", "620100"}, {"backstop", "640100"}};
  for (std::size_t i = 0; i < ids_funds.size(); ++i) {
    EXPECT_EQ(p.layers[i].id, ids_funds[i].first);
    EXPECT_EQ(p.layers[i].fund, ids_funds[i].second);
  }
}

// domain.md §3.1.
TEST(ReferencePolicy, BasicLayer) {
  const Layer& layer = zhaoshan().layers[0];
  ASSERT_EQ(layer.kind(), LayerKind::deductible_ratio);
  EXPECT_TRUE(layer.eligibility.categories.empty());
  EXPECT_FALSE(layer.eligibility.requires_in_region_or_referral);
  const auto& basic = std::get<DeductibleRatio>(layer.params);
  const auto at = [](Level level) { return static_cast<std::size_t>(level); };
  EXPECT_EQ(basic.deductible[at(Level::primary)], yuan("200.00"));
  EXPECT_EQ(basic.deductible[at(Level::county)], yuan("500.00"));
  EXPECT_EQ(basic.deductible[at(Level::city)], yuan("800.00"));
  EXPECT_EQ(basic.deductible[at(Level::province)], yuan("1200.00"));
  EXPECT_EQ(basic.deductible[at(Level::out_of_province)], yuan("1500.00"));
  EXPECT_EQ(basic.ratio[at(Level::primary)], rate("0.85"));
  EXPECT_EQ(basic.ratio[at(Level::city)], rate("0.65"));
  EXPECT_EQ(basic.ratio[at(Level::out_of_province)], rate("0.50"));
  EXPECT_EQ(basic.repeat_factor, rate("0.5"));
  EXPECT_EQ(basic.deductible_limit_annual, yuan("3000.00"));
  EXPECT_EQ(basic.unreferred_penalty, rate("0.10"));
  EXPECT_EQ(basic.cap_annual, yuan("150000.00"));
  ASSERT_EQ(basic.by_category.size(), 3u);
  for (const char* category : {"poor", "low_income", "extreme_poor"}) {
    const auto& adjustment = basic.by_category.at(category);
    EXPECT_EQ(adjustment.deductible_reduction, rate("0.5")) << category;
    EXPECT_EQ(adjustment.ratio_bonus, rate("0.10")) << category;
  }
  EXPECT_EQ(basic.by_category.count("resident"), 0u);
}

// domain.md §3.6: the reference numbers of the outpatient special-disease part.
TEST(ReferencePolicy, OutpatientPartOfTheBasicLayer) {
  const auto& basic = std::get<DeductibleRatio>(zhaoshan().layers[0].params);
  ASSERT_TRUE(basic.outpatient);
  const OutpatientSpecial& o = *basic.outpatient;
  EXPECT_EQ(o.deductible_annual, yuan("200.00"));
  for (const char* category : {"poor", "low_income", "extreme_poor"}) {
    EXPECT_EQ(o.deductible_reduction.at(category), rate("0.5")) << category;
  }
  EXPECT_EQ(o.deductible_reduction.count("resident"), 0u);
  const std::vector<std::tuple<std::string, std::string, std::string>> expected = {
      {"severe_mental", "重性精神病", "6000.00"},
      {"pneumoconiosis", "尘肺病", "10000.00"},
      {"uremia_dialysis", "尿毒症透析", "50000.00"},
      {"cancer_treatment", "恶性肿瘤门诊放化疗", "40000.00"}};
  ASSERT_EQ(o.diseases.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(o.diseases[i].id, std::get<0>(expected[i]));
    EXPECT_EQ(o.diseases[i].name, std::get<1>(expected[i]));
    EXPECT_EQ(o.diseases[i].limit_annual, yuan(std::get<2>(expected[i]).c_str()));
  }
  EXPECT_EQ(zhaoshan().special_disease("pneumoconiosis"), &o.diseases[1]);
  EXPECT_EQ(zhaoshan().special_disease("hay_fever"), nullptr);
}

TEST(MinimalPolicy, WithoutAnOutpatientPartSettlesNoVisits) {
  auto p = parse_policy(kMinimal);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->outpatient(), nullptr);
  EXPECT_EQ(p->special_disease("severe_mental"), nullptr);
}

// domain.md §3.2.
TEST(ReferencePolicy, CriticalLayer) {
  const Layer& layer = zhaoshan().layers[1];
  ASSERT_EQ(layer.kind(), LayerKind::tiered_cumulative);
  const auto& critical = std::get<TieredCumulative>(layer.params);
  EXPECT_EQ(critical.threshold, yuan("15000.00"));
  ASSERT_EQ(critical.bands.size(), 4u);
  const char* froms[] = {"0.00", "50000.00", "100000.00", "200000.00"};
  const char* ratios[] = {"0.60", "0.65", "0.75", "0.85"};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(critical.bands[i].from, yuan(froms[i])) << i;
    EXPECT_EQ(critical.bands[i].ratio, rate(ratios[i])) << i;
  }
  EXPECT_EQ(critical.cap_annual, yuan("300000.00"));
  for (const char* category : {"poor", "low_income", "extreme_poor"}) {
    const auto& adjustment = critical.by_category.at(category);
    EXPECT_EQ(adjustment.threshold, yuan("7500.00")) << category;
    EXPECT_EQ(adjustment.ratio_bonus, rate("0.05")) << category;
    EXPECT_TRUE(adjustment.cap_overridden) << category;
    EXPECT_FALSE(adjustment.cap_annual.has_value()) << category;  // no cap for them
  }
}

// domain.md §3.3.
TEST(ReferencePolicy, SpecialLayer) {
  const Layer& layer = zhaoshan().layers[2];
  ASSERT_EQ(layer.kind(), LayerKind::share_of_remainder);
  EXPECT_EQ(layer.eligibility.categories, (std::vector<std::string>{"poor", "extreme_poor"}));
  const auto& special = std::get<ShareOfRemainder>(layer.params);
  EXPECT_EQ(special.ratio, rate("0.50"));
  EXPECT_EQ(special.cap_annual, yuan("50000.00"));
}

// domain.md §3.4.
TEST(ReferencePolicy, BackstopLayer) {
  const Layer& layer = zhaoshan().layers[3];
  ASSERT_EQ(layer.kind(), LayerKind::patient_ceiling);
  EXPECT_EQ(layer.eligibility.categories, (std::vector<std::string>{"poor", "extreme_poor"}));
  EXPECT_TRUE(layer.eligibility.requires_in_region_or_referral);
  const auto& backstop = std::get<PatientCeiling>(layer.params);
  EXPECT_EQ(backstop.ceiling_ratio, rate("0.10"));
  EXPECT_EQ(backstop.ceiling_annual, yuan("5000.00"));
  ASSERT_EQ(backstop.programmes.size(), 2u);
  EXPECT_EQ(backstop.programmes[0].diagnosis_prefixes,
            (std::vector<std::string>{"J60", "J61", "J62", "J63", "J64", "J65"}));
  EXPECT_EQ(backstop.programmes[0].ceiling_ratio, Rate::zero());
  EXPECT_EQ(backstop.programmes[1].diagnosis_prefixes,
            (std::vector<std::string>{"F20", "F25", "F31"}));
  EXPECT_EQ(backstop.programmes[1].ceiling_ratio, rate("0.05"));
}

TEST(SixLayerPolicy, LoadsWithItsSixLayersInOrder) {
  const Policy& p = shipped("demo-six-layer-2021");
  EXPECT_EQ(p.effective_from, date("2021-01-01"));
  EXPECT_EQ(p.effective_to, date("2021-12-31"));
  std::vector<std::string> ids;
  std::vector<std::string> funds;
  for (const Layer& layer : p.layers) {
    ids.push_back(layer.id);
    funds.push_back(layer.fund);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"basic", "critical", "special", "assistance",
                                           "reduction", "backstop"}));
  EXPECT_EQ(funds,
            (std::vector<std::string>{"390100", "390200", "620100", "610100", "630100", "640100"}));
  const auto& assistance = std::get<ShareOfRemainder>(p.layers[3].params);
  EXPECT_EQ(assistance.ratio, rate("0.70"));
  EXPECT_EQ(assistance.cap_annual, yuan("20000.00"));
  EXPECT_EQ(p.layers[3].eligibility.categories,
            (std::vector<std::string>{"low_income", "extreme_poor", "poor"}));
  const auto& reduction = std::get<ShareOfRemainder>(p.layers[4].params);
  EXPECT_EQ(reduction.ratio, rate("0.50"));
  EXPECT_FALSE(reduction.cap_annual.has_value());
  EXPECT_EQ(p.layers[4].eligibility.diagnosis_prefixes,
            (std::vector<std::string>{"C16", "C18", "C34", "C50", "N18.5"}));
  EXPECT_EQ(p.layers[5].kind(), LayerKind::patient_ceiling);
  EXPECT_NE(p.sha256, zhaoshan().sha256);
}

TEST(MinimalPolicy, DefaultsAndNullsReadAsDocumented) {
  auto loaded = parse_policy(kMinimal);
  ASSERT_TRUE(loaded) << loaded.error().field << ": " << loaded.error().message;
  const auto& basic = std::get<DeductibleRatio>(loaded->layers[0].params);
  EXPECT_FALSE(basic.deductible_limit_annual.has_value());  // absent: no limit
  EXPECT_EQ(basic.unreferred_penalty, Rate::zero());        // absent: 0
  const auto& critical = std::get<TieredCumulative>(loaded->layers[1].params);
  EXPECT_TRUE(critical.by_category.at("poor").cap_overridden);
  EXPECT_EQ(critical.by_category.at("poor").ratio_bonus, Rate::zero());
  const auto& backstop = loaded->layers[3].eligibility;
  EXPECT_EQ(backstop.diagnosis_prefixes, (std::vector<std::string>{"J60"}));

  auto open = parse_policy(
      edited(std::string(kMinimal), R"("effective_to": "2020-12-31")", R"("effective_to": null)"));
  ASSERT_TRUE(open) << open.error().message;
  EXPECT_FALSE(open->effective_to.has_value());
  auto no_cap = parse_policy(edited(std::string(kMinimal), R"("threshold": "7500.00", )", ""));
  ASSERT_TRUE(no_cap) << no_cap.error().message;
  EXPECT_FALSE(std::get<TieredCumulative>(no_cap->layers[1].params)
                   .by_category.at("poor")
                   .threshold.has_value());
}

TEST(MinimalPolicy, CapAbsentInAnAdjustmentKeepsTheLayersCap) {
  auto loaded = parse_policy(edited(std::string(kMinimal), R"(, "cap_annual": null})", "}"));
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& adjustment =
      std::get<TieredCumulative>(loaded->layers[1].params).by_category.at("poor");
  EXPECT_FALSE(adjustment.cap_overridden);
}

TEST(PolicyHash, IsTheSha256OfTheCanonicalForm) {
  const std::string text = read_text(source_file("config/policies/zhaoshan-2020.json"));
  const auto canonical = canonical_form(text);
  ASSERT_TRUE(canonical);
  EXPECT_EQ(zhaoshan().sha256, sha256_hex(canonical.value()));
  EXPECT_EQ(zhaoshan().sha256.size(), 64u);
  EXPECT_EQ(zhaoshan().sha256.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(PolicyHash, IgnoresLayoutKeyOrderAndEscapes) {
  const std::string text = read_text(source_file("config/policies/zhaoshan-2020.json"));
  const std::string compact = canonical_form(text).value();
  EXPECT_EQ(hash_of(compact), zhaoshan().sha256);
  EXPECT_EQ(
      hash_of(std::string(kMinimal)),
      hash_of(edited(std::string(kMinimal),
                     {{R"("format": "onestop-policy/1",)", ""},
                      {R"("name": "Mini",)",
                       "\n\n\t\"name\" :\r\n \"\\u004dini\" ,\"format\":\"onestop-policy\\/1\","},
                      {R"("b_share": "0.10")", R"("b_share"   :   "0.10")"}})));
}

TEST(PolicyHash, ChangesWithAnyValue) {
  const std::string base = hash_of(std::string(kMinimal));
  const std::vector<std::pair<std::string, std::string>> changes = {
      {R"("city": "800.00")", R"("city": "800.01")"},
      {R"("name": "Mini",)", R"("name": "Mini ",)"},
      {R"("ratio": "0.50")", R"("ratio": "0.5")"},  // equal rate, different text: still a change
      {R"("in_region_or_referral": false)", R"("in_region_or_referral": true)"},
      {R"("cap_annual": null)", R"("cap_annual": "1.00")"},
      {R"("mini-2020",)", R"("mini-2020", "description": "",)"},
  };
  for (const auto& [from, to] : changes) {
    EXPECT_NE(hash_of(edited(std::string(kMinimal), from, to)), base) << to;
  }
}

TEST(CanonicalForm, SortsKeysDropsSpaceAndEscapesMinimally) {
  const auto canonical = canonical_form(
      " { \"b\" : [ 1 , 2.5 , -3 , \"q\\\"\\\\\\n\\u0001\\u00e9\\/\" ] ,"
      " \"a\" : { \"\xc3\xa9\" : null , \"Z\" : true, \"z\": false } } ");
  ASSERT_TRUE(canonical);
  EXPECT_EQ(canonical.value(),
            "{\"a\":{\"Z\":true,\"z\":false,\"\xc3\xa9\":null},"
            "\"b\":[1,2.5,-3,\"q\\\"\\\\\\n\\u0001\xc3\xa9/\"]}");
}

TEST(CanonicalForm, RefusesWhatIsNotOneJsonDocument) {
  EXPECT_EQ(canonical_form("{\"a\": 1} {}").error().code, "malformed_json");
  EXPECT_EQ(canonical_form("").error().code, "malformed_json");
  EXPECT_EQ(canonical_form("{\"a\": \"\xff\"}").error().code, "malformed_json");
  EXPECT_EQ(canonical_form("\xef\xbb\xbf{}").error().code, "malformed_json");  // no BOM
  // Nesting is bounded by the parser, so the recursive writer cannot overflow the stack.
  EXPECT_EQ(canonical_form(std::string(10000, '[') + std::string(10000, ']')).error().code,
            "malformed_json");
  const auto twice = canonical_form(R"({"a": {"b": [{"c": 1, "c": 2}]}})");
  EXPECT_EQ(twice.error().code, "duplicate_key");
  EXPECT_EQ(twice.error().field, "a.b[0].c");
}

}  // namespace
}  // namespace onestop::policy
