// Settling through the ledger: records, layer rows and accumulators written together;
// idempotent replay and conflict; group commit with jobs of one person in one batch; a failing
// job rolls back only itself; concurrent writers.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <thread>

#include "adapters/sqlite/open.hpp"
#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)
using store::Outcome;

TEST(LedgerSettle, CreatesTheRecordItsLayersAndTheAccumulators) {
  const std::string path = temp_db();
  auto ledger = open_ledger(path);
  const Claim& claim = claims_2020().front();
  const auto expected = compute(reference_policy(), claim, Accumulators{});
  ASSERT_TRUE(expected.ok());
  const auto r = settle_now(*ledger, claim);
  ASSERT_TRUE(r.record.has_value());
  const store::StoredRecord& rec = *r.record;
  EXPECT_EQ(rec.id, 1);
  EXPECT_EQ(rec.kind, store::RecordKind::settlement);
  EXPECT_EQ(rec.bill_no, claim.bill_no);
  EXPECT_EQ(rec.year, 2020);
  EXPECT_EQ(rec.policy_id, "zhaoshan-2020");
  EXPECT_EQ(rec.policy_sha256, reference_policy().sha256);
  EXPECT_EQ(rec.result_json, expected->result_json);
  EXPECT_EQ(rec.claim_json, codec::encode_claim(claim));
  EXPECT_EQ(rec.total, expected->settlement.split.total);
  EXPECT_EQ(rec.fund_paid + rec.patient_pays, rec.total);
  ASSERT_EQ(rec.layer_paid.size(), 4u);
  EXPECT_EQ(rec.layer_fund, (std::vector<std::string>{"390100", "390200", "620100", "640100"}));
  EXPECT_EQ(rec.movement, expected->settlement.after);
  EXPECT_EQ(rec.prev_hash, "");
  EXPECT_EQ(rec.hash, store::chain_hash(rec));
  EXPECT_TRUE(
      std::regex_match(rec.recorded_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << rec.recorded_at;

  EXPECT_EQ(raw_value(path, "SELECT count(*) FROM record_layers WHERE record_id = 1"), "4");
  const auto [acc, last] = ledger->accumulators(claim.patient_id, 2020);
  EXPECT_EQ(acc, expected->settlement.after);
  EXPECT_EQ(last, 1);
  EXPECT_EQ(ledger->accumulators(claim.patient_id, 2021).second, 0);
  EXPECT_EQ(ledger->record_count(), 1);
  const auto stored = ledger->get(1);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->hash, rec.hash);
  EXPECT_EQ(stored->movement, rec.movement);
  EXPECT_EQ(stored->layer_paid, rec.layer_paid);
  EXPECT_EQ(ledger->find(claim.hospital_id, claim.bill_no)->id, 1);
  EXPECT_FALSE(ledger->find(claim.hospital_id, "no-such-bill").has_value());
  EXPECT_FALSE(ledger->get(2).has_value());
}

TEST(LedgerSettle, TheSameRequestReplaysTheOriginal) {
  auto ledger = open_ledger(temp_db());
  const Claim& claim = claims_2020().front();
  const auto first = settle_now(*ledger, claim);
  const auto again = settle_now(*ledger, claim, Outcome::replayed);
  ASSERT_TRUE(again.record.has_value());
  EXPECT_EQ(again.record->id, first.record->id);
  EXPECT_EQ(again.record->hash, first.record->hash);
  EXPECT_EQ(again.record->result_json, first.record->result_json);
  EXPECT_EQ(ledger->record_count(), 1);
  EXPECT_EQ(ledger->accumulators(claim.patient_id, 2020).first.admissions, 1);
}

TEST(LedgerSettle, ADifferentRequestUnderTheSameKeyIsAConflict) {
  auto ledger = open_ledger(temp_db());
  const Claim& claim = claims_2020().front();
  const auto first = settle_now(*ledger, claim);
  Claim changed = claim;
  changed.items.front().amount = changed.items.front().amount + Money::from_fen(1);
  const auto r = settle_now(*ledger, changed, Outcome::conflict);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, "idempotency_conflict");
  EXPECT_EQ(r.error->field, "bill_no");
  EXPECT_NE(r.error->message.find(claim.bill_no), std::string::npos);
  EXPECT_NE(r.error->message.find(claim.hospital_id), std::string::npos);
  EXPECT_EQ(r.record->id, first.record->id);
  EXPECT_EQ(ledger->record_count(), 1);
}

