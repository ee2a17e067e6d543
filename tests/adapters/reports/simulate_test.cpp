// What-if re-settlement: the same policy changes nothing (also after a cancellation); a lower
// backstop ceiling moves the backstop fund and the patient's share only, by the hand-worked
// amounts, and gives exactly what settling the same sequence under that policy gives.
#include "adapters/reports/simulate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "adapters/codec/csv.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"

namespace onestop::testing {
namespace {

const Policy& test_policy(const std::string& name) {
  static std::map<std::string, Policy> loaded;
  auto it = loaded.find(name);
  if (it == loaded.end()) {
    auto p = policy::load_policy_file(source_path("tests/adapters/reports/data/" + name + ".json"));
    if (!p) throw std::runtime_error(p.error().message);
    it = loaded.emplace(name, std::move(p).value()).first;
  }
  return it->second;
}

const Policy& backstop_8() { return test_policy("zhaoshan-2020-backstop-8"); }

// A settle job computed under `policy` (the fixtures' settle_job uses the reference policy).
store::SettleJob job_under(const Policy& policy, const Claim& claim) {
  store::SettleJob job = settle_job(claim);
  job.policy_text = policy.text;
  job.compute = [&policy, claim](const Accumulators& before) {
    return compute(policy, claim, before);
  };
  return job;
}

// The persons whose first 2020 settlement is cancelled right after it is made, so that their
// later settlements were settled after a cancellation.
const std::set<std::string> kCancelFirst = {"P0010018", "P0010010", "P0010031"};

// Settles the shared cases' 2020 claims in file order under `policy`, cancelling the first
// settlement of each person of kCancelFirst at once. Returns the number of live settlements.
int settle_cases(store::Ledger& ledger, const Policy& policy) {
  std::set<std::string> seen;
  int live = 0;
  for (const Claim& claim : claims_2020()) {
    store::WriteResult r = ledger.settle(job_under(policy, claim)).get();
    EXPECT_EQ(r.outcome, store::Outcome::created) << claim.bill_no;
    ++live;
    if (kCancelFirst.contains(claim.patient_id) && seen.insert(claim.patient_id).second) {
      EXPECT_EQ(ledger.cancel(cancel_job(r.record->id)).get().outcome, store::Outcome::created);
      --live;
    }
  }
  return live;
}

// A canonical claim of poor patient `patient` at the city No. 3 hospital, one class A item.
Claim city_claim(const std::string& patient, const std::string& bill, const char* amount) {
  const std::string json =
      "{\"hospital_id\":\"H2\",\"bill_no\":\"" + bill + "\",\"patient\":{\"id\":\"" + patient +
      "\",\"category\":\"poor\"},\"hospital\":{\"level\":\"city\",\"in_region\":true},"
      "\"referral\":false,\"admitted_on\":\"2020-03-02\",\"discharged_on\":\"2020-03-12\","
      "\"diagnoses\":[\"J18.9\"],\"items\":[{\"code\":\"X1\",\"name\":\"床位费\",\"class\":\"A\","
      "\"amount\":\"" +
      amount + "\"}]}";
  auto claim = codec::decode_claim(json);
  if (!claim) throw std::runtime_error(claim.error().message);
  return std::move(claim).value();
}

// The CSV's rows (header first) without the byte-order mark.
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  codec::CsvReader reader(std::string_view(text).substr(codec::kUtf8Bom.size()));
  while (!reader.done()) rows.push_back(reader.next().fields);
  return rows;
}

// The column named `name` of the header.
std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  EXPECT_NE(it, header.end()) << name;
  return static_cast<std::size_t>(it - header.begin());
}

const reports::FundComparison& fund(const reports::SimulationReport& r, const std::string& code) {
  for (const auto& f : r.funds) {
    if (f.fund == code) return f;
  }
  throw std::runtime_error("no fund " + code);
}

class SimulateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_dir();
    ledger_ = open_ledger(dir_ + "/ledger.db");
  }

  reports::SimulationReport run(const Policy& policy, reports::SimulateOptions options = {}) {
    csv_.str("");
    options.diff_csv = &csv_;
    return reports::simulate(*ledger_, policy, 2020, options);
  }

  std::string dir_;
  std::unique_ptr<store::Ledger> ledger_;
  std::ostringstream csv_;
};

