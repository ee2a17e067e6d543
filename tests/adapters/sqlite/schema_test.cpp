// Migrations (PRAGMA user_version) on a fresh database, on reopen, from an older version, and
// the refusal of a newer one; the pragmas and table options the ledger relies on.
#include "adapters/sqlite/schema.hpp"

#include <gtest/gtest.h>

#include <tuple>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/open.hpp"
#include "adapters/sqlite/record_store.hpp"
#include "adapters/store/roster.hpp"
#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)

TEST(Schema, FreshDatabaseGetsEveryMigration) {
  const std::string path = temp_db();
  open_ledger(path).reset();
  EXPECT_EQ(raw_value(path, "PRAGMA user_version"), "9");
  EXPECT_EQ(raw_value(path, "PRAGMA journal_mode"), "wal");
  for (const char* table :
       {"records", "record_layers", "person_years", "roster", "persons", "seals"}) {
    EXPECT_EQ(raw_value(path, std::string("SELECT strict FROM pragma_table_list WHERE name = '") +
                                  table + "'"),
              "1")
        << table << " is not a STRICT table";
  }
  EXPECT_EQ(raw_value(path,
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                      "('records_settlement_key', 'records_cancels')"),
            "2");
  // Version 8: the accumulators are person_years.layers; record_layers has its key alone.
  EXPECT_EQ(raw_value(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'accumulators'"), "0");
  EXPECT_EQ(raw_value(path,
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                      "tbl_name = 'record_layers'"),
            "0");
}

// Version 7 → 8 turns each person-year's accumulator rows into its layers text, all-zero rows
// left out, and keeps the layer rows; what it writes reads back as the same accumulators.
TEST(Schema, VersionEightFoldsTheAccumulatorRowsIntoThePersonYear) {
  const std::string path = temp_db();
  {
    sqlite::detail::Connection db({path, true, 1000, ""});
    sqlite::detail::migrate(db, 7);
  }
  // Bare records for the rows to name (the migration runs with foreign keys on).
  std::string records;
  for (const auto& [id, who, year] :
       {std::tuple{9, "P1", 2020}, {11, "P2", 2020}, {12, "P1", 2021}}) {
    records +=
        "INSERT INTO records (id, kind, hospital_id, bill_no, patient_id, year, policy_id, "
        "policy_sha256, request_sha256, claim_json, result_json, reason, recorded_at, "
        "total, fund_paid, patient_pays, admissions_delta, prev_hash, hash) VALUES (" +
        std::to_string(id) + ", 'settlement', 'H1', 'B" + std::to_string(id) + "', '" + who +
        "', " + std::to_string(year) +
        ", 'p', 's', 'r', '', '', '', 't', 0, 0, 0, "
        "0, '', '');";
  }
  ASSERT_EQ(raw_exec(path, records), SQLITE_OK);
  ASSERT_EQ(raw_exec(path,
                     "INSERT INTO person_years VALUES ('P1', 2020, 2, 9), ('P2', 2020, 0, 11), "
                     "('P1', 2021, 1, 12);"
                     "INSERT INTO accumulators VALUES "
                     "('P1', 2020, 'basic', 120000, 50000, 0, 0), "
                     "('P1', 2020, 'critical', 0, 0, 8800, 0), "
                     "('P1', 2020, 'basic:outpatient', 0, 30000, 0, 0), "
                     "('P1', 2020, 'special', 0, 0, 0, 0), "
                     "('P2', 2020, 'basic', 0, 0, 0, 0), "
                     "('P1', 2021, 'backstop', 700, 0, 0, 1500);"
                     "INSERT INTO record_layers VALUES (9, 0, 'basic', 'basic_medical', 120000, "
                     "120000, 50000, 0, 0);"),
            SQLITE_OK);
  {
    sqlite::detail::Connection db({path, false, 1000, ""});
    sqlite::detail::migrate(db, 8);
    const auto p1 = sqlite::detail::load_person_year_state(db, "P1", 2020);
    EXPECT_EQ(p1.accumulators.admissions, 2);
    EXPECT_EQ(p1.last_record_id, 9);
    EXPECT_EQ(p1.accumulators.layers.size(), 3u);
    EXPECT_EQ(p1.accumulators.of("basic"),
              (LayerTotals{Money::from_fen(120000), Money::from_fen(50000), Money{}, Money{}}));
    EXPECT_EQ(p1.accumulators.of("basic:outpatient").deductible_charged, Money::from_fen(30000));
    EXPECT_EQ(p1.accumulators.of("critical").base_cumulative, Money::from_fen(8800));
    EXPECT_TRUE(sqlite::detail::load_person_year_state(db, "P2", 2020).accumulators.layers.empty());
    EXPECT_EQ(sqlite::detail::load_person_year_state(db, "P1", 2021).accumulators.of("backstop"),
              (LayerTotals{Money::from_fen(700), Money{}, Money{}, Money::from_fen(1500)}));
  }
  EXPECT_EQ(raw_value(path,
                      "SELECT layers FROM person_years WHERE patient_id = 'P1' AND "
                      "year = 2021"),
            R"({"backstop":[700,0,0,1500]})");
  EXPECT_EQ(raw_value(path, "SELECT layers FROM person_years WHERE patient_id = 'P2'"), "{}");
  EXPECT_EQ(raw_value(path,
                      "SELECT paid || ' ' || moved_paid FROM record_layers "
                      "WHERE record_id = 9"),
            "120000 120000");
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
  EXPECT_EQ(raw_value(path, "PRAGMA user_version"), "9");
  ASSERT_EQ(ledger->record_count(), 1);
  EXPECT_EQ(ledger->get(1)->hash, hash);
  settle_now(*ledger, claim, store::Outcome::replayed);
}

TEST(Schema, MigratesAnOlderDatabaseForward) {
  const std::string path = temp_db();
  {
    sqlite::detail::Connection db({path, true, 1000, ""});
    sqlite::detail::migrate(db, 1);
    EXPECT_EQ(sqlite::detail::schema_version(db), 1);
  }
  EXPECT_EQ(raw_value(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'roster'"), "0");
  auto roster = sqlite::open_roster(path);
  ASSERT_TRUE(roster.ok()) << roster.error().message;
  EXPECT_EQ(raw_value(path, "PRAGMA user_version"), "9");
  EXPECT_EQ((*roster)->size(), 0u);
}

TEST(Schema, RefusesADatabaseNewerThanTheBuild) {
  const std::string path = temp_db();
  open_ledger(path).reset();
  ASSERT_EQ(raw_exec(path, "PRAGMA user_version = 99"), SQLITE_OK);
  sqlite::LedgerOptions options;
  options.path = path;
  auto ledger = sqlite::open_ledger(options);
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.error().code, "ledger_unavailable");
  EXPECT_NE(ledger.error().message.find("newer"), std::string::npos) << ledger.error().message;
}

TEST(Schema, RefusesPathsItCannotUse) {
  sqlite::LedgerOptions options;
  options.path = ":memory:";
  EXPECT_EQ(sqlite::open_ledger(options).error().code, "ledger_unavailable");
  options.path = test_dir() + "/no/such/dir/ledger.db";
  EXPECT_EQ(sqlite::open_ledger(options).error().code, "ledger_unavailable");
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
