// Every command that opens a ledger finds it as `onestop serve` does (issues 10, 11): --ledger
// URL or --db FILE, else onestop.ledger.url (or .path) of --config. A command run with only
// --config reaches the ledger that file names, never a var/onestop.db of its own; a defective
// settings file or ledger URL is a usage error that writes nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "adapters/reports/command_workspace.hpp"

namespace onestop::testing {
namespace {

TEST(LedgerPath, EveryLedgerCommandFindsTheLedgerOfConfig) {
  const CommandWorkspace ws;
  const std::string config = " --config " + ws.config();
  const std::string policies = " --policy-dir " + source_path("config/policies");
  // roster import creates the ledger the settings name.
  const SplitRun imported =
      ws.run("roster import " + source_path("config/roster.sample.csv") + config + policies);
  ASSERT_EQ(imported.status, 0) << imported.err;
  ASSERT_TRUE(std::filesystem::is_regular_file(ws.db()));
  // The others read it (each would refuse a missing database).
  const SplitRun verified = ws.run("verify" + config + policies);
  EXPECT_EQ(verified.status, 0) << verified.err;
  const SplitRun totals = ws.run("reconcile totals --from 2020-01-01 --to 2020-12-31" + config);
  EXPECT_EQ(totals.status, 0) << totals.err;
  const SplitRun access = ws.run("audit access --format csv" + config);
  EXPECT_EQ(access.status, 0) << access.err;
  const SplitRun audit = ws.run("audit patient P0010000 --year 2020 --format json" + config +
                                policies);
  // The ledger opened (a missing one is "no such database"); the person has no settlements.
  EXPECT_NE(audit.err.find("no settlements of P0010000 in 2020"), std::string::npos) << audit.err;
  // --db wins over the settings file: there is no ledger there.
  const SplitRun elsewhere = ws.run("verify --db " + ws.dir() + "/none.db" + config + policies);
  EXPECT_NE(elsewhere.status, 0);
  EXPECT_FALSE(std::filesystem::exists(ws.dir() + "/none.db"));
}

TEST(LedgerPath, ADefectiveSettingsFileIsAUsageErrorNamingIt) {
  const CommandWorkspace ws;
  const std::string bad = ws.dir() + "/bad.properties";
  std::ofstream(bad) << "onestop.ledger.nonsense = 1\n";
  const SplitRun run = ws.run("verify --config " + bad);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("bad.properties"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(ws.db()));
}

TEST(LedgerPath, TheLedgerUrlNamesTheSameFileAsDb) {
  const CommandWorkspace ws;
  const std::string policies = " --policy-dir " + source_path("config/policies");
  const SplitRun imported = ws.run("roster import " + source_path("config/roster.sample.csv") +
                                   " --ledger sqlite:" + ws.db() + policies);
  ASSERT_EQ(imported.status, 0) << imported.err;
  EXPECT_NE(imported.out.find("into sqlite:" + ws.db()), std::string::npos) << imported.out;
  // A settings file naming it by URL, and the bare path: the same ledger.
  const std::string by_url = ws.dir() + "/url.properties";
  std::ofstream(by_url) << "onestop.ledger.url = sqlite:" << ws.db() << "\n";
  const SplitRun verified = ws.run("verify --config " + by_url + policies);
  EXPECT_EQ(verified.status, 0) << verified.err;
  EXPECT_EQ(ws.run("verify --ledger " + ws.db() + policies).status, 0);
}

TEST(LedgerPath, ABadLedgerUrlIsAUsageErrorNamingTheOption) {
  const CommandWorkspace ws;
  const std::string totals =
      "reconcile totals --from 2020-01-01 --to 2020-01-31 --utc-offset +08:00";
  struct Case {
    std::string args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"verify --ledger mysql://u@h/db", "--ledger: 'mysql://u@h/db' names the engine 'mysql'"},
      {"verify --ledger sqlite:", "--ledger: 'sqlite:' names no file"},
      {totals + " --ledger postgresql:x", "--ledger: 'postgresql:x' is not a PostgreSQL URI"},
      {"verify --ledger sqlite:" + ws.db() + " --db " + ws.db(), "--ledger and --db both"},
      {"verify --ledger ftp://u:hunter2@h/x", "ftp://u:***@h/x"},
      {totals + " --ledger sqlite:" + ws.dir() + "/none.db", "--ledger: no ledger database at"},
  };
  for (const Case& c : cases) {
    const SplitRun run = ws.run(c.args);
    EXPECT_EQ(run.status, 2) << c.args << "\n" << run.err;
    EXPECT_NE(run.err.find(c.says), std::string::npos) << c.args << "\n" << run.err;
    EXPECT_EQ(run.err.find("hunter2"), std::string::npos) << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(ws.db()));
  EXPECT_FALSE(std::filesystem::exists(ws.dir() + "/none.db"));
}

}  // namespace
}  // namespace onestop::testing
