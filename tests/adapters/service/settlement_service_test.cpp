// The settlement service on a real ledger: settle, replay, conflict, trial, cancel, the
// registries' refusals, the roster's category by date, the admission check and the slip data.
#include "adapters/service/settlement_service.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>

#include "service_fixture.hpp"

namespace onestop::service {
namespace {

using onestop::testing::RequestBuilder;
using onestop::testing::ServiceWorld;

bool is_empty(const Accumulators& acc) {
  return acc.admissions == 0 && std::all_of(acc.layers.begin(), acc.layers.end(),
                                            [](const auto& kv) { return kv.second.is_zero(); });
}

// The same JSON with spaces after every ':' and ',' (none of the builder's strings hold one).
std::string spaced(std::string json) {
  std::string out;
  for (char c : json) {
    out += c;
    if (c == ':' || c == ',') out += "  ";
  }
  return "\n " + out + " \n";
}

class SettlementServiceTest : public ::testing::Test {
 protected:
  const SettlementService& svc() { return world_.service(); }
  Accumulators accumulators(const std::string& patient = "P1") {
    return world_.ledger().accumulators(patient, 2020).first;
  }
  store::StoredRecord settle_ok(const RequestBuilder& request) {
    auto out = svc().settle(request.json());
    if (!out) ADD_FAILURE() << out.error().code << " " << out.error().field;
    EXPECT_EQ(out->status, WriteStatus::created);
    return *out->record;
  }
  ServiceWorld world_;
};

TEST_F(SettlementServiceTest, SettleCreatesAndAnIdenticalRequestReplays) {
  const store::StoredRecord first = settle_ok(RequestBuilder());
  EXPECT_EQ(first.hospital_id, "H2");
  EXPECT_EQ(first.bill_no, "B1");
  EXPECT_EQ(first.patient_id, "P1");
  EXPECT_EQ(first.year, 2020);
  EXPECT_EQ(first.policy_id, "zhaoshan-2020");
  auto again = svc().settle(spaced(RequestBuilder().json()));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->status, WriteStatus::replayed);
  EXPECT_EQ(again->record->id, first.id);
  EXPECT_EQ(again->record->result_json, first.result_json);
  EXPECT_EQ(world_.ledger().record_count(), 1);
}

TEST_F(SettlementServiceTest, ADifferentRequestUnderTheSameKeyIsAConflictNamingTheKey) {
  const store::StoredRecord first = settle_ok(RequestBuilder());
  auto other = svc().settle(
      RequestBuilder()
          .with_items(R"([{"code":"X1","name":"床位费","class":"A","amount":"12000.01"}])")
          .json());
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(other->status, WriteStatus::conflict);
  EXPECT_EQ(other->conflict->code, "idempotency_conflict");
  EXPECT_EQ(other->conflict->field, "bill_no");
  EXPECT_EQ(other->key_hospital_id, "H2");
  EXPECT_EQ(other->key_bill_no, "B1");
  ASSERT_TRUE(other->record);
  EXPECT_EQ(other->record->id, first.id);
  EXPECT_EQ(world_.ledger().record_count(), 1);
}

TEST_F(SettlementServiceTest, TrialWritesNothingAndEqualsTheSettlement) {
  auto trial = svc().trial(RequestBuilder().json());
  ASSERT_TRUE(trial) << trial.error().message;
  EXPECT_EQ(trial->snapshot_id, 0);
  EXPECT_EQ(world_.ledger().record_count(), 0);
  EXPECT_TRUE(is_empty(accumulators()));
  const store::StoredRecord settled = settle_ok(RequestBuilder());
  EXPECT_EQ(settled.result_json, trial->result_json);
  auto next = svc().trial(RequestBuilder().bill("B2").dates("2020-04-01", "2020-04-09").json());
  ASSERT_TRUE(next);
  EXPECT_EQ(next->snapshot_id, settled.id);
  EXPECT_EQ(next->settlement.before, accumulators());
  EXPECT_EQ(world_.ledger().record_count(), 1);
}

TEST_F(SettlementServiceTest, CancelRestoresTheAccumulatorsAndReplays) {
  const store::StoredRecord a = settle_ok(RequestBuilder());
  const Accumulators after_a = accumulators();
  const store::StoredRecord b =
      settle_ok(RequestBuilder().bill("B2").dates("2020-04-01", "2020-04-09"));
  EXPECT_NE(accumulators(), after_a);
  auto cancel_b = svc().cancel(b.id, R"({"reason":"录入错误"})");
  ASSERT_TRUE(cancel_b) << cancel_b.error().message;
  ASSERT_EQ(cancel_b->status, WriteStatus::created);
  EXPECT_EQ(cancel_b->record->kind, store::RecordKind::cancellation);
  EXPECT_EQ(cancel_b->record->cancels, b.id);
  EXPECT_EQ(cancel_b->record->total, -b.total);
  EXPECT_EQ(accumulators(), after_a);
  EXPECT_EQ(svc().get(b.id)->cancelled_by, cancel_b->record->id);

  auto again = svc().cancel(b.id, R"({"reason":"录入错误"})");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, WriteStatus::replayed);
  EXPECT_EQ(again->record->id, cancel_b->record->id);
  auto other_reason = svc().cancel(b.id, R"({"reason":"another"})");
  ASSERT_TRUE(other_reason);
  EXPECT_EQ(other_reason->status, WriteStatus::conflict);
  EXPECT_EQ(other_reason->conflict->code, "already_cancelled");

