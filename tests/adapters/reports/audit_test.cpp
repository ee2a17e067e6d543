// The patient audit (onestop audit patient, GET /v1/audit/patients/{id}): a hand-worked
// sequence from tests/cases, a cancellation netting out, the backstop's annual ceiling, and
// the empty audit of an unknown person.
#include "adapters/reports/audit.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "adapters/codec/json_util.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "adapters/sqlite/open.hpp"
#include "tests/adapters/reports/poco_json.hpp"

namespace onestop::testing {
namespace {

using reports::AuditLayer;
using reports::PatientAudit;

// A fresh ledger whose records are stamped with `now` (UTC), and the shipped policies.
class AuditWorld {
 public:
  AuditWorld() : path_(temp_db()) {
    sqlite::LedgerOptions options;
    options.path = path_;
    options.clock = [this] { return now; };
    auto ledger = sqlite::open_ledger(options);
    if (!ledger) throw std::runtime_error(ledger.error().message);
    ledger_ = std::move(ledger).value();
    auto policies = policy::PolicySet::load_dir(source_path("config/policies"));
    if (!policies) throw std::runtime_error(policies.error().message);
    policies_ = std::make_unique<policy::PolicySet>(std::move(policies).value());
  }

  // Settles `claim` at the UTC time `at` ("2020-01-23T02:00:00.000Z"); returns the record id.
  std::int64_t settle_at(const Claim& claim, const std::string& at) {
    now = at;
    const store::WriteResult r = settle_now(*ledger_, claim);
    return r.record ? r.record->id : 0;
  }
  std::int64_t cancel_at(std::int64_t id, const std::string& at) {
    now = at;
    const store::WriteResult r = ledger_->cancel(cancel_job(id)).get();
    EXPECT_EQ(r.outcome, store::Outcome::created);
    return r.record ? r.record->id : 0;
  }
  PatientAudit audit(const std::string& patient, int year = 2020) {
    auto a = reports::audit_patient(*ledger_, *policies_, patient, year);
    if (!a) throw std::runtime_error(a.error().code + ": " + a.error().message);
    return std::move(a).value();
  }

  store::Ledger& ledger() { return *ledger_; }
  const policy::PolicySet& policies() const { return *policies_; }
  const std::string& path() const { return path_; }
  std::string now = "2020-01-01T00:00:00.000Z";

 private:
  std::string path_;
  std::unique_ptr<store::Ledger> ledger_;
  std::unique_ptr<policy::PolicySet> policies_;
};

Money paid_of(const std::vector<AuditLayer>& layers, const std::string& id) {
  for (const auto& l : layers) {
    if (l.id == id) return l.paid;
  }
  ADD_FAILURE() << "no layer " << id;
  return Money{};
}

bool capped_of(const std::vector<AuditLayer>& layers, const std::string& id) {
  for (const auto& l : layers) {
    if (l.id == id) return l.capped;
  }
  return false;
}

// P0010030 (poor) in 2020, worked by hand from tests/cases/zhaoshan-2020.claims.jsonl:
//
// #1 P0010030-0, H3 as county in region, first admission. Items: B 3233.02 (pre 323.30);
//    A 5528.88 of which 4510.81 over limit; B 2178.13 of which 617.85 over limit
//    (pre (1560.28 × 0.1) = 156.03); B 1962.71 (pre 196.27).
//    total 12902.74, over_limit 5128.66, pre_self_pay 675.60, in_policy 7098.48.
//    basic: deductible 500 × 0.5 = 250.00; ratio 0.80 + 0.10 = 0.90;
//           (7098.48 − 250.00) × 0.90 = 6163.632 → 6163.63
//    critical: base 7098.48 − 6163.63 = 934.85, below the poor threshold 7500 → 0.00
//    special: 934.85 × 0.50 = 467.425 → 467.43
//    backstop: share 934.85 − 467.43 = 467.42; allowed 7098.48 × 0.10 → 709.85; paid 0.00;
//              patient_share += 467.42
//    fund 6631.06, patient 6271.68. Out-of-catalogue 5128.66 > 10 % of the total: flagged;
//    6631.06 / 12902.74 = 51.39 % < 85 %: flagged by the engine.
// #2 P0010030-1, province out of region with referral, second admission, F31.2 (severe
//    mental illness, ceiling 0.05). Items: B 1908.71 (pre 190.87), A 2259.37, B 779.82
//    (pre 77.98). total 4947.90, pre 268.85, in_policy 4679.05.
//    basic: deductible 1200 × 0.5 × 0.5 = 300.00 (limit 3000 − 250 leaves room);
//           ratio 0.60 + 0.10 = 0.70; (4679.05 − 300.00) × 0.70 = 3065.335 → 3065.34
//    critical: base 1613.71, cumulative 2548.56 < 7500 → 0.00
//    special: 1613.71 × 0.50 = 806.855 → 806.86
//    backstop: share 1613.71 − 806.86 = 806.85; allowed 4679.05 × 0.05 = 233.9525 → 233.95
//              (annual ceiling room 5000 − 467.42 does not bind); paid 572.90
//    fund 4445.10, patient 502.80; 4445.10 / 4947.90 = 89.8 % ≥ 85 %: no ratio flag.
// The year: total 17850.64; basic 9228.97, critical 0.00, special 1274.29, backstop 572.90;
// fund 11076.16; patient 6774.48; ratio 11076.16 / 17850.64 = 0.620491 → "0.6205", 62.05 %.
class HandWorked : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto claims = claims_of("P0010030");
    ASSERT_EQ(claims.size(), 2u);
    first_ = world_.settle_at(claims[0], "2020-01-23T02:00:00.000Z");
    second_ = world_.settle_at(claims[1], "2020-03-14T03:30:00.000Z");
  }
  AuditWorld world_;
  std::int64_t first_ = 0;
  std::int64_t second_ = 0;
};

