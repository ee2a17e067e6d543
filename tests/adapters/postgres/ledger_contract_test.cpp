// The ledger's contract (store/ledger.hpp), run against every engine as store_contract_test.cpp
// runs the rest of the storage: the SQLite file and a real PostgreSQL 15, each opened through
// adapters/backend from a ledger URL. Then what only PostgreSQL does: several ledger objects
// (as several servers) writing one database at once, and the seals of the person chains.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/backend/backend.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "adapters/postgres/pg.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "adapters/store/seal.hpp"
#include "adapters/store/totals.hpp"
#include "support/engine_fixture.hpp"
#include "support/pg_cluster.hpp"

namespace onestop::testing {
namespace {

using store::Outcome;
using store::StoredRecord;

// The first column of each row of `sql` on a connection of its own, as text.
std::vector<std::string> pg_column(const std::string& uri, const std::string& sql) {
  PGconn* c = PQconnectdb(uri.c_str());
  std::vector<std::string> out;
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    const std::string message = PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
    throw std::runtime_error(sql + ": " + message);
  }
  for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
  PQclear(r);
  PQfinish(c);
  return out;
}

class LedgerContract : public EngineTest {
 protected:
  std::unique_ptr<store::Ledger> ledger(store::LedgerOptions options = {}) {
    auto l = backend::open_ledger(url_, options);
    if (!l) throw std::runtime_error(l.error().message);
    return std::move(l).value();
  }
};

// Every record of a person in a year in a chain of its own: person_seq 1, 2, …, each naming
// the hash of the one before, each hash its own canonical form's.
void expect_person_chain(const std::vector<StoredRecord>& records) {
  std::string prev;
  std::int64_t seq = 0;
  for (const auto& r : records) {
    EXPECT_EQ(r.format, 3) << r.id;
    EXPECT_EQ(r.person_seq, ++seq) << r.id;
    EXPECT_EQ(r.prev_hash, prev) << r.id;
    EXPECT_EQ(r.hash, store::chain_hash(r)) << r.id;
    prev = r.hash;
  }
}

TEST_P(LedgerContract, ASettlementIsStoredAndReadBackAsItWasAnswered) {
  auto l = ledger();
  const Claim& claim = claims_2020().front();
  const auto r = settle_now(*l, claim);
  ASSERT_TRUE(r.record && r.settlement);
  const std::string answered = codec::encode_settlement(*r.settlement);
  EXPECT_EQ(r.record->result_json, answered);
  EXPECT_EQ(r.record->hash, store::chain_hash(*r.record));

  const auto stored = l->get(r.record->id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->result_json, answered);
  EXPECT_EQ(stored->claim_json, codec::encode_claim(claim));
  EXPECT_EQ(stored->hash, r.record->hash);
  EXPECT_EQ(stored->hash, store::chain_hash(*stored));
  EXPECT_EQ(stored->layer_paid, r.record->layer_paid);
  EXPECT_EQ(stored->layer_fund, r.record->layer_fund);
  EXPECT_EQ(stored->movement, r.record->movement);
  EXPECT_EQ(stored->before, Accumulators{});
  EXPECT_FALSE(stored->cancelled_by);
  EXPECT_EQ(l->find(claim.hospital_id, claim.bill_no)->id, r.record->id);
  EXPECT_FALSE(l->find(claim.hospital_id, "no-such-bill"));
  EXPECT_FALSE(l->get(r.record->id + 1000));
  const auto [acc, last] = l->accumulators(claim.patient_id, 2020);
  EXPECT_EQ(acc, r.settlement->after);
  EXPECT_EQ(last, r.record->id);
  EXPECT_EQ(l->accumulators(claim.patient_id, 2021).second, 0);
  EXPECT_EQ(l->record_count(), 1);
  // Another ledger object on the same storage (a second server) reads the same record.
  EXPECT_EQ(ledger()->get(r.record->id)->result_json, answered);
}

TEST_P(LedgerContract, TheSameRequestReplaysAndAnotherUnderTheKeyIsAConflict) {
  auto l = ledger();
  const Claim& claim = claims_2020().front();
  const auto first = settle_now(*l, claim);
  const auto again = settle_now(*l, claim, Outcome::replayed);
  ASSERT_TRUE(again.record);
  EXPECT_EQ(again.record->id, first.record->id);
  EXPECT_EQ(again.record->hash, first.record->hash);
  EXPECT_EQ(again.record->result_json, first.record->result_json);
  Claim changed = claim;
  changed.items.front().amount = changed.items.front().amount + Money::from_fen(1);
  const auto conflict = settle_now(*l, changed, Outcome::conflict);
  ASSERT_TRUE(conflict.error);
  EXPECT_EQ(conflict.error->code, "idempotency_conflict");
  EXPECT_EQ(conflict.error->field, "bill_no");
  EXPECT_EQ(conflict.record->id, first.record->id);
  EXPECT_EQ(l->record_count(), 1);
  EXPECT_EQ(l->accumulators(claim.patient_id, 2020).first.admissions, 1);
}

// A policy the ledger does not hold yet comes with its text, or the job is a bug.
TEST_P(LedgerContract, APolicyTheLedgerLacksMustComeWithItsText) {
  auto l = ledger();
  const auto claims = claims_of("P0010035");
  store::SettleJob job = settle_job(claims[0]);
  job.policy_text.clear();
  const auto refused = l->settle(std::move(job)).get();
  EXPECT_EQ(refused.outcome, Outcome::refused);
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->code, "internal");
  EXPECT_EQ(l->record_count(), 0);
  settle_now(*l, claims[0]);
  // Once held, later jobs need not carry it.
  job = settle_job(claims[1]);
  job.policy_text.clear();
  EXPECT_EQ(l->settle(std::move(job)).get().outcome, Outcome::created);
}

