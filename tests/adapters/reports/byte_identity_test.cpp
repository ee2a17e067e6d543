// The compact ledger (issue 10): every record reads back byte for byte as it was first
// answered — thousands of generated settlements and cancellations under two policy versions,
// read again after the policy files changed and were deleted, through get, find, the
// person's ledger, the walks and the slip; and the ledger verifies on its own policy texts.
#include <gtest/gtest.h>

#include <map>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/result_codec.hpp"
#include "adapters/reports/audit.hpp"
#include "adapters/reports/demo_data.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "adapters/sqlite/open.hpp"

namespace onestop::testing {
namespace {

// The reference policy's text under another id and effective period; `basic_primary` is the
// basic layer's ratio at primary hospitals.
Policy policy_version(const std::string& id, const std::string& from, const std::string& to,
                      const std::string& basic_primary) {
  std::ifstream in(source_path("config/policies/zhaoshan-2020.json"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto swap = [&text](const std::string& from_text, const std::string& to_text) {
    const auto at = text.find(from_text);
    if (at == std::string::npos) throw std::runtime_error("no " + from_text + " in the policy");
    text.replace(at, from_text.size(), to_text);
  };
  swap("\"id\": \"zhaoshan-2020\"", "\"id\": \"" + id + "\"");
  swap("\"effective_from\": \"2020-01-01\"", "\"effective_from\": \"" + from + "\"");
  swap("\"effective_to\": null", "\"effective_to\": " + to);
  swap("\"primary\": \"0.85\"", "\"primary\": \"" + basic_primary + "\"");
  auto policy = policy::parse_policy(text);
  if (!policy) throw std::runtime_error(policy.error().message);
  return std::move(policy).value();
}

// Everything a record answers with (the HTTP record, slip and audit read these fields), but
// cancelled_by, which a later cancellation sets.
void expect_same(const store::StoredRecord& read, const store::StoredRecord& answered) {
  EXPECT_EQ(read.result_json, answered.result_json) << "record " << answered.id;
  EXPECT_EQ(read.claim_json, answered.claim_json) << "record " << answered.id;
  EXPECT_EQ(std::tie(read.id, read.kind, read.cancels, read.hospital_id, read.bill_no,
                     read.patient_id, read.year, read.policy_id, read.policy_sha256,
                     read.request_sha256, read.reason, read.recorded_at, read.prev_hash, read.hash),
            std::tie(answered.id, answered.kind, answered.cancels, answered.hospital_id,
                     answered.bill_no, answered.patient_id, answered.year, answered.policy_id,
                     answered.policy_sha256, answered.request_sha256, answered.reason,
                     answered.recorded_at, answered.prev_hash, answered.hash))
      << "record " << answered.id;
  EXPECT_TRUE(read.total == answered.total && read.fund_paid == answered.fund_paid &&
              read.patient_pays == answered.patient_pays && read.movement == answered.movement &&
              read.layer_paid == answered.layer_paid && read.layer_fund == answered.layer_fund)
      << "record " << answered.id;
}

class ByteIdentity : public ::testing::Test {
 protected:
  struct World {
    std::unique_ptr<service::HospitalRegistry> hospitals;
    std::unique_ptr<policy::PolicySet> policies;
    std::unique_ptr<store::Ledger> ledger;
    std::unique_ptr<store::Roster> roster;
    std::unique_ptr<service::SettlementService> service;
  };

  // The service on the ledger at path_ with these policies.
  World world(std::vector<Policy> policies) {
    World w;
    auto hospitals = service::HospitalRegistry::load_file(source_path("config/hospitals.json"));
    auto set = policy::PolicySet::from_policies(std::move(policies));
    if (!hospitals || !set) throw std::runtime_error("cannot load the registries");
    w.hospitals = std::make_unique<service::HospitalRegistry>(std::move(hospitals).value());
    w.policies = std::make_unique<policy::PolicySet>(std::move(set).value());
    w.ledger = open_ledger(path_, 16);
    auto roster = sqlite::open_roster(path_);
    if (!roster) throw std::runtime_error(roster.error().message);
    w.roster = std::move(roster).value();
    w.service = std::make_unique<service::SettlementService>(*w.hospitals, *w.policies, *w.ledger,
                                                             *w.roster, service::ServiceOptions{});
    return w;
  }

  std::string path_ = temp_db();
};

TEST_F(ByteIdentity, EveryRecordReadsAsAnsweredAfterThePolicyFilesAreGone) {
  reports::DemoOptions o;
  o.persons = 300;
  o.settlements = 2000;
  o.seed = 10;
  std::map<std::int64_t, store::StoredRecord> answered;
  std::set<std::string> policies_used;
  {
    World w = world({policy_version("zhaoshan-2020h1", "2020-01-01", "\"2020-06-30\"", "0.85"),
                     policy_version("zhaoshan-2020h2", "2020-07-01", "null", "0.90")});
    ASSERT_FALSE(w.roster->replace_all(reports::demo_roster(o, w.policies->categories())));
    std::vector<service::Hospital> designated;
    for (const auto& h : w.hospitals->all()) {
      if (h.designated) designated.push_back(h);
    }
    for (std::int64_t i = 0; i < o.settlements; ++i) {
      auto settled = w.service->settle(reports::demo_request(o, designated, i));
      ASSERT_TRUE(settled.ok()) << settled.error().code << " " << settled.error().message;
      ASSERT_EQ(settled->status, service::WriteStatus::created);
      const store::StoredRecord& r = *settled->record;
      ASSERT_FALSE(r.result_json.empty());
      policies_used.insert(r.policy_id);
      answered[r.id] = r;
      if (i % 7 != 3) continue;  // one in seven is cancelled at once (the person's latest)
      auto cancelled = w.service->cancel(r.id, R"({"reason":"bill corrected"})");
      ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
      ASSERT_EQ(cancelled->status, service::WriteStatus::created);
      answered[cancelled->record->id] = *cancelled->record;
    }
  }
  EXPECT_EQ(policies_used, (std::set<std::string>{"zhaoshan-2020h1", "zhaoshan-2020h2"}));
  // Each policy text kept once; no record keeps a document of its own.
  EXPECT_EQ(raw_value(path_, "SELECT count(*) FROM policies"), "2");
  EXPECT_EQ(raw_value(path_,
                      "SELECT count(*) FROM records WHERE result_json <> '' OR "
                      "claim_json <> '' OR body IS NULL"),
            "0");

  // Reopened with neither policy: the ledger reads its own texts.
  World w = world({reference_policy()});
  std::int64_t cancellations = 0;
  for (const auto& [id, first] : answered) {
    auto read = w.service->get(id);
    ASSERT_TRUE(read.ok()) << id;
    expect_same(*read, first);
    cancellations += first.kind == store::RecordKind::cancellation;
    if (first.kind != store::RecordKind::settlement) continue;
    auto found = w.ledger->find(first.hospital_id, first.bill_no);
    ASSERT_TRUE(found);
    expect_same(*found, first);
    auto slip = w.service->slip(id);
    ASSERT_TRUE(slip.ok()) << slip.error().message;
    expect_same(slip->settlement, first);
  }
  EXPECT_GT(cancellations, 200);
  std::size_t walked = 0;
  w.ledger->scan([&](const store::StoredRecord& r) {
    expect_same(r, answered.at(r.id));
    ++walked;
    return true;
  });
  EXPECT_EQ(walked, answered.size());
  walked = 0;
  w.ledger->scan_year(2020, store::Documents::all, [&](const store::StoredRecord& r) {
    expect_same(r, answered.at(r.id));
    ++walked;
    return true;
  });
  EXPECT_EQ(walked, answered.size());
  // The reports' scan: a settlement's result derived and not encoded, read as the audit reads
  // the text it answered.
  walked = 0;
  std::size_t settlements = 0;
  w.ledger->scan_year(2020, store::Documents::settlement, [&](const store::StoredRecord& r) {
    const store::StoredRecord& first = answered.at(r.id);
    ++walked;
    // A compact claim decoded and not encoded (its encoding is the text first answered); a
    // claim kept as JSON, its text.
    EXPECT_TRUE(r.result_json.empty()) << r.id;
    if (r.claim) {
      EXPECT_TRUE(r.claim_json.empty()) << r.id;
      EXPECT_EQ(codec::encode_claim(*r.claim), first.claim_json) << r.id;
    } else {
      EXPECT_EQ(r.claim_json, first.claim_json) << r.id;
    }
    if (r.kind != store::RecordKind::settlement) {
      EXPECT_FALSE(r.settlement) << r.id;
      return true;
    }
    ++settlements;
    if (!r.settlement) {
      ADD_FAILURE() << "record " << r.id << " has no settlement";
      return true;
    }
    EXPECT_EQ(codec::encode_settlement(*r.settlement), first.result_json) << r.id;
    const auto facts = reports::read_result(first.result_json);
    EXPECT_TRUE(facts && *facts == reports::result_facts(*r.settlement)) << r.id;
    return true;
  });
  EXPECT_EQ(walked, answered.size());
  EXPECT_EQ(settlements, answered.size() - static_cast<std::size_t>(cancellations));
  const store::StoredRecord& some = answered.begin()->second;
  auto person = w.service->patient_ledger(some.patient_id, 2020);
  ASSERT_TRUE(person.ok());
  ASSERT_FALSE(person->records.empty());
  for (const auto& r : person->records) expect_same(r, answered.at(r.id));
  const Verified v = verify(path_);
  EXPECT_EQ(v.summary.differences, 0) << v.text();
  EXPECT_EQ(v.summary.records, static_cast<std::int64_t>(answered.size()));
}

}  // namespace
}  // namespace onestop::testing
