// Demo data: the requested counts through the real service, every record on its day, the same
// data for the same seed, a ledger that verifies; and the commands end to end on it.
#include "adapters/reports/demo_data.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "adapters/sqlite/ledger_fixtures.hpp"
#include "adapters/sqlite/open.hpp"

namespace onestop::testing {
namespace {

// The service on a new ledger whose clock is the demo's.
class DemoWorld {
 public:
  explicit DemoWorld(std::string path) : path_(std::move(path)) {
    auto hospitals = service::HospitalRegistry::load_file(source_path("config/hospitals.json"));
    auto policies = policy::PolicySet::load_dir(source_path("config/policies"));
    if (!hospitals || !policies) throw std::runtime_error("cannot load the registries");
    hospitals_ = std::make_unique<service::HospitalRegistry>(std::move(hospitals).value());
    policies_ = std::make_unique<policy::PolicySet>(std::move(policies).value());
    sqlite::LedgerOptions options;
    options.path = path_;
    options.max_batch = 512;
    options.clock = [this] { return clock_.now(); };
    auto ledger = sqlite::open_ledger(options);
    if (!ledger) throw std::runtime_error(ledger.error().message);
    ledger_ = std::move(ledger).value();
    auto roster = sqlite::open_roster(path_);
    if (!roster) throw std::runtime_error(roster.error().message);
    roster_ = std::move(roster).value();
    service_ = std::make_unique<service::SettlementService>(*hospitals_, *policies_, *ledger_,
                                                            *roster_, service::ServiceOptions{});
  }

  Result<reports::DemoSummary> load(const reports::DemoOptions& options) {
    return reports::load_demo_data(*service_, *roster_, clock_, options);
  }

  store::Ledger& ledger() { return *ledger_; }
  store::Roster& roster() { return *roster_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  reports::DemoClock clock_;
  std::unique_ptr<service::HospitalRegistry> hospitals_;
  std::unique_ptr<policy::PolicySet> policies_;
  std::unique_ptr<store::Ledger> ledger_;
  std::unique_ptr<store::Roster> roster_;
  std::unique_ptr<service::SettlementService> service_;
};

reports::DemoOptions demo(std::int64_t persons, std::int64_t settlements, std::uint64_t seed) {
  reports::DemoOptions o;
  o.persons = persons;
  o.settlements = settlements;
  o.year = 2020;
  o.seed = seed;
  o.window = 16;
  return o;
}

std::string refusals(const reports::DemoSummary& s) {
  std::string out;
  for (const auto& e : s.first_refusals) out += e.code + " " + e.field + ": " + e.message + "\n";
  return out;
}

// Every bill's amounts and whether it was cancelled, by bill number.
using Bills = std::map<std::string, std::tuple<Money, Money, Money, bool>>;
Bills bills(store::Ledger& ledger) {
  Bills out;
  ledger.scan([&out](const store::StoredRecord& r) {
    if (r.kind == store::RecordKind::settlement) {
      out[r.bill_no] = {r.total, r.fund_paid, r.patient_pays, r.cancelled_by.has_value()};
    }
    return true;
  });
  return out;
}

TEST(DemoData, SendsTheRequestedSettlementsAndTheLedgerVerifies) {
  DemoWorld world(temp_db());
  const auto summary = world.load(demo(200, 1000, 7));
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->refused, 0) << refusals(*summary);
  EXPECT_EQ(summary->settlements, 1000);
  EXPECT_EQ(summary->persons, 200);
  EXPECT_GE(summary->roster_rows, 200);
  EXPECT_EQ(world.roster().size(), static_cast<std::size_t>(summary->roster_rows));
  EXPECT_GT(summary->cancellations, 0);
  EXPECT_LT(summary->cancellations, 40);  // about 1 % of 1000
  EXPECT_EQ(world.ledger().record_count(), summary->settlements + summary->cancellations);
  Money live_patient_pays;
  Money live_total;
  for (const auto& [bill, amounts] : bills(world.ledger())) {
    if (std::get<3>(amounts)) continue;
    live_total += std::get<0>(amounts);
    live_patient_pays += std::get<2>(amounts);
  }
  EXPECT_EQ(live_total, summary->medical_total);
  EXPECT_EQ(live_patient_pays, summary->patient_pays);
  EXPECT_EQ(summary->medical_total, summary->fund_paid + summary->patient_pays);
  const Verified v = verify(world.path());
  EXPECT_TRUE(v.differences.empty()) << v.text();
  EXPECT_EQ(v.summary.records, world.ledger().record_count());
}

// Certified persons come to the clinic about once a month (domain.md §3.6).
TEST(DemoData, CertifiedPersonsHaveMonthlyVisits) {
  DemoWorld world(temp_db());
  const auto summary = world.load(demo(200, 1000, 7));
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->refused, 0) << refusals(*summary);
  std::map<std::string, std::set<int>> months_by_person;
  world.ledger().scan([&](const store::StoredRecord& r) {
    if (r.kind != store::RecordKind::settlement || r.special_disease.empty()) return true;
    const auto claim = codec::decode_claim(r.claim_json);
    if (claim) months_by_person[r.patient_id].insert(claim->discharged_on.month());
    return true;
  });
  EXPECT_EQ(months_by_person.size(), 10u);  // one person in twenty of 200
  for (const auto& [person, months] : months_by_person) {
    EXPECT_GE(months.size(), 10u) << person;
    EXPECT_FALSE(world.roster().certifications(person).empty()) << person;
  }
}

TEST(DemoData, EachRecordIsStampedOnTheDayItWasSettled) {
  DemoWorld world(temp_db());
  ASSERT_TRUE(world.load(demo(50, 400, 3)));
  std::map<std::int64_t, std::string> settled_on;
  std::set<std::string> days;
  world.ledger().scan([&](const store::StoredRecord& r) {
    const std::string day = r.recorded_at.substr(0, 10);
    EXPECT_EQ(r.recorded_at.substr(10, 4), "T00:") << r.recorded_at;  // 08:xx in +08:00
    if (r.kind == store::RecordKind::settlement) {
      EXPECT_EQ(day, codec::decode_claim(r.claim_json)->discharged_on.to_string());
      settled_on[r.id] = day;
      days.insert(day);
    } else {
      EXPECT_EQ(day, settled_on.at(*r.cancels)) << "a cancellation on its settlement's day";
    }
    return true;
  });
  EXPECT_GT(days.size(), 300u);  // 400 settlements spread over the 366 days of 2020
  EXPECT_EQ(*days.begin(), "2020-01-01");
  EXPECT_EQ(*days.rbegin(), "2020-12-31");
}

TEST(DemoData, TheSameSeedGivesTheSameData) {
  const std::string dir = test_dir();
  DemoWorld first(dir + "/first.db");
  DemoWorld second(dir + "/second.db");
  DemoWorld other(dir + "/other.db");
  const auto a = first.load(demo(100, 500, 11));
  const auto b = second.load(demo(100, 500, 11));
  const auto c = other.load(demo(100, 500, 12));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->settlements, b->settlements);
  EXPECT_EQ(a->cancellations, b->cancellations);
  EXPECT_EQ(a->medical_total, b->medical_total);
  EXPECT_EQ(a->fund_paid, b->fund_paid);
  EXPECT_EQ(a->patient_pays, b->patient_pays);
  EXPECT_TRUE(bills(first.ledger()) == bills(second.ledger()));
  EXPECT_NE(a->medical_total, c->medical_total);
}