TEST_P(LedgerContract, OnlyTheLatestLiveSettlementIsCancelledAndOnlyOnce) {
  auto l = ledger();
  const auto claims = claims_of("P0010035");
  ASSERT_GE(claims.size(), 2u);
  const auto first = settle_now(*l, claims[0]);
  const auto second = settle_now(*l, claims[1]);
  ASSERT_TRUE(first.record && second.record);

  const auto missing = l->cancel(cancel_job(second.record->id + 1000)).get();
  EXPECT_EQ(missing.outcome, Outcome::not_found);
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error->code, "not_found");

  const auto blocked = l->cancel(cancel_job(first.record->id)).get();
  EXPECT_EQ(blocked.outcome, Outcome::conflict);
  ASSERT_TRUE(blocked.error);
  EXPECT_EQ(blocked.error->code, "not_latest");
  EXPECT_EQ(blocked.blocking, std::vector<std::int64_t>{second.record->id});

  const auto cancelled = l->cancel(cancel_job(second.record->id)).get();
  ASSERT_EQ(cancelled.outcome, Outcome::created)
      << (cancelled.error ? cancelled.error->message : "");
  const StoredRecord& c = *cancelled.record;
  EXPECT_EQ(c.kind, store::RecordKind::cancellation);
  EXPECT_EQ(c.cancels, second.record->id);
  EXPECT_EQ(c.total, -second.record->total);
  EXPECT_EQ(c.result_json, store::cancellation_json(c));
  EXPECT_EQ(c.hash, store::chain_hash(c));
  // The accumulators moved back to where the first settlement left them.
  const auto [acc, last] = l->accumulators("P0010035", 2020);
  EXPECT_EQ(acc, first.settlement->after);
  EXPECT_NE(acc, second.settlement->after);
  EXPECT_EQ(last, c.id);
  EXPECT_EQ(l->get(second.record->id)->cancelled_by, c.id);
  const auto stored = l->get(c.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->result_json, c.result_json);
  EXPECT_EQ(stored->hash, store::chain_hash(*stored));

  const auto replay = l->cancel(cancel_job(second.record->id)).get();
  EXPECT_EQ(replay.outcome, Outcome::replayed);
  EXPECT_EQ(replay.record->id, c.id);
  const auto other = l->cancel(cancel_job(second.record->id, "another-request")).get();
  EXPECT_EQ(other.outcome, Outcome::conflict);
  ASSERT_TRUE(other.error);
  EXPECT_EQ(other.error->code, "already_cancelled");
  // Now the first is the latest live one.
  EXPECT_EQ(l->cancel(cancel_job(first.record->id)).get().outcome, Outcome::created);
  EXPECT_EQ(l->accumulators("P0010035", 2020).first, Accumulators{});
  EXPECT_EQ(l->record_count(), 4);
}