TEST(LedgerSettle, JobsOfOnePersonInOneBatchSettleInOrder) {
  auto ledger = open_ledger(temp_db());
  const std::vector<Claim> claims = claims_of("P0010035");
  ASSERT_GE(claims.size(), 5u);
  WriterGate gate;
  auto held = ledger->settle(gate.job(claims_2020().front()));
  gate.wait_until_holding();
  std::vector<std::future<store::WriteResult>> futures;
  for (const auto& c : claims) futures.push_back(ledger->settle(settle_job(c)));
  gate.release();
  EXPECT_EQ(held.get().outcome, Outcome::created);

  Accumulators acc;  // the serial order, as `onestop settle` would do it
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const auto r = futures[i].get();
    ASSERT_EQ(r.outcome, Outcome::created) << (r.error ? r.error->message : "");
    const auto expected = compute(reference_policy(), claims[i], acc);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(r.record->result_json, expected->result_json) << claims[i].bill_no;
    acc = expected->settlement.after;
  }
  EXPECT_EQ(ledger->accumulators("P0010035", 2020).first, acc);
  EXPECT_EQ(acc.admissions, static_cast<int>(claims.size()));
}

// A job whose compute() returns an error, one that throws and one that returns a settlement of
// another key share a batch with good jobs: only they are refused, the good ones commit.
TEST(LedgerSettle, AFailingJobRollsBackOnlyItself) {
  const std::string path = temp_db();
  auto ledger = open_ledger(path);
  const auto& all = claims_2020();
  WriterGate gate;
  auto held = ledger->settle(gate.job(all[0]));
  gate.wait_until_holding();
  auto good1 = ledger->settle(settle_job(all[1]));
  store::SettleJob refusing = settle_job(all[2]);
  refusing.compute = [](const Accumulators&) -> Result<store::Computed> {
    return Error{"bad_amount", "items[0].amount", "refused by the test"};
  };
  auto refused = ledger->settle(refusing);
  store::SettleJob throwing = settle_job(all[3]);
  throwing.compute = [](const Accumulators&) -> Result<store::Computed> {
    throw std::overflow_error("boom");
  };
  auto thrown = ledger->settle(throwing);
  store::SettleJob wrong_key = settle_job(all[4]);
  wrong_key.compute = [&all](const Accumulators& before) {
    return compute(reference_policy(), all[5], before);
  };
  auto mismatched = ledger->settle(wrong_key);
  auto good2 = ledger->settle(settle_job(all[6]));
  gate.release();

  EXPECT_EQ(held.get().outcome, Outcome::created);
  EXPECT_EQ(good1.get().record->id, 2);
  const auto r = refused.get();
  EXPECT_EQ(r.outcome, Outcome::refused);
  EXPECT_EQ(r.error->code, "bad_amount");
  EXPECT_EQ(r.error->field, "items[0].amount");
  const auto t = thrown.get();
  EXPECT_EQ(t.outcome, Outcome::refused);
  EXPECT_EQ(t.error->code, "internal");
  EXPECT_EQ(mismatched.get().error->code, "internal");
  EXPECT_EQ(good2.get().record->id, 3);
  EXPECT_EQ(ledger->record_count(), 3);
  EXPECT_FALSE(ledger->find(all[2].hospital_id, all[2].bill_no).has_value());
  EXPECT_EQ(ledger->accumulators(all[3].patient_id, 2020).second, 0);
  ledger.reset();
  const auto v = verify(path);
  EXPECT_EQ(v.summary.differences, 0) << v.text();
}

// compute() refusing does not hide a stored settlement: the key still replays or conflicts.
TEST(LedgerSettle, ARefusedRepeatOfAStoredKeyStillReplaysOrConflicts) {
  auto ledger = open_ledger(temp_db());
  const Claim& claim = claims_2020().front();
  settle_now(*ledger, claim);
  store::SettleJob job = settle_job(claim);
  job.compute = [](const Accumulators&) -> Result<store::Computed> {
    return Error{"policy_not_effective", "discharged_on", "refused"};
  };
  EXPECT_EQ(ledger->settle(job).get().outcome, Outcome::replayed);
  job.request_sha256 = "another request";
  EXPECT_EQ(ledger->settle(job).get().outcome, Outcome::conflict);
}

