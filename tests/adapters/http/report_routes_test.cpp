// The reconciliation and audit routes over loopback: totals equal the streamed details, a
// cancellation nets out, strict query parameters, and the patient audit.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "http_fixture.hpp"

namespace onestop::testing {
namespace {

constexpr const char* kAllDays = "from=2000-01-01&to=2999-12-31";

// Two settlements of two persons at H2 and the cancellation of the second.
class ReportRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(server_.post("/v1/settlements", RequestBuilder().json()).status, 201);
    const Reply second =
        server_.post("/v1/settlements", RequestBuilder().bill("B2").patient("P2").json());
    ASSERT_EQ(second.status, 201) << second.body;
    const auto id = parse_json(second.body)->getValue<Poco::Int64>("settlement_id");
    const Reply cancel = server_.post("/v1/settlements/" + std::to_string(id) + "/cancel",
                                      "{\"reason\":\"录入错误\"}");
    ASSERT_EQ(cancel.status, 201) << cancel.body;
  }
  TestServer server_;
};

// Σ fund payment per fund over JSON Lines details.
std::map<std::string, Money> funds_of_details(const std::string& jsonl, int* rows) {
  std::map<std::string, Money> sums;
  std::istringstream in(jsonl);
  *rows = 0;
  for (std::string line; std::getline(in, line);) {
    ++*rows;
    const auto funds = parse_json(line)->getArray("funds");
    for (std::size_t i = 0; i < funds->size(); ++i) {
      const auto f = funds->getObject(static_cast<unsigned>(i));
      sums[f->getValue<std::string>("fund")] += *Money::parse(f->getValue<std::string>("paid"));
    }
  }
  return sums;
}

TEST_F(ReportRoutes, TotalsEqualTheStreamedDetailsAndTheCancellationNetsOut) {
  const Reply details = server_.get(std::string("/v1/reconciliation/details?") + kAllDays +
                                    "&format=jsonl");
  ASSERT_EQ(details.status, 200) << details.body;
  EXPECT_EQ(details.content_type, "application/x-ndjson; charset=utf-8");
  int rows = 0;
  const auto detail_sums = funds_of_details(details.body, &rows);
  EXPECT_EQ(rows, 3);

  const Reply totals = server_.get(std::string("/v1/reconciliation/totals?") + kAllDays);
  ASSERT_EQ(totals.status, 200) << totals.body;
  const auto by_fund = parse_json(totals.body)->getArray("totals_by_fund");
  ASSERT_EQ(by_fund->size(), detail_sums.size());
  for (std::size_t i = 0; i < by_fund->size(); ++i) {
    const auto f = by_fund->getObject(static_cast<unsigned>(i));
    const std::string fund = f->getValue<std::string>("fund");
    EXPECT_EQ(*Money::parse(f->getValue<std::string>("fund_paid")), detail_sums.at(fund)) << fund;
    EXPECT_EQ(f->getValue<Poco::Int64>("settlements"), 2) << fund;
    EXPECT_EQ(f->getValue<Poco::Int64>("cancellations"), 1) << fund;
  }
  // The same bill settled and cancelled: what is left equals the first person's settlement.
  const auto first = parse_json(server_.get("/v1/settlements/1").body);
  const auto basic = by_fund->getObject(0);
  EXPECT_EQ(basic->getValue<std::string>("fund"), "390100");
  EXPECT_EQ(basic->getValue<std::string>("medical_total"),
            first->getObject("result")->getValue<std::string>("total"));
}