TEST_P(LedgerContract, RecordsAreListedByPersonAndScannedInIdOrder) {
  auto l = ledger();
  std::vector<std::int64_t> ids;
  for (const auto* person : {"P0010035", "P0010031", "P0010038"}) {
    for (const auto& c : claims_of(person)) ids.push_back(settle_now(*l, c).record->id);
  }
  const auto mine = l->for_patient("P0010031", 2020);
  ASSERT_EQ(mine.size(), claims_of("P0010031").size());
  Accumulators sum;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(mine[i].patient_id, "P0010031");
    if (i > 0) {
      EXPECT_LT(mine[i - 1].id, mine[i].id);
    }
    const auto expected = compute(reference_policy(), claims_of("P0010031")[i], sum);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(mine[i].result_json, expected->result_json);
    sum = sum + mine[i].movement;
  }
  EXPECT_EQ(l->accumulators("P0010031", 2020).first, sum);
  EXPECT_TRUE(l->for_patient("P0010031", 2021).empty());

  std::vector<std::int64_t> scanned;
  l->scan([&](const StoredRecord& r) {
    scanned.push_back(r.id);
    return true;
  });
  std::vector<std::int64_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(scanned, sorted);
  std::vector<std::int64_t> two;
  l->scan([&](const StoredRecord& r) {
    two.push_back(r.id);
    return two.size() < 2;
  });
  EXPECT_EQ(two.size(), 2u);
  std::vector<std::int64_t> year;
  l->scan_year(2020, store::Documents::none, [&](const StoredRecord& r) {
    year.push_back(r.id);
    EXPECT_TRUE(r.result_json.empty());
    return true;
  });
  EXPECT_EQ(year, sorted);
  // What the reports read: the settlement derived again, not encoded.
  std::size_t derived = 0;
  l->scan_year(2020, store::Documents::settlement, [&](const StoredRecord& r) {
    EXPECT_TRUE(r.result_json.empty());
    EXPECT_TRUE(r.settlement.has_value()) << r.id;
    if (r.settlement) {
      EXPECT_EQ(r.settlement->fund_paid, r.fund_paid);
      EXPECT_EQ(r.settlement->after - r.settlement->before, r.movement);
    }
    return ++derived, true;
  });
  EXPECT_EQ(derived, ids.size());
  EXPECT_EQ(l->record_count(), static_cast<std::int64_t>(ids.size()));
}

TEST_P(LedgerContract, TheDetailsListEveryRecordOfTheDayAndTheTotalsSumThem) {
  store::LedgerOptions options;
  options.clock = [] { return std::string("2020-03-12T08:30:00.123Z"); };
  auto l = ledger(options);
  const auto claims = claims_of("P0010038");
  std::vector<StoredRecord> records;
  for (const auto& c : claims) records.push_back(*settle_now(*l, c).record);
  const auto cancelled = l->cancel(cancel_job(records.back().id)).get();
  ASSERT_EQ(cancelled.outcome, Outcome::created);
  records.push_back(*cancelled.record);

  store::ReconciliationQuery query;
  query.from = *Date::parse("2020-03-12");
  query.to = *Date::parse("2020-03-12");
  std::vector<store::DetailRow> details;
  l->details(query, [&](const store::DetailRow& row) {
    details.push_back(row);
    return true;
  });
  ASSERT_EQ(details.size(), records.size());
  for (std::size_t i = 0; i < details.size(); ++i) {
    EXPECT_EQ(details[i].record_id, records[i].id);
    EXPECT_EQ(details[i].day, "2020-03-12");
    EXPECT_EQ(details[i].total, records[i].total);
    EXPECT_EQ(details[i].kind, records[i].kind);
    std::set<std::string> funds(records[i].layer_fund.begin(), records[i].layer_fund.end());
    EXPECT_EQ(details[i].funds.size(), funds.size());
  }
  EXPECT_EQ(details.back().cancels, records[records.size() - 2].id);
  // The next day has none.
  query.from = query.to = *Date::parse("2020-03-13");
  std::size_t next_day = 0;
  l->details(query, [&](const store::DetailRow&) { return ++next_day, true; });
  EXPECT_EQ(next_day, 0u);

  query.from = *Date::parse("2020-03-01");
  query.to = *Date::parse("2020-03-31");
  store::TotalsBuilder expected;
  for (const auto& row : details) expected.add(row);
  const auto totals = l->totals(query);
  const auto want = expected.rows();
  ASSERT_EQ(totals.size(), want.size());
  for (std::size_t i = 0; i < totals.size(); ++i) {
    EXPECT_EQ(totals[i].fund, want[i].fund);
    EXPECT_EQ(totals[i].settlements, want[i].settlements);
    EXPECT_EQ(totals[i].cancellations, want[i].cancellations);
    EXPECT_EQ(totals[i].fund_paid, want[i].fund_paid);
    EXPECT_EQ(totals[i].medical_total, want[i].medical_total);
  }
  query.fund = records.front().layer_fund.front();
  std::size_t with_fund = 0;
  for (const auto& r : records) {
    with_fund += std::count(r.layer_fund.begin(), r.layer_fund.end(), *query.fund) > 0 ? 1 : 0;
  }
  std::size_t of_fund = 0;
  l->details(query, [&](const store::DetailRow& row) {
    EXPECT_EQ(row.funds.size(), 1u);
    return ++of_fund, true;
  });
  EXPECT_EQ(of_fund, with_fund);
}