TEST_F(HandWorked, EachSettlementShowsItsLayersAsWorkedByHand) {
  const PatientAudit a = world_.audit("P0010030");
  ASSERT_EQ(a.records.size(), 2u);
  const auto& r1 = a.records[0];
  EXPECT_EQ(r1.id, first_);
  EXPECT_EQ(r1.bill_no, "P0010030-0");
  EXPECT_EQ(r1.discharged_on, "2020-01-23");
  EXPECT_EQ(r1.category, "poor");
  EXPECT_EQ(r1.total, yuan("12902.74"));
  EXPECT_EQ(paid_of(r1.layers, "basic"), yuan("6163.63"));
  EXPECT_EQ(paid_of(r1.layers, "critical"), yuan("0.00"));
  EXPECT_EQ(paid_of(r1.layers, "special"), yuan("467.43"));
  EXPECT_EQ(paid_of(r1.layers, "backstop"), yuan("0.00"));
  EXPECT_EQ(r1.patient_pays, yuan("6271.68"));
  EXPECT_EQ(r1.flags, (std::vector<std::string_view>{"out_of_catalogue_share_high",
                                                      "reimbursement_below_target"}));
  const auto& r2 = a.records[1];
  EXPECT_EQ(paid_of(r2.layers, "basic"), yuan("3065.34"));
  EXPECT_EQ(paid_of(r2.layers, "special"), yuan("806.86"));
  EXPECT_EQ(paid_of(r2.layers, "backstop"), yuan("572.90"));
  EXPECT_EQ(r2.patient_pays, yuan("502.80"));
  EXPECT_EQ(r2.flags, (std::vector<std::string_view>{"backstop_used"}));
}

TEST_F(HandWorked, TheTraceExplainsTheBackstopPayment) {
  const PatientAudit a = world_.audit("P0010030");
  ASSERT_EQ(a.records.size(), 2u);
  bool allowed = false;
  bool paid = false;
  for (const auto& s : a.records[1].trace) {
    if (s.layer != "backstop") continue;
    if (s.step == "allowed_by_ratio") {
      allowed = true;
      EXPECT_EQ(s.value, "233.95");
      EXPECT_EQ(s.rule, "layers.backstop.programmes[1].ceiling_ratio");
      ASSERT_EQ(s.inputs.size(), 2u);
      EXPECT_EQ(s.inputs[0], (std::pair<std::string, std::string>{"in_policy", "4679.05"}));
      EXPECT_EQ(s.inputs[1], (std::pair<std::string, std::string>{"ceiling_ratio", "0.05"}));
    }
    if (s.step == "paid") {
      paid = true;
      EXPECT_EQ(s.value, "572.90");
    }
  }
  EXPECT_TRUE(allowed && paid);
}

