// Every command that opens a ledger finds it as `onestop serve` does (issue 10): --db, else
// onestop.ledger.path of --config. A command run with only --config reaches the ledger that
// file names, never a var/onestop.db of its own; a defective settings file is a usage error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

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

}  // namespace
}  // namespace onestop::testing