  auto cancel_a = svc().cancel(a.id, R"({"reason":"退费"})");
  ASSERT_TRUE(cancel_a);
  EXPECT_EQ(cancel_a->status, WriteStatus::created);
  EXPECT_TRUE(is_empty(accumulators()));
}

TEST_F(SettlementServiceTest, CancellingAnEarlierSettlementIsBlockedByTheLaterOnes) {
  const store::StoredRecord a = settle_ok(RequestBuilder());
  const store::StoredRecord b =
      settle_ok(RequestBuilder().bill("B2").dates("2020-04-01", "2020-04-09"));
  auto out = svc().cancel(a.id, R"({"reason":"x"})");
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->status, WriteStatus::conflict);
  EXPECT_EQ(out->conflict->code, "not_latest");
  EXPECT_EQ(out->blocking, std::vector<std::int64_t>{b.id});
  EXPECT_EQ(world_.ledger().record_count(), 2);
}

TEST_F(SettlementServiceTest, CancelNeedsAKnownSettlementAndAReason) {
  auto missing = svc().cancel(99, R"({"reason":"x"})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "not_found");
  const store::StoredRecord a = settle_ok(RequestBuilder());
  auto no_reason = svc().cancel(a.id, "{}");
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().field, "reason");
  EXPECT_FALSE(svc().get(a.id)->cancelled_by);
}

struct Refusal {
  std::string name;
  RequestBuilder request;
  std::string code;
  std::string field;
};

TEST_F(SettlementServiceTest, RegistriesRefuseInAFixedOrderAndNothingIsWritten) {
  const std::vector<Refusal> cases = {
      {"unknown hospital", RequestBuilder().hospital("H99").patient("P99"), "unknown_hospital",
       "hospital_id"},
      {"not designated", RequestBuilder().hospital("H9"), "hospital_not_designated", "hospital_id"},
      {"unknown patient", RequestBuilder().patient("P99"), "unknown_patient", "patient.id"},
      {"off the roster on the date", RequestBuilder().patient("P5"), "not_on_roster", "patient.id"},
      {"no policy", RequestBuilder().patient("P5").dates("2019-03-02", "2019-03-12"), "no_policy",
       "discharged_on"},
  };
  for (const Refusal& c : cases) {
    auto settled = svc().settle(c.request.json());
    ASSERT_FALSE(settled) << c.name;
    EXPECT_EQ(settled.error().code, c.code) << c.name;
    EXPECT_EQ(settled.error().field, c.field) << c.name;
    auto trial = svc().trial(c.request.json());
    ASSERT_FALSE(trial) << c.name;
    EXPECT_EQ(trial.error().code, c.code) << c.name;
  }
  EXPECT_EQ(world_.ledger().record_count(), 0);
}

TEST_F(SettlementServiceTest, TheCategoryIsTheRostersOnTheAdmissionDate) {
  auto before = svc().trial(RequestBuilder().patient("P2").json());
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_EQ(before->settlement.category, "resident");
  // Admitted on the last resident day, discharged after the change: the admission decides.
  auto boundary =
      svc().trial(RequestBuilder().patient("P2").dates("2020-06-30", "2020-07-05").json());
  ASSERT_TRUE(boundary);
  EXPECT_EQ(boundary->settlement.category, "resident");
  auto after = svc().trial(RequestBuilder().patient("P2").dates("2020-07-01", "2020-07-05").json());
  ASSERT_TRUE(after);
  EXPECT_EQ(after->settlement.category, "poor");
}

// The basic layer's ratio detail (as the result JSON carries it): it shows the level the
// registry gave (poor: +0.10).
std::string basic_ratio(const TrialOutcome& t) {
  Poco::JSON::Parser parser;
  const auto doc = parser.parse(t.result_json).extract<Poco::JSON::Object::Ptr>();
  return doc->getArray("layers")->getObject(0)->getObject("details")->getValue<std::string>(
      "ratio");
}

