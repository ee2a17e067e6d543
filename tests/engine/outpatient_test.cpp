// Outpatient special-disease visits (domain.md §3.6) on the reference policy: the worked
// example, the refusals, and properties over seeded random years of visits and admissions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/settle.hpp"
#include "support/fixtures.hpp"

namespace onestop {
namespace {

using testing::ClaimBuilder;
using testing::reference_policy;
using testing::shipped_policy;
using testing::yuan;

Settlement settled(const Claim& claim, const Accumulators& before = {},
                   const Policy& policy = reference_policy()) {
  auto s = settle(policy, claim, before);
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

const TraceStep* step(const Settlement& s, const std::string& layer, std::string_view name) {
  for (const auto& st : s.trace) {
    if (st.layer == layer && st.step == name) return &st;
  }
  return nullptr;
}

// §3.6's worked example: poor, township health centre, certified severe_mental, F20.0,
// items A 800.00 and B 500.00.
ClaimBuilder worked_visit(const char* bill = "V1", const char* day = "2020-03-12") {
  return ClaimBuilder("poor", Level::primary)
      .visit("severe_mental", day)
      .diagnosis("F20.0")
      .a("800.00")
      .item(ItemClass::B, "500.00")
      .bill(bill);
}

TEST(Outpatient, WorkedExampleFirstVisitToTheFen) {
  const Settlement s = settled(worked_visit());
  EXPECT_EQ(s.split.pre_self_pay.to_string(), "50.00");
  EXPECT_EQ(s.split.in_policy.to_string(), "1250.00");
  EXPECT_EQ(detail(s, "basic", "deductible"), "100.00");
  EXPECT_EQ(detail(s, "basic", "ratio"), "0.95");
  EXPECT_EQ(paid(s, "basic"), "1092.50");
  EXPECT_EQ(paid(s, "critical"), "0.00");
  EXPECT_EQ(paid(s, "special"), "78.75");
  EXPECT_EQ(detail(s, "backstop", "share"), "78.75");
  EXPECT_EQ(detail(s, "backstop", "allowed"), "62.50");
  EXPECT_EQ(paid(s, "backstop"), "16.25");
  EXPECT_EQ(s.patient_pays.to_string(), "112.50");
  EXPECT_EQ(s.visit, Visit::outpatient_special);
  EXPECT_EQ(s.special_disease, "severe_mental");
  // The visit's own accumulators; no admission, no inpatient deductible.
  EXPECT_EQ(s.after.admissions, 0);
  EXPECT_EQ(s.after.of("basic").deductible_charged.to_string(), "0.00");
  EXPECT_EQ(s.after.of("basic").paid.to_string(), "1092.50");
  EXPECT_EQ(s.after.of(outpatient_key("basic")).deductible_charged.to_string(), "100.00");
  EXPECT_EQ(s.after.of(disease_key("basic", "severe_mental")).paid.to_string(), "1092.50");
}

TEST(Outpatient, WorkedExampleSecondVisitHasNoDeductibleLeft) {
  const Settlement first = settled(worked_visit("V1", "2020-03-12"));
  const Settlement s = settled(worked_visit("V2", "2020-04-12"), first.after);
  EXPECT_EQ(detail(s, "basic", "deductible"), "0.00");
  EXPECT_EQ(paid(s, "basic"), "1187.50");
  EXPECT_EQ(paid(s, "critical"), "0.00");
  EXPECT_EQ(paid(s, "special"), "31.25");
  EXPECT_EQ(paid(s, "backstop"), "0.00");
  EXPECT_EQ(s.patient_pays.to_string(), "81.25");
  EXPECT_EQ(s.after.of(disease_key("basic", "severe_mental")).paid.to_string(), "2280.00");
}

TEST(Outpatient, TraceNamesTheOutpatientRuleAndTheBindingLimit) {
  Accumulators before;
  before.layers[disease_key("basic", "severe_mental")].paid = yuan("5500.00");
  const Settlement s = settled(worked_visit(), before);
  const TraceStep* deductible = step(s, "basic", "outpatient_deductible");
  ASSERT_NE(deductible, nullptr);
  EXPECT_EQ(rule_path(*deductible), "layers.basic.outpatient.deductible_annual");
  const TraceStep* limit = step(s, "basic", "disease_limit");
  ASSERT_NE(limit, nullptr);
  EXPECT_EQ(rule_path(*limit), "layers.basic.outpatient.diseases[0].limit_annual");
  EXPECT_EQ(limit->value.text(), "500.00");  // 6 000.00 − 5 500.00 left of 1 092.50
  const TraceStep* last = step(s, "basic", "paid");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(rule_path(*last), "layers.basic.outpatient.diseases[0].limit_annual");
  EXPECT_EQ(paid(s, "basic"), "500.00");
  EXPECT_TRUE(s.layers.front().capped);
  EXPECT_EQ(s.after.of(disease_key("basic", "severe_mental")).paid.to_string(), "6000.00");
}

TEST(Outpatient, AnAdmissionAfterVisitsIsAFirstAdmission) {
  const Settlement visit = settled(worked_visit());
  const Settlement admission =
      settled(ClaimBuilder("poor", Level::city).a("30000.00").bill("A1"), visit.after);
  EXPECT_EQ(detail(admission, "basic", "deductible"), "400.00");  // no repeat factor
  EXPECT_EQ(admission.after.admissions, 1);
  // The visit's base entered the critical cumulative base (§3.6).
  EXPECT_EQ(admission.before.of("critical").base_cumulative.to_string(), "157.50");
}

TEST(Outpatient, VisitsOfTheYearShareTheOutpatientDeductibleAcrossDiseases) {
  const Settlement first = settled(worked_visit());
  const Settlement other = settled(ClaimBuilder("poor", Level::primary)
                                       .visit("pneumoconiosis", "2020-05-01")
                                       .diagnosis("J62.8")
                                       .a("300.00")
                                       .bill("V2"),
                                   first.after);
  EXPECT_EQ(detail(other, "basic", "deductible"), "0.00");
  EXPECT_EQ(other.after.of(disease_key("basic", "pneumoconiosis")).paid.to_string(), "285.00");
}

TEST(Outpatient, Refusals) {
  const auto code = [](const Policy& policy, const Claim& claim) {
    auto s = settle(policy, claim, {});
    return s.ok() ? std::string("ok") : s.error().code + " @" + s.error().field;
  };
  Claim unknown = worked_visit();
  unknown.special_disease = "hay_fever";
  EXPECT_EQ(code(reference_policy(), unknown), "unknown_special_disease @special_disease");

  Policy without = reference_policy();
  std::get<DeductibleRatio>(without.layers[0].params).outpatient.reset();
  EXPECT_EQ(code(without, worked_visit()), "outpatient_not_covered @visit");
  EXPECT_EQ(code(without, ClaimBuilder("poor").a("100.00")), "ok");  // admissions still settle

  Claim no_disease = worked_visit();
  no_disease.special_disease.clear();
  EXPECT_EQ(code(reference_policy(), no_disease), "empty @special_disease");

  Claim admission_with_disease = ClaimBuilder("poor").a("100.00");
  admission_with_disease.special_disease = "severe_mental";
  EXPECT_EQ(code(reference_policy(), admission_with_disease),
            "special_disease_not_applicable @special_disease");
}

TEST(Outpatient, DemoRegionSettlesItsOwnDisease) {
  const Policy& demo = shipped_policy("demo-six-layer-2021");
  const Settlement s = settled(ClaimBuilder("extreme_poor", Level::county)
                                   .visit("uremia_dialysis", "2021-06-01")
                                   .diagnosis("N18.5")
                                   .a("1000.00"),
                               {}, demo);
  EXPECT_EQ(detail(s, "basic", "deductible"), "0.00");  // reduction 1: no outpatient deductible
  EXPECT_EQ(paid(s, "basic"), "900.00");                // 0.80 + 0.10
  ASSERT_NE(demo.special_disease("diabetes_insulin"), nullptr);
}

// ---------------------------------------------------------------------------------------------
// Properties.

class RandomYear {
 public:
  explicit RandomYear(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t pick(std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_);
  }

  // A claim of `category` whose items total at most max_fen; a visit for `disease` when set.
  Claim claim(const std::string& category, const std::string& disease, std::int64_t max_fen,
              bool in_region = true) {
    static const char* kDiseases[] = {"F20.0", "J62.8", "N18.5", "C34.9"};
    Claim c = ClaimBuilder(category, static_cast<Level>(pick(0, kLevelCount - 1)))
                  .diagnosis(kDiseases[pick(0, 3)])
                  .bill("B" + std::to_string(++bills_));
    if (!disease.empty()) {
      c.visit = Visit::outpatient_special;
      c.special_disease = disease;
    }
    c.in_region = in_region;
    const auto n = pick(1, 4);
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto cls = static_cast<ItemClass>(pick(0, 2));
      c.items.push_back({"I" + std::to_string(i), "item", cls,
                         Money::from_fen(static_cast<std::int64_t>(
                             pick(0, static_cast<std::uint64_t>(max_fen / n)))),
                         Money{}});
    }
    return c;
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  int bills_ = 0;
};

const char* kDiseaseIds[] = {"severe_mental", "pneumoconiosis", "uremia_dialysis",
                             "cancer_treatment"};

TEST(OutpatientProperties, AVisitNeverMovesAdmissionsOrTheInpatientDeductible) {
  RandomYear r(1301);
  const Policy& policy = reference_policy();
  for (int run = 0; run < 100; ++run) {
    Accumulators acc;
    const auto n = r.pick(1, 12);
    for (std::uint64_t i = 0; i < n; ++i) {
      const bool is_visit = r.pick(0, 1) == 0;
      const std::string disease = is_visit ? kDiseaseIds[r.pick(0, 3)] : "";
      const Claim c = r.claim(policy.categories[r.pick(0, 3)], disease, 3'000'000);
      const Settlement s = settled(c, acc, policy);
      if (is_visit) {
        ASSERT_EQ(s.after.admissions, acc.admissions) << "run " << run;
        ASSERT_EQ(s.after.of("basic").deductible_charged, acc.of("basic").deductible_charged);
      } else {
        ASSERT_EQ(s.after.admissions, acc.admissions + 1);
        ASSERT_EQ(s.after.of(outpatient_key("basic")), acc.of(outpatient_key("basic")));
      }
      acc = s.after;
    }
  }
}

TEST(OutpatientProperties, ADiseasesBasicPaymentNeverExceedsItsLimit) {
  RandomYear r(1302);
  const Policy& policy = reference_policy();
  for (int run = 0; run < 60; ++run) {
    const std::string disease = kDiseaseIds[r.pick(0, 3)];
    const Money limit = policy.special_disease(disease)->limit_annual;
    Accumulators acc;
    Money total;
    // Splits from many small visits to a few large ones.
    const std::int64_t size = static_cast<std::int64_t>(r.pick(1, 6)) * 1'500'000;
    for (int i = 0; i < 20; ++i) {
      const Settlement s = settled(r.claim("resident", disease, size), acc, policy);
      total += s.layers.front().paid;
      acc = s.after;
    }
    ASSERT_LE(total, limit) << disease;
    ASSERT_EQ(acc.of(disease_key("basic", disease)).paid, total);
  }
}

// Visits and admissions keep their own order; only how they are merged changes. Every claim's
// basic payment depends on its own sequence alone, so while no cap binds the year's total
// critical-illness payment cannot depend on the merge (§3.2, §3.6).
TEST(OutpatientProperties, CriticalTotalIsInvariantUnderInterleaving) {
  RandomYear r(1303);
  const Policy& policy = reference_policy();
  int compared = 0;
  for (int run = 0; run < 40; ++run) {
    std::vector<Claim> admissions;
    std::vector<Claim> visits;
    for (auto n = r.pick(1, 4); n > 0; --n) admissions.push_back(r.claim("poor", "", 4'000'000));
    for (auto n = r.pick(1, 6); n > 0; --n) {
      visits.push_back(r.claim("poor", kDiseaseIds[r.pick(0, 3)], 150'000));
    }
    std::optional<Money> expected;
    for (int merge = 0; merge < 5; ++merge) {
      std::vector<bool> take_visit(admissions.size() + visits.size(), false);
      std::fill(take_visit.begin(), take_visit.begin() + static_cast<long>(visits.size()), true);
      std::shuffle(take_visit.begin(), take_visit.end(), r.rng());
      Accumulators acc;
      Money critical;
      bool capped = false;
      std::size_t a = 0;
      std::size_t v = 0;
      for (const bool is_visit : take_visit) {
        const Claim& c = is_visit ? visits[v++] : admissions[a++];
        const Settlement s = settled(c, acc, policy);
        critical += s.layers[1].paid;
        capped = capped || s.layers[0].capped || s.layers[1].capped;
        acc = s.after;
      }
      if (capped) break;
      if (!expected) expected = critical;
      ASSERT_EQ(critical, *expected) << "run " << run << " merge " << merge;
      ++compared;
    }
  }
  EXPECT_GT(compared, 150);  // most years stay below every cap
}

// Cancelling the latest visit gives its accumulators back (after − movement); settling it again
// on that state gives the same amounts to the fen.
TEST(OutpatientProperties, CancelThenResettleOfTheLatestVisitGivesTheSameAmounts) {
  RandomYear r(1304);
  const Policy& policy = reference_policy();
  for (int run = 0; run < 100; ++run) {
    Accumulators acc;
    Settlement last;
    Claim last_claim;
    const std::string category = policy.categories[r.pick(0, 3)];
    for (auto n = r.pick(1, 8); n > 0; --n) {
      const bool is_visit = n == 1 || r.pick(0, 1) == 0;  // the latest is a visit
      last_claim = r.claim(category, is_visit ? kDiseaseIds[r.pick(0, 3)] : "", 3'000'000);
      last = settled(last_claim, acc, policy);
      acc = last.after;
    }
    const Accumulators restored = acc - (last.after - last.before);
    ASSERT_EQ(restored, last.before) << "run " << run;
    last_claim.bill_no += "-again";
    const Settlement again = settled(last_claim, restored, policy);
    ASSERT_EQ(again.layers.size(), last.layers.size());
    for (std::size_t i = 0; i < last.layers.size(); ++i) {
      ASSERT_EQ(again.layers[i].paid, last.layers[i].paid) << "run " << run << " layer " << i;
    }
    ASSERT_EQ(again.patient_pays, last.patient_pays);
    ASSERT_EQ(again.after, acc);
  }
}

}  // namespace
}  // namespace onestop
