// Migrations (PRAGMA user_version) on a fresh database, on reopen, from an older version, and
// the refusal of a newer one; the pragmas and table options the ledger relies on.
#include "adapters/sqlite/schema.hpp"

#include <gtest/gtest.h>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/roster.hpp"
#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)

TEST(Schema, FreshDatabaseGetsEveryMigration) {
  const std::string path = temp_db();
  open_ledger(path).reset();
  EXPECT_EQ(raw_value(path, "PRAGMA user_version"), "7");
  EXPECT_EQ(raw_value(path, "PRAGMA journal_mode"), "wal");
  for (const char* table : {"records", "record_layers", "accumulators", "person_years", "roster"}) {
    EXPECT_EQ(raw_value(path, std::string("SELECT strict FROM pragma_table_list WHERE name = '") +
                                  table + "'"),
              "1")
        << table << " is not a STRICT table";
  }
  EXPECT_EQ(raw_value(path,
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                      "('records_settlement_key', 'records_cancels')"),
            "2");
}

TEST(Schema, ReopenKeepsDataAndDoesNotMigrateAgain) {
  const std::string path = temp_db();
  const Claim& claim = claims_2020().front();
  std::string hash;
  {
    auto ledger = open_ledger(path);
    hash = settle_now(*ledger, claim).record->hash;
  }
  auto ledger = open_ledger(path);
  EXPECT_EQ(raw_value(path, "PRAGMA user_version"), "7");
  ASSERT_EQ(ledger->record_count(), 1);
  EXPECT_EQ(ledger->get(1)->hash, hash);
  settle_now(*ledger, claim, sqlite::Outcome::replayed);
}

TEST(Schema, MigratesAnOlderDatabaseForward) {
  const std::string path = temp_db();
  {
    sqlite::detail::Connection db({path, true, 1000, ""});
    sqlite::detail::migrate(db, 1);
    EXPECT_EQ(sqlite::detail::schema_version(db), 1);
  }
  EXPECT_EQ(raw_value(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'roster'"), "0");
  auto roster = sqlite::Roster::open(path);
  ASSERT_TRUE(roster.ok()) << roster.error().message;
  EXPECT_EQ(raw_value(path, "PRAGMA user_version"), "7");
  EXPECT_EQ((*roster)->size(), 0u);
}

TEST(Schema, RefusesADatabaseNewerThanTheBuild) {
  const std::string path = temp_db();
  open_ledger(path).reset();
  ASSERT_EQ(raw_exec(path, "PRAGMA user_version = 99"), SQLITE_OK);
  sqlite::LedgerOptions options;
  options.path = path;
  auto ledger = sqlite::Ledger::open(options);
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.error().code, "ledger_unavailable");
  EXPECT_NE(ledger.error().message.find("newer"), std::string::npos) << ledger.error().message;
}

TEST(Schema, RefusesPathsItCannotUse) {
  sqlite::LedgerOptions options;
  options.path = ":memory:";
  EXPECT_EQ(sqlite::Ledger::open(options).error().code, "ledger_unavailable");
  options.path = test_dir() + "/no/such/dir/ledger.db";
  EXPECT_EQ(sqlite::Ledger::open(options).error().code, "ledger_unavailable");
}

TEST(Schema, RecordsAreAppendOnly) {
  const std::string path = temp_db();
  {
    auto ledger = open_ledger(path);
    settle_now(*ledger, claims_2020().front());
  }
  EXPECT_EQ(raw_exec(path, "UPDATE records SET total = 0"), SQLITE_CONSTRAINT);
  EXPECT_EQ(raw_exec(path, "DELETE FROM records"), SQLITE_CONSTRAINT);
  EXPECT_EQ(raw_exec(path, "UPDATE record_layers SET paid = 0"), SQLITE_CONSTRAINT);
  EXPECT_EQ(raw_value(path, "SELECT count(*) FROM records"), "1");
}

}  // namespace
}  // namespace onestop
