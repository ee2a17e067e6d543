// Properties over many random claims and claim sequences (seeded, so every run is the same):
// conservation, bounds, caps, determinism, and split-invariance of the tiered layer checked
// against a simple independent model.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "engine/settle.hpp"
#include "support/fixtures.hpp"

namespace onestop {
namespace {

using testing::reference_policy;

class RandomClaims {
 public:
  explicit RandomClaims(std::uint64_t seed) : rng_(seed) {}

  Claim next(const Policy& policy, const std::string& patient) {
    Claim c;
    c.hospital_id = "H" + std::to_string(pick(1, 5));
    c.bill_no = "B" + std::to_string(++bills_);
    c.patient_id = patient;
    c.category = policy.categories[pick(0, policy.categories.size() - 1)];
    c.level = static_cast<Level>(pick(0, kLevelCount - 1));
    c.in_region = pick(0, 2) != 0;
    c.referral = pick(0, 1) != 0;
    c.admitted_on = *Date::from_ymd(2020, 1 + pick(0, 10), 1 + pick(0, 27));
    c.discharged_on = c.admitted_on;
    static const char* kDiagnoses[] = {"E11.9", "J62.8", "F20.0", "F31.2", "C16.9", "N18.5"};
    c.diagnoses = {kDiagnoses[pick(0, 5)]};
    const auto n = pick(1, 12);
    for (std::uint64_t i = 0; i < n; ++i) c.items.push_back(item(i));
    return c;
  }

  std::uint64_t pick(std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_);
  }

 private:
  Item item(std::uint64_t i) {
    Item it;
    it.code = "I" + std::to_string(i);
    it.item_class = static_cast<ItemClass>(pick(0, 2));
    // Mostly everyday bills, sometimes a very large one so that caps and top bands are reached.
    const std::uint64_t scale = pick(0, 9) == 0 ? 50'000'000 : 2'000'000;
    it.amount = Money::from_fen(static_cast<std::int64_t>(pick(0, scale)));
    if (it.item_class != ItemClass::C && pick(0, 3) == 0) {
      it.over_limit = Money::from_fen(static_cast<std::int64_t>(pick(0, it.amount.fen_i64())));
    }
    return it;
  }

  std::mt19937_64 rng_;
  int bills_ = 0;
};

void expect_bounds(const Policy& policy, const Settlement& s) {
  const Split& p = s.split;
  EXPECT_EQ(p.total, p.out_of_policy + p.over_limit + p.pre_self_pay + p.in_policy);
  Money sum;
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const LayerResult& l = s.layers[i];
    EXPECT_GE(l.paid, Money{}) << l.id;
    EXPECT_LE(l.paid, l.base) << l.id;
    if (const auto cap = cap_annual(policy.layers[i], s.category)) {
      EXPECT_LE(s.after.of(l.id).paid, *cap) << l.id;
    }
    sum += l.paid;
  }
  EXPECT_EQ(sum, s.fund_paid);
  EXPECT_EQ(s.fund_paid + s.patient_pays, p.total);
  EXPECT_GE(s.patient_pays, p.out_of_policy + p.over_limit + p.pre_self_pay);
  EXPECT_LE(s.after.of("backstop").patient_share, Money::yuan(5000));
}

TEST(SettleProperties, SequencesConserveMoneyAndRespectBounds) {
  const Policy& policy = reference_policy();
  RandomClaims gen(20200101);
  for (int person = 0; person < 300; ++person) {
    Accumulators acc;
    const std::string id = "P" + std::to_string(person);
    const auto admissions = gen.pick(1, 8);
    std::string category;
    for (std::uint64_t k = 0; k < admissions; ++k) {
      Claim claim = gen.next(policy, id);
      // One category per person-year here: a category change mid-year (脱贫) is tested apart.
      if (k == 0) category = claim.category;
      claim.category = category;
      auto s = settle(policy, claim, acc);
      ASSERT_TRUE(s.ok()) << s.error().message;
      expect_bounds(policy, *s);
      // The same inputs give the same settlement (engine is deterministic).
      auto again = settle(policy, claim, acc);
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(again->trace.size(), s->trace.size());
      EXPECT_EQ(again->patient_pays, s->patient_pays);
      EXPECT_EQ(again->after, s->after);
      EXPECT_EQ(s->after - acc, s->after - s->before);
      acc = s->after;
    }
  }
}

// An independent model of F(c) for the reference critical layer in plain int64 fen × micro.
std::int64_t model_round_f(std::int64_t c_fen, bool poor) {
  const std::int64_t threshold = poor ? 750'000 : 1'500'000;
  const std::int64_t edges[] = {0, 5'000'000, 10'000'000, 20'000'000, INT64_MAX};
  const std::int64_t ratios[] = {600'000, 650'000, 750'000, 850'000};
  std::int64_t above = c_fen - threshold;
  std::int64_t micro_fen = 0;  // < 9.2e18 for every base this test builds
  for (int b = 0; b < 4 && above > edges[b]; ++b) {
    const std::int64_t hi = above < edges[b + 1] ? above : edges[b + 1];
    micro_fen += (hi - edges[b]) * (ratios[b] + (poor ? 50'000 : 0));
  }
  return (micro_fen + 500'000) / 1'000'000;  // half-up, positive
}

TEST(SettleProperties, CriticalYearTotalIsIndependentOfHowCostsAreSplit) {
  const Policy& policy = reference_policy();
  RandomClaims gen(7);
  for (int person = 0; person < 200; ++person) {
    const bool poor = person % 2 == 0;
    Accumulators acc;
    Money year_paid;
    for (std::uint64_t k = 0, n = gen.pick(1, 6); k < n; ++k) {
      Claim claim = gen.next(policy, "P");
      claim.category = poor ? "poor" : "resident";
      auto s = settle(policy, claim, acc);
      ASSERT_TRUE(s.ok());
      if (s->layers[1].capped) break;  // the property holds while no cap binds
      year_paid += s->layers[1].paid;
      acc = s->after;
    }
    const std::int64_t c = acc.of("critical").base_cumulative.fen_i64();
    EXPECT_EQ(year_paid.fen_i64(), model_round_f(c, poor)) << "person " << person;
  }
}

}  // namespace
}  // namespace onestop
