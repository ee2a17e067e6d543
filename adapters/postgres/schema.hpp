// The PostgreSQL ledger's schema as numbered migrations, recorded in onestop_schema. Several
// servers may start at once: each migration runs in one transaction holding an advisory lock,
// so exactly one applies it and the others find it done. Internal to adapters/postgres.
#pragma once

#include "adapters/postgres/pg.hpp"

namespace onestop::postgres::detail {

// The schema version this build writes and reads.
inline constexpr int kSchemaVersion = 2;

// The database's schema version (0 for a database OneStop never used).
int schema_version(Connection& db);

// Applies the migrations after the database's version up to kSchemaVersion, each in its own
// transaction together with its new version. Throws PgError, also for a database newer than
// this build.
void migrate(Connection& db);

}  // namespace onestop::postgres::detail
