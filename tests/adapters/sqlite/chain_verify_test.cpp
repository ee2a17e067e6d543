// The hash chains and verify: a clean ledger verifies; any edit made behind the ledger's back
// (a result, an amount, a layer row, the accumulators, a deleted, reordered or inserted record,
// a chain cut back behind its seal, a deleted seal, even an edit with the chain recomputed) is
// reported; `onestop verify` prints it and exits non-zero.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "adapters/store/seal.hpp"
#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)
using store::Outcome;

constexpr const char* kDropTriggers =
    "DROP TRIGGER records_no_update; DROP TRIGGER records_no_delete; "
    "DROP TRIGGER record_layers_no_update; DROP TRIGGER record_layers_no_delete; "
    "DROP TRIGGER seals_no_update; DROP TRIGGER seals_no_delete;";

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

// The ids of a person's records along the chain, in person_seq order.
std::vector<std::int64_t> chain_of(const std::string& path, const std::string& patient_id) {
  std::vector<std::int64_t> ids;
  std::stringstream in(raw_value(path,
                                 "SELECT group_concat(id, ' ') FROM (SELECT id FROM records "
                                 "WHERE patient_id = '" +
                                     patient_id + "' ORDER BY person_seq)"));
  for (std::int64_t id = 0; in >> id;) ids.push_back(id);
  return ids;
}

// The person with the longest chain.
std::string busiest_person(const std::string& path) {
  return raw_value(path,
                   "SELECT patient_id FROM records GROUP BY patient_id "
                   "ORDER BY count(*) DESC, patient_id LIMIT 1");
}

TEST(Verify, ACleanLedgerVerifies) {
  const std::string path = populated_ledger();
  const auto v = verify(path);
  const auto count = static_cast<std::int64_t>(claims_2020().size() + 2);
  EXPECT_EQ(v.summary.records, count);
  EXPECT_EQ(v.summary.last_id, count);
  EXPECT_EQ(v.summary.differences, 0) << v.text();
  // Closing the ledger sealed every chain's head: one seal naming each person once.
  EXPECT_EQ(v.summary.last_seal.id, 1);
  const auto heads = store::read_seal_heads(raw_value(path, "SELECT heads FROM seals"));
  ASSERT_TRUE(heads) << heads.error().message;
  EXPECT_EQ(std::to_string(heads->size()),
            raw_value(path, "SELECT count(DISTINCT patient_id) FROM records"));
  for (const auto& head : *heads) {
    EXPECT_EQ(head.hash, raw_value(path, "SELECT hash FROM records WHERE patient_id = '" +
                                             head.chain + "' ORDER BY person_seq DESC LIMIT 1"));
  }
}

