// Accumulators arithmetic: += is + in place, zero layers dropped either way.
#include "engine/accumulators.hpp"

#include <gtest/gtest.h>

namespace onestop {
namespace {

LayerTotals totals(std::int64_t paid, std::int64_t deductible, std::int64_t base,
                   std::int64_t share) {
  return {Money::from_fen(paid), Money::from_fen(deductible), Money::from_fen(base),
          Money::from_fen(share)};
}

TEST(Accumulators, PlusEqualsIsPlusInPlace) {
  Accumulators a;
  a.admissions = 2;
  a.layers["basic"] = totals(100, 50, 1000, 20);
  a.layers["critical"] = totals(7, 0, 70, 0);
  Accumulators b;
  b.admissions = -1;
  b.layers["basic"] = totals(-100, -50, -1000, -20);  // cancels basic out: dropped
  b.layers["special"] = totals(3, 0, 30, 1);          // new in a
  b.layers["backstop"] = totals(0, 0, 0, 0);          // all zero: never kept
  const Accumulators expected = a + b;
  Accumulators sum = a;
  sum += b;
  EXPECT_EQ(sum, expected);
  EXPECT_EQ(sum.admissions, 1);
  EXPECT_FALSE(sum.layers.contains("basic"));
  EXPECT_FALSE(sum.layers.contains("backstop"));
  EXPECT_EQ(sum.layers.at("special"), totals(3, 0, 30, 1));
  EXPECT_EQ(sum.layers.at("critical"), totals(7, 0, 70, 0));
}

TEST(Accumulators, PlusEqualsEmptyChangesNothing) {
  Accumulators a;
  a.layers["basic"] = totals(1, 2, 3, 4);
  Accumulators sum = a;
  sum += Accumulators{};
  EXPECT_EQ(sum, a);
}

}  // namespace
}  // namespace onestop