TEST_P(LedgerContract, EachPersonsRecordsFormAChainOfTheirOwn) {
  auto l = ledger();
  const auto a = claims_of("P0010035");
  const auto b = claims_of("P0010031");
  for (std::size_t i = 0; i < 3; ++i) {
    settle_now(*l, a[i]);
    settle_now(*l, b[i]);
  }
  const auto cancelled = l->cancel(cancel_job(l->for_patient("P0010035", 2020).back().id)).get();
  ASSERT_EQ(cancelled.outcome, Outcome::created);
  EXPECT_EQ(cancelled.record->person_seq, 4);
  const auto mine = l->for_patient("P0010035", 2020);
  ASSERT_EQ(mine.size(), 4u);
  expect_person_chain(mine);
  const auto theirs = l->for_patient("P0010031", 2020);
  ASSERT_EQ(theirs.size(), 3u);
  expect_person_chain(theirs);
  EXPECT_EQ(cancelled.record->prev_hash, mine[2].hash);
}

// health(): the engine, a database that answers, and connection counts that add up (the
// default four readers plus the writers: SQLite's one, PostgreSQL's write pool and sealer); a
// write in progress holds a connection in use.
TEST_P(LedgerContract, HealthNamesTheEngineAndCountsItsConnections) {
  auto l = ledger();
  const store::LedgerHealth idle = l->health();
  EXPECT_EQ(idle.engine, postgres() ? "postgresql" : "sqlite");
  EXPECT_TRUE(idle.answers) << idle.error;
  EXPECT_EQ(idle.error, "");
  EXPECT_EQ(idle.connections_max, postgres() ? 4u + 16u + 1u : 4u + 1u);
  EXPECT_LE(idle.connections_in_use, idle.connections_open);
  EXPECT_LE(idle.connections_open, idle.connections_max);
  // The probe's read connection stays open for the next one.
  EXPECT_GE(l->health().connections_open, 1u);

  WriterGate gate;
  const Claim claim = claims_of("P0010035").front();
  auto held = std::async(std::launch::async, [&] { return l->settle(gate.job(claim)).get(); });
  gate.wait_until_holding();
  const store::LedgerHealth busy = l->health();
  EXPECT_TRUE(busy.answers) << busy.error;
  EXPECT_GE(busy.connections_in_use, 1u);
  EXPECT_LE(busy.connections_in_use, busy.connections_open);
  EXPECT_LE(busy.connections_open, busy.connections_max);
  gate.release();
  EXPECT_EQ(held.get().outcome, Outcome::created);
}

INSTANTIATE_TEST_SUITE_P(Engines, LedgerContract, kEngines, engine_name);

// PostgreSQL only: several servers (ledger objects) writing one database.
// A server that takes the TCP connection but never answers (a listening socket nobody
// accepts: the kernel completes the handshake) must not hang opening a ledger: libpq waits for
// ever by default, the adapter's connect_timeout gives up. No cluster needed.
TEST(LedgerPgConnect, ASilentServerTimesOutInsteadOfHanging) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // a free port
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string uri =
      "postgresql://onestop@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/silent";
  auto url = backend::parse_ledger_url(uri, "test");
  ASSERT_TRUE(url) << url.error().message;
  // ctest's timeout is what fails this test if the attempt hangs.
  const auto ledger = backend::open_ledger(*url, {});
  ::close(listener);
  ASSERT_FALSE(ledger);
  EXPECT_EQ(ledger.error().code, "ledger_unavailable") << ledger.error().message;
}

