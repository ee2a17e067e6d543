// The hash chain and verify: a clean ledger verifies; any edit made behind the ledger's back
// (a result, an amount, a layer row, the accumulators, a deleted record, even one with the
// chain recomputed) is reported; `onestop verify` prints it and exits non-zero.
#include <gtest/gtest.h>

#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)
using store::Outcome;

constexpr const char* kDropTriggers =
    "DROP TRIGGER records_no_update; DROP TRIGGER records_no_delete; "
    "DROP TRIGGER record_layers_no_update; DROP TRIGGER record_layers_no_delete;";

// Every 2020 case settled, two of them cancelled: the ledger the tamper tests edit.
std::string populated_ledger() {
  const std::string path = temp_db();
  auto ledger = open_ledger(path);
  std::vector<std::future<store::WriteResult>> futures;
  for (const auto& c : claims_2020()) futures.push_back(ledger->settle(settle_job(c)));
  for (auto& f : futures) EXPECT_EQ(f.get().outcome, Outcome::created);
  for (const char* person : {"P0010035", "P0010003"}) {
    const auto records = ledger->for_patient(person, 2020);
    EXPECT_EQ(ledger->cancel(cancel_job(records.back().id)).get().outcome, Outcome::created);
  }
  return path;
}

bool mentions(const Verified& v, std::int64_t id, const std::string& text) {
  for (const auto& d : v.differences) {
    if (d.record_id == id && d.what.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(Chain, CanonicalRecordSeparatesFieldsAndHashCoversPrevHash) {
  store::StoredRecord a;
  a.id = 1;
  a.hospital_id = "ab";
  a.bill_no = "c";
  store::StoredRecord b = a;
  b.hospital_id = "a";
  b.bill_no = "bc";
  EXPECT_NE(store::canonical_record(a), store::canonical_record(b));
  EXPECT_EQ(store::chain_hash(a), store::chain_hash(a));
  EXPECT_EQ(store::chain_hash(a).size(), 64u);
  store::StoredRecord c = a;
  c.prev_hash = std::string(64, '0');
  EXPECT_NE(store::chain_hash(a), store::chain_hash(c));
  c = a;
  c.movement.layers["basic"].paid = Money::from_fen(1);
  EXPECT_NE(store::chain_hash(a), store::chain_hash(c));
  c = a;
  c.recorded_at = "2020-01-01T00:00:00.000Z";
  EXPECT_NE(store::chain_hash(a), store::chain_hash(c));
}

TEST(Verify, ACleanLedgerVerifies) {
  const std::string path = populated_ledger();
  const auto v = verify(path);
  const auto count = static_cast<std::int64_t>(claims_2020().size() + 2);
  EXPECT_EQ(v.summary.records, count);
  EXPECT_EQ(v.summary.last_id, count);
  EXPECT_EQ(v.summary.differences, 0) << v.text();
}

// A compact record's body (claim and accumulators before) that no longer decodes: reported,
// and the walk goes on to the records after it.
TEST(Verify, AnEditedBodyIsReported) {
  const std::string path = populated_ledger();
  ASSERT_EQ(raw_exec(path, std::string(kDropTriggers) +
                               "UPDATE records SET body = CAST(x'09' || substr(body, 2) AS BLOB) "
                               "WHERE id = 3"),
            SQLITE_OK);
  const auto v = verify(path);
  EXPECT_TRUE(mentions(v, 3, "hash does not match")) << v.text();
  EXPECT_TRUE(mentions(v, 3, "unknown version")) << v.text();
  EXPECT_FALSE(mentions(v, 4, "hash")) << v.text();
  EXPECT_EQ(v.summary.records, static_cast<std::int64_t>(claims_2020().size() + 2));
}

TEST(Verify, AnEditedAmountIsReported) {
  const std::string path = populated_ledger();
  ASSERT_EQ(raw_exec(path, std::string(kDropTriggers) +
                               "UPDATE records SET fund_paid = fund_paid + 1 WHERE id = 2"),
            SQLITE_OK);
  const auto v = verify(path);
  EXPECT_TRUE(mentions(v, 2, "hash does not match")) << v.text();
  EXPECT_TRUE(mentions(v, 2, "fund_paid is")) << v.text();
}

TEST(Verify, AnEditedLayerRowIsReported) {
  const std::string path = populated_ledger();
  ASSERT_EQ(raw_exec(path, std::string(kDropTriggers) +
                               "UPDATE record_layers SET moved_paid = moved_paid + 100, "
                               "paid = paid + 100 WHERE record_id = 5 AND position = 0"),
            SQLITE_OK);
  const auto v = verify(path);
  EXPECT_TRUE(mentions(v, 5, "hash does not match")) << v.text();
  EXPECT_TRUE(mentions(v, 5, "layer payments differ")) << v.text();
  EXPECT_TRUE(mentions(v, 5, "movement layer basic paid")) << v.text();
  EXPECT_TRUE(mentions(v, 0, "accumulators of")) << v.text();  // the table no longer sums up
}

TEST(Verify, EditedAccumulatorsAreReported) {
  const std::string path = populated_ledger();
  const std::string first =
      "SELECT p.patient_id, j.key FROM person_years p, json_each(p.layers) j "
      "ORDER BY 1, 2 LIMIT 1";
  const std::string who = raw_value(path, "SELECT patient_id FROM (" + first + ")");
  const std::string layer = raw_value(path, "SELECT key FROM (" + first + ")");
  ASSERT_FALSE(who.empty());
  const std::string paid = "'$.\"" + layer + "\"[0]'";
  ASSERT_EQ(raw_exec(path, "UPDATE person_years SET layers = json_set(layers, " + paid +
                               ", json_extract(layers, " + paid +
                               ") + 1), admissions = 7 "
                               "WHERE patient_id = '" +
                               who + "'"),
            SQLITE_OK);
  const auto v = verify(path);
  EXPECT_EQ(v.summary.differences, 2) << v.text();
  EXPECT_TRUE(mentions(v, 0, "accumulators of " + who + " in 2020: layer " + layer + " paid"))
      << v.text();
  EXPECT_TRUE(mentions(v, 0, "admissions 7")) << v.text();
}

// A layers text that is not four amounts per layer is reported as such, not as a ledger that
// cannot be read; the writer refuses to settle on it.
TEST(Verify, UnreadableAccumulatorsAreReported) {
  const std::string path = populated_ledger();
  const std::string who = raw_value(path, "SELECT patient_id FROM person_years LIMIT 1");
  ASSERT_EQ(raw_exec(path,
                     "UPDATE person_years SET layers = '{\"basic\":[1,2]}' "
                     "WHERE patient_id = '" +
                         who + "'"),
            SQLITE_OK);
  const auto v = verify(path);
  EXPECT_TRUE(mentions(v, 0,
                       "accumulators of " + who +
                           " in 2020: person_years.layers: basic is not "
                           "four amounts"))
      << v.text();
  // Another settlement of that person: the writer cannot read the year, so nothing is written.
  Claim claim = claims_2020().front();
  claim.patient_id = who;
  claim.bill_no += "-after";
  auto ledger = open_ledger(path);
  const auto count = ledger->record_count();
  const auto r = ledger->settle(settle_job(claim)).get();
  EXPECT_EQ(r.outcome, store::Outcome::unavailable);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_NE(r.error->message.find("basic is not four amounts"), std::string::npos)
      << r.error->message;
  EXPECT_EQ(ledger->record_count(), count);
}

TEST(Verify, ADeletedRecordBreaksTheChain) {
  const std::string path = populated_ledger();
  ASSERT_EQ(
      raw_exec(path, std::string(kDropTriggers) + "DELETE FROM record_layers WHERE record_id = 4; "
                                                  "DELETE FROM records WHERE id = 4"),
      SQLITE_OK);
  const auto v = verify(path);
  EXPECT_TRUE(mentions(v, 5, "prev_hash does not link")) << v.text();
  EXPECT_TRUE(mentions(v, 5, "missing")) << v.text();
}

// An editor who also recomputes every hash after the edit keeps the chain intact; replaying
// the settlement still finds the changed amount.
TEST(Verify, AnEditWithTheChainRecomputedIsStillFoundByReplay) {
  const std::string path = populated_ledger();
  ASSERT_EQ(raw_exec(path, std::string(kDropTriggers) +
                               "UPDATE records SET patient_pays = patient_pays - 500, "
                               "fund_paid = fund_paid + 500 WHERE id = 6"),
            SQLITE_OK);
  std::vector<store::StoredRecord> records;  // with what the hash covers (not the result)
  open_ledger(path)->scan_year(2020, store::Documents::claim, [&](const store::StoredRecord& r) {
    records.push_back(r);
    return true;
  });
  std::string prev;
  std::string sql;
  for (auto& r : records) {
    r.prev_hash = prev;
    prev = store::chain_hash(r);
    sql += "UPDATE records SET prev_hash = '" + r.prev_hash + "', hash = '" + prev +
           "' WHERE id = " + std::to_string(r.id) + ";";
  }
  ASSERT_EQ(raw_exec(path, sql), SQLITE_OK);
  const auto v = verify(path);
  EXPECT_FALSE(mentions(v, 6, "hash")) << v.text();
  EXPECT_TRUE(mentions(v, 6, "fund_paid is")) << v.text();
  EXPECT_TRUE(mentions(v, 6, "patient_pays is")) << v.text();
}

// Records re-settle under the policy text the ledger kept, whatever the policy files say now.
TEST(Verify, APolicyFileThatChangedSinceIsNoDifference) {
  const std::string path = populated_ledger();
  Policy changed = reference_policy();
  changed.sha256 = std::string(64, 'f');
  const auto v = verify(path, changed);
  EXPECT_EQ(v.summary.differences, 0) << v.text();
}

// A kept policy text edited after the fact no longer hashes to the records' policy_sha256.
TEST(Verify, AnEditedPolicyTextIsADifferenceOfEverySettlement) {
  const std::string path = populated_ledger();
  ASSERT_EQ(raw_exec(path,
                     "DROP TRIGGER policies_no_update; UPDATE policies SET "
                     "text = replace(text, '\"0.65\"', '\"0.95\"')"),
            SQLITE_OK);
  const auto v = verify(path);
  EXPECT_EQ(v.summary.differences, static_cast<std::int64_t>(claims_2020().size())) << v.text();
  EXPECT_TRUE(mentions(v, 1, "cannot re-settle: policy_unusable")) << v.text();
}

TEST(Verify, TheCommandPrintsDifferencesAndExitsNonZero) {
  const std::string path = populated_ledger();
  const std::string policies = source_path("config/policies");
  const std::string args = "verify --db " + path + " --policy-dir " + policies;
  auto run = run_onestop(args);
  EXPECT_EQ(run.status, 0) << run.output;
  const std::string count = std::to_string(claims_2020().size() + 2);
  EXPECT_EQ(run.output, "verified " + count + " records up to id " + count + ": OK\n");

  ASSERT_EQ(raw_exec(path, std::string(kDropTriggers) +
                               "UPDATE records SET total = total + 1 WHERE id = 3"),
            SQLITE_OK);
  run = run_onestop(args);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("record 3: hash does not match"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("record 3: total is"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("up to id " + count + ": 2 differences\n"), std::string::npos)
      << run.output;
}

TEST(Verify, TheCommandRefusesAMissingDatabase) {
  const auto run = run_onestop("verify --db " + test_dir() + "/none.db --policy-dir " +
                               source_path("config/policies"));
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_FALSE(std::filesystem::exists(test_dir() + "/none.db"));
}

}  // namespace
}  // namespace onestop
