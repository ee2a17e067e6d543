// The field readers' one-pass member lookup: the same members, and the same first unknown key,
// as find_member and check_known_keys.
#include "adapters/codec/json_util.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

namespace onestop::codec {
namespace {

constexpr std::array<std::string_view, 4> kKnown = {"code", "name", "class", "amount"};

TEST(KnownMembers, FindsEachKnownMemberAndLeavesTheAbsentNull) {
  const auto doc = parse_object(R"({"amount": "1.00", "code": "X1", "class": "A"})");
  ASSERT_TRUE(doc);
  std::array<Member, kKnown.size()> m;
  EXPECT_FALSE(known_members(**doc, "items[2]", kKnown, m));
  for (std::size_t k = 0; k < kKnown.size(); ++k) {
    EXPECT_EQ(m[k].node, find_member(**doc, kKnown[k])) << kKnown[k];
    EXPECT_EQ(m[k].key, kKnown[k]);
    EXPECT_EQ(m[k].path(), "items[2]." + std::string(kKnown[k]));
  }
  EXPECT_EQ(m[1].node, nullptr);
  EXPECT_EQ(read_string(m[1], StringRule{8, false}).error(),
            (Error{"missing_field", "items[2].name", "is required"}));
  EXPECT_EQ(read_amount(m[3], Money::from_fen(100)).value(), Money::from_fen(100));
}

TEST(KnownMembers, RefusesTheFirstUnknownKeyInDocumentOrderAsCheckKnownKeysDoes) {
  const auto doc = parse_object(R"({"code": "X1", "colour": "red", "amount": 1, "cod": 2})");
  ASSERT_TRUE(doc);
  std::array<Member, kKnown.size()> m;
  const auto e = known_members(**doc, "items[0]", kKnown, m);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, (Error{"unknown_field", "items[0].colour", "is not a known field"}));
  EXPECT_EQ(*e, *check_known_keys(**doc, "items[0]", {"code", "name", "class", "amount"}));
}

}  // namespace
}  // namespace onestop::codec