// A running ledger seals the chains that moved on its own (here after every batch), without
// waiting to be closed; each seal names only the heads that moved since the one before.
TEST(Seal, ARunningLedgerSealsTheChainsThatMoved) {
  const std::string path = temp_db();
  sqlite::LedgerOptions options;
  options.path = path;
  options.seal_interval_ms = 0;
  auto ledger = sqlite::open_ledger(options);
  ASSERT_TRUE(ledger) << ledger.error().message;
  const auto& claims = claims_2020();
  const auto settled = (*ledger)->settle(settle_job(claims[0])).get();
  ASSERT_EQ(settled.outcome, Outcome::created);
  // The seal follows the batch's commit on the writer thread: wait for it (bounded).
  const auto seals = [&] { return raw_value(path, "SELECT count(*) FROM seals"); };
  for (int i = 0; i < 1000 && seals() != "1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(seals(), "1");
  EXPECT_EQ(raw_value(path, "SELECT heads FROM seals"),
            store::seal_heads({{claims[0].patient_id, 1, settled.record->hash}}));
  EXPECT_EQ(raw_value(path, "SELECT sealed_seq FROM persons"), "1");
  // Another person moves: the next seal names only that one.
  std::size_t other = 1;
  while (claims[other].patient_id == claims[0].patient_id) ++other;
  const auto next = (*ledger)->settle(settle_job(claims[other])).get();
  ASSERT_EQ(next.outcome, Outcome::created);
  for (int i = 0; i < 1000 && seals() != "2"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(seals(), "2");
  EXPECT_EQ(raw_value(path, "SELECT heads FROM seals WHERE id = 2"),
            store::seal_heads({{claims[other].patient_id, 1, next.record->hash}}));
  ledger->reset();
  EXPECT_EQ(seals(), "2");  // closing found nothing left to seal
  EXPECT_EQ(verify(path).summary.differences, 0);
}

// Each person's records form their own chain: person_seq 1, 2, … and prev_hash the person's
// record before, whatever other persons settled in between.
TEST(Verify, EachPersonHasItsOwnChain) {
  const std::string path = populated_ledger();
  const std::string who = busiest_person(path);
  const auto ids = chain_of(path, who);
  ASSERT_GE(ids.size(), 3u);
  auto ledger = open_ledger(path);
  std::string prev;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto r = ledger->get(ids[i]);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->format, 3);
    EXPECT_EQ(r->person_seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(r->prev_hash, prev);
    EXPECT_EQ(store::chain_hash(*r), r->hash);
    prev = r->hash;
  }
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

// Bodies are decoded on verify's worker thread, but what they lead to is reported in id order
// all the same: an undecodable body between two edited records, a truncated one after them.
TEST(Verify, AnUndecodableBodyIsReportedInIdOrder) {
  const std::string path = populated_ledger();
  ASSERT_EQ(raw_exec(path, std::string(kDropTriggers) +
                               "UPDATE records SET fund_paid = fund_paid + 1 WHERE id IN (2, 4); "
                               "UPDATE records SET body = x'01' WHERE id = 3; "
                               "UPDATE records SET body = substr(body, 1, 5) WHERE id = 5"),
            SQLITE_OK);
  const auto v = verify(path);
  EXPECT_TRUE(mentions(v, 3, "the body of record 3 ends inside a number")) << v.text();
  EXPECT_TRUE(mentions(v, 5, "the body of record 5 ")) << v.text();
  EXPECT_TRUE(mentions(v, 4, "fund_paid is")) << v.text();
  ASSERT_FALSE(v.differences.empty());
  for (std::size_t i = 1; i < v.differences.size(); ++i) {
    if (v.differences[i].record_id == 0) continue;  // the person_years rows, at the end
    EXPECT_LE(v.differences[i - 1].record_id, v.differences[i].record_id) << v.text();
  }
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

TEST(Verify, ADeletedRecordBreaksItsPersonsChain) {
  const std::string path = populated_ledger();
  const auto ids = chain_of(path, busiest_person(path));
  ASSERT_GE(ids.size(), 3u);
  const std::string gone = std::to_string(ids[1]);
  ASSERT_EQ(raw_exec(path, std::string(kDropTriggers) +
                               "DELETE FROM record_layers WHERE record_id = " + gone +
                               "; DELETE FROM records WHERE id = " + gone),
            SQLITE_OK);
  const auto v = verify(path);
  EXPECT_TRUE(mentions(v, ids[2], "prev_hash does not link")) << v.text();
  EXPECT_TRUE(mentions(v, ids[2], "person_seq 3 of")) << v.text();
  EXPECT_TRUE(mentions(v, ids[2], "missing or out of order")) << v.text();
}

// Two records of a person swapped in their chain (their person_seq exchanged).
TEST(Verify, AReorderedChainIsReported) {
  const std::string path = populated_ledger();
  const auto ids = chain_of(path, busiest_person(path));
  ASSERT_GE(ids.size(), 3u);
  const std::string a = std::to_string(ids[0]);
  const std::string b = std::to_string(ids[1]);
  ASSERT_EQ(raw_exec(path, std::string(kDropTriggers) +
                               "DROP INDEX records_person_seq; "
                               "UPDATE records SET person_seq = 3 - person_seq WHERE id IN (" +
                               a + ", " + b + ")"),
            SQLITE_OK);
  const auto v = verify(path);
  EXPECT_TRUE(mentions(v, ids[0], "hash does not match")) << v.text();
  EXPECT_TRUE(mentions(v, ids[0], "person_seq 2 of")) << v.text();
  EXPECT_TRUE(mentions(v, ids[1], "hash does not match")) << v.text();
}

// A forged record appended to a person's chain with every hash right (and the persons row and
// accumulators moved with it): the chain cannot tell, replaying it can: it did not settle on
// the accumulators the records before it leave.
TEST(Verify, AnInsertedRecordIsFoundByReplay) {
  const std::string path = populated_ledger();
  const std::string who = busiest_person(path);
  const auto ids = chain_of(path, who);
  ASSERT_GE(ids.size(), 2u);
  store::StoredRecord forged;
  store::StoredRecord last;
  {
    auto ledger = open_ledger(path);
    forged = *ledger->get(ids.front());
    last = *ledger->get(ids.back());
  }
  ASSERT_EQ(forged.kind, store::RecordKind::settlement);
  forged.id = std::stoll(raw_value(path, "SELECT max(id) + 1 FROM records"));
  const std::string key = "\"bill_no\":\"" + forged.bill_no;
  const auto at = forged.claim_json.find(key);
  ASSERT_NE(at, std::string::npos) << forged.claim_json;
  forged.claim_json.insert(at + key.size(), "-forged");
  forged.bill_no += "-forged";
  forged.person_seq = last.person_seq + 1;
  forged.prev_hash = last.hash;
  forged.hash = store::chain_hash(forged);
  const std::string id = std::to_string(forged.id);
  const std::string from = std::to_string(ids.front());
  ASSERT_EQ(raw_exec(path,
                     "INSERT INTO records (id, kind, cancels, hospital_id, bill_no, "
                     "patient_id, year, policy_id, policy_sha256, request_sha256, "
                     "claim_json, result_json, reason, recorded_at, total, fund_paid, "
                     "patient_pays, admissions_delta, prev_hash, hash, body, person_seq) "
                     "SELECT " +
                         id +
                         ", kind, cancels, hospital_id, bill_no || '-forged', patient_id, "
                         "year, policy_id, policy_sha256, request_sha256, claim_json, "
                         "result_json, reason, recorded_at, total, fund_paid, "
                         "patient_pays, admissions_delta, '" +
                         forged.prev_hash + "', '" + forged.hash + "', body, " +
                         std::to_string(forged.person_seq) + " FROM records WHERE id = " + from +
                         "; INSERT INTO record_layers SELECT " + id +
                         ", position, layer_id, fund, paid, moved_paid, "
                         "deductible_charged, base_cumulative, patient_share "
                         "FROM record_layers WHERE record_id = " +
                         from + "; UPDATE persons SET seq = " + std::to_string(forged.person_seq) +
                         ", head = '" + forged.hash + "' WHERE patient_id = '" + who + "'"),
            SQLITE_OK);
  const auto read = open_ledger(path)->get(forged.id);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(store::canonical_record(*read), store::canonical_record(forged));
  const auto v = verify(path);
  EXPECT_FALSE(mentions(v, forged.id, "hash")) << v.text();
  EXPECT_TRUE(mentions(v, forged.id, "before ")) << v.text();
  EXPECT_TRUE(mentions(v, 0, "accumulators of " + who)) << v.text();
}

// The last records of a person deleted and the persons row set back, so the chain that is left
// is whole: the seal that named the lost head still shows the cut.
TEST(Verify, AChainCutBackBehindItsSealIsReported) {
  const std::string path = populated_ledger();
  const std::string who = busiest_person(path);
  const auto ids = chain_of(path, who);
  ASSERT_GE(ids.size(), 2u);
  const std::string gone = std::to_string(ids.back());
  ASSERT_EQ(
      raw_exec(path,
               std::string(kDropTriggers) + "DELETE FROM record_layers WHERE record_id = " + gone +
                   "; DELETE FROM record_movements WHERE record_id = " + gone +
                   "; DELETE FROM records WHERE id = " + gone +
                   "; UPDATE persons SET seq = seq - 1, sealed_seq = seq - 1, head = "
                   "(SELECT hash FROM records WHERE id = " +
                   std::to_string(ids[ids.size() - 2]) + ") WHERE patient_id = '" + who + "'"),
      SQLITE_OK);
  const auto v = verify(path);
  EXPECT_TRUE(mentions(v, 0,
                       "the chain of " + who + " ends at " + std::to_string(ids.size() - 1) +
                           " but seal 1 names its record " + std::to_string(ids.size()) +
                           ": records were removed"))
      << v.text();
}

TEST(Verify, ADeletedOrEditedSealIsReported) {
  const std::string path = populated_ledger();
  {
    // A second seal after one more settlement.
    auto ledger = open_ledger(path);
    Claim claim = claims_2020().front();
    claim.bill_no += "-later";
    ASSERT_EQ(ledger->settle(settle_job(claim)).get().outcome, Outcome::created);
  }
  ASSERT_EQ(raw_value(path, "SELECT count(*) FROM seals"), "2");
  ASSERT_EQ(raw_exec(path, std::string(kDropTriggers) + "DELETE FROM seals WHERE id = 1"),
            SQLITE_OK);
  auto v = verify(path);
  EXPECT_TRUE(mentions(v, 0, "seal 2: follows seal 0: seals are missing")) << v.text();
  EXPECT_TRUE(mentions(v, 0, "seal 2: prev_hash does not link")) << v.text();

  const std::string path2 = populated_ledger();
  ASSERT_EQ(raw_exec(path2, std::string(kDropTriggers) +
                                "UPDATE seals SET heads = replace(heads, ',1,', ',0,')"),
            SQLITE_OK);
  v = verify(path2);
  EXPECT_TRUE(mentions(v, 0, "seal 1: hash does not match its contents")) << v.text();
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
  std::map<std::string, std::string> prev;  // each person's chain recomputed
  std::string sql;
  for (auto& r : records) {
    r.prev_hash = prev[r.patient_id];
    prev[r.patient_id] = store::chain_hash(r);
    sql += "UPDATE records SET prev_hash = '" + r.prev_hash + "', hash = '" + prev[r.patient_id] +
           "' WHERE id = " + std::to_string(r.id) + ";";
  }
  for (const auto& [who, head] : prev) {
    sql += "UPDATE persons SET head = '" + head + "' WHERE patient_id = '" + who + "';";
  }
  ASSERT_EQ(raw_exec(path, sql), SQLITE_OK);
  const auto v = verify(path);
  EXPECT_FALSE(mentions(v, 6, "hash does not match")) << v.text();
  EXPECT_FALSE(mentions(v, 6, "prev_hash")) << v.text();
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
  const std::string seal = raw_value(path, "SELECT '(' || sealed_at || '): ' || hash FROM seals");
  EXPECT_EQ(run.output, "last seal 1 " + seal + "\nverified " + count + " records up to id " +
                            count + ": OK\n");

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
