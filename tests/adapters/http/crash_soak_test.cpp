// Issue 5's soak: `onestop serve` killed with SIGKILL at random moments during a mixed load of
// settlements and cancellations (soak.hpp's clients), restarted on the same ledger each time.
// In the end, read with the SQLite C API (not through the code under test), the ledger passes
// soak.hpp's checks, and `onestop verify` passes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "adapters/sqlite/open.hpp"
#include "crash_fixture.hpp"
#include "http_fixture.hpp"
#include "soak.hpp"

namespace onestop::testing {
namespace {

using namespace crash;  // NOLINT: the crash tests' shared harness
using Clock = std::chrono::steady_clock;

constexpr int kMinKills = 5;      // the requirement, whatever the time
constexpr int kKills = 20;        // while kLoadSeconds allow
constexpr int kMaxKills = 60;     // until a committed request's answer was lost
constexpr int kLoadSeconds = 25;  // past it, only the requirements start kills

// The ledger file through the SQLite C API.
soak::Query sqlite_query(sqlite3* db) {
  return [db](const std::string& sql,
              const std::function<void(const std::vector<std::string>&)>& row) {
    each_row(db, sql.c_str(), [&](sqlite3_stmt* s) {
      std::vector<std::string> columns;
      for (int i = 0; i < sqlite3_column_count(s); ++i) columns.push_back(column_text(s, i));
      row(columns);
    });
  };
}

soak::LedgerView read_ledger(const std::string& path) {
  const Db db = open_read_only(path);
  if (!db) return {};
  return soak::read_ledger(sqlite_query(db.get()), soak::sqlite_accumulator_mismatches(),
                           reference_policy());
}

TEST(CrashSoak, MixedSettleAndCancelSurviveRepeatedSigkillExactlyOnce) {
  const auto began = Clock::now();
  const std::string dir = service_test_dir("crash-soak");
  const std::string db = dir + "/ledger.db";
  ASSERT_EQ(run_onestop({"roster", "import", source_path("config/roster.sample.csv"), "--db", db,
                         "--policy-dir", source_path("config/policies")}),
            0);
  auto clients = sqlite::open_clients(db);
  ASSERT_TRUE(clients) << clients.error().message;
  auto key = (*clients)->add("soak-h2", store::Role::hospital, "H2");  // RequestBuilder's
  ASSERT_TRUE(key) << key.error().message;
  clients->reset();
  ServeProcess server(write_settings(dir, db));
  const soak::Script script;  // 6 clients of 6 patients: 36 of the roster's 40 all-2020 ones
  soak::Shared shared;
  shared.key = key->key;
  std::atomic<std::uint16_t>& port = shared.ports[0];
  port = server.start();
  ASSERT_NE(port.load(), 0);
  std::vector<std::vector<soak::Op>> ops;
  std::mt19937 rng(script.seed);
  int kills = 0;
  {
    const soak::Load load(script, shared, ops);
    // The kills must have hit a request in flight, and lost the answer of one that had
    // committed (its retry replays): what the soak is for.
    const soak::Tally& t = shared.tally;
    const KillPlan plan{kMinKills, kKills, kMaxKills, 150, 600,
                        began + std::chrono::seconds(kLoadSeconds), [&t] {
                          return t.broken_in_flight > 0 && t.replayed[0] + t.replayed[1] > 0;
                        }};
    kills = crash_repeatedly(server, port, rng, plan);
  }
  port = server.start();  // the final server, on the ledger of the last crash
  ASSERT_NE(port.load(), 0);
  const int pending = soak::acknowledge_rest(ops, port, shared, script.timeout_seconds);
  EXPECT_EQ(server.terminate(), 0);
  const soak::LedgerView ledger = read_ledger(db);
  const soak::Check check = soak::check_ledger(ledger, ops);
  const soak::Counts counts = soak::count_ops(ops, pending);
  soak::report(std::to_string(kills) + " kills", script, counts, shared.tally, ledger, check,
               seconds_since(began));
  ::testing::Test::RecordProperty("kills", kills);

  EXPECT_GE(kills, kMinKills);
  // Not vacuous: some kill hit a request the server had accepted, some committed request's
  // answer was lost and its retry replayed, and both kinds were sent.
  EXPECT_GE(shared.tally.broken_in_flight.load(), 1);
  EXPECT_GE(shared.tally.replayed[0] + shared.tally.replayed[1], 1);
  EXPECT_GE(counts.sent[0], 1);
  EXPECT_GE(counts.sent[1], 1);
  soak::expect_sound(ledger, check, counts);
  EXPECT_EQ(run_verify(db), 0);
}

}  // namespace
}  // namespace onestop::testing
