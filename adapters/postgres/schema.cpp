#include "adapters/postgres/schema.hpp"

#include <array>
#include <string>

namespace onestop::postgres::detail {
namespace {

// The key of the advisory lock that serializes migrations across servers ("onestop" in ASCII).
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(31365104422645616)";

// Version 1: the roster with its certifications, and the API's clients with their keys (the
// SQLite schema's versions 2, 4 and 5 for these tables). Dates are ISO text, which sorts as
// dates; valid_to NULL: still holds. A client row is never deleted (revoking removes its keys).
constexpr const char* kRosterAndClientsV1 = R"sql(
CREATE TABLE roster (
  patient_id text NOT NULL,
  valid_from text NOT NULL,
  valid_to text,
  name text NOT NULL,
  id_number text NOT NULL,
  category text NOT NULL,
  PRIMARY KEY (patient_id, valid_from),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX roster_id_number ON roster (id_number);
CREATE TABLE certifications (
  patient_id text NOT NULL,
  disease text NOT NULL,
  valid_from text NOT NULL,
  valid_to text,
  PRIMARY KEY (patient_id, disease, valid_from),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE TABLE clients (
  name text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('hospital', 'reconciler', 'auditor', 'admin')),
  hospital_id text,
  created_at text NOT NULL,
  revoked_at text,
  CHECK ((role = 'hospital') = (hospital_id IS NOT NULL))
);
CREATE TABLE client_keys (
  key_id text PRIMARY KEY,
  client text NOT NULL REFERENCES clients(name),
  salt text NOT NULL,
  hash text NOT NULL,
  created_at text NOT NULL,
  serial bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX client_keys_client ON client_keys (client, created_at);
)sql";

// Version 2: the access log (the SQLite schema's version 4), append-only: a trigger refuses
// UPDATE and DELETE. Its id orders the entries as they were written.
constexpr const char* kAccessLogV2 = R"sql(
CREATE TABLE access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at text NOT NULL,
  client text NOT NULL,
  role text NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  target text NOT NULL,
  status integer NOT NULL,
  remote text NOT NULL,
  correlation_id text NOT NULL
);
CREATE INDEX access_log_at ON access_log (at);
CREATE FUNCTION onestop_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
  FOR EACH ROW EXECUTE FUNCTION onestop_append_only();
)sql";

constexpr std::array<const char*, kSchemaVersion> kMigrations = {kRosterAndClientsV1, kAccessLogV2};

}  // namespace

int schema_version(Connection& db) {
  db.exec("CREATE TABLE IF NOT EXISTS onestop_schema (version integer NOT NULL)");
  const Rows rows = db.run("SELECT coalesce(max(version), 0) FROM onestop_schema");
  return static_cast<int>(rows.int64(0, 0));
}

void migrate(Connection& db) {
  // Two servers creating the version table at once may collide on the catalog: the lock first.
  in_transaction(db, [](Connection& c) {
    c.exec(kMigrationLock);
    c.exec("CREATE TABLE IF NOT EXISTS onestop_schema (version integer NOT NULL)");
  });
  for (;;) {
    const bool done = in_transaction(db, [](Connection& c) {
      c.exec(kMigrationLock);
      const int version = schema_version(c);
      if (version > kSchemaVersion) {
        throw PgError("", "the ledger's schema is version " + std::to_string(version) +
                              ", newer than this build's " + std::to_string(kSchemaVersion));
      }
      if (version == kSchemaVersion) return true;
      c.exec(kMigrations[static_cast<std::size_t>(version)]);
      c.run("INSERT INTO onestop_schema (version) VALUES ($1)", Params::of(version + 1));
      return false;
    });
    if (done) return;
  }
}

}  // namespace onestop::postgres::detail
