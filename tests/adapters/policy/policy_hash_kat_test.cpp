// Known answers for the policy content hash (issue 10). Stored ledger records name the policy
// they were settled under by Policy::sha256, so the canonical form it hashes must never change,
// whichever JSON parser reads the file. The literals were computed by the loader before the
// reader moved from Poco to simdjson; a change here breaks every stored record.
#include <gtest/gtest.h>

#include <string>

#include "adapters/policy/policy_loader.hpp"
#include "tests/adapters/policy/policy_test_support.hpp"

namespace onestop::policy {
namespace {

using testing::kMinimal;
using testing::read_text;
using testing::source_file;

std::string hash_of_file(const std::string& relative) {
  const auto policy = parse_policy(read_text(source_file(relative)));
  if (!policy) return "error: " + policy.error().code + " " + policy.error().message;
  return policy->sha256;
}

struct Known {
  const char* file;
  const char* sha256;
};

TEST(PolicyHashKnownAnswers, ShippedPoliciesAndFixturesKeepTheirHashes) {
  const Known known[] = {
      // With the outpatient part (issue 13); computed by the Poco-based reader before the move.
      {"config/policies/zhaoshan-2020.json",
       "0c7bffa44feff52f32097dcf9ddc1d4c20ee80c6069f5ddbdb429ae642a9ea29"},
      {"config/policies/demo-county/demo-six-layer-2021.json",
       "5d39f846f2686277cb041dc994ea5d5f92b5f6b94aa5b2fb8046203613edf908"},
      {"tests/adapters/reports/data/zhaoshan-2020-special-60.json",
       "2356ff72e1ef76fe5f4753dc3a616fc4b79456ddfc560f69c618441abaeaaf9a"},
      {"tests/adapters/reports/data/zhaoshan-2020-backstop-8.json",
       "094c356382daab601a83d93b4bd5a3544175f27cc2fd28dad005b0604c7551fd"},
      {"tests/fuzz/corpus/policy_loader/valid-minimal.json",
       "06f41022912d0f47e46935361adc07c41e35fe9d5f8387b2e65acf632669936c"},
  };
  for (const Known& k : known) EXPECT_EQ(hash_of_file(k.file), k.sha256) << k.file;
}

TEST(PolicyHashKnownAnswers, TheTestPolicyKeepsItsHash) {
  const auto policy = parse_policy(kMinimal);
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_EQ(policy->sha256, "819e37de7e418caf2407e448da4a5502fab391e4dee8c9e07d9345ac15bd1aa1");
}

// Numbers are hashed by value as the Poco-based loader wrote them (int64 or uint64 in decimal,
// anything else as the shortest double), not as the text spells them.
TEST(PolicyHashKnownAnswers, CanonicalNumbersStringsAndOrderAreUnchanged) {
  const auto canonical = canonical_form(
      R"({"n": [1, -0, 2.50, 1e2, 1E-400, 18446744073709551615, -9223372036854775808, 0.1,)"
      R"( -0.0, 123.456e-2, 1.5E+3, 9007199254740993],)"
      R"( "s": "\u00e9\/\b\f\n\r\t\u001f\"\\", "b": [true, false, null],)"
      R"( "a": {"z": {}, "Z": []}})");
  ASSERT_TRUE(canonical) << canonical.error().message;
  EXPECT_EQ(canonical.value(),
            "{\"a\":{\"Z\":[],\"z\":{}},\"b\":[true,false,null],\"n\":[1,0,2.5,100,0,"
            "18446744073709551615,-9223372036854775808,0.1,0,1.23456,1500,9007199254740993],"
            "\"s\":\"\xc3\xa9/\\b\\f\\n\\r\\t\\u001f\\\"\\\\\"}");
}

}  // namespace
}  // namespace onestop::policy
