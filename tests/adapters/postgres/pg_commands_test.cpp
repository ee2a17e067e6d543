// The commands on a PostgreSQL ledger URL (issue 11): the roster, the clients, ledger migrate,
// verify and `onestop serve` itself work through --ledger postgresql://...; a server that cannot
// be reached is an error naming the URL, with any password masked.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <future>
#include <regex>
#include <string>
#include <vector>

#include "adapters/backend/backend.hpp"
#include "adapters/http/crash_fixture.hpp"
#include "adapters/http/http_fixture.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace onestop::testing {
namespace {

// The URI as one shell word ('&' and '?' are shell syntax).
std::string quoted(const std::string& uri) { return "'" + uri + "'"; }

// The settlement request of the case's first claim: the API's request names the patient by id
// and the hospital by its registry id only (the registry supplies the rest).
std::string first_case_request() {
  std::ifstream in(source_path("tests/cases/zhaoshan-2020.claims.jsonl"));
  std::string claim;
  std::getline(in, claim);
  claim = std::regex_replace(claim, std::regex(R"(, "category": "[^"]*")"), "");
  return std::regex_replace(claim, std::regex(R"("hospital": \{[^}]*\}, )"), "");
}

TEST(PgCommands, TheRosterAndTheClientsLiveInPostgreSql) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string uri = pg->fresh_database();
  const std::string ledger = " --ledger " + quoted(uri);
  const auto imported = run_onestop("roster import " + source_path("config/roster.sample.csv") +
                                    ledger + " --policy-dir " + source_path("config/policies"));
  ASSERT_EQ(imported.status, 0) << imported.output;
  EXPECT_NE(imported.output.find("imported"), std::string::npos) << imported.output;
  auto roster = backend::open_roster(*backend::parse_ledger_url(uri, "test"));
  ASSERT_TRUE(roster) << roster.error().message;
  EXPECT_TRUE((*roster)->knows("P0010000"));

  const auto added = run_onestop("clients add desk --role auditor" + ledger);
  ASSERT_EQ(added.status, 0) << added.output;
  const std::string key = added.output.substr(0, added.output.find('\n'));
  auto clients = backend::open_clients(*backend::parse_ledger_url(uri, "test"));
  ASSERT_TRUE(clients);
  const auto who = (*clients)->authenticate(key);
  ASSERT_TRUE(who) << added.output;
  EXPECT_EQ(who->client, "desk");
  const auto listed = run_onestop("clients list --format csv" + ledger);
  EXPECT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find("desk,auditor"), std::string::npos) << listed.output;
}

TEST(PgCommands, LedgerMigrateRunsOnPostgreSqlAndAnUnreachableServerIsNamed) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string uri = pg->fresh_database();
  const auto migrate = run_onestop("ledger migrate --ledger " + quoted(uri) + " --policy-dir " +
                                   source_path("config/policies"));
  EXPECT_EQ(migrate.status, 0) << migrate.output;
  EXPECT_NE(migrate.output.find("is at the current schema (0 records); policy texts added: 0"),
            std::string::npos)
      << migrate.output;
  const auto unreachable =
      run_onestop("clients list --ledger 'postgresql://onestop:hunter2@127.0.0.1:1/none'");
  EXPECT_EQ(unreachable.status, 2) << unreachable.output;
  EXPECT_NE(unreachable.output.find("postgresql://onestop:***@127.0.0.1:1/none"), std::string::npos)
      << unreachable.output;
  EXPECT_NE(unreachable.output.find("cannot connect"), std::string::npos) << unreachable.output;
  EXPECT_EQ(unreachable.output.find("hunter2"), std::string::npos) << unreachable.output;
}

