// Policy files on disk: reading failures, and a directory of policies picked by date.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/policy/policy_loader.hpp"
#include "engine/limits.hpp"
#include "tests/adapters/policy/policy_test_support.hpp"

namespace onestop::policy {
namespace {

using testing::edited;
using testing::kMinimal;
using testing::read_text;
using testing::source_file;
using testing::TempDir;
using testing::write_text;

Date date(const char* text) { return *Date::parse(text); }

// The minimal policy with another id and effective range ("null" for an open end).
std::string minimal(const std::string& id, const std::string& from, const std::string& to) {
  const std::string to_json = to == "null" ? to : "\"" + to + "\"";
  // The end first: a new start may equal the old end.
  return edited(std::string(kMinimal), {{R"("mini-2020")", "\"" + id + "\""},
                                        {R"("2020-12-31")", to_json},
                                        {R"("2020-01-01")", "\"" + from + "\""}});
}

TEST(LoadPolicyFile, MissingFileIsAFileErrorNamingThePath) {
  TempDir dir;
  const std::string path = dir.str() + "/absent.json";
  const auto result = load_policy_file(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "file_error");
  EXPECT_NE(result.error().message.find(path), std::string::npos) << result.error().message;
}

TEST(LoadPolicyFile, DirectoryIsAFileError) {
  TempDir dir;
  const auto result = load_policy_file(dir.str());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "file_error");
}

TEST(LoadPolicyFile, InvalidContentKeepsFieldAndNamesTheFile) {
  TempDir dir;
  const auto path = dir.path() / "mini-2020.json";
  write_text(path, edited(std::string(kMinimal), R"("city": "800.00")", R"("city": "800")"));
  const auto result = load_policy_file(path.string());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "bad_amount");
  EXPECT_EQ(result.error().field, "layers[0].deductible.city");
  EXPECT_EQ(result.error().message.rfind(path.string() + ": ", 0), 0u) << result.error().message;
}

TEST(LoadPolicyFile, FileAboveTheSizeLimit) {
  TempDir dir;
  const auto path = dir.path() / "big.json";
  write_text(path, std::string(kMinimal) + std::string(limits::kPolicyFileBytes, ' '));
  const auto result = load_policy_file(path.string());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "too_large");
}

TEST(LoadPolicyFile, HashDoesNotDependOnTheFileLayout) {
  TempDir dir;
  const std::string text = read_text(source_file("config/policies/zhaoshan-2020.json"));
  write_text(dir.path() / "compact.json", canonical_form(text).value());
  const auto original = load_policy_file(source_file("config/policies/zhaoshan-2020.json"));
  const auto compact = load_policy_file((dir.path() / "compact.json").string());
  ASSERT_TRUE(original.ok() && compact.ok());
  EXPECT_EQ(original->sha256, compact->sha256);
}

TEST(PolicySet, ShippedDirectoriesPickByDate) {
  // A directory is one region: Zhaoshan's reference policy is open-ended from 2020 on.
  const auto set = PolicySet::load_dir(source_file("config/policies"));
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->all().size(), 1u);
  EXPECT_EQ(set->effective_on(date("2020-01-01"))->id, "zhaoshan-2020");
  EXPECT_EQ(set->effective_on(date("2021-06-15"))->id, "zhaoshan-2020");
  EXPECT_EQ(set->effective_on(date("2019-12-31")), nullptr);

  const auto demo = PolicySet::load_dir(source_file("config/policies/demo-county"));
  ASSERT_TRUE(demo.ok()) << demo.error().message;
  EXPECT_EQ(demo->effective_on(date("2021-01-01"))->id, "demo-six-layer-2021");
  EXPECT_EQ(demo->effective_on(date("2021-12-31"))->id, "demo-six-layer-2021");
  EXPECT_EQ(demo->effective_on(date("2022-01-01")), nullptr);
  EXPECT_EQ(demo->by_id("demo-six-layer-2021")->layers.size(), 6u);
  EXPECT_EQ(demo->by_id("zhaoshan-2020"), nullptr);
}

TEST(PolicySet, OpenEndedPolicyCoversLaterDates) {
  TempDir dir;
  write_text(dir.path() / "a-2020.json", minimal("a-2020", "2020-01-01", "2020-12-31"));
  write_text(dir.path() / "b-2021.json", minimal("b-2021", "2021-01-01", "null"));
  write_text(dir.path() / "README.md", "not a policy");
  const auto set = PolicySet::load_dir(dir.str());
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->all().size(), 2u);
  EXPECT_EQ(set->effective_on(date("2099-06-01"))->id, "b-2021");
}

TEST(PolicySet, RefusesOverlappingRanges) {
  const std::vector<std::vector<std::string>> overlapping = {
      {"2020-01-01", "2020-12-31", "2020-12-31", "2021-12-31"},  // one shared day
      {"2020-01-01", "null", "2021-01-01", "2021-12-31"},        // open end
      {"2020-01-01", "2021-12-31", "2020-06-01", "2020-06-30"},  // nested
  };
  for (const auto& ranges : overlapping) {
    TempDir dir;
    write_text(dir.path() / "a.json", minimal("a", ranges[0], ranges[1]));
    write_text(dir.path() / "b.json", minimal("b", ranges[2], ranges[3]));
    const auto set = PolicySet::load_dir(dir.str());
    ASSERT_FALSE(set.ok()) << ranges[2];
    EXPECT_EQ(set.error().code, "overlapping_policies") << ranges[2];
    EXPECT_NE(set.error().message.find("\"a\""), std::string::npos) << set.error().message;
    EXPECT_NE(set.error().message.find("\"b\""), std::string::npos) << set.error().message;
  }
}

TEST(PolicySet, ErrorInAFileNamesTheFile) {
  TempDir dir;
  write_text(dir.path() / "a.json", minimal("a", "2020-01-01", "2020-12-31"));
  const auto bad = dir.path() / "b.json";
  write_text(bad, edited(minimal("b", "2021-01-01", "2021-12-31"), R"("390200")", R"("3902")"));
  const auto set = PolicySet::load_dir(dir.str());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, "bad_fund_code");
  EXPECT_EQ(set.error().field, "layers[1].fund");
  EXPECT_NE(set.error().message.find(bad.string()), std::string::npos) << set.error().message;
}

TEST(PolicySet, FileNameMustBeThePolicyId) {
  TempDir dir;
  write_text(dir.path() / "other.json", minimal("a", "2020-01-01", "2020-12-31"));
  const auto set = PolicySet::load_dir(dir.str());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, "bad_id");
  EXPECT_EQ(set.error().field, "id");
}

TEST(PolicySet, EmptyOrMissingDirectory) {
  TempDir dir;
  write_text(dir.path() / "notes.txt", "{}");
  EXPECT_EQ(PolicySet::load_dir(dir.str()).error().code, "empty");
  EXPECT_EQ(PolicySet::load_dir(dir.str() + "/absent").error().code, "file_error");
}

TEST(PolicySet, FromPoliciesRefusesDuplicateIds) {
  auto a = parse_policy(minimal("a", "2020-01-01", "2020-12-31")).value();
  auto b = parse_policy(minimal("a", "2021-01-01", "2021-12-31")).value();
  const auto set = PolicySet::from_policies({a, b});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, "duplicate_policy_id");
  b.id = "b";
  EXPECT_TRUE(PolicySet::from_policies({a, b}).ok());
  EXPECT_TRUE(PolicySet::from_policies({}).ok());
}

}  // namespace
}  // namespace onestop::policy