class LedgerPg : public ::testing::Test {
 protected:
  void SetUp() override {
    ONESTOP_REQUIRE_PG(pg_);
    uri_ = pg_->fresh_database();
    url_ = *backend::parse_ledger_url(uri_, "test");
  }
  std::unique_ptr<store::Ledger> ledger(store::LedgerOptions options = {}) {
    auto l = backend::open_ledger(url_, options);
    if (!l) throw std::runtime_error(l.error().message);
    return std::move(l).value();
  }
  PgCluster* pg_ = nullptr;
  std::string uri_;
  backend::LedgerUrl url_;
};

TEST_F(LedgerPg, TwoServersSettlingTwoPersonsFromEightThreadsCreateEachRecordOnce) {
  auto one = ledger();
  auto two = ledger();
  std::vector<Claim> claims = claims_of("P0010035");
  for (const auto& c : claims_of("P0010031")) claims.push_back(c);
  std::mutex mutex;
  std::map<std::string, int> created;  // bill_no -> times answered created
  std::map<std::string, std::int64_t> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      store::Ledger& l = t % 2 == 0 ? *one : *two;
      // Each thread walks the claims from another place, so they meet on every key.
      for (std::size_t i = 0; i < claims.size(); ++i) {
        const Claim& c = claims[(i + static_cast<std::size_t>(t)) % claims.size()];
        const auto r = l.settle(settle_job(c)).get();
        std::lock_guard lock(mutex);
        EXPECT_TRUE(r.outcome == Outcome::created || r.outcome == Outcome::replayed)
            << (r.error ? r.error->message : "");
        if (!r.record) continue;
        if (r.outcome == Outcome::created) ++created[c.bill_no];
        auto [it, inserted] = ids.emplace(c.bill_no, r.record->id);
        EXPECT_EQ(it->second, r.record->id) << c.bill_no;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(created.size(), claims.size());
  for (const auto& [bill, n] : created) EXPECT_EQ(n, 1) << bill;
  EXPECT_EQ(one->record_count(), static_cast<std::int64_t>(claims.size()));
  for (const auto* person : {"P0010035", "P0010031"}) {
    const auto records = two->for_patient(person, 2020);
    ASSERT_EQ(records.size(), claims_of(person).size());
    expect_person_chain(records);
    Accumulators sum;
    for (const auto& r : records) {
      EXPECT_EQ(r.before, sum) << r.id;  // each settled on the one before it
      sum = sum + r.movement;
    }
    const auto [acc, last] = one->accumulators(person, 2020);
    EXPECT_EQ(acc, sum);
    EXPECT_EQ(last, records.back().id);
  }
}

TEST_F(LedgerPg, OnePersonFromTwoServersAtOnceTakesTurns) {
  auto one = ledger();
  auto two = ledger();
  const auto claims = claims_of("P0010031");
  WriterGate gate;  // holds the first settlement inside its transaction, the person locked
  auto first =
      std::async(std::launch::async, [&] { return one->settle(gate.job(claims[0])).get(); });
  gate.wait_until_holding();
  std::promise<Accumulators> seen;
  store::SettleJob job = settle_job(claims[1]);
  job.compute = [&seen, claim = claims[1]](const Accumulators& before) {
    seen.set_value(before);
    return compute(reference_policy(), claim, before);
  };
  auto second = std::async(std::launch::async, [&] { return two->settle(std::move(job)).get(); });
  gate.release();
  const auto a = first.get();
  const auto b = second.get();
  ASSERT_EQ(a.outcome, Outcome::created);
  ASSERT_EQ(b.outcome, Outcome::created) << (b.error ? b.error->message : "");
  // The second waited for the first's commit and settled on its accumulators.
  EXPECT_EQ(seen.get_future().get(), a.settlement->after);
  EXPECT_EQ(b.record->person_seq, 2);
  EXPECT_EQ(b.record->prev_hash, a.record->hash);
}

// Another person's request under the same key holds it (it took the key with its person's
// row, then computes): this one waits for that transaction's outcome, then is answered as a
// conflict with the stored record, and writes nothing.
TEST_F(LedgerPg, AKeyHeldByAnotherPersonsRequestIsWaitedForThenAConflict) {
  auto one = ledger();
  auto two = ledger();
  const Claim mine = claims_of("P0010031").front();
  Claim theirs = mine;
  theirs.patient_id = "P0010035";
  WriterGate gate;  // holds theirs inside its transaction, after it took the key
  auto held = std::async(std::launch::async, [&] { return one->settle(gate.job(theirs)).get(); });
  gate.wait_until_holding();
  auto waiting =
      std::async(std::launch::async, [&] { return two->settle(settle_job(mine)).get(); });
  // Still waiting while the key's holder is: however long this looks, it cannot end first.
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  gate.release();
  const auto taken = held.get();
  ASSERT_EQ(taken.outcome, Outcome::created) << (taken.error ? taken.error->message : "");
  const auto r = waiting.get();
  EXPECT_EQ(r.outcome, Outcome::conflict);
  ASSERT_TRUE(r.error && r.record);
  EXPECT_EQ(r.error->code, "idempotency_conflict");
  EXPECT_EQ(r.record->id, taken.record->id);
  EXPECT_EQ(r.record->patient_id, "P0010035");
  EXPECT_TRUE(one->for_patient("P0010031", 2020).empty());
  EXPECT_EQ(one->accumulators("P0010031", 2020).second, 0);
  EXPECT_EQ(one->record_count(), 1);
}

// A database that goes away answers ledger_unavailable, never a crash or a wrong answer, and
// the ledger works again once the server is back, on new connections.
TEST_F(LedgerPg, AnOutageAnswersUnavailableAndTheLedgerRecovers) {
  auto l = ledger();
  const auto claims = claims_of("P0010035");
  const auto first = settle_now(*l, claims[0]);
  pg_->stop();
  const auto down = l->settle(settle_job(claims[1])).get();
  EXPECT_EQ(down.outcome, Outcome::unavailable);
  ASSERT_TRUE(down.error);
  EXPECT_EQ(down.error->code, "ledger_unavailable");
  const auto cancel = l->cancel(cancel_job(first.record->id)).get();
  EXPECT_EQ(cancel.outcome, Outcome::unavailable);
  EXPECT_THROW(l->get(first.record->id), store::LedgerUnavailable);
  EXPECT_THROW(l->accumulators("P0010035", 2020), store::LedgerUnavailable);
  pg_->restart_fast();
  const auto again = settle_now(*l, claims[1]);
  ASSERT_TRUE(again.record);
  EXPECT_EQ(again.record->person_seq, 2);
  EXPECT_EQ(again.record->prev_hash, first.record->hash);
  EXPECT_EQ(l->record_count(), 2);
}

// A connection that breaks during COMMIT leaves the outcome unknown: the answer is unavailable
// and says the record may be stored, never "nothing was written". The same request afterwards
// settles it (here the commit had not happened: the backend died inside it, in a deferred
// trigger on the bill's key that ends its own session).
TEST_F(LedgerPg, AConnectionCutDuringTheCommitAnswersThatTheRecordMayBeStored) {
  auto l = ledger();
  const auto claims = claims_of("P0010035");
  ASSERT_FALSE(claims.empty());
  pg_column(uri_, R"sql(
    CREATE FUNCTION end_my_session() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;
    CREATE CONSTRAINT TRIGGER cut_commit AFTER INSERT ON bills DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION end_my_session();
    SELECT 1)sql");
  const auto cut = l->settle(settle_job(claims[0])).get();
  EXPECT_EQ(cut.outcome, Outcome::unavailable);
  EXPECT_TRUE(cut.maybe_written);
  ASSERT_TRUE(cut.error);
  EXPECT_EQ(cut.error->code, "ledger_unavailable");
  pg_column(uri_, "DROP TRIGGER cut_commit ON bills; SELECT 1");
  const auto resent = l->settle(settle_job(claims[0])).get();
  EXPECT_EQ(resent.outcome, Outcome::created);
  EXPECT_FALSE(resent.maybe_written);
  EXPECT_EQ(l->record_count(), 1);
}

// Every write connection held (ledger.cpp's 16, each by a settlement stopped inside its
// transaction): with max_queue 1, of two more settlements one waits for a connection and the
// other is answered unavailable at once, as SQLite answers when its writer's queue is full.
// Released, every settlement but the refused one is created.
TEST_F(LedgerPg, AFullWriteQueueAnswersUnavailableAtOnce) {
  constexpr int kWriteConnections = 16;
  store::LedgerOptions options;
  options.max_queue = 1;
  auto l = ledger(options);
  // A person of its own for each: the held settlements lock different persons' rows.
  const auto claim = [](int i) {
    Claim c = claims_2020().front();
    c.patient_id = "PQ" + std::to_string(i);
    c.bill_no += "-q" + std::to_string(i);
    return c;
  };
  std::vector<std::unique_ptr<WriterGate>> gates;
  std::vector<std::future<store::WriteResult>> held;
  for (int i = 0; i < kWriteConnections; ++i) {
    gates.push_back(std::make_unique<WriterGate>());
    held.push_back(std::async(std::launch::async, [&l, job = gates.back()->job(claim(i))] {
      return l->settle(job).get();
    }));
  }
  for (auto& gate : gates) gate->wait_until_holding();
  auto a = std::async(std::launch::async, [&] { return l->settle(settle_job(claim(16))).get(); });
  auto b = std::async(std::launch::async, [&] { return l->settle(settle_job(claim(17))).get(); });
  std::future<store::WriteResult>* answered = nullptr;
  for (int i = 0; i < 1000 && answered == nullptr; ++i) {
    for (auto* f : {&a, &b}) {
      if (f->wait_for(std::chrono::milliseconds(10)) == std::future_status::ready) {
        answered = f;
        break;
      }
    }
  }
  for (auto& gate : gates) gate->release();
  ASSERT_NE(answered, nullptr) << "both waited for a connection beyond max_queue";
  const store::WriteResult refused = answered->get();
  EXPECT_EQ(refused.outcome, Outcome::unavailable);
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->code, "ledger_unavailable");
  EXPECT_NE(refused.error->message.find("queue is full"), std::string::npos)
      << refused.error->message;
  for (auto& h : held) EXPECT_EQ(h.get().outcome, Outcome::created);
  EXPECT_EQ((answered == &a ? b : a).get().outcome, Outcome::created);
  EXPECT_EQ(l->record_count(), kWriteConnections + 1);
}