// A server on the PostgreSQL ledger: it starts (the national tables are there), settles a
// hospital's claim, answers it back as it answered the POST, and the ledger it leaves verifies.
TEST(PgCommands, ServeSettlesOnPostgreSqlAndTheLedgerVerifies) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string uri = pg->fresh_database();
  const std::string ledger = " --ledger " + quoted(uri);
  const auto imported = run_onestop("roster import " + source_path("config/roster.sample.csv") +
                                    ledger + " --policy-dir " + source_path("config/policies"));
  ASSERT_EQ(imported.status, 0) << imported.output;
  // The registry (H5) comes from the settings, for `clients add` as for the server.
  const std::string dir = test_dir();
  const std::string settings = crash::write_settings(dir, uri);
  const auto added =
      run_onestop("clients add his --role hospital --hospital H5 --config " + settings + ledger);
  ASSERT_EQ(added.status, 0) << added.output;
  const std::string key = added.output.substr(0, added.output.find('\n'));

  crash::ServeProcess server(settings);
  const std::uint16_t port = server.start();
  ASSERT_NE(port, 0);

  const Reply settled = request_once(port, "POST", "/v1/settlements", first_case_request(), key);
  ASSERT_EQ(settled.status, 201) << settled.body;
  const std::smatch id = [&] {
    std::smatch m;
    std::regex_search(settled.body, m, std::regex(R"("settlement_id":(\d+))"));
    return m;
  }();
  ASSERT_FALSE(id.empty()) << settled.body;
  const Reply read = request_once(port, "GET", "/v1/settlements/" + id[1].str(), "", key);
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.body, settled.body);
  EXPECT_EQ(server.terminate(), 0);

  const auto verified =
      run_onestop("verify" + ledger + " --policy-dir " + source_path("config/policies"));
  EXPECT_EQ(verified.status, 0) << verified.output;
  // The office report, built in verify's walk of the PostgreSQL ledger.
  const auto report =
      run_onestop("audit report --year 2020 --utc-offset +08:00 --out " + dir + "/report" + ledger +
                  " --policy-dir " + source_path("config/policies"));
  EXPECT_EQ(report.status, 0) << report.output;
  EXPECT_NE(report.output.find(": 1 persons, 1 admissions,"), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("chain verified up to record " + id[1].str() + " (1 records)"),
            std::string::npos)
      << report.output;
}

// /metrics while the database is down answers 200 with onestop_ledger_up 0 (and no record
// count) to a monitoring system whose key read it before: the outage shows instead of a failed
// scrape, although the key cannot be checked meanwhile.
TEST(PgCommands, MetricsShowTheDatabaseDownInsteadOfFailing) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string uri = pg->fresh_database();
  const auto added = run_onestop("clients add prometheus --role auditor --ledger " + quoted(uri));
  ASSERT_EQ(added.status, 0) << added.output;
  const std::string key = added.output.substr(0, added.output.find('\n'));
  crash::ServeProcess server(crash::write_settings(test_dir(), uri));
  const std::uint16_t port = server.start();
  ASSERT_NE(port, 0);
  const std::string up = "\nonestop_ledger_up{engine=\"postgresql\"} ";
  const Reply before = request_once(port, "GET", "/metrics", "", key);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_NE(before.body.find(up + "1"), std::string::npos) << before.body;
  EXPECT_NE(before.body.find("\nonestop_ledger_records 0"), std::string::npos) << before.body;

  pg->stop();
  const Reply down = request_once(port, "GET", "/metrics", "", key);
  EXPECT_EQ(down.status, 200) << down.body;
  EXPECT_NE(down.body.find(up + "0"), std::string::npos) << down.body;
  EXPECT_EQ(down.body.find("\nonestop_ledger_records "), std::string::npos) << down.body;
  EXPECT_EQ(request_once(port, "GET", "/healthz").status, 503);
  pg->restart_fast();
  EXPECT_EQ(server.terminate(), 0);
}

// Several servers start at once on a new database: one applies the schema, the others find it.
TEST(PgCommands, ServersStartingTogetherMigrateOnce) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const auto url = *backend::parse_ledger_url(pg->fresh_database(), "test");
  std::vector<std::future<bool>> opened;
  for (int i = 0; i < 6; ++i) {
    opened.push_back(std::async(std::launch::async, [&url, i] {
      return i % 2 == 0 ? static_cast<bool>(backend::open_roster(url))
                        : static_cast<bool>(backend::open_clients(url));
    }));
  }
  for (auto& f : opened) EXPECT_TRUE(f.get());
  auto roster = backend::open_roster(url);
  ASSERT_TRUE(roster);
  EXPECT_EQ((*roster)->size(), 0u);
}

}  // namespace
}  // namespace onestop::testing
