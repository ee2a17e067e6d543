// The commands on a PostgreSQL ledger URL (issue 11): what PostgreSQL keeps so far (the roster
// and the clients) works through --ledger postgresql://...; what it does not keep yet is refused
// with a clear error before anything is written; a server that cannot be reached is an error
// naming the URL, with any password masked.
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "adapters/backend/backend.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace onestop::testing {
namespace {

// The URI as one shell word ('&' and '?' are shell syntax).
std::string quoted(const std::string& uri) { return "'" + uri + "'"; }

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

TEST(PgCommands, WhatPostgreSqlDoesNotKeepYetIsRefusedAndAnUnreachableServerIsNamed) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string uri = pg->fresh_database();
  const auto migrate = run_onestop("ledger migrate --ledger " + quoted(uri) + " --policy-dir " +
                                   source_path("config/policies"));
  EXPECT_EQ(migrate.status, 1) << migrate.output;
  EXPECT_NE(migrate.output.find("not yet the national tables or the keeping of named policies"),
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