TEST_F(SimulateTest, TheSamePolicyChangesNothingAlsoAfterCancellations) {
  const int live = settle_cases(*ledger_, reference_policy());
  const auto r = run(reference_policy());
  EXPECT_EQ(r.settlements, live);
  EXPECT_EQ(r.skipped_cancelled, 3);
  EXPECT_EQ(r.refused, 0);
  EXPECT_EQ(r.settlements_changed, 0);
  EXPECT_EQ(r.settlements_patient_pays_changed, 0);
  EXPECT_EQ(r.persons_patient_pays_changed, 0);
  EXPECT_TRUE(r.largest.empty());
  ASSERT_EQ(r.funds.size(), 4u);
  for (const auto& f : r.funds) EXPECT_EQ(f.old_paid, f.new_paid) << f.fund;
  EXPECT_EQ(r.old_patient_pays, r.new_patient_pays);
  EXPECT_GT(fund(r, "640100").old_paid, Money{});  // the cases do reach the backstop
  EXPECT_EQ(csv_rows(csv_.str()).size(), 1u);      // the header only
}

TEST_F(SimulateTest, ALowerBackstopCeilingMovesTheBackstopAndThePatientByHand) {
  // in_policy 12000.00 for a poor person at a city hospital: basic (12000 − 400) × 0.75 =
  // 8700.00; critical 0 (3300.00 under the threshold 7500); special 3300 × 0.5 = 1650.00;
  // what stays 1650.00. Backstop at 10 %: allowed 1200.00, pays 450.00; at 8 %: allowed
  // 960.00, pays 690.00. The patient pays 1200.00, then 960.00.
  settle_now(*ledger_, city_claim("P0010018", "HAND-1", "12000.00"));
  const auto r = run(backstop_8());
  EXPECT_EQ(fund(r, "390100").new_paid, yuan("8700.00"));
  EXPECT_EQ(fund(r, "390200").new_paid, yuan("0.00"));
  EXPECT_EQ(fund(r, "620100").new_paid, yuan("1650.00"));
  EXPECT_EQ(fund(r, "640100").old_paid, yuan("450.00"));
  EXPECT_EQ(fund(r, "640100").new_paid, yuan("690.00"));
  EXPECT_EQ(r.old_patient_pays, yuan("1200.00"));
  EXPECT_EQ(r.new_patient_pays, yuan("960.00"));
  ASSERT_EQ(r.largest.size(), 1u);
  EXPECT_EQ(r.largest[0].difference(), yuan("-240.00"));
  const auto rows = csv_rows(csv_.str());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][column(rows[0], "640100_diff")], "240.00");
  EXPECT_EQ(rows[1][column(rows[0], "patient_pays_old")], "1200.00");
  EXPECT_EQ(rows[1][column(rows[0], "patient_pays_new")], "960.00");
  EXPECT_EQ(rows[1][column(rows[0], "patient_pays_diff")], "-240.00");
  EXPECT_EQ(rows[1][column(rows[0], "bill_no")], "HAND-1");
}

TEST_F(SimulateTest, ALowerCeilingMovesOnlyTheBackstopAndConservesEverySettlement) {
  settle_cases(*ledger_, reference_policy());
  const auto r = run(backstop_8());
  for (const char* unchanged : {"390100", "390200", "620100"}) {
    EXPECT_EQ(fund(r, unchanged).old_paid, fund(r, unchanged).new_paid) << unchanged;
  }
  EXPECT_GT(fund(r, "640100").difference(), Money{});
  EXPECT_EQ(fund(r, "640100").difference(), r.old_patient_pays - r.new_patient_pays);
  EXPECT_GT(r.settlements_patient_pays_changed, 0);
  EXPECT_EQ(r.settlements_changed, r.settlements_patient_pays_changed);
  const auto rows = csv_rows(csv_.str());
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(r.settlements_changed) + 1);
  const auto& h = rows[0];
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    for (const char* col : {"390100_diff", "390200_diff", "620100_diff", "other_diff"}) {
      EXPECT_EQ(row[column(h, col)], "0.00") << col << " of record " << row[0];
    }
    const auto stored = ledger_->get(std::stoll(row[0]));
    ASSERT_TRUE(stored);
    Money old_sum = *Money::parse(row[column(h, "patient_pays_old")]);
    Money new_sum = *Money::parse(row[column(h, "patient_pays_new")]);
    for (const char* f : {"390100", "390200", "620100", "640100", "other"}) {
      old_sum += *Money::parse(row[column(h, std::string(f) + "_old")]);
      new_sum += *Money::parse(row[column(h, std::string(f) + "_new")]);
    }
    EXPECT_EQ(old_sum, stored->total) << "record " << row[0];
    EXPECT_EQ(new_sum, stored->total) << "record " << row[0];
  }
}