// Every connection has libpq's keepalives and a TCP user timeout, so a server that vanished
// from the network is noticed on a connection already made; what the URI sets wins.
TEST_F(LedgerPg, ConnectionsKeepAliveUnlessTheUriSetsOtherwise) {
  const postgres::detail::Connection defaults(uri_);
  EXPECT_EQ(defaults.option("keepalives"), "1");
  EXPECT_EQ(defaults.option("keepalives_idle"), "10");
  EXPECT_EQ(defaults.option("keepalives_interval"), "5");
  EXPECT_EQ(defaults.option("keepalives_count"), "3");
  EXPECT_EQ(defaults.option("tcp_user_timeout"), "30000");
  if (std::getenv("PGCONNECT_TIMEOUT") == nullptr) {
    EXPECT_EQ(defaults.option("connect_timeout"), "5");
  }
  const postgres::detail::Connection tuned(uri_ + "&keepalives_idle=60&tcp_user_timeout=0");
  EXPECT_EQ(tuned.option("keepalives_idle"), "60");
  EXPECT_EQ(tuned.option("tcp_user_timeout"), "0");
  EXPECT_EQ(tuned.option("keepalives_interval"), "5");
}

// health() follows the server: it answers; stopped, it says at once that it does not, with
// the cause; restarted, it answers again, on a new connection.
TEST_F(LedgerPg, HealthSaysWhetherTheServerAnswers) {
  auto l = ledger();
  const store::LedgerHealth up = l->health();
  EXPECT_EQ(up.engine, "postgresql");
  ASSERT_TRUE(up.answers) << up.error;
  pg_->stop();
  const store::LedgerHealth down = l->health();
  EXPECT_EQ(down.engine, "postgresql");
  EXPECT_FALSE(down.answers);
  EXPECT_NE(down.error.find("the ledger's database failed"), std::string::npos) << down.error;
  EXPECT_LE(down.connections_in_use, down.connections_open);
  EXPECT_LE(down.connections_open, down.connections_max);
  pg_->restart_fast();
  // A pooled connection the restart cut may fail its first use; polled, at most ten seconds.
  store::LedgerHealth again = l->health();
  for (int i = 0; i < 200 && !again.answers; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    again = l->health();
  }
  EXPECT_TRUE(again.answers) << again.error;
}

