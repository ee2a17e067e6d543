// Outpatient special-disease visits over HTTP (domain.md §3.6): a billing desk settles a
// certified patient's visit and prints its slip; the admission check shows the person's
// certifications; an admin replaces the certifications, all or nothing.
#include <gtest/gtest.h>

#include "http_fixture.hpp"

namespace onestop {
namespace {

using store::Role;
using testing::RequestBuilder;
using testing::TestServer;

class HttpOutpatient : public ::testing::Test {
 protected:
  TestServer server_;
};

// §3.6's worked example at the township health centre H3.
RequestBuilder worked_visit(const std::string& bill, const std::string& day) {
  RequestBuilder r;
  r.hospital("H3").bill(bill).visit("severe_mental", day);
  r.diagnoses = R"(["F20.0"])";
  r.with_items(R"([{"code":"M1","name":"氯氮平","class":"A","amount":"800.00"},)"
               R"({"code":"M2","name":"利培酮","class":"B","amount":"500.00"}])");
  return r;
}

std::string code_of(const testing::Reply& r) {
  return testing::parse_json(r.body)->getValue<std::string>("code");
}

TEST_F(HttpOutpatient, ABillingDeskSettlesAVisitAndPrintsItsSlip) {
  const testing::Reply first =
      server_.post("/v1/settlements", worked_visit("MZ-1", "2020-03-12").json());
  ASSERT_EQ(first.status, 201) << first.body;
  const testing::Reply second =
      server_.post("/v1/settlements", worked_visit("MZ-2", "2020-04-12").json());
  ASSERT_EQ(second.status, 201) << second.body;
  const auto record = testing::parse_json(second.body);
  EXPECT_EQ(record->getValue<std::string>("patient_pays"), "81.25");
  const auto id = record->getValue<Poco::Int64>("settlement_id");
  const testing::Reply slip = server_.get("/v1/settlements/" + std::to_string(id) + "/slip");
  ASSERT_EQ(slip.status, 200);
  EXPECT_NE(slip.body.find("门诊特殊病种"), std::string::npos);
  EXPECT_NE(slip.body.find("重性精神病 severe_mental"), std::string::npos);
  // 1 092.50 + 1 187.50 of the 6 000.00 a year.
  EXPECT_NE(slip.body.find("本年已用 2280.00 / 年度限额 6000.00，剩余 3720.00"), std::string::npos)
      << slip.body;
  EXPECT_NE(slip.body.find("就诊日期"), std::string::npos);
}

TEST_F(HttpOutpatient, AnUncertifiedVisitIsRefusedNamingTheField) {
  const testing::Reply refused =
      server_.post("/v1/settlements", worked_visit("MZ-1", "2020-03-12").patient("P4").json());
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(code_of(refused), "not_certified");
  EXPECT_EQ(testing::parse_json(refused.body)->getValue<std::string>("field"), "special_disease");
}

TEST_F(HttpOutpatient, TheAdmissionCheckAnswersTheCertifications) {
  const testing::Reply check = server_.post(
      "/v1/admissions/check",
      R"({"hospital_id":"H3","patient":{"id":"P1"},"admitted_on":"2020-03-12","referral":false})");
  ASSERT_EQ(check.status, 200) << check.body;
  EXPECT_NE(check.body.find(R"("certifications":[{"disease":"severe_mental","name":"重性精神病",)"
                            R"("valid_from":"2020-01-01","valid_to":null,"holds":true,)"
                            R"("limit_annual":"6000.00"}])"),
            std::string::npos)
      << check.body;
}

TEST_F(HttpOutpatient, AnAdminReplacesTheCertificationsAllOrNothingAndNoOtherRoleMay) {
  const std::string header = "patient_id,disease,valid_from,valid_to\n";
  const std::string good =
      header + "P4,severe_mental,2020-01-01,\nP2,uremia_dialysis,2020-07-01,\n";
  const std::string admin = server_.key(Role::admin);
  const testing::Reply bad = server_.request_as(
      admin, "PUT", "/v1/roster/certifications",
      header + "P4,hay_fever,2020-01-01,\nP2,severe_mental,2020-02-30,\n", "text/csv");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(code_of(bad), "roster_invalid");
  EXPECT_NE(bad.body.find(R"("line":2,"column":"disease")"), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find(R"("line":3,"column":"valid_from")"), std::string::npos) << bad.body;
  EXPECT_EQ(server_.app().roster().certifications("P1").size(), 1u);  // unchanged
  EXPECT_EQ(server_
                .request_as(server_.hospital_key("H3"), "PUT", "/v1/roster/certifications", good,
                            "text/csv")
                .status,
            403);
  const testing::Reply ok =
      server_.request_as(admin, "PUT", "/v1/roster/certifications", good, "text/csv");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.body, R"({"rows":2,"persons":2})");
  EXPECT_TRUE(server_.app().roster().certifications("P1").empty());
  EXPECT_EQ(server_.app().roster().certifications("P4").size(), 1u);
}

}  // namespace
}  // namespace onestop