TEST_F(HandWorked, YearTotalsRatioAccumulatorsAndFlags) {
  const PatientAudit a = world_.audit("P0010030");
  EXPECT_TRUE(a.message.empty());
  EXPECT_EQ(a.settlements, 2);
  EXPECT_EQ(a.live, 2);
  EXPECT_EQ(a.cancellations, 0);
  EXPECT_EQ(a.medical_total, yuan("17850.64"));
  EXPECT_EQ(paid_of(a.layers, "basic"), yuan("9228.97"));
  EXPECT_EQ(paid_of(a.layers, "critical"), yuan("0.00"));
  EXPECT_EQ(paid_of(a.layers, "special"), yuan("1274.29"));
  EXPECT_EQ(paid_of(a.layers, "backstop"), yuan("572.90"));
  EXPECT_EQ(a.fund_paid, yuan("11076.16"));
  EXPECT_EQ(a.patient_pays, yuan("6774.48"));
  EXPECT_EQ(reports::ratio_text(a.fund_paid, a.medical_total), "0.6205");
  EXPECT_EQ(reports::percent_text(a.fund_paid, a.medical_total), "62.05");
  EXPECT_EQ(a.target, "0.85");
  EXPECT_TRUE(a.flags.backstop_used);
  EXPECT_FALSE(a.flags.ceiling_reached);
  EXPECT_TRUE(a.flags.out_of_catalogue_share_high);
  EXPECT_TRUE(a.flags.reimbursement_below_target);  // 62.05 % < 85 %, poor is a target
  EXPECT_FALSE(a.flags.cap_bound);
  // Accumulators: deductibles 250 + 300; critical base 934.85 + 1613.71; backstop patient
  // share 467.42 + 233.95.
  EXPECT_EQ(a.accumulators.admissions, 2);
  EXPECT_EQ(a.accumulators_record, second_);
  EXPECT_EQ(a.accumulators.of("basic").paid, yuan("9228.97"));
  EXPECT_EQ(a.accumulators.of("basic").deductible_charged, yuan("550.00"));
  EXPECT_EQ(a.accumulators.of("critical").base_cumulative, yuan("2548.56"));
  EXPECT_EQ(a.accumulators.of("special").paid, yuan("1274.29"));
  EXPECT_EQ(a.accumulators.of("backstop").paid, yuan("572.90"));
  EXPECT_EQ(a.accumulators.of("backstop").patient_share, yuan("701.37"));
}

TEST_F(HandWorked, JsonEmbedsEachStoredResult) {
  const PatientAudit a = world_.audit("P0010030");
  const std::string json = reports::audit_json(a);
  auto doc = testing::poco_object(json);
  ASSERT_TRUE(doc.ok()) << doc.error().message << "\n" << json;
  const auto& d = **doc;
  EXPECT_EQ(d.getValue<std::string>("reimbursement_ratio"), "0.6205");
  EXPECT_TRUE(d.getObject("flags")->getValue<bool>("backstop_used"));
  EXPECT_FALSE(d.getObject("flags")->getValue<bool>("cap_bound"));
  EXPECT_EQ(d.getObject("totals")->getValue<std::string>("fund_paid"), "11076.16");
  const auto records = d.getArray("records");
  ASSERT_EQ(records->size(), 2u);
  const auto result = records->getObject(1)->getObject("result");
  ASSERT_FALSE(result.isNull());
  EXPECT_EQ(result->getValue<std::string>("bill_no"), "P0010030-1");
  EXPECT_EQ(result->getArray("layers")->getObject(3)->getValue<std::string>("paid"), "572.90");
  EXPECT_EQ(d.getObject("accumulators")->getValue<int>("admissions"), 2);
}