TEST_F(ReportRoutes, CsvIsForASpreadsheet) {
  const Reply totals =
      server_.get(std::string("/v1/reconciliation/totals?") + kAllDays + "&format=csv");
  ASSERT_EQ(totals.status, 200);
  EXPECT_EQ(totals.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(totals.body.rfind("\xEF\xBB\xBF", 0), 0u) << "starts with a UTF-8 BOM";
  EXPECT_NE(totals.body.find("\r\n"), std::string::npos);
  const Reply details =
      server_.get(std::string("/v1/reconciliation/details?") + kAllDays + "&fund=640100");
  ASSERT_EQ(details.status, 200);
  EXPECT_NE(details.body.find("fund:640100"), std::string::npos) << details.body;
}

TEST_F(ReportRoutes, QueryParametersAreStrict) {
  const auto field_of = [](const Reply& r) {
    return parse_json(r.body)->getValue<std::string>("field");
  };
  Reply r = server_.get("/v1/reconciliation/totals?to=2020-01-01");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(field_of(r), "from");
  r = server_.get("/v1/reconciliation/totals?from=2020-02-01&to=2020-01-01");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(field_of(r), "to");
  r = server_.get("/v1/reconciliation/totals?from=2020-02-30&to=2020-03-01");
  EXPECT_EQ(field_of(r), "from");
  r = server_.get(std::string("/v1/reconciliation/details?") + kAllDays + "&format=xml");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(field_of(r), "format");
  r = server_.get(std::string("/v1/reconciliation/details?") + kAllDays + "&hospitl=H2");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(field_of(r), "hospitl");
  r = server_.get(std::string("/v1/reconciliation/totals?") + kAllDays + "&from=2000-01-01");
  EXPECT_EQ(field_of(r), "from");
}

TEST_F(ReportRoutes, TheAuditExplainsThePersonsYear) {
  const Reply r = server_.get("/v1/audit/patients/P2?year=2020");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto audit = parse_json(r.body);
  EXPECT_EQ(audit->getValue<std::string>("patient_id"), "P2");
  const auto records = audit->getArray("records");
  ASSERT_EQ(records->size(), 2u) << "the settlement and its cancellation";
  EXPECT_TRUE(records->getObject(0)->has("result"));
  EXPECT_NE(r.body.find("\"trace\""), std::string::npos);
  EXPECT_EQ(server_.get("/v1/audit/patients/P99?year=2020").status, 404);
  EXPECT_EQ(server_.get("/v1/audit/patients/P2").status, 400);
}

}  // namespace
}  // namespace onestop::testing

namespace onestop::testing {
namespace {

// The national clearing type: 11 for an outpatient special-disease visit, 21 for an
// admission; clr_type keeps one kind, any other value is 400 naming it.
TEST_F(ReportRoutes, TheClearingTypeSeparatesVisitsFromAdmissions) {
  RequestBuilder visit;
  visit.hospital("H3").bill("MZ-1").visit("severe_mental");
  visit.diagnoses = R"(["F20.0"])";
  const Reply settled = server_.post("/v1/settlements", visit.json());
  ASSERT_EQ(settled.status, 201) << settled.body;
  const std::string details = std::string("/v1/reconciliation/details?") + kAllDays;
  const Reply visits = server_.get(details + "&clr_type=11&format=jsonl");
  ASSERT_EQ(visits.status, 200) << visits.body;
  int rows = 0;
  funds_of_details(visits.body, &rows);
  EXPECT_EQ(rows, 1);
  EXPECT_NE(visits.body.find(R"("bill_no":"MZ-1")"), std::string::npos);
  EXPECT_NE(visits.body.find(R"("clr_type":"11","special_disease":"severe_mental")"),
            std::string::npos);
  const Reply admissions = server_.get(details + "&clr_type=21&format=jsonl");
  funds_of_details(admissions.body, &rows);
  EXPECT_EQ(rows, 3);  // two settlements and a cancellation
  EXPECT_EQ(admissions.body.find("MZ-1"), std::string::npos);
  const Reply bad =
      server_.get(std::string("/v1/reconciliation/totals?") + kAllDays + "&clr_type=14");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(parse_json(bad.body)->getValue<std::string>("field"), "clr_type");
}

}  // namespace
}  // namespace onestop::testing
