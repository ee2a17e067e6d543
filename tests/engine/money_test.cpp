#include "engine/money.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace onestop {
namespace {

TEST(Money, ParsesAndFormatsExactlyTwoDecimals) {
  EXPECT_EQ(Money::parse("1234.50")->fen(), 123450);
  EXPECT_EQ(Money::parse("0.05")->fen(), 5);
  EXPECT_EQ(Money::parse("-3.00")->fen(), -300);
  EXPECT_EQ(Money::parse("1234.50")->to_string(), "1234.50");
  EXPECT_EQ(Money::from_fen(-5).to_string(), "-0.05");
  EXPECT_EQ(Money::from_fen(0).to_string(), "0.00");
}

TEST(Money, RefusesEverythingElse) {
  for (const char* bad : {"12.345", "12", "12.5", "1e3", "1.0e3", " 1.00", "1.00 ", "+1.00",
                          "01.00", ".50", "1.", "", "-", "1,000.00", "１.00", "1.0a", "--1.00",
                          "123456789012345678901.00"}) {
    EXPECT_FALSE(Money::parse(bad).has_value()) << bad;
  }
}

// Up to 16 whole digits are read in 64 bits, more (up to 20) in 128: both sides of the seam.
TEST(Money, ParsesTheSameOnEitherSideOfItsSixtyFourBitPath) {
  EXPECT_EQ(Money::parse("9999999999999999.99")->fen(), Int128(999999999999999999));
  EXPECT_EQ(Money::parse("-9999999999999999.99")->fen(), -Int128(999999999999999999));
  EXPECT_EQ(Money::parse("10000000000000000.00")->fen(), Int128(1000000000000000000));
  EXPECT_EQ(Money::parse("99999999999999999999.99")->to_string(), "99999999999999999999.99");
  EXPECT_EQ(Money::parse("-0.00")->fen(), 0);
  for (const char* bad : {"0000000000000001.00", "00000000000000001.00", "00.00", "-01.00",
                          "123456789012345a.00", "1234567890123456a.00", "1.a0", "1.0-"}) {
    EXPECT_FALSE(Money::parse(bad).has_value()) << bad;
  }
}

TEST(Money, OverflowThrowsInsteadOfWrapping) {
  // checked_int128_t is sign-magnitude: 128 bits of magnitude, so 2^127 + 2^127 overflows.
  const Money huge = Money::from_fen(Int128(1) << 127);
  EXPECT_THROW((void)(huge + huge), std::overflow_error);
  EXPECT_THROW((void)Money::from_fen(Int128(1) << 70).fen_i64(), std::overflow_error);
}

TEST(Rate, ParsesExactDecimals) {
  EXPECT_EQ(Rate::parse("0.65")->micro(), 650000);
  EXPECT_EQ(Rate::parse("1")->micro(), 1000000);
  EXPECT_EQ(Rate::parse("0.000001")->micro(), 1);
  EXPECT_EQ(Rate::parse("0.65")->to_string(), "0.65");
  EXPECT_EQ(Rate::parse("0.10")->to_string(), "0.1");
  for (const char* bad : {"0.0000001", "-0.1", ".5", "0.", "1e-2", "0,5", "", " 0.1", "00.1"}) {
    EXPECT_FALSE(Rate::parse(bad).has_value()) << bad;
  }
}

struct RoundCase {
  const char* amount;
  const char* rate;
  Rounding mode;
  const char* expected;
};

class RoundingTable : public ::testing::TestWithParam<RoundCase> {};

TEST_P(RoundingTable, RoundsAsNamed) {
  const RoundCase& c = GetParam();
  const Exact product = *Money::parse(c.amount) * *Rate::parse(c.rate);
  EXPECT_EQ(round(product, c.mode).to_string(), c.expected);
}

// 0.05 × 0.5 = 0.025; 0.15 × 0.5 = 0.075; 0.01 × 0.3 = 0.003; negative values mirror.
INSTANTIATE_TEST_SUITE_P(
    Money, RoundingTable,
    ::testing::Values(RoundCase{"0.05", "0.5", Rounding::half_up, "0.03"},
                      RoundCase{"0.05", "0.5", Rounding::half_even, "0.02"},
                      RoundCase{"0.15", "0.5", Rounding::half_even, "0.08"},
                      RoundCase{"0.05", "0.5", Rounding::down, "0.02"},
                      RoundCase{"0.01", "0.3", Rounding::up, "0.01"},
                      RoundCase{"0.01", "0.3", Rounding::half_up, "0.00"},
                      RoundCase{"-0.05", "0.5", Rounding::half_up, "-0.03"},
                      RoundCase{"-0.05", "0.5", Rounding::down, "-0.02"},
                      RoundCase{"326.62", "1", Rounding::half_up, "326.62"},
                      RoundCase{"502.50", "0.65", Rounding::half_up, "326.63"}));

TEST(Exact, ProductOfTwoRatesStaysExact) {
  const Exact e = (*Money::parse("800.01") * *Rate::parse("0.5")) * *Rate::parse("0.5");
  EXPECT_EQ(e.to_string(), "200.0025");
  EXPECT_EQ(round(e, Rounding::half_up).to_string(), "200.00");
}

// The texts are wire contracts (stored results are compared byte for byte): the int64 fast
// paths of append_to must write what the Int128 forms write, on both sides of the boundary.
TEST(Text, FastAndWidePathsAgree) {
  const Int128 edge = Int128(INT64_MAX);
  EXPECT_EQ(Exact::from_units(0).to_string(), "0.00");
  EXPECT_EQ(Exact::from_units(1).to_string(), "0.00000000000001");
  EXPECT_EQ(Exact::from_units(-1).to_string(), "-0.00000000000001");
  EXPECT_EQ(Exact::from_units(Int128(32662500000000000)).to_string(), "326.625");
  EXPECT_EQ(Exact::from_units(Int128(500000000000000)).to_string(), "5.00");
  EXPECT_EQ(Exact::from_units(edge).to_string(), "92233.72036854775807");
  EXPECT_EQ(Exact::from_units(edge + 1).to_string(), "92233.72036854775808");
  EXPECT_EQ(Exact::from_units(-edge).to_string(), "-92233.72036854775807");
  EXPECT_EQ(Exact::from_units(-edge - 1).to_string(), "-92233.72036854775808");
  EXPECT_EQ(Exact::from_units((edge + 1) * 100).to_string(), "9223372.036854775808");
  EXPECT_EQ(Rate::from_micro(0).to_string(), "0");
  EXPECT_EQ(Rate::from_micro(1'000'000).to_string(), "1");
  EXPECT_EQ(Rate::from_micro(1).to_string(), "0.000001");
  EXPECT_EQ(Rate::from_micro(1'234'567).to_string(), "1.234567");
  EXPECT_EQ(Rate::from_micro(650'000).to_string(), "0.65");
  EXPECT_EQ(Money::from_fen(edge * 1000).to_string(), "92233720368547758070.00");
  EXPECT_EQ(Money::from_fen(-edge * 1000 - 5).to_string(), "-92233720368547758070.05");
  std::string appended = "x";
  Money::from_fen(-123456).append_to(appended);
  Rate::from_micro(100'000).append_to(appended);
  Exact::from_units(Int128(-32662500000000000)).append_to(appended);
  EXPECT_EQ(appended, "x-1234.560.1-326.625");
}

}  // namespace
}  // namespace onestop