TEST_F(SimulateTest, TheDifferencesAreWhatSettlingUnderTheNewPolicyGives) {
  settle_cases(*ledger_, reference_policy());
  auto oracle = open_ledger(dir_ + "/oracle.db");
  settle_cases(*oracle, backstop_8());
  const auto r = run(backstop_8());
  const auto rows = csv_rows(csv_.str());
  std::set<std::string> listed;
  for (std::size_t i = 1; i < rows.size(); ++i) listed.insert(rows[i][column(rows[0], "bill_no")]);
  int live = 0;
  ledger_->scan([&](const store::StoredRecord& old) {
    if (old.kind != store::RecordKind::settlement || old.cancelled_by) return true;
    ++live;
    const auto now = oracle->find(old.hospital_id, old.bill_no);
    EXPECT_TRUE(now);
    if (!now) return true;
    const bool changed = now->patient_pays != old.patient_pays || now->fund_paid != old.fund_paid;
    EXPECT_EQ(listed.contains(old.bill_no), changed) << old.bill_no;
    return true;
  });
  EXPECT_EQ(r.settlements, live);
  // The report's new totals are the oracle's live totals.
  Money oracle_patient;
  oracle->scan([&](const store::StoredRecord& s) {
    if (s.kind == store::RecordKind::settlement && !s.cancelled_by)
      oracle_patient += s.patient_pays;
    return true;
  });
  EXPECT_EQ(r.new_patient_pays, oracle_patient);
}

TEST_F(SimulateTest, TheLargestChangesAreOrderedAndAreTheLargest) {
  settle_now(*ledger_, city_claim("P0010018", "T-1", "12000.00"));  // −240.00
  settle_now(*ledger_, city_claim("P0010010", "T-2", "6000.00"));
  settle_now(*ledger_, city_claim("P0010009", "T-3", "12000.00"));  // −240.00, later id
  settle_now(*ledger_, city_claim("P0010030", "T-4", "30000.00"));
  reports::SimulateOptions options;
  options.top = 3;
  const auto r = run(backstop_8(), options);
  ASSERT_EQ(r.settlements_patient_pays_changed, 4);
  ASSERT_EQ(r.largest.size(), 3u);
  EXPECT_EQ(r.largest[0].bill_no, "T-4");
  EXPECT_EQ(r.largest[1].bill_no, "T-1");  // a tie with T-3: the lower record id first
  EXPECT_EQ(r.largest[2].bill_no, "T-3");
  EXPECT_EQ(r.largest[1].difference(), yuan("-240.00"));
  EXPECT_EQ(r.largest[2].difference(), yuan("-240.00"));
  const auto abs = [](const Money& m) { return m.is_negative() ? -m : m; };
  EXPECT_GT(abs(r.largest[0].difference()), abs(r.largest[1].difference()));
}

TEST_F(SimulateTest, TheOutputDoesNotDependOnTheThreadsOrTheChunks) {
  settle_cases(*ledger_, reference_policy());
  reports::SimulateOptions one;
  one.threads = 1;
  const auto a = run(backstop_8(), one);
  const std::string csv_one = csv_.str();
  ASSERT_GT(a.settlements, 6);
  ASSERT_GT(a.settlements_changed, 0);
  // Chunks of 2 and 3: a person's settlements span chunks, re-settled while the scan reads on.
  for (const auto& [threads, chunk] : {std::pair{3u, 4096}, std::pair{2u, 2}, std::pair{1u, 3}}) {
    SCOPED_TRACE(std::to_string(threads) + " threads, chunks of " + std::to_string(chunk));
    reports::SimulateOptions other;
    other.threads = threads;
    other.chunk = static_cast<std::size_t>(chunk);
    const auto b = run(backstop_8(), other);
    EXPECT_EQ(csv_.str(), csv_one);
    EXPECT_EQ(a.settlements, b.settlements);
    EXPECT_EQ(a.new_patient_pays, b.new_patient_pays);
    EXPECT_EQ(a.persons, b.persons);
    EXPECT_EQ(a.persons_patient_pays_changed, b.persons_patient_pays_changed);
    ASSERT_EQ(a.largest.size(), b.largest.size());
    for (std::size_t i = 0; i < a.largest.size(); ++i) {
      EXPECT_EQ(a.largest[i].record_id, b.largest[i].record_id);
    }
  }
}