TEST_F(LedgerPg, TheHeadsThatMovedAreSealed) {
  store::LedgerOptions options;
  options.seal_interval_ms = 10;
  // Two servers, each sealing: the advisory lock makes them take turns on one chain of seals.
  auto l = ledger(options);
  auto other = ledger(options);
  std::map<std::string, StoredRecord> last;
  for (const auto& c : claims_of("P0010035")) last["P0010035"] = *settle_now(*l, c).record;
  for (const auto& c : claims_of("P0010031")) last["P0010031"] = *settle_now(*other, c).record;
  // Polled, not timed: the sealer runs every 10 ms; ctest's timeout bounds a failure.
  while (pg_column(uri_, "SELECT count(*) FROM persons WHERE seq > sealed_seq")[0] != "0") {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto heads = pg_column(uri_, "SELECT heads FROM seals ORDER BY id");
  ASSERT_FALSE(heads.empty());
  // Every person's last record is named by some seal, the latest naming it last.
  std::map<std::string, store::SealEntry> named;
  for (const auto& text : heads) {
    const auto entries = store::read_seal_heads(text);
    ASSERT_TRUE(entries) << text;
    for (const auto& e : *entries) named[e.chain] = e;
  }
  ASSERT_EQ(named.size(), 2u);
  for (const auto& [person, r] : last) {
    EXPECT_EQ(named[person].seq, r.person_seq) << person;
    EXPECT_EQ(named[person].hash, r.hash) << person;
  }
  // Seals chain, and nothing moved since: closing the ledger writes no empty seal.
  const auto hashes = pg_column(uri_, "SELECT hash FROM seals ORDER BY id");
  const auto prevs = pg_column(uri_, "SELECT prev_hash FROM seals ORDER BY id");
  EXPECT_EQ(prevs.front(), "");
  for (std::size_t i = 1; i < hashes.size(); ++i) EXPECT_EQ(prevs[i], hashes[i - 1]);
  const auto ids = pg_column(uri_, "SELECT id FROM seals ORDER BY id");
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], std::to_string(i + 1));
  l.reset();
  other.reset();
  EXPECT_EQ(pg_column(uri_, "SELECT count(*) FROM seals")[0], std::to_string(heads.size()));
  EXPECT_EQ(pg_column(uri_, "SELECT count(*) FROM persons WHERE sealed_seq = seq")[0], "2");
}

