// Outpatient special-disease visits in the ledger (domain.md §3.6): the shared cases settled and
// verified, the visits' own accumulators (outpatient deductible, payment per disease) stored
// with each record, given back by a cancellation, and an edit of them found by verify.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "adapters/sqlite/open.hpp"
#include "adapters/store/roster.hpp"
#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)
using store::Outcome;

std::vector<Claim> outpatient_cases() {
  std::vector<Claim> out;
  std::ifstream in(source_path("tests/cases/zhaoshan-2020-outpatient.claims.jsonl"));
  for (std::string line; std::getline(in, line);) {
    auto claim = codec::decode_claim(line);
    if (!claim) throw std::runtime_error("bad case claim: " + claim.error().message);
    out.push_back(std::move(claim).value());
  }
  return out;
}

// Every outpatient case settled, in order; returns the database path.
std::string settled_cases(const std::vector<Claim>& claims) {
  const std::string path = temp_db();
  auto ledger = open_ledger(path);
  std::vector<std::future<store::WriteResult>> futures;
  for (const auto& c : claims) futures.push_back(ledger->settle(settle_job(c)));
  for (auto& f : futures) EXPECT_EQ(f.get().outcome, Outcome::created);
  return path;
}

TEST(OutpatientLedger, TheSharedCasesSettleVerifyAndKeepTheVisitsAccumulators) {
  const auto claims = outpatient_cases();
  const std::string path = settled_cases(claims);
  // The same sequence in memory: the ledger's accumulators must be these, to the fen.
  std::map<std::pair<std::string, int>, Accumulators> expected;
  for (const auto& c : claims) {
    auto& acc = expected[{c.patient_id, c.year()}];
    acc = settle(reference_policy(), c, acc).value().after;
  }
  auto ledger = open_ledger(path);
  int with_disease = 0;
  for (const auto& [key, acc] : expected) {
    EXPECT_EQ(ledger->accumulators(key.first, key.second).first, acc) << key.first;
    for (const auto& [id, totals] : acc.layers) with_disease += !disease_of_key(id).empty();
  }
  EXPECT_GT(with_disease, 10);
  const auto v = verify(path);
  EXPECT_EQ(v.summary.records, static_cast<std::int64_t>(claims.size()));
  EXPECT_EQ(v.summary.differences, 0) << v.text();
}

// The claims of the first person of the cases whose last claim is a visit that basic
// insurance pays for (below the disease's limit), so that the visit moves every accumulator.
std::vector<Claim> person_ending_with_a_paid_visit() {
  std::map<std::string, std::vector<Claim>> by_person;
  std::vector<std::string> order;
  for (const auto& c : outpatient_cases()) {
    if (by_person[c.patient_id].empty()) order.push_back(c.patient_id);
    by_person[c.patient_id].push_back(c);
  }
  for (const auto& id : order) {
    const auto& claims = by_person[id];
    if (claims.size() < 2 || !claims.back().is_visit()) continue;
    Accumulators acc;
    for (std::size_t i = 0; i + 1 < claims.size(); ++i) {
      if (claims[i].year() == claims.back().year()) {
        acc = settle(reference_policy(), claims[i], acc).value().after;
      }
    }
    const Settlement last = settle(reference_policy(), claims.back(), acc).value();
    if (!last.layers.front().paid.is_zero() &&
        last.layers.front().paid < last.layers.front().base) {
      return claims;
    }
  }
  return {};
}

TEST(OutpatientLedger, CancellingTheLatestVisitGivesItsMovementBack) {
  const std::vector<Claim> claims = person_ending_with_a_paid_visit();
  ASSERT_GE(claims.size(), 2u);
  const std::string person = claims.back().patient_id;
  const std::string path = temp_db();
  auto ledger = open_ledger(path);
  for (std::size_t i = 0; i + 1 < claims.size(); ++i) settle_now(*ledger, claims[i]);
  const int year = claims.back().year();
  const Accumulators before = ledger->accumulators(person, year).first;
  const auto visit = settle_now(*ledger, claims.back());
  ASSERT_TRUE(visit.record);
  const Accumulators moved = visit.record->movement;
  EXPECT_FALSE(moved.of(disease_key("basic", claims.back().special_disease)).is_zero());
  EXPECT_EQ(moved.admissions, 0);
  // Read back from the database, the record keeps its derived movement.
  EXPECT_EQ(ledger->get(visit.record->id)->movement, moved);
  EXPECT_EQ(ledger->cancel(cancel_job(visit.record->id)).get().outcome, Outcome::created);
  EXPECT_EQ(ledger->accumulators(person, year).first, before);
  Claim again = claims.back();
  again.bill_no += "-R";
  const auto resettled = settle_now(*ledger, again);
  ASSERT_TRUE(resettled.record);
  EXPECT_EQ(resettled.record->layer_paid, visit.record->layer_paid);
  EXPECT_EQ(resettled.record->movement, moved);
  ledger.reset();
  const auto v = verify(path);
  EXPECT_EQ(v.summary.differences, 0) << v.text();
}

TEST(OutpatientLedger, AnEditedVisitMovementIsFoundByVerify) {
  std::vector<Claim> claims;
  for (const auto& c : outpatient_cases()) {
    if (c.patient_id == "P0030058") claims.push_back(c);
  }
  const std::string path = settled_cases(claims);
  ASSERT_EQ(
      raw_exec(path,
               "DROP TRIGGER record_movements_no_update; "
               "UPDATE record_movements SET paid = paid + 1 WHERE key LIKE 'basic:disease:%'"),
      SQLITE_OK);
  const auto v = verify(path);
  EXPECT_GT(v.summary.differences, 0);
  EXPECT_NE(v.text().find("basic:disease:"), std::string::npos) << v.text();
}

TEST(CertificationsCommand, ImportsTheSampleAndRefusesABadFileWithEveryLine) {
  const std::string dir = test_dir();
  const std::string db = dir + "/var/onestop.db";
  const std::string policies = " --policy-dir " + source_path("config/policies");
  auto run =
      run_onestop("roster import-certifications " +
                  source_path("config/certifications.sample.csv") + " --db " + db + policies);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("imported 6 certifications (5 persons)"), std::string::npos)
      << run.output;

  const std::string bad = dir + "/bad.csv";
  std::ofstream(bad) << "patient_id,disease,valid_from,valid_to\n"
                     << "N1,severe_mental,2020-01-01,\n"
                     << "N2,hay_fever,2020-01-01,\n"
                     << "N1,severe_mental,2020-03-01,2020-04-30\n";
  run = run_onestop("roster import-certifications " + bad + " --db " + db + policies);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find(bad + ":3: disease: unknown special disease 'hay_fever'"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find(bad + ":4: valid_from: the certification 2020-03-01..2020-04-30 of "
                                  "N1 for severe_mental overlaps the one on line 2"),
            std::string::npos)
      << run.output;
  auto roster = std::move(sqlite::open_roster(db)).value();
  EXPECT_TRUE(roster->certifications("N1").empty());  // nothing written
  const auto kept = roster->certifications("P0010002");
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].disease, "pneumoconiosis");
  EXPECT_EQ(kept[1].disease, "uremia_dialysis");
  EXPECT_EQ(kept[1].valid_from.to_string(), "2020-03-01");
  EXPECT_EQ(run_onestop("roster import-certifications").status, 2);
}

}  // namespace
}  // namespace onestop