TEST(LedgerSettle, AFullQueueAnswersUnavailableAtOnce) {
  sqlite::LedgerOptions options;
  options.path = temp_db();
  options.max_queue = 1;
  auto ledger = std::move(sqlite::open_ledger(options)).value();
  const auto& all = claims_2020();
  WriterGate gate;
  auto held = ledger->settle(gate.job(all[0]));
  gate.wait_until_holding();
  auto queued = ledger->settle(settle_job(all[1]));
  const auto refused = ledger->settle(settle_job(all[2])).get();
  EXPECT_EQ(refused.outcome, Outcome::unavailable);
  EXPECT_EQ(refused.error->code, "ledger_unavailable");
  gate.release();
  EXPECT_EQ(held.get().outcome, Outcome::created);
  EXPECT_EQ(queued.get().outcome, Outcome::created);
}

TEST(LedgerSettle, ClosingAnswersEveryQueuedJob) {
  const std::string path = temp_db();
  std::vector<std::future<store::WriteResult>> futures;
  {
    auto ledger = open_ledger(path, 4);
    for (const auto& c : claims_2020()) futures.push_back(ledger->settle(settle_job(c)));
  }
  for (auto& f : futures) EXPECT_EQ(f.get().outcome, Outcome::created);
  EXPECT_EQ(raw_value(path, "SELECT count(*) FROM records"), std::to_string(claims_2020().size()));
}

TEST(LedgerSettle, ScanWalksEveryRecordInIdOrderAndStopsWhenAsked) {
  auto ledger = open_ledger(temp_db());
  std::vector<std::future<store::WriteResult>> futures;
  for (int round = 0; round < 8; ++round) {
    for (const auto& c : claims_2020()) {
      Claim copy = c;
      copy.bill_no += "-r" + std::to_string(round);
      futures.push_back(ledger->settle(settle_job(copy)));
    }
  }
  for (auto& f : futures) ASSERT_EQ(f.get().outcome, Outcome::created);
  std::int64_t expected_id = 0;
  ledger->scan([&](const store::StoredRecord& r) {
    EXPECT_EQ(r.id, ++expected_id);
    return true;
  });
  EXPECT_EQ(expected_id, ledger->record_count());
  EXPECT_GT(expected_id, 256);  // more than one page
  int visited = 0;
  ledger->scan([&](const store::StoredRecord&) { return ++visited < 3; });
  EXPECT_EQ(visited, 3);
}

// Several threads settle for the same few people at once: every job commits, and each
// person's accumulators equal the sum of the movements of their records.
TEST(LedgerSettle, ConcurrentWritersKeepTheAccumulatorsEqualToTheMovements) {
  const std::string path = temp_db();
  auto ledger = open_ledger(path, 16);
  const std::vector<std::string> people = {"P1", "P2", "P3"};
  constexpr int kThreads = 6;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Claim c = ClaimBuilder("poor")
                      .a("3000.00")
                      .item(ItemClass::B, "1200.00", "100.00")
                      .bill("T" + std::to_string(t) + "-" + std::to_string(i));
        c.patient_id = people[static_cast<std::size_t>(i + t) % people.size()];
        if (ledger->settle(settle_job(c)).get().outcome == Outcome::created) ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), kThreads * kPerThread);
  for (const auto& person : people) {
    Accumulators sum;
    for (const auto& r : ledger->for_patient(person, 2020)) sum = sum + r.movement;
    const auto [acc, last] = ledger->accumulators(person, 2020);
    EXPECT_EQ(acc, sum) << person;
    EXPECT_EQ(acc.admissions, kThreads * kPerThread / static_cast<int>(people.size()));
    EXPECT_EQ(last, ledger->for_patient(person, 2020).back().id);
  }
  ledger.reset();
  const auto v = verify(path);
  EXPECT_EQ(v.summary.records, kThreads * kPerThread);
  EXPECT_EQ(v.summary.differences, 0) << v.text();
}

}  // namespace
}  // namespace onestop