TEST_F(SettlementServiceTest, LevelAndRegionAreTheRegistrys) {
  auto city = svc().trial(RequestBuilder().hospital("H2").json());
  auto township = svc().trial(RequestBuilder().hospital("H3").json());
  ASSERT_TRUE(city && township);
  EXPECT_EQ(basic_ratio(*city), "0.75");
  EXPECT_EQ(basic_ratio(*township), "0.95");
  auto away = svc().trial(RequestBuilder().hospital("H1").json());
  auto referred = svc().trial(RequestBuilder().hospital("H1").with_referral(true).json());
  ASSERT_TRUE(away && referred);
  EXPECT_FALSE(away->settlement.layers.back().eligible);  // backstop: in region or referral
  EXPECT_TRUE(referred->settlement.layers.back().eligible);
}

TEST_F(SettlementServiceTest, PatientLedgerListsRecordsAndAccumulators) {
  const store::StoredRecord a = settle_ok(RequestBuilder());
  settle_ok(RequestBuilder().bill("B2").dates("2020-04-01", "2020-04-09"));
  auto ledger = svc().patient_ledger("P1", 2020);
  ASSERT_TRUE(ledger) << ledger.error().message;
  EXPECT_EQ(ledger->records.size(), 2u);
  EXPECT_EQ(ledger->accumulators, accumulators());
  EXPECT_EQ(ledger->accumulators.admissions, 2);
  EXPECT_EQ(ledger->snapshot_id, a.id + 1);
  auto empty_year = svc().patient_ledger("P1", 2019);
  ASSERT_TRUE(empty_year);
  EXPECT_TRUE(empty_year->records.empty());
  EXPECT_EQ(svc().patient_ledger("P99", 2020).error().code, "not_found");
  EXPECT_EQ(svc().patient_ledger("P1", 20).error().code, "bad_year");
}

std::string admission(const std::string& hospital, const std::string& patient, bool referral) {
  return R"({"hospital_id":")" + hospital + R"(","patient":{"id":")" + patient +
         R"("},"admitted_on":"2020-05-01","referral":)" + (referral ? "true" : "false") + "}";
}

TEST_F(SettlementServiceTest, AdmissionCheckAnswersDepositLayersAndAccumulators) {
  const store::StoredRecord a = settle_ok(RequestBuilder());
  auto poor = svc().check_admission(admission("H2", "P1", false));
  ASSERT_TRUE(poor) << poor.error().message;
  EXPECT_EQ(poor->category, "poor");
  EXPECT_TRUE(poor->without_deposit) << poor->deposit_reason;
  EXPECT_EQ(poor->policy_id, "zhaoshan-2020");
  ASSERT_EQ(poor->layers.size(), 4u);
  for (const LayerOutlook& l : poor->layers) EXPECT_TRUE(l.eligible) << l.id << l.reason;
  EXPECT_EQ(poor->accumulators.admissions, 1);
  EXPECT_EQ(poor->snapshot_id, a.id);

  auto resident = svc().check_admission(admission("H2", "P4", false));
  ASSERT_TRUE(resident);
  EXPECT_FALSE(resident->without_deposit);
  EXPECT_FALSE(resident->layers[2].eligible);
  EXPECT_FALSE(resident->layers[2].reason.empty());

  EXPECT_FALSE(svc().check_admission(admission("H1", "P1", false))->without_deposit);
  EXPECT_TRUE(svc().check_admission(admission("H1", "P1", true))->without_deposit);
  auto undesignated = svc().check_admission(admission("H9", "P1", false));
  ASSERT_TRUE(undesignated);
  EXPECT_FALSE(undesignated->without_deposit);
  EXPECT_NE(undesignated->deposit_reason.find("designated"), std::string::npos);
  EXPECT_EQ(svc().check_admission(admission("H99", "P1", false)).error().code, "unknown_hospital");
  EXPECT_EQ(svc().check_admission(admission("H2", "P99", false)).error().code, "unknown_patient");
  EXPECT_EQ(world_.ledger().record_count(), 1);
}

TEST(SettlementServiceOptions, NoDepositCategoriesAreConfigurable) {
  ServiceWorld world(ServiceOptions{{"extreme_poor"}, {}});
  auto poor = world.service().check_admission(admission("H2", "P1", false));
  ASSERT_TRUE(poor);
  EXPECT_FALSE(poor->without_deposit);
  auto extreme = world.service().check_admission(admission("H2", "P3", false));
  ASSERT_TRUE(extreme);
  EXPECT_TRUE(extreme->without_deposit);
}

