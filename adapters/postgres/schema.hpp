// The PostgreSQL ledger's schema as numbered migrations, recorded in onestop_schema. Several
// servers may start at once: each migration runs in one transaction holding an advisory lock,
// so exactly one applies it and the others find it done. Internal to adapters/postgres.
#pragma once

#include <memory>
#include <string>

#include "adapters/postgres/pg.hpp"

namespace onestop::postgres::detail {

// The schema version this build writes and reads.
inline constexpr int kSchemaVersion = 4;

// The database's schema version (0 for a database OneStop never used).
int schema_version(Connection& db);

// Applies the migrations after the database's version up to kSchemaVersion, each in its own
// transaction together with its new version. Throws PgError, also for a database newer than
// this build.
void migrate(Connection& db);

// An `Impl` (an implementation of `Interface`) on the database at `uri`, made with
// `Impl(uri, args...)` once one connection reached it and applied the pending migrations.
// Error code "ledger_unavailable" when the server cannot be reached or the schema is newer.
template <typename Interface, typename Impl, typename... Args>
Result<std::unique_ptr<Interface>> open_migrated(const std::string& uri, const Args&... args) {
  try {
    Connection db(uri);
    migrate(db);
    return std::unique_ptr<Interface>(std::make_unique<Impl>(uri, args...));
  } catch (const PgError& e) {
    return database_failed(e);
  }
}

}  // namespace onestop::postgres::detail
