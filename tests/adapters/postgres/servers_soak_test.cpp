// Issue 11's process test: two `onestop serve` processes on one PostgreSQL database, under
// soak.hpp's clients, which send each operation first to one server and then the next to the
// other (so one person's settlements and cancellations go through both), retry through the
// other server, and send some requests to both at once. Under that load, each server in turn
// is killed with SIGKILL (and started again) until a kill has cut a request in flight, and
// the database is restarted with `pg_ctl restart -m fast` until the outage has answered 503.
// Throughout, every answer is 201, 200 or 503 (never a 500), none waits past the clients'
// timeout, and the load goes on after each event (the other server serves on; both reconnect
// by themselves). In the end, read with libpq (not through the code under test), the ledger
// passes soak.hpp's checks (each acknowledged record exactly once, no bill paid twice, no cap
// exceeded, accumulators a recomputation from the records), and `onestop verify` passes.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "adapters/backend/backend.hpp"
#include "adapters/http/crash_fixture.hpp"
#include "adapters/http/http_fixture.hpp"
#include "adapters/http/soak.hpp"
#include "support/pg_cluster.hpp"

namespace onestop::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMinKills = 2;     // each server once
constexpr int kMaxKills = 8;     // until one cut a request in flight
constexpr int kMaxRestarts = 5;  // of the database, until the outage answered 503
// Operations acknowledged between events: the load is well under way, and goes on after one.
constexpr int kSteps = 100;
// A stalled load: no event may stop the acknowledgements for this long (a bound that only a
// hang can reach; the clients' own timeout is 30 s).
constexpr auto kStall = std::chrono::seconds(120);

// The database at `uri` through libpq.
class PgQuery {
 public:
  explicit PgQuery(const std::string& uri) : conn_(PQconnectdb(uri.c_str()), &PQfinish) {
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      ADD_FAILURE() << uri << ": " << PQerrorMessage(conn_.get());
    }
  }
  soak::Query query() {
    return [this](const std::string& sql,
                  const std::function<void(const std::vector<std::string>&)>& row) {
      const std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn_.get(), sql.c_str()),
                                                            &PQclear);
      if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
        ADD_FAILURE() << PQresultErrorMessage(r.get()) << sql;
        return;
      }
      for (int i = 0; i < PQntuples(r.get()); ++i) {
        std::vector<std::string> columns;
        for (int c = 0; c < PQnfields(r.get()); ++c)
          columns.emplace_back(PQgetvalue(r.get(), i, c));
        row(columns);
      }
    };
  }

 private:
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

