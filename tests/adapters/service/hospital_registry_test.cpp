// The hospital registry: the shipped file, and every way a registry file can be refused.
#include "adapters/service/hospital_registry.hpp"

#include <gtest/gtest.h>

#include "support/fixtures.hpp"

namespace onestop::service {
namespace {

using onestop::testing::source_path;

std::string registry(const std::string& hospitals) {
  return R"({"format": "onestop-hospitals/1", "hospitals": [)" + hospitals + "]}";
}

constexpr const char* kH1 =
    R"({"id": "H1", "name": "卫生院", "level": "primary", "in_region": true, "designated": true})";

TEST(HospitalRegistry, ShippedFileHasZhaoshansHospitalsAndTheCaseIds) {
  auto r = HospitalRegistry::load_file(source_path("config/hospitals.json"));
  ASSERT_TRUE(r) << r.error().message;
  for (const char* id : {"H1", "H2", "H3", "H4", "H5"}) {
    ASSERT_NE(r->find(id), nullptr) << id;
    EXPECT_TRUE(r->find(id)->designated) << id;
  }
  const Hospital* city = r->find("H2");
  EXPECT_EQ(city->name, "湘潭市第三人民医院");
  EXPECT_EQ(city->level, Level::city);
  EXPECT_TRUE(city->in_region);
  const Hospital* township = r->find("H3");
  EXPECT_EQ(township->level, Level::primary);
  EXPECT_TRUE(township->in_region);
  int out_of_region = 0;
  int not_designated = 0;
  for (const Hospital& h : r->all()) {
    out_of_region += h.in_region ? 0 : 1;
    not_designated += h.designated ? 0 : 1;
  }
  EXPECT_GE(out_of_region, 2);
  EXPECT_GE(not_designated, 1);
}

TEST(HospitalRegistry, ParsesAValidDocument) {
  auto r = HospitalRegistry::parse(registry(kH1));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->all().size(), 1u);
  EXPECT_EQ(r->find("H1")->name, "卫生院");
  EXPECT_EQ(r->find("H9"), nullptr);
}

struct BadRegistry {
  std::string text;
  std::string code;
  std::string field;
  // Names the case in test listings (gtest would dump the bytes).
  friend void PrintTo(const BadRegistry& b, std::ostream* os) { *os << b.code << " " << b.field; }
};

class HospitalRegistryRefuses : public ::testing::TestWithParam<BadRegistry> {};

TEST_P(HospitalRegistryRefuses, WithCodeAndPath) {
  auto r = HospitalRegistry::parse(GetParam().text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, GetParam().code) << r.error().message;
  EXPECT_EQ(r.error().field, GetParam().field) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HospitalRegistryRefuses,
    ::testing::Values(
        BadRegistry{"not json", "malformed_json", ""},
        BadRegistry{R"({"format": "x", "hospitals": []})", "bad_format", "format"},
        BadRegistry{registry(""), "empty", "hospitals"},
        BadRegistry{registry(std::string(kH1) + "," + kH1), "duplicate_id", "hospitals[1].id"},
        BadRegistry{registry(R"({"id": "H1", "name": "x", "level": "huge", "in_region": true,
                                 "designated": true})"),
                    "unknown_level", "hospitals[0].level"},
        BadRegistry{registry(R"({"id": "H1", "name": "x", "level": "city", "in_region": "yes",
                                 "designated": true})"),
                    "wrong_type", "hospitals[0].in_region"},
        BadRegistry{registry(R"({"id": "H1", "name": "x", "level": "city", "in_region": true})"),
                    "missing_field", "hospitals[0].designated"},
        BadRegistry{registry(R"({"id": "H1", "name": "x", "level": "city", "in_region": true,
                                 "designated": true, "beds": 3})"),
                    "unknown_field", "hospitals[0].beds"},
        BadRegistry{registry(R"({"id": "", "name": "x", "level": "city", "in_region": true,
                                 "designated": true})"),
                    "empty", "hospitals[0].id"}));

TEST(HospitalRegistry, MissingFileIsAFileError) {
  auto r = HospitalRegistry::load_file("/nonexistent/hospitals.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "file_error");
}

}  // namespace
}  // namespace onestop::service
