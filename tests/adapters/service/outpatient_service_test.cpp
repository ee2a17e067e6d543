// Outpatient special-disease visits through the service (domain.md §3.6): the certification
// from the roster, the refusals, cancel and re-settle on the real ledger, the admission check's
// certifications and the certification import.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "adapters/service/settlement_service.hpp"
#include "service_fixture.hpp"

namespace onestop::service {
namespace {

using onestop::testing::RequestBuilder;
using onestop::testing::ServiceWorld;

// §3.6's worked example at the township health centre H3 (primary, in region): P1 is poor and
// certified severe_mental; F20.0; items A 800.00 and B 500.00.
RequestBuilder worked_visit(const std::string& bill = "V1", const std::string& day = "2020-03-12") {
  RequestBuilder r;
  r.hospital("H3").bill(bill).visit("severe_mental", day);
  r.diagnoses = R"(["F20.0"])";
  r.with_items(R"([{"code":"M1","name":"氯氮平","class":"A","amount":"800.00"},)"
               R"({"code":"M2","name":"利培酮","class":"B","amount":"500.00"}])");
  return r;
}

std::string member(const std::string& json, const std::string& key) {
  const auto obj = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  return obj->getValue<std::string>(key);
}

class OutpatientServiceTest : public ::testing::Test {
 protected:
  const SettlementService& svc() { return world_.service(); }
  Accumulators accumulators(const std::string& patient = "P1") {
    return world_.ledger().accumulators(patient, 2020).first;
  }
  store::StoredRecord settle_ok(const RequestBuilder& request) {
    auto out = svc().settle(request.json());
    if (!out) {
      ADD_FAILURE() << out.error().code << " " << out.error().field << " " << out.error().message;
      return {};
    }
    EXPECT_EQ(out->status, WriteStatus::created);
    return *out->record;
  }
  std::string refusal(const RequestBuilder& request) {
    auto out = svc().settle(request.json());
    if (!out) return out.error().code + " @" + out.error().field;
    return out->status == WriteStatus::created ? "settled" : "not created";
  }
  ServiceWorld world_;
};

TEST_F(OutpatientServiceTest, ACertifiedPersonsMonthlyVisitsSettleToTheFen) {
  const store::StoredRecord first = settle_ok(worked_visit("V1", "2020-03-12"));
  EXPECT_EQ(first.patient_pays.to_string(), "112.50");
  EXPECT_EQ(member(first.result_json, "visit"), "outpatient_special");
  EXPECT_EQ(member(first.result_json, "special_disease"), "severe_mental");
  const store::StoredRecord second = settle_ok(worked_visit("V2", "2020-04-12"));
  EXPECT_EQ(second.patient_pays.to_string(), "81.25");
  const Accumulators acc = accumulators();
  EXPECT_EQ(acc.admissions, 0);
  EXPECT_EQ(acc.of(outpatient_key("basic")).deductible_charged.to_string(), "100.00");
  EXPECT_EQ(acc.of(disease_key("basic", "severe_mental")).paid.to_string(), "2280.00");
  // The claim keeps the visit, so a replay and the ledger's replays see it.
  EXPECT_NE(first.claim_json.find("\"visit\":\"outpatient_special\""), std::string::npos);
}

TEST_F(OutpatientServiceTest, RefusesAVisitWithoutACertificationOnTheVisitDate) {
  EXPECT_EQ(refusal(worked_visit().patient("P4")), "not_certified @special_disease");
  // P3: pneumoconiosis from 2020-02-01 to 2020-06-30 only.
  RequestBuilder p3 = worked_visit("V3").patient("P3");
  p3.visit("pneumoconiosis", "2020-01-15");
  EXPECT_EQ(refusal(p3), "not_certified @special_disease");  // not yet
  p3.visit("pneumoconiosis", "2020-07-01");
  EXPECT_EQ(refusal(p3), "not_certified @special_disease");  // no longer
  p3.visit("pneumoconiosis", "2020-06-30");
  EXPECT_EQ(refusal(p3), "settled");
  // Certified for one disease is not certified for another.
  RequestBuilder other = worked_visit("V4");
  other.visit("uremia_dialysis");
  EXPECT_EQ(refusal(other), "not_certified @special_disease");
  EXPECT_EQ(world_.ledger().record_count(), 1);
}

TEST_F(OutpatientServiceTest, RefusesADiseaseThePolicyDoesNotList) {
  RequestBuilder r = worked_visit();
  r.visit("hay_fever");
  EXPECT_EQ(refusal(r), "unknown_special_disease @special_disease");
  EXPECT_EQ(world_.ledger().record_count(), 0);
}

TEST_F(OutpatientServiceTest, AHospitalCannotDeclareACertificationOrAVisitWithoutDisease) {
  RequestBuilder r = worked_visit();
  r.visit_members = R"(,"visit":"outpatient_special")";
  EXPECT_EQ(refusal(r), "missing_field @special_disease");
  r.visit_members = R"(,"visit":"outpatient_special","special_disease":"severe_mental",)"
                    R"("certified":true)";
  EXPECT_EQ(refusal(r), "unknown_field @certified");
  r.visit_members = R"(,"visit":"day_care","special_disease":"severe_mental")";
  EXPECT_EQ(refusal(r), "unknown_visit @visit");
  r.visit_members = R"(,"special_disease":"severe_mental")";
  EXPECT_EQ(refusal(r), "special_disease_not_applicable @special_disease");
}

TEST_F(OutpatientServiceTest, CancelGivesBackTheVisitsDeductibleAndDiseasePayment) {
  settle_ok(worked_visit("V1", "2020-03-12"));
  const Accumulators after_first = accumulators();
  const store::StoredRecord second = settle_ok(worked_visit("V2", "2020-04-12"));
  auto cancelled = svc().cancel(second.id, R"({"reason":"录入错误"})");
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(accumulators(), after_first);
  // Re-settling the cancelled visit under a new bill gives the same amounts.
  const store::StoredRecord again = settle_ok(worked_visit("V2b", "2020-04-12"));
  EXPECT_EQ(again.layer_paid, second.layer_paid);
  EXPECT_EQ(again.patient_pays, second.patient_pays);
  // Cancelling the first visit too leaves nothing of the year.
  ASSERT_TRUE(svc().cancel(again.id, R"({"reason":"x"})"));
  ASSERT_TRUE(svc().cancel(1, R"({"reason":"x"})"));
  EXPECT_TRUE(accumulators().layers.empty());
}

TEST_F(OutpatientServiceTest, AnAdmissionAfterAVisitIsTheYearsFirstAdmission) {
  settle_ok(worked_visit());
  const store::StoredRecord admission =
      settle_ok(RequestBuilder().bill("A1").dates("2020-05-02", "2020-05-12"));
  EXPECT_EQ(admission.movement.admissions, 1);
  EXPECT_EQ(accumulators().admissions, 1);
}

TEST_F(OutpatientServiceTest, AdmissionCheckAnswersTheCertifications) {
  auto check = svc().check_admission(
      R"({"hospital_id":"H3","patient":{"id":"P3"},"admitted_on":"2020-07-15","referral":false})");
  ASSERT_TRUE(check) << check.error().message;
  ASSERT_EQ(check->certifications.size(), 1u);
  const CertificationOutlook& c = check->certifications[0];
  EXPECT_EQ(c.certification.disease, "pneumoconiosis");
  EXPECT_FALSE(c.holds);  // ended 2020-06-30
  EXPECT_EQ(c.name, "尘肺病");
  ASSERT_TRUE(c.limit_annual);
  EXPECT_EQ(c.limit_annual->to_string(), "10000.00");
}

TEST_F(OutpatientServiceTest, CertificationImportIsAllOrNothingWithEveryBadLine) {
  const std::string bad =
      "patient_id,disease,valid_from,valid_to\n"
      "P4,severe_mental,2020-01-01,\n"
      "P4,hay_fever,2020-01-01,\n"
      "P5,severe_mental,2020-13-01,\n"
      "P4,severe_mental,2020-06-01,2020-12-31\n"
      ",uremia_dialysis,2020-01-01,\n";
  auto refused = svc().import_certifications(bad);
  ASSERT_TRUE(refused) << refused.error().message;
  ASSERT_EQ(refused->errors.size(), 4u);
  EXPECT_EQ(refused->errors[0].line, 3u);
  EXPECT_EQ(refused->errors[0].column, "disease");
  EXPECT_EQ(refused->errors[1].line, 4u);
  EXPECT_EQ(refused->errors[1].column, "valid_from");
  EXPECT_EQ(refused->errors[2].line, 5u);  // overlaps line 2
  EXPECT_EQ(refused->errors[2].column, "valid_from");
  EXPECT_EQ(refused->errors[3].line, 6u);
  EXPECT_EQ(refused->errors[3].column, "patient_id");
  EXPECT_EQ(refusal(worked_visit()), "settled");  // P1 still certified: nothing changed

  auto imported = svc().import_certifications(
      "patient_id,disease,valid_from,valid_to\nP4,severe_mental,2020-01-01,\n");
  ASSERT_TRUE(imported);
  EXPECT_TRUE(imported->errors.empty());
  EXPECT_EQ(imported->rows, 1u);
  EXPECT_EQ(refusal(worked_visit("V2").patient("P4")), "settled");
  EXPECT_EQ(refusal(worked_visit("V3")), "not_certified @special_disease");  // P1's replaced
}

}  // namespace
}  // namespace onestop::service