TEST_F(HandWorked, TextShowsEachSettlementAndItsTrace) {
  std::ostringstream out;
  reports::write_audit_text(out, world_.audit("P0010030"));
  const std::string text = out.str();
  EXPECT_NE(text.find("bill P0010030-0"), std::string::npos) << text;
  EXPECT_NE(text.find("discharged 2020-03-14"), std::string::npos) << text;
  EXPECT_NE(text.find("backstop 572.90"), std::string::npos) << text;
  EXPECT_NE(text.find("patient pays 502.80"), std::string::npos) << text;
  EXPECT_NE(text.find("    backstop paid: share=806.85 allowed=233.95 = 572.90"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("effective reimbursement ratio: 62.05 %"), std::string::npos) << text;
  EXPECT_NE(text.find("backstop_used yes"), std::string::npos) << text;
}

// Cancelling #2 leaves the year as if only #1 had been settled: 12902.74 total, 6631.06 paid
// (6631.06 / 12902.74 = 0.513926 → "0.5139"), the backstop unused.
TEST_F(HandWorked, ACancellationNetsOut) {
  const std::int64_t cancel = world_.cancel_at(second_, "2020-04-02T01:00:00.000Z");
  const PatientAudit a = world_.audit("P0010030");
  ASSERT_EQ(a.records.size(), 3u);
  EXPECT_EQ(a.records[1].cancelled_by, cancel);
  EXPECT_TRUE(a.records[1].flags.empty());  // a cancelled settlement carries no flag
  const auto& c = a.records[2];
  EXPECT_EQ(c.kind, store::RecordKind::cancellation);
  EXPECT_EQ(c.cancels, second_);
  EXPECT_EQ(paid_of(c.layers, "backstop"), yuan("-572.90"));
  EXPECT_EQ(c.total, yuan("-4947.90"));
  EXPECT_EQ(a.settlements, 2);
  EXPECT_EQ(a.cancellations, 1);
  EXPECT_EQ(a.live, 1);
  EXPECT_EQ(a.medical_total, yuan("12902.74"));
  EXPECT_EQ(a.fund_paid, yuan("6631.06"));
  EXPECT_EQ(a.patient_pays, yuan("6271.68"));
  EXPECT_EQ(paid_of(a.layers, "basic"), yuan("6163.63"));
  EXPECT_EQ(paid_of(a.layers, "special"), yuan("467.43"));
  EXPECT_EQ(paid_of(a.layers, "backstop"), yuan("0.00"));
  EXPECT_EQ(reports::ratio_text(a.fund_paid, a.medical_total), "0.5139");
  EXPECT_FALSE(a.flags.backstop_used);
  EXPECT_TRUE(a.flags.reimbursement_below_target);
  EXPECT_EQ(a.accumulators.admissions, 1);
  EXPECT_EQ(a.accumulators.of("backstop").patient_share, yuan("467.42"));
  std::ostringstream out;
  reports::write_audit_text(out, a);
  EXPECT_NE(out.str().find("cancellation of #" + std::to_string(second_)), std::string::npos);
  EXPECT_NE(out.str().find("CANCELLED by #" + std::to_string(cancel)), std::string::npos);
}

// A poor patient at the city hospital, class A 100000.00:
// basic (100000 − 400) × 0.75 = 74700.00; critical (25300 − 7500) × 0.65 = 11570.00;
// special (25300 − 11570) × 0.5 = 6865.00; backstop share 6865.00, allowed
// min(10000.00, annual ceiling 5000.00) = 5000.00 (the ceiling binds), paid 1865.00.
TEST(AuditFlags, TheBackstopCeilingBinding) {
  AuditWorld world;
  world.settle_at(ClaimBuilder("poor").a("100000.00").build(), "2020-03-12T02:00:00.000Z");
  const PatientAudit a = world.audit("P1");
  ASSERT_EQ(a.records.size(), 1u);
  EXPECT_EQ(paid_of(a.layers, "basic"), yuan("74700.00"));
  EXPECT_EQ(paid_of(a.layers, "critical"), yuan("11570.00"));
  EXPECT_EQ(paid_of(a.layers, "special"), yuan("6865.00"));
  EXPECT_EQ(paid_of(a.layers, "backstop"), yuan("1865.00"));
  EXPECT_TRUE(capped_of(a.layers, "backstop"));
  EXPECT_EQ(a.patient_pays, yuan("5000.00"));
  EXPECT_EQ(reports::percent_text(a.fund_paid, a.medical_total), "95.00");
  EXPECT_TRUE(a.flags.backstop_used);
  EXPECT_TRUE(a.flags.ceiling_reached);
  EXPECT_TRUE(a.flags.cap_bound);
  EXPECT_FALSE(a.flags.reimbursement_below_target);
  EXPECT_FALSE(a.flags.out_of_catalogue_share_high);
}

TEST(AuditPatient, AnUnknownPersonIsAnEmptyAuditWithAMessage) {
  AuditWorld world;
  world.settle_at(claims_of("P0010030")[0], "2020-01-23T02:00:00.000Z");
  const PatientAudit nobody = world.audit("P9999999");
  EXPECT_TRUE(nobody.records.empty());
  EXPECT_EQ(nobody.message, "no settlements of P9999999 in 2020");
  const PatientAudit other_year = world.audit("P0010030", 2019);
  EXPECT_TRUE(other_year.records.empty());
  EXPECT_NE(reports::audit_json(nobody).find("\"message\":\"no settlements"), std::string::npos);
}

TEST(AuditPatient, BadArgumentsNameTheField) {
  AuditWorld world;
  const auto bad_year = reports::audit_patient(world.ledger(), world.policies(), "P1", 20);
  ASSERT_FALSE(bad_year.ok());
  EXPECT_EQ(bad_year.error().code, "bad_year");
  EXPECT_EQ(bad_year.error().field, "year");
  const auto no_id = reports::audit_patient(world.ledger(), world.policies(), "", 2020);
  ASSERT_FALSE(no_id.ok());
  EXPECT_EQ(no_id.error().field, "patient_id");
}

TEST(AuditRatio, FixedDecimalsByIntegerArithmetic) {
  EXPECT_EQ(reports::ratio_text(yuan("1.00"), yuan("3.00")), "0.3333");
  EXPECT_EQ(reports::ratio_text(yuan("2.00"), yuan("3.00")), "0.6667");
  EXPECT_EQ(reports::percent_text(yuan("1.00"), yuan("8.00")), "12.50");
  EXPECT_EQ(reports::percent_text(yuan("-1.00"), yuan("8.00")), "-12.50");
  EXPECT_EQ(reports::percent_text(yuan("1.00"), yuan("0.00")), "");
  EXPECT_EQ(reports::ratio_bucket(yuan("0.00"), yuan("10.00")), 0);
  EXPECT_EQ(reports::ratio_bucket(yuan("0.99"), yuan("10.00")), 0);
  EXPECT_EQ(reports::ratio_bucket(yuan("1.00"), yuan("10.00")), 1);
  EXPECT_EQ(reports::ratio_bucket(yuan("9.99"), yuan("10.00")), 9);
  EXPECT_EQ(reports::ratio_bucket(yuan("10.00"), yuan("10.00")), 9);
}

TEST(AuditCommand, PatientExitsOneForAnUnknownPersonAndZeroForAKnownOne) {
  std::string path;
  {
    AuditWorld world;
    path = world.path();
    for (const auto& c : claims_of("P0010030")) world.settle_at(c, "2020-03-14T03:30:00.000Z");
  }
  const std::string common =
      " --year 2020 --db " + path + " --policy-dir " + source_path("config/policies");
  const CommandRun known = run_onestop("audit patient P0010030" + common);
  EXPECT_EQ(known.status, 0) << known.output;
  EXPECT_NE(known.output.find("backstop 572.90"), std::string::npos) << known.output;
  const CommandRun json = run_onestop("audit patient P0010030 --format json" + common);
  EXPECT_EQ(json.status, 0) << json.output;
  EXPECT_NE(json.output.find("\"reimbursement_ratio\":\"0.6205\""), std::string::npos);
  const CommandRun unknown = run_onestop("audit patient P404" + common);
  EXPECT_EQ(unknown.status, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("no settlements of P404 in 2020"), std::string::npos);
  const CommandRun usage = run_onestop("audit patient P0010030 --db " + path);
  EXPECT_EQ(usage.status, 2) << usage.output;
  EXPECT_NE(usage.output.find("--year"), std::string::npos) << usage.output;
}

}  // namespace
}  // namespace onestop::testing

