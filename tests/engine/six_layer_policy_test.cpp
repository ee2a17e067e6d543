// A second region as pure data: the six-layer demo policy (medical assistance 610100 and
// hospital reduction 630100 between special benefit and the backstop), worked by hand.
#include <gtest/gtest.h>

#include "engine/settle.hpp"
#include "support/fixtures.hpp"

namespace onestop {
namespace {

using testing::ClaimBuilder;

const Policy& demo() { return testing::shipped_policy("demo-six-layer-2021"); }

Claim in_2021(ClaimBuilder b) {
  Claim c = b;
  c.admitted_on = *Date::parse("2021-04-01");
  c.discharged_on = *Date::parse("2021-04-09");
  return c;
}

std::vector<std::string> paid_by_layer(const Settlement& s) {
  std::vector<std::string> out;
  for (const auto& l : s.layers) out.push_back(l.id + "=" + l.paid.to_string());
  return out;
}

Settlement settled(const Claim& claim) {
  auto s = settle(demo(), claim, {});
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(s).value() : Settlement{};
}

TEST(SixLayerPolicy, PoorCancerPatientAtCountyHospital) {
  // in policy 20 000 + (2 000 − 15 % of 2 000) = 21 700; deductible 400 × 0.5 = 200;
  // basic (21 700 − 200) × 0.85 = 18 275; critical base 3 425 is under 6 000;
  // special 3 425 × 0.40 = 1 370; assistance 2 055 × 0.70 = 1 438.50;
  // reduction 616.50 × 0.50 = 308.25; backstop: 308.25 left is under 8 % of 21 700.
  const Settlement s = settled(in_2021(ClaimBuilder("poor", Level::county)
                                           .a("20000.00")
                                           .item(ItemClass::B, "2000.00")
                                           .item(ItemClass::C, "1000.00")
                                           .diagnosis("C16.9")));
  EXPECT_EQ(s.split.pre_self_pay.to_string(), "300.00");
  EXPECT_EQ(s.split.in_policy.to_string(), "21700.00");
  EXPECT_EQ(paid_by_layer(s),
            (std::vector<std::string>{"basic=18275.00", "critical=0.00", "special=1370.00",
                                      "assistance=1438.50", "reduction=308.25",
                                      "backstop=0.00"}));
  EXPECT_EQ(s.fund_paid.to_string(), "21391.75");
  EXPECT_EQ(s.patient_pays.to_string(), "1608.25");
}

TEST(SixLayerPolicy, ResidentGetsTheHospitalReductionOnly) {
  const Settlement s = settled(in_2021(ClaimBuilder("resident", Level::county)
                                           .a("20000.00")
                                           .item(ItemClass::B, "2000.00")
                                           .item(ItemClass::C, "1000.00")
                                           .diagnosis("C16.9")));
  EXPECT_EQ(paid_by_layer(s),
            (std::vector<std::string>{"basic=17040.00", "critical=0.00", "special=0.00",
                                      "assistance=0.00", "reduction=2330.00",
                                      "backstop=0.00"}));
  EXPECT_EQ(s.patient_pays.to_string(), "3630.00");
}

TEST(SixLayerPolicy, ExtremePoorPneumoconiosisPaysNothingInPolicy) {
  // No deductible for the extreme poor; ratio 0.70 + 0.10; the backstop's pneumoconiosis
  // programme has ceiling 0, so whatever is left in policy is covered.
  const Settlement s =
      settled(in_2021(ClaimBuilder("extreme_poor", Level::city).a("10000.00").diagnosis("J62.8")));
  EXPECT_EQ(paid_by_layer(s),
            (std::vector<std::string>{"basic=8000.00", "critical=0.00", "special=800.00",
                                      "assistance=840.00", "reduction=0.00",
                                      "backstop=360.00"}));
  EXPECT_EQ(s.patient_pays.to_string(), "0.00");
  EXPECT_EQ(s.layers[4].reason, "no listed diagnosis");
}

}  // namespace
}  // namespace onestop