TEST_F(LedgerPg, RecordsCannotBeEditedOrDeleted) {
  auto l = ledger();
  settle_now(*l, claims_2020().front());
  for (const auto* sql :
       {"UPDATE records SET total = 0", "DELETE FROM record_layers", "DELETE FROM policies"}) {
    EXPECT_THROW(pg_column(uri_, std::string(sql) + " RETURNING 1"), std::runtime_error) << sql;
  }
}

// `onestop ledger migrate`'s keeping of policy texts: a ledger whose record names its policy by
// hash only (as records written before the texts were kept do) gets the text, once; a policy no
// record names is not added.
TEST_F(LedgerPg, ThePolicyTextsRecordsNameByHashOnlyAreKeptOnce) {
  auto l = ledger();
  const auto settled = settle_now(*l, claims_2020().front());
  ASSERT_TRUE(settled.record);
  // Records before schema 6 named the policy only: the kept text taken away (its trigger off).
  pg_column(uri_,
            "ALTER TABLE policies DISABLE TRIGGER policies_append_only; "
            "DELETE FROM policies; "
            "ALTER TABLE policies ENABLE TRIGGER policies_append_only; SELECT 1");
  const auto policies = policy::PolicySet::load_dir(source_path("config/policies"));
  ASSERT_TRUE(policies) << policies.error().message;
  std::vector<Policy> given = policies->all();
  Policy unnamed = given.front();
  unnamed.id = "unnamed";
  unnamed.sha256 = std::string(64, '0');
  given.push_back(unnamed);
  const auto kept = backend::keep_named_policies(url_, given);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(*kept, 1u);
  EXPECT_EQ(pg_column(uri_, "SELECT count(*) FROM policies"), std::vector<std::string>{"1"});
  EXPECT_EQ(pg_column(uri_, "SELECT id FROM policies"),
            std::vector<std::string>{settled.record->policy_id});
  EXPECT_EQ(*backend::keep_named_policies(url_, given), 0u);
}

}  // namespace
}  // namespace onestop::testing