namespace onestop::testing {
namespace {

// §3.6's worked example: P1 (poor) at the township health centre, two severe-mental-illness
// visits, then an admission; the second visit cancelled and settled again.
Claim worked_visit(const std::string& bill, const char* day) {
  return ClaimBuilder("poor", Level::primary)
      .patient("P0090001")
      .visit("severe_mental", day)
      .diagnosis("F20.0")
      .a("800.00")
      .item(ItemClass::B, "500.00")
      .bill(bill);
}

TEST(AuditVisits, VisitsAndAdmissionsSideBySideWithEachDiseasesLimit) {
  AuditWorld world;
  world.settle_at(worked_visit("V1", "2020-03-12"), "2020-03-12T02:00:00.000Z");
  const std::int64_t second =
      world.settle_at(worked_visit("V2", "2020-04-12"), "2020-04-12T02:00:00.000Z");
  world.cancel_at(second, "2020-04-12T03:00:00.000Z");
  world.settle_at(worked_visit("V2b", "2020-04-12"), "2020-04-12T04:00:00.000Z");
  Claim admission = ClaimBuilder("poor", Level::city).patient("P0090001").a("3000.00").bill("A1");
  admission.admitted_on = *Date::parse("2020-05-02");
  admission.discharged_on = *Date::parse("2020-05-12");
  world.settle_at(admission, "2020-05-12T02:00:00.000Z");

  const PatientAudit a = world.audit("P0090001");
  EXPECT_EQ(a.live, 3);
  EXPECT_EQ(a.live_visits, 2);
  ASSERT_EQ(a.diseases.size(), 1u);
  EXPECT_EQ(a.diseases[0].id, "severe_mental");
  EXPECT_EQ(a.diseases[0].name, "重性精神病");
  EXPECT_EQ(a.diseases[0].visits, 2);
  EXPECT_EQ(a.diseases[0].paid.to_string(), "2280.00");  // 1 092.50 + 1 187.50
  ASSERT_TRUE(a.diseases[0].left);
  EXPECT_EQ(a.diseases[0].left->to_string(), "3720.00");
  EXPECT_EQ(a.accumulators.admissions, 1);

  const std::string json = reports::audit_json(a);
  EXPECT_NE(json.find(R"("live_visits":2,"diseases":[{"id":"severe_mental","name":"重性精神病",)"
                      R"("visits":2,"paid":"2280.00","limit_annual":"6000.00","left":"3720.00"}])"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("visit":"outpatient_special","special_disease":"severe_mental")"),
            std::string::npos);
  std::ostringstream text;
  reports::write_audit_text(text, a);
  EXPECT_NE(text.str().find("admissions 1, outpatient special-disease visits 2"), std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("severe_mental 重性精神病: 2 visits, basic paid 2280.00 of the "
                            "year's limit 6000.00, left 3720.00"),
            std::string::npos);

  // The office report keeps the visits apart from the admissions.
  reports::ReportQuery q;
  q.year = 2020;
  const auto report = reports::build_report(world.ledger(), world.policies(), q);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->admissions, 1);
  EXPECT_EQ(report->visits, 2);
  ASSERT_EQ(report->by_visit.size(), 2u);
  EXPECT_EQ(report->by_visit[0].special_disease, "");
  EXPECT_EQ(report->by_visit[0].live, 1);
  EXPECT_EQ(report->by_visit[1].special_disease, "severe_mental");
  EXPECT_EQ(report->by_visit[1].live, 2);
  EXPECT_EQ(report->by_visit[1].medical_total.to_string(), "2600.00");  // net of the cancel
  EXPECT_EQ(report->by_visit[1].first_layer_paid.to_string(), "2280.00");
}

}  // namespace
}  // namespace onestop::testing