// The configured claim limits (ServiceOptions::claim_limits, the onestop.limits.* settings)
// reach every decoding of a hospital's request: settle, trial and the admission check. The
// default request has 2 items, an item of 12000.00 and the 5-byte diagnosis "J18.9".
TEST(SettlementServiceOptions, ClaimLimitsAreConfigurable) {
  ServiceOptions options;
  options.claim_limits.items_per_claim = 2;
  options.claim_limits.item_amount_max = Money::from_fen(1'200'000);
  options.claim_limits.diagnosis_bytes = 5;
  ServiceWorld world(options);
  const SettlementService& svc = world.service();
  auto at = svc.settle(RequestBuilder().json());
  ASSERT_TRUE(at) << at.error().field << ": " << at.error().message;
  EXPECT_EQ(at->status, WriteStatus::created);

  const std::string three_items =
      R"([{"code":"X1","name":"","class":"A","amount":"1.00"},)"
      R"({"code":"X2","name":"","class":"A","amount":"1.00"},)"
      R"({"code":"X3","name":"","class":"A","amount":"1.00"}])";
  const std::string body = RequestBuilder().bill("B2").with_items(three_items).json();
  auto settled = svc.settle(body);
  ASSERT_FALSE(settled);
  EXPECT_EQ(settled.error().code, "too_many");
  EXPECT_EQ(settled.error().field, "items");
  EXPECT_NE(settled.error().message.find("more than 2"), std::string::npos);
  auto trial = svc.trial(body);
  ASSERT_FALSE(trial);
  EXPECT_EQ(trial.error().field, "items");
  const std::string dearer = R"([{"code":"X1","name":"","class":"A","amount":"12000.01"}])";
  auto too_large = svc.settle(RequestBuilder().bill("B3").with_items(dearer).json());
  ASSERT_FALSE(too_large);
  EXPECT_EQ(too_large.error().code, "amount_too_large");
  EXPECT_EQ(too_large.error().field, "items[0].amount");
  EXPECT_EQ(world.ledger().record_count(), 1);

  std::string query = admission("H2", "P1", false);
  query.insert(query.size() - 1, R"(,"diagnoses":["J18.9"])");
  EXPECT_TRUE(svc.check_admission(query));
  query.replace(query.find("J18.9"), 5, "J18.90");
  auto refused = svc.check_admission(query);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "bad_diagnosis");
  EXPECT_EQ(refused.error().field, "diagnoses[0]");
}

TEST_F(SettlementServiceTest, SlipDataJoinsTheRegistriesAndMasksTheIdNumber) {
  const store::StoredRecord a = settle_ok(RequestBuilder());
  auto slip = svc().slip(a.id);
  ASSERT_TRUE(slip) << slip.error().message;
  EXPECT_EQ(slip->patient_name, "测试<P1>");
  EXPECT_EQ(slip->id_number_masked, "430300********1234");
  ASSERT_TRUE(slip->hospital);
  EXPECT_EQ(slip->hospital->name, "湘潭市第三人民医院");
  EXPECT_EQ(slip->claim.items.size(), 2u);
  ASSERT_NE(slip->policy, nullptr);
  EXPECT_FALSE(slip->cancellation);
  auto cancel = svc().cancel(a.id, R"({"reason":"x"})");
  ASSERT_TRUE(cancel);
  auto of_cancellation = svc().slip(cancel->record->id);
  ASSERT_TRUE(of_cancellation);
  EXPECT_EQ(of_cancellation->settlement.id, a.id);
  ASSERT_TRUE(of_cancellation->cancellation);
  EXPECT_EQ(of_cancellation->cancellation->id, cancel->record->id);
  EXPECT_EQ(svc().slip(999).error().code, "not_found");
}

TEST_F(SettlementServiceTest, ConcurrentSettlesOfOnePersonAddUp) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 6;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string patient = "P" + std::to_string(6 + (t + i) % 4);
        auto out = svc().settle(RequestBuilder()
                                    .patient(patient)
                                    .bill("T" + std::to_string(t) + "-" + std::to_string(i))
                                    .json());
        EXPECT_TRUE(out && out->status == WriteStatus::created);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(world_.ledger().record_count(), kThreads * kPerThread);
  for (int p = 6; p <= 9; ++p) {
    const std::string patient = "P" + std::to_string(p);
    Accumulators sum;
    for (const auto& r : world_.ledger().for_patient(patient, 2020)) sum = sum + r.movement;
    EXPECT_EQ(sum, accumulators(patient)) << patient;
    EXPECT_EQ(sum.admissions, kThreads * kPerThread / 4) << patient;
  }
}

}  // namespace
}  // namespace onestop::service
