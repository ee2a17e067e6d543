// The fixture of the storage contract tests, which run once per engine: the test's storage is a
// fresh SQLite file, or a fresh database on the program's throwaway PostgreSQL cluster
// (pg_cluster.hpp: a test without the server fails under CI=true, else it is skipped).
//
//   class StoreContract : public EngineTest { ... url_ ... };
//   INSTANTIATE_TEST_SUITE_P(Engines, StoreContract, kEngines, engine_name);
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "adapters/backend/backend.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace onestop::testing {

class EngineTest : public ::testing::TestWithParam<backend::Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == backend::Engine::sqlite) {
      url_ = backend::sqlite_url(temp_db());
      return;
    }
    PgCluster* pg = nullptr;
    ONESTOP_REQUIRE_PG(pg);
    auto url = backend::parse_ledger_url(pg->fresh_database(), "test");
    ASSERT_TRUE(url) << url.error().message;
    url_ = *url;
    ASSERT_EQ(url_.engine, backend::Engine::postgresql);
  }

  bool postgres() const { return GetParam() == backend::Engine::postgresql; }

  backend::LedgerUrl url_;  // the storage of this test, as a server would be given it
};

inline const auto kEngines =
    ::testing::Values(backend::Engine::sqlite, backend::Engine::postgresql);

// The test name's part for its engine: "sqlite" or "postgresql".
inline std::string engine_name(const ::testing::TestParamInfo<backend::Engine>& info) {
  return info.param == backend::Engine::sqlite ? "sqlite" : "postgresql";
}

}  // namespace onestop::testing