TEST(DemoData, RefusesALedgerThatHoldsRecords) {
  DemoWorld world(temp_db());
  ASSERT_TRUE(world.load(demo(20, 50, 1)));
  const auto again = world.load(demo(20, 50, 1));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "not_empty");
  EXPECT_EQ(again.error().field, "db");
}

TEST(DemoData, RefusesAYearWithoutAPolicy) {
  DemoWorld world(temp_db());
  auto options = demo(20, 50, 1);
  options.year = 2019;  // the reference policy starts on 2020-01-01
  const auto r = world.load(options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "no_policy");
  EXPECT_EQ(world.ledger().record_count(), 0);
}

TEST(DemoData, TheRosterMixesTheCategoriesAndRoundTripsThroughCsv) {
  const auto& categories = reference_policy().categories;
  const auto roster = reports::demo_roster(demo(400, 1, 5), categories);
  std::map<std::string, int> count;
  for (const auto& e : roster) ++count[e.category];
  for (const auto& c : categories) EXPECT_GT(count[c], 0) << c;
  EXPECT_GT(roster.size(), 400u);  // some poor households leave poverty: a second row
  std::ostringstream csv;
  reports::write_roster_csv(roster, csv);
  const auto parsed = store::parse_roster_csv(csv.str(), categories);
  EXPECT_TRUE(parsed.errors.empty())
      << parsed.errors.front().column << ": " << parsed.errors.front().message;
  ASSERT_EQ(parsed.entries.size(), roster.size());
  EXPECT_EQ(parsed.entries[0].id_number, roster[0].id_number);
}

TEST(DemoData, TheCommandsRunEndToEnd) {
  const std::string dir = test_dir();
  const std::string src = source_path("");
  const std::string common = " --policy-dir " + src + "/config/policies";
  const auto made =
      run_onestop("demo-data --db " + dir +
                  "/demo.db --persons 50 --settlements "
                  "300 --year 2020 --seed 3 --hospitals " +
                  src + "/config/hospitals.json --roster-out " + dir + "/roster.csv" + common);
  ASSERT_EQ(made.status, 0) << made.output;
  EXPECT_NE(made.output.find("300 settlements"), std::string::npos) << made.output;
  const auto verified = run_onestop("verify --db " + dir + "/demo.db" + common);
  EXPECT_EQ(verified.status, 0) << verified.output;
  const auto same = run_onestop("simulate --db " + dir +
                                "/demo.db --year 2020 --format json "
                                "--policy " +
                                src + "/config/policies/zhaoshan-2020.json");
  EXPECT_EQ(same.status, 0) << same.output;
  EXPECT_NE(same.output.find("\"settlements_changed\":0"), std::string::npos) << same.output;
  const auto lower = run_onestop("simulate --db " + dir + "/demo.db --year 2020 --out " + dir +
                                 "/diff.csv --policy " + src +
                                 "/tests/adapters/reports/data/zhaoshan-2020-backstop-8.json");
  EXPECT_EQ(lower.status, 0) << lower.output;
  EXPECT_NE(lower.output.find("640100"), std::string::npos) << lower.output;
  const auto imported =
      run_onestop("roster import " + dir + "/roster.csv --db " + dir + "/other.db" + common);
  EXPECT_EQ(imported.status, 0) << imported.output;
  const auto usage = run_onestop("simulate --db " + dir + "/demo.db --year 20x0 --policy x");
  EXPECT_EQ(usage.status, 2) << usage.output;
}

}  // namespace
}  // namespace onestop::testing
