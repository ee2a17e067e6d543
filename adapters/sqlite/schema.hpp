// The ledger database schema as numbered migrations (PRAGMA user_version). The ledger and the
// roster share one database file and one list of migrations. Internal to adapters/sqlite.
#pragma once

#include "adapters/sqlite/db.hpp"

namespace onestop::sqlite::detail {

// The schema version this build writes and reads.
inline constexpr int kSchemaVersion = 9;

// PRAGMA user_version of the database.
int schema_version(Connection& db);

// Puts the database in WAL mode (persistent in the file) and applies the migrations after its
// user_version up to `target`, each in its own IMMEDIATE transaction together with its new
// user_version, so a crash leaves a whole version. Throws DbError, also for a database newer
// than this build (user_version > kSchemaVersion).
void migrate(Connection& db, int target = kSchemaVersion);

// Throws DbError unless the database is at kSchemaVersion (for readers that must not migrate).
void require_current_schema(Connection& db);

}  // namespace onestop::sqlite::detail
