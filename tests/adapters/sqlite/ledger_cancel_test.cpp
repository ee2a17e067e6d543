// Cancellation: a new negated record that restores the accumulators exactly; only the person's
// latest live settlement of the year; once (a repeat replays); unknown ids.
#include <gtest/gtest.h>

#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)
using store::Outcome;

TEST(LedgerCancel, RestoresTheAccumulatorsExactly) {
  const std::string path = temp_db();
  auto ledger = open_ledger(path);
  const auto claims = claims_of("P0010035");
  ASSERT_GE(claims.size(), 2u);
  const auto first = settle_now(*ledger, claims[0]);
  const auto after_first = ledger->accumulators("P0010035", 2020).first;
  const auto second = settle_now(*ledger, claims[1]);
  ASSERT_NE(ledger->accumulators("P0010035", 2020).first, after_first);

  const auto c = ledger->cancel(cancel_job(second.record->id)).get();
  ASSERT_EQ(c.outcome, Outcome::created) << (c.error ? c.error->message : "");
  const store::StoredRecord& rec = *c.record;
  EXPECT_EQ(rec.kind, store::RecordKind::cancellation);
  EXPECT_EQ(rec.cancels, second.record->id);
  EXPECT_EQ(rec.bill_no, claims[1].bill_no);
  EXPECT_EQ(rec.total, -second.record->total);
  EXPECT_EQ(rec.fund_paid, -second.record->fund_paid);
  EXPECT_EQ(rec.patient_pays, -second.record->patient_pays);
  EXPECT_EQ(rec.movement, Accumulators{} - second.record->movement);
  EXPECT_EQ(rec.movement.admissions, -1);
  EXPECT_EQ(rec.claim_json, second.record->claim_json);
  EXPECT_EQ(rec.result_json, store::cancellation_json(rec));
  EXPECT_EQ(rec.reason, "patient re-admitted; bill corrected");
  EXPECT_EQ(rec.prev_hash, second.record->hash);

  const auto [acc, last] = ledger->accumulators("P0010035", 2020);
  EXPECT_EQ(acc, after_first);
  EXPECT_EQ(last, rec.id);
  EXPECT_EQ(ledger->get(second.record->id)->cancelled_by, rec.id);
  EXPECT_FALSE(ledger->get(first.record->id)->cancelled_by.has_value());
  EXPECT_EQ(ledger->get(second.record->id)->total, second.record->total);  // never edited

  ASSERT_EQ(ledger->cancel(cancel_job(first.record->id)).get().outcome, Outcome::created);
  EXPECT_EQ(ledger->accumulators("P0010035", 2020).first, Accumulators{});
  // Settling again starts from the restored state, as if nothing had been settled.
  const auto again = compute(reference_policy(), claims[1], Accumulators{});
  Claim resettled = claims[1];
  resettled.bill_no += "-R";
  const auto r = settle_now(*ledger, resettled);
  EXPECT_EQ(r.record->movement, again->settlement.after);
  ledger.reset();
  const auto v = verify(path);
  EXPECT_EQ(v.summary.differences, 0) << v.text();
}

TEST(LedgerCancel, OnlyTheLatestLiveSettlementOfTheYearAndTheBlockersAreListed) {
  auto ledger = open_ledger(temp_db());
  const auto claims = claims_of("P0010031");
  ASSERT_GE(claims.size(), 3u);
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < 3; ++i) {
    ids.push_back(settle_now(*ledger, claims[i]).record->id);
    settle_now(*ledger, claims_2020()[i]);  // someone else's settlements never block
  }
  auto r = ledger->cancel(cancel_job(ids[0])).get();
  EXPECT_EQ(r.outcome, Outcome::conflict);
  EXPECT_EQ(r.error->code, "not_latest");
  EXPECT_EQ(r.blocking, (std::vector<std::int64_t>{ids[1], ids[2]}));
  EXPECT_EQ(r.record->id, ids[0]);
  EXPECT_EQ(ledger->cancel(cancel_job(ids[2])).get().outcome, Outcome::created);
  r = ledger->cancel(cancel_job(ids[0], "another request")).get();
  EXPECT_EQ(r.error->code, "not_latest");
  EXPECT_EQ(r.blocking, (std::vector<std::int64_t>{ids[1]}));
  EXPECT_EQ(ledger->cancel(cancel_job(ids[1], "r2")).get().outcome, Outcome::created);
  EXPECT_EQ(ledger->cancel(cancel_job(ids[0], "r3")).get().outcome, Outcome::created);
  EXPECT_EQ(ledger->accumulators("P0010031", 2020).first, Accumulators{});
}

TEST(LedgerCancel, ARepeatReplaysAndAnotherRequestIsRefused) {
  auto ledger = open_ledger(temp_db());
  const auto claims = claims_of("P0010035");
  const auto s = settle_now(*ledger, claims[0]);
  const auto first = ledger->cancel(cancel_job(s.record->id, "req-A")).get();
  ASSERT_EQ(first.outcome, Outcome::created);
  const auto again = ledger->cancel(cancel_job(s.record->id, "req-A")).get();
  EXPECT_EQ(again.outcome, Outcome::replayed);
  EXPECT_EQ(again.record->id, first.record->id);
  EXPECT_EQ(again.record->hash, first.record->hash);
  const auto other = ledger->cancel(cancel_job(s.record->id, "req-B")).get();
  EXPECT_EQ(other.outcome, Outcome::conflict);
  EXPECT_EQ(other.error->code, "already_cancelled");
  EXPECT_EQ(other.record->id, first.record->id);
  // A later settlement of the person does not turn the repeat into "not latest".
  settle_now(*ledger, claims[1]);
  EXPECT_EQ(ledger->cancel(cancel_job(s.record->id, "req-A")).get().outcome, Outcome::replayed);
  EXPECT_EQ(ledger->record_count(), 3);
  EXPECT_EQ(ledger->accumulators("P0010035", 2020).first.admissions, 1);
}

TEST(LedgerCancel, UnknownIdsAndCancellationsAreNotFound) {
  auto ledger = open_ledger(temp_db());
  const auto s = settle_now(*ledger, claims_2020().front());
  auto r = ledger->cancel(cancel_job(99)).get();
  EXPECT_EQ(r.outcome, Outcome::not_found);
  EXPECT_EQ(r.error->code, "not_found");
  const auto c = ledger->cancel(cancel_job(s.record->id)).get();
  r = ledger->cancel(cancel_job(c.record->id, "cancel the cancellation")).get();
  EXPECT_EQ(r.outcome, Outcome::not_found);
  EXPECT_EQ(ledger->record_count(), 2);
}

TEST(LedgerCancel, ASettlementAndItsCancellationInOneBatch) {
  const std::string path = temp_db();
  auto ledger = open_ledger(path);
  const auto claims = claims_of("P0010035");
  WriterGate gate;
  auto held = ledger->settle(gate.job(claims_2020().front()));
  gate.wait_until_holding();
  auto settled = ledger->settle(settle_job(claims[0]));
  auto cancelled = ledger->cancel(cancel_job(2));
  auto resettled = ledger->settle(settle_job(claims[1]));
  gate.release();
  EXPECT_EQ(held.get().outcome, Outcome::created);
  EXPECT_EQ(settled.get().record->id, 2);
  EXPECT_EQ(cancelled.get().record->cancels, 2);
  const auto r = resettled.get();
  EXPECT_EQ(r.record->movement,
            compute(reference_policy(), claims[1], Accumulators{})->settlement.after);
  ledger.reset();
  EXPECT_EQ(verify(path).summary.differences, 0);
}

}  // namespace
}  // namespace onestop