// Waits until the clients have acknowledged `n` more operations than `from`; false when they
// stall for kStall.
bool progressed(const soak::Tally& tally, int from, int n) {
  const auto limit = Clock::now() + kStall;
  while (tally.acknowledged < from + n) {
    if (Clock::now() > limit) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

bool ledger_answers(std::uint16_t port) {
  const Reply health = request_once(port, "GET", "/healthz");
  return health.status == 200 && health.body.find(R"("answers":true)") != std::string::npos;
}

TEST(PgServers, TwoServersOnOneDatabaseSurviveAKilledServerAndADatabaseRestart) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const auto began = Clock::now();
  const std::string uri = pg->fresh_database();
  ASSERT_EQ(run_onestop({"roster", "import", source_path("config/roster.sample.csv"), "--ledger",
                         uri, "--policy-dir", source_path("config/policies")}),
            0);
  std::string key;
  {
    auto clients = backend::open_clients(*backend::parse_ledger_url(uri, "test"));
    ASSERT_TRUE(clients) << clients.error().message;
    auto added = (*clients)->add("soak-h2", store::Role::hospital, "H2");  // RequestBuilder's
    ASSERT_TRUE(added) << added.error().message;
    key = added->key;
  }
  const std::string settings = crash::write_settings(service_test_dir("pg-servers"), uri);
  crash::ServeProcess first(settings);
  crash::ServeProcess second(settings);

  soak::Script script;
  script.seed = 20200306;
  script.bill_prefix = "PG-";
  script.patients_per_client = 3;  // more settlements each: caps are reached
  script.twin_percent = 10;
  script.timeout_seconds = 30;
  soak::Shared shared;
  shared.servers = 2;
  shared.key = key;
  shared.ports[0] = first.start();
  shared.ports[1] = second.start();
  ASSERT_NE(shared.ports[0].load(), 0);
  ASSERT_NE(shared.ports[1].load(), 0);
  const soak::Tally& t = shared.tally;
  std::vector<std::vector<soak::Op>> ops;
  std::mt19937 rng(script.seed);
  int kills = 0;
  int cut_by_kills = 0;  // requests in flight that a kill cut
  int restarts = 0;
  int unavailable_in_outages = 0;
  {
    const soak::Load load(script, shared, ops);
    ASSERT_TRUE(progressed(t, 0, kSteps)) << "the load never got going";

    // Each server in turn killed at a random moment; the other must serve on alone.
    std::uniform_int_distribution<int> delay_ms(50, 300);
    while (kills < kMinKills || (kills < kMaxKills && cut_by_kills == 0)) {
      const int victim = kills % 2;
      crash::ServeProcess& server = victim == 0 ? first : second;
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
      const int broken = t.broken_in_flight;
      server.kill_hard();
      shared.ports[victim] = 0;
      ++kills;
      ASSERT_TRUE(progressed(t, t.acknowledged, kSteps)) << "the other server stopped serving";
      cut_by_kills += t.broken_in_flight - broken;
      shared.ports[victim] = server.start();
      ASSERT_NE(shared.ports[victim].load(), 0);
      ASSERT_TRUE(progressed(t, t.acknowledged, kSteps)) << "the load stalled after a restart";
    }

    // The database restarted under the load: the servers answer 503 meanwhile, reconnect by
    // themselves, and the load goes on.
    while (restarts < kMaxRestarts && unavailable_in_outages == 0) {
      const int unavailable = t.unavailable;
      pg->restart_fast();
      ++restarts;
      ASSERT_TRUE(progressed(t, t.acknowledged, kSteps))
          << "the load did not resume after the database restarted\n"
          << pg->log_tail();
      unavailable_in_outages += t.unavailable - unavailable;
    }
  }
  EXPECT_TRUE(ledger_answers(shared.ports[0]));
  EXPECT_TRUE(ledger_answers(shared.ports[1]));
  const int pending = soak::acknowledge_rest(ops, shared.ports[0], shared, script.timeout_seconds);
  EXPECT_EQ(first.terminate(), 0);
  EXPECT_EQ(second.terminate(), 0);

  PgQuery db(uri);
  const soak::LedgerView ledger =
      soak::read_ledger(db.query(), soak::postgres_accumulator_mismatches(), reference_policy());
  const soak::Check check = soak::check_ledger(ledger, ops);
  const soak::Counts counts = soak::count_ops(ops, pending);
  soak::report(std::to_string(kills) + " kills (" + std::to_string(cut_by_kills) +
                   " requests cut), " + std::to_string(restarts) + " database restarts (" +
                   std::to_string(unavailable_in_outages) + " answered 503)",
               script, counts, shared.tally, ledger, check, seconds_since(began));

  // Not vacuous: a kill cut a request in flight, an outage was answered 503, requests went to
  // both servers at once, and committed requests whose answers were lost replayed.
  EXPECT_GE(cut_by_kills, 1);
  EXPECT_GE(unavailable_in_outages, 1);
  EXPECT_GE(t.twins.load(), 1);
  EXPECT_GE(t.replayed[0] + t.replayed[1], 1);
  EXPECT_GE(counts.sent[0], 1);
  EXPECT_GE(counts.sent[1], 1);
  EXPECT_EQ(t.timeouts.load(), 0) << "a request waited past the clients' timeout";
  soak::expect_sound(ledger, check, counts);
  EXPECT_EQ(
      run_onestop({"verify", "--ledger", uri, "--policy-dir", source_path("config/policies")}), 0);
}

}  // namespace
}  // namespace onestop::testing
