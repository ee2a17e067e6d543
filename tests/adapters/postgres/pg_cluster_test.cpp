// The throwaway PostgreSQL cluster the PostgreSQL ledger's tests run against: it is version 15,
// durable (fsync on), its databases are apart, and a restart keeps what was committed.
#include "support/pg_cluster.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>

namespace onestop::testing {
namespace {

using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

Conn connect(const std::string& uri) { return Conn(PQconnectdb(uri.c_str()), &PQfinish); }

Result exec(PGconn* c, const char* sql) { return Result(PQexec(c, sql), &PQclear); }

// The one value a query returns, or the error, so that a failed query shows in the assertion.
std::string scalar(PGconn* c, const char* sql) {
  Result r = exec(c, sql);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) {
    return std::string("error: ") + PQerrorMessage(c);
  }
  return PQgetvalue(r.get(), 0, 0);
}

TEST(PgCluster, AnswersAsPostgreSql15) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  Conn c = connect(pg->fresh_database());
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get()) << pg->log_tail();
  EXPECT_THAT(scalar(c.get(), "SELECT version()"), ::testing::HasSubstr("PostgreSQL 15"));
  EXPECT_EQ(scalar(c.get(), "SELECT current_user"), "onestop");
}

// The ledger's tests of durability mean something only if the server really syncs.
TEST(PgCluster, KeepsFsyncOn) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  Conn c = connect(pg->fresh_database());
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get()) << pg->log_tail();
  EXPECT_EQ(scalar(c.get(), "SHOW fsync"), "on");
  EXPECT_EQ(scalar(c.get(), "SHOW max_connections"), "200");
}

TEST(PgCluster, FreshDatabasesAreApart) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string first = pg->fresh_database();
  const std::string second = pg->fresh_database();
  ASSERT_NE(first, second);
  Conn a = connect(first);
  Conn b = connect(second);
  ASSERT_EQ(PQstatus(a.get()), CONNECTION_OK) << PQerrorMessage(a.get());
  ASSERT_EQ(PQstatus(b.get()), CONNECTION_OK) << PQerrorMessage(b.get());
  ASSERT_EQ(PQresultStatus(exec(a.get(), "CREATE TABLE only_here (x int)").get()), PGRES_COMMAND_OK)
      << PQerrorMessage(a.get());
  EXPECT_EQ(scalar(a.get(), "SELECT to_regclass('only_here') IS NOT NULL"), "t");
  EXPECT_EQ(scalar(b.get(), "SELECT to_regclass('only_here') IS NOT NULL"), "f");
}

TEST(PgCluster, FastRestartDropsConnectionsAndKeepsCommittedRows) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string db = pg->fresh_database();
  Conn before = connect(db);
  ASSERT_EQ(PQstatus(before.get()), CONNECTION_OK) << PQerrorMessage(before.get());
  ASSERT_EQ(PQresultStatus(exec(before.get(), "CREATE TABLE kept (x int)").get()),
            PGRES_COMMAND_OK);
  ASSERT_EQ(PQresultStatus(exec(before.get(), "INSERT INTO kept VALUES (42)").get()),
            PGRES_COMMAND_OK);

  pg->restart_fast();

  EXPECT_NE(PQresultStatus(exec(before.get(), "SELECT 1").get()), PGRES_TUPLES_OK);
  EXPECT_EQ(PQstatus(before.get()), CONNECTION_BAD);
  Conn after = connect(db);
  ASSERT_EQ(PQstatus(after.get()), CONNECTION_OK) << PQerrorMessage(after.get()) << pg->log_tail();
  EXPECT_EQ(scalar(after.get(), "SELECT string_agg(x::text, ',') FROM kept"), "42");
}

}  // namespace
}  // namespace onestop::testing