TEST_F(SimulateTest, SettlementsTheNewPolicyRefusesAreCountedNotFatal) {
  const int live = settle_cases(*ledger_, reference_policy());
  Policy late = backstop_8();
  late.effective_from = *Date::parse("2020-07-01");  // claims discharged before are refused
  int before_july = 0;
  ledger_->scan([&](const store::StoredRecord& s) {
    if (s.kind != store::RecordKind::settlement || s.cancelled_by) return true;
    before_july += codec::decode_claim(s.claim_json)->discharged_on < late.effective_from;
    return true;
  });
  ASSERT_GT(before_july, 0);
  const auto r = run(late);
  EXPECT_EQ(r.refused, before_july);
  EXPECT_EQ(r.settlements, live - before_july);
  ASSERT_FALSE(r.refusals.empty());
  EXPECT_EQ(r.refusals[0].error.code, "policy_not_effective");
  const auto rows = csv_rows(csv_.str());
  const std::size_t refused_col = column(rows[0], "refused");
  const auto refused_rows = std::count_if(
      rows.begin() + 1, rows.end(), [&](const auto& row) { return !row[refused_col].empty(); });
  EXPECT_EQ(refused_rows, before_july);
}

TEST_F(SimulateTest, ProgressIsReportedEveryNSettlements) {
  const int live = settle_cases(*ledger_, reference_policy());
  reports::SimulateOptions options;
  options.progress_every = 5;
  std::vector<std::int64_t> calls;
  options.progress = [&calls](std::int64_t n) { calls.push_back(n); };
  run(reference_policy(), options);
  ASSERT_EQ(calls.size(), static_cast<std::size_t>(live / 5));
  for (std::size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i], 5 * (i + 1));
}

TEST_F(SimulateTest, AnotherSpecialBenefitRatioLeavesBasicAndCriticalAlone) {
  settle_cases(*ledger_, reference_policy());
  const auto r = run(test_policy("zhaoshan-2020-special-60"));
  EXPECT_EQ(fund(r, "390100").difference(), Money{});
  EXPECT_EQ(fund(r, "390200").difference(), Money{});
  EXPECT_GT(fund(r, "620100").difference(), Money{});
  Money funds;
  for (const auto& f : r.funds) funds += f.difference();
  EXPECT_EQ(funds, r.old_patient_pays - r.new_patient_pays);  // the year is conserved too
}

}  // namespace
}  // namespace onestop::testing

namespace onestop::testing {
namespace {

// Outpatient special-disease visits (domain.md §3.6) re-settle like admissions: under the same
// policy nothing changes; under a policy without the outpatient part every visit is refused,
// counted and listed, and the admissions still settle.
TEST_F(SimulateTest, VisitsReSettleAndAPolicyWithoutTheOutpatientPartRefusesThem) {
  std::ifstream in(source_path("tests/cases/zhaoshan-2020-outpatient.claims.jsonl"));
  int visits = 0;
  int live = 0;
  for (std::string line; std::getline(in, line);) {
    const Claim claim = codec::decode_claim(line).value();
    if (claim.year() != 2021) continue;
    EXPECT_EQ(ledger_->settle(settle_job(claim)).get().outcome, store::Outcome::created);
    ++live;
    visits += claim.is_visit();
  }
  ASSERT_GT(visits, 0);
  const auto same = reports::simulate(*ledger_, reference_policy(), 2021, {});
  EXPECT_EQ(same.settlements, live);
  EXPECT_EQ(same.refused, 0);
  EXPECT_EQ(same.settlements_changed, 0);

  Policy without = reference_policy();
  std::get<DeductibleRatio>(without.layers[0].params).outpatient.reset();
  const auto r = reports::simulate(*ledger_, without, 2021, {});
  EXPECT_EQ(r.refused, visits);
  EXPECT_EQ(r.settlements, live - visits);
  ASSERT_FALSE(r.refusals.empty());
  EXPECT_EQ(r.refusals[0].error.code, "outpatient_not_covered");
  EXPECT_EQ(r.refusals[0].error.field, "visit");
}

}  // namespace
}  // namespace onestop::testing
