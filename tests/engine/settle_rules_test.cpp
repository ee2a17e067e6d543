// The rules of domain.md §3 on the reference policy, with amounts worked by hand.
#include <gtest/gtest.h>

#include "engine/settle.hpp"
#include "support/fixtures.hpp"

namespace onestop {
namespace {

using testing::ClaimBuilder;
using testing::reference_policy;
using testing::yuan;

Settlement settled(const Claim& claim, const Accumulators& before = {}) {
  auto s = settle(reference_policy(), claim, before);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().field + ": " + s.error().message);
  return s.ok() ? std::move(s).value() : Settlement{};
}

std::string paid(const Settlement& s, const std::string& layer) {
  for (const auto& l : s.layers) {
    if (l.id == layer) return l.paid.to_string();
  }
  return "missing";
}

std::string detail(const Settlement& s, const std::string& layer, const std::string& name) {
  for (const auto& l : s.layers) {
    for (const auto& [k, v] : l.details) {
      if (l.id == layer && k == name) return v.text();
    }
  }
  return "missing";
}

bool has_flag(const Settlement& s, const std::string& code, const std::string& layer = "") {
  for (const auto& f : s.flags) {
    if (f.code == code && f.layer == layer) return true;
  }
  return false;
}

// A layer's totals so far: paid, deductible charged, cumulative base, patient share.
LayerTotals totals(const char* paid, const char* deductible, const char* base, const char* share) {
  return {yuan(paid), yuan(deductible), yuan(base), yuan(share)};
}

Accumulators with(const std::string& layer, LayerTotals totals, int admissions = 0) {
  Accumulators a;
  a.admissions = admissions;
  a.layers[layer] = totals;
  return a;
}

// shared/cases/README.md: poor, city hospital in region, first admission of 2020.
ClaimBuilder hand_worked() {
  return ClaimBuilder("poor", Level::city)
      .a("30000.00")
      .item(ItemClass::B, "1000.00", "100.00")
      .item(ItemClass::C, "500.00");
}

TEST(SettleRules, HandWorkedCaseToTheFen) {
  const Settlement s = settled(hand_worked());
  EXPECT_EQ(s.split.total.to_string(), "31500.00");
  EXPECT_EQ(s.split.out_of_policy.to_string(), "500.00");
  EXPECT_EQ(s.split.over_limit.to_string(), "100.00");
  EXPECT_EQ(s.split.pre_self_pay.to_string(), "90.00");
  EXPECT_EQ(s.split.in_policy.to_string(), "30810.00");
  EXPECT_EQ(detail(s, "basic", "deductible"), "400.00");
  EXPECT_EQ(detail(s, "basic", "ratio"), "0.75");
  EXPECT_EQ(paid(s, "basic"), "22807.50");
  EXPECT_EQ(paid(s, "critical"), "326.63");
  EXPECT_EQ(paid(s, "special"), "3837.94");
  EXPECT_EQ(detail(s, "backstop", "allowed"), "3081.00");
  EXPECT_EQ(paid(s, "backstop"), "756.93");
  EXPECT_EQ(s.fund_paid.to_string(), "27729.00");
  EXPECT_EQ(s.patient_pays.to_string(), "3771.00");
  EXPECT_EQ(s.after.admissions, 1);
  EXPECT_EQ(s.after.of("basic").deductible_charged.to_string(), "400.00");
  EXPECT_EQ(s.after.of("critical").base_cumulative.to_string(), "8002.50");
  EXPECT_EQ(s.after.of("backstop").patient_share.to_string(), "3081.00");
}

TEST(SettleRules, InPolicyBelowTheDeductiblePaysNothing) {
  const Settlement s = settled(ClaimBuilder("resident", Level::city).a("500.00"));
  EXPECT_EQ(detail(s, "basic", "deductible"), "500.00");
  EXPECT_EQ(paid(s, "basic"), "0.00");
  EXPECT_EQ(paid(s, "critical"), "0.00");
  EXPECT_FALSE(s.layers[2].eligible);
  EXPECT_EQ(s.patient_pays.to_string(), "500.00");
  EXPECT_EQ(s.after.of("basic").deductible_charged.to_string(), "500.00");
}

TEST(SettleRules, CriticalBandEdgeExactlyAndOneFenAbove) {
  // Poor: threshold 7 500; the cumulative base 57 400 + 100 ends exactly at the 50 000 edge.
  const auto before = with("critical", totals("0.00", "0.00", "57400.00", "0.00"));
  const Settlement at = settled(ClaimBuilder().a("100.00"), before);
  EXPECT_EQ(paid(at, "basic"), "0.00");
  EXPECT_EQ(paid(at, "critical"), "65.00");  // 100 × 0.65
  EXPECT_EQ(paid(at, "special"), "17.50");   // (100 − 65) × 0.5
  EXPECT_EQ(paid(at, "backstop"), "7.50");   // 17.50 − 10.00 allowed
  // One more fen lies in the next band at 0.70: F rises by 0.007, rounded cumulatively.
  const Settlement above = settled(ClaimBuilder().a("100.01"), before);
  EXPECT_EQ(paid(above, "critical"), "65.01");
}

TEST(SettleRules, AnnualCapReachedMidClaim) {
  const auto before = with("basic", totals("149000.00", "0.00", "0.00", "0.00"));
  const Settlement s = settled(ClaimBuilder("resident", Level::city).a("10800.00"), before);
  EXPECT_EQ(detail(s, "basic", "payable"), "6500.00");
  EXPECT_EQ(paid(s, "basic"), "1000.00");
  EXPECT_TRUE(s.layers[0].capped);
  EXPECT_TRUE(has_flag(s, "annual_cap_reached", "basic"));
  EXPECT_EQ(s.after.of("basic").paid.to_string(), "150000.00");
  EXPECT_EQ(paid(s, "critical"), "0.00");  // base 9 800 < threshold 15 000
}

TEST(SettleRules, AnnualDeductibleLimitReached) {
  const auto before = with("basic", totals("0.00", "2900.00", "0.00", "0.00"), 3);
  const Settlement s = settled(ClaimBuilder("resident", Level::city).a("1100.00"), before);
  EXPECT_EQ(detail(s, "basic", "deductible"), "100.00");  // 400 by rule, 100 left of 3 000
  EXPECT_EQ(paid(s, "basic"), "650.00");
  EXPECT_EQ(s.after.of("basic").deductible_charged.to_string(), "3000.00");
}

TEST(SettleRules, RepeatAdmissionHalvesTheDeductible) {
  Accumulators before;
  before.admissions = 1;
  const Settlement s = settled(ClaimBuilder("poor", Level::city).a("1200.00"), before);
  EXPECT_EQ(detail(s, "basic", "deductible"), "200.00");  // 800 × 0.5 (poor) × 0.5 (repeat)
  EXPECT_EQ(paid(s, "basic"), "750.00");
  EXPECT_EQ(s.after.admissions, 2);
}

TEST(SettleRules, UnreferredOutOfRegionLosesRatioAndBackstop) {
  const Settlement unreferred =
      settled(ClaimBuilder("resident", Level::province).out_of_region(false).a("2200.00"));
  EXPECT_EQ(detail(unreferred, "basic", "ratio"), "0.5");
  EXPECT_EQ(paid(unreferred, "basic"), "500.00");
  const Settlement referred =
      settled(ClaimBuilder("resident", Level::province).out_of_region(true).a("2200.00"));
  EXPECT_EQ(paid(referred, "basic"), "600.00");

  const Settlement poor = settled(ClaimBuilder("poor").out_of_region(false).a("2000.00"));
  EXPECT_FALSE(poor.layers[3].eligible);
  EXPECT_EQ(poor.layers[3].reason, "out of region without referral");
  EXPECT_TRUE(poor.layers[2].eligible);  // special benefit has no region rule
  EXPECT_TRUE(settled(ClaimBuilder("poor").out_of_region(true).a("2000.00")).layers[3].eligible);
}

TEST(SettleRules, PoorHaveNoCriticalCapResidentsDo) {
  const auto poor_before = with("critical", totals("400000.00", "0.00", "600000.00", "0.00"));
  const Settlement poor = settled(ClaimBuilder("poor").a("1000.00"), poor_before);
  EXPECT_EQ(paid(poor, "critical"), "495.00");  // base 1 000 − 450 at 0.85 + 0.05 (top band)
  EXPECT_FALSE(poor.layers[1].capped);

  const auto resident_before = with("critical", totals("299990.00", "0.00", "600000.00", "0.00"));
  const Settlement resident = settled(ClaimBuilder("resident").a("1000.00"), resident_before);
  EXPECT_EQ(paid(resident, "critical"), "10.00");
  EXPECT_TRUE(has_flag(resident, "annual_cap_reached", "critical"));
}

TEST(SettleRules, PneumoconiosisIsFreeInPolicy) {
  const Settlement s = settled(hand_worked().diagnosis("J62.8"));
  EXPECT_EQ(detail(s, "backstop", "ceiling_ratio"), "0");
  EXPECT_EQ(paid(s, "backstop"), "3837.93");
  EXPECT_EQ(s.patient_pays.to_string(), "690.00");  // only what is outside the policy
}

TEST(SettleRules, SevereMentalIllnessHasAFivePercentCeiling) {
  const Settlement s = settled(hand_worked().diagnosis("F20.0"));
  EXPECT_EQ(detail(s, "backstop", "allowed"), "1540.50");
  EXPECT_EQ(paid(s, "backstop"), "2297.43");
  EXPECT_EQ(s.patient_pays.to_string(), "2230.50");
}

TEST(SettleRules, LowestMatchingCeilingApplies) {
  const Settlement s = settled(hand_worked().diagnosis("F20.0").diagnosis("J64"));
  EXPECT_EQ(detail(s, "backstop", "ceiling_ratio"), "0");
  EXPECT_EQ(s.patient_pays.to_string(), "690.00");
}

TEST(SettleRules, BackstopAnnualCeilingBinds) {
  const auto before = with("backstop", totals("0.00", "0.00", "0.00", "4000.00"));
  const Settlement s = settled(hand_worked(), before);
  EXPECT_EQ(detail(s, "backstop", "allowed"), "1000.00");
  EXPECT_EQ(paid(s, "backstop"), "2837.93");
  EXPECT_EQ(s.patient_pays.to_string(), "1690.00");
  EXPECT_EQ(s.after.of("backstop").patient_share.to_string(), "5000.00");
  EXPECT_TRUE(has_flag(s, "annual_cap_reached", "backstop"));
}

TEST(SettleRules, ResidentsGetNoSpecialOrBackstop) {
  const Settlement s = settled(ClaimBuilder("resident").a("30000.00"));
  EXPECT_FALSE(s.layers[2].eligible);
  EXPECT_FALSE(s.layers[3].eligible);
  EXPECT_EQ(s.after.of("special"), LayerTotals{});
  EXPECT_EQ(s.after.of("backstop"), LayerTotals{});
}

TEST(SettleRules, FlagsOutOfCatalogueShareAndDuplicateCodes) {
  Claim claim = ClaimBuilder("poor").a("800.00").item(ItemClass::C, "200.00");
  claim.items[1].code = claim.items[0].code;
  const Settlement s = settled(claim);
  EXPECT_TRUE(has_flag(s, "out_of_catalogue_share_high"));  // 200 / 1 000 > 10 %
  EXPECT_TRUE(has_flag(s, "duplicate_item_code"));
  EXPECT_FALSE(has_flag(settled(hand_worked()), "out_of_catalogue_share_high"));  // 600/31500
}

TEST(SettleRules, RefusesWhatItCannotSettle) {
  Claim unknown = ClaimBuilder("vip").a("1.00");
  auto r = settle(reference_policy(), unknown, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unknown_category");
  EXPECT_EQ(r.error().field, "patient.category");

  Claim late = ClaimBuilder().a("1.00");
  late.admitted_on = *Date::parse("2019-12-20");
  late.discharged_on = *Date::parse("2019-12-31");  // before the policy took effect
  r = settle(reference_policy(), late, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "policy_not_effective");

  Claim over = ClaimBuilder().item(ItemClass::A, "1.00", "2.00");
  r = settle(reference_policy(), over, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "items[0].over_limit");
}

TEST(SettleRules, TraceExplainsEveryPayment) {
  const Settlement s = settled(hand_worked());
  std::size_t paid_steps = 0;
  for (const auto& step : s.trace) {
    if (step.step != "paid") continue;
    ++paid_steps;
    EXPECT_EQ(step.value.text(), paid(s, step.layer)) << step.layer;
  }
  EXPECT_EQ(paid_steps, 4u);
  EXPECT_EQ(s.trace.back().value.text(), "3771.00");
}

}  // namespace
}  // namespace onestop
