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

// Version 3: the ledger's records (store/ledger.hpp, seal.hpp), every one in its person's chain
// (record format 3). Several servers write at once, with no single writer: a person's writes
// are serialized by locking the person's `persons` row, so every statement of a settle or a
// cancel touches one person's rows (plus the key's row in `bills`). The person's tables are
// hash-partitioned by patient_id, so one person's rows sit in one partition, and a UNIQUE of a
// partitioned table must contain patient_id: the idempotency key (hospital_id, bill_no) is
// therefore a table of its own. Amounts are integer fen; `body` is the compact record body
// (store/compact.hpp). Records, their layers and movements, the policy texts and the seals are
// append-only (the access log's trigger); persons and person_years are the moving heads. The
// servers write format 3 only; a ledger copied from SQLite (onestop ledger copy) brings its
// older records as they are: format 2 without person_seq, format 1 with its claim and result
// documents verbatim and no body.
constexpr const char* kLedgerV3 = R"sql(
CREATE TABLE policies (
  sha256 text PRIMARY KEY,
  id text NOT NULL,
  text text NOT NULL
);
CREATE TABLE persons (
  patient_id text PRIMARY KEY,
  seq bigint NOT NULL,
  head text NOT NULL,
  sealed_seq bigint NOT NULL DEFAULT 0
);
CREATE INDEX persons_unsealed ON persons (patient_id) WHERE seq > sealed_seq;
CREATE SEQUENCE record_ids;
CREATE TABLE records (
  id bigint NOT NULL,
  patient_id text NOT NULL,
  person_seq bigint,
  kind text NOT NULL CHECK (kind IN ('settlement', 'cancellation')),
  cancels bigint,
  hospital_id text NOT NULL,
  bill_no text NOT NULL,
  year integer NOT NULL,
  policy_id text NOT NULL,
  policy_sha256 text NOT NULL,
  request_sha256 text NOT NULL,
  reason text NOT NULL,
  recorded_at text NOT NULL,
  total bigint NOT NULL,
  fund_paid bigint NOT NULL,
  patient_pays bigint NOT NULL,
  admissions_delta integer NOT NULL,
  special_disease text,
  body bytea,
  claim_json text,
  result_json text,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (patient_id, id),
  UNIQUE (patient_id, person_seq),
  UNIQUE (patient_id, cancels),
  CHECK ((kind = 'settlement') = (cancels IS NULL))
) PARTITION BY HASH (patient_id);
CREATE INDEX records_id ON records (id);
CREATE INDEX records_reconciliation ON records (recorded_at, id);
CREATE INDEX records_year ON records (year, id);
CREATE INDEX records_person_year ON records (patient_id, year, id);
CREATE TABLE record_layers (
  patient_id text NOT NULL,
  record_id bigint NOT NULL,
  position integer NOT NULL,
  layer_id text NOT NULL,
  fund text NOT NULL,
  paid bigint NOT NULL,
  moved_paid bigint NOT NULL,
  deductible_charged bigint NOT NULL,
  base_cumulative bigint NOT NULL,
  patient_share bigint NOT NULL,
  PRIMARY KEY (patient_id, record_id, position),
  UNIQUE (patient_id, record_id, layer_id)
) PARTITION BY HASH (patient_id);
-- A page of records of many persons (a scan) reads its layers by record id.
CREATE INDEX record_layers_record ON record_layers (record_id);
CREATE TABLE record_movements (
  patient_id text NOT NULL,
  record_id bigint NOT NULL,
  key text NOT NULL,
  paid bigint NOT NULL,
  deductible_charged bigint NOT NULL,
  base_cumulative bigint NOT NULL,
  patient_share bigint NOT NULL,
  PRIMARY KEY (patient_id, record_id, key)
) PARTITION BY HASH (patient_id);
CREATE INDEX record_movements_record ON record_movements (record_id);
CREATE TABLE person_years (
  patient_id text NOT NULL,
  year integer NOT NULL,
  admissions integer NOT NULL,
  last_record_id bigint NOT NULL,
  layers text NOT NULL,
  PRIMARY KEY (patient_id, year)
) PARTITION BY HASH (patient_id);
DO $$
BEGIN
  FOR i IN 0..7 LOOP
    EXECUTE format('CREATE TABLE records_p%s PARTITION OF records '
                   'FOR VALUES WITH (MODULUS 8, REMAINDER %s)', i, i);
    EXECUTE format('CREATE TABLE record_layers_p%s PARTITION OF record_layers '
                   'FOR VALUES WITH (MODULUS 8, REMAINDER %s)', i, i);
    EXECUTE format('CREATE TABLE record_movements_p%s PARTITION OF record_movements '
                   'FOR VALUES WITH (MODULUS 8, REMAINDER %s)', i, i);
    EXECUTE format('CREATE TABLE person_years_p%s PARTITION OF person_years '
                   'FOR VALUES WITH (MODULUS 8, REMAINDER %s)', i, i);
  END LOOP;
END $$;
CREATE TABLE bills (
  hospital_id text NOT NULL,
  bill_no text NOT NULL,
  patient_id text NOT NULL,
  record_id bigint NOT NULL,
  PRIMARY KEY (hospital_id, bill_no)
);
CREATE TABLE seals (
  id bigint PRIMARY KEY,
  sealed_at text NOT NULL,
  heads text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON records
  FOR EACH ROW EXECUTE FUNCTION onestop_append_only();
CREATE TRIGGER record_layers_append_only BEFORE UPDATE OR DELETE ON record_layers
  FOR EACH ROW EXECUTE FUNCTION onestop_append_only();
CREATE TRIGGER record_movements_append_only BEFORE UPDATE OR DELETE ON record_movements
  FOR EACH ROW EXECUTE FUNCTION onestop_append_only();
CREATE TRIGGER policies_append_only BEFORE UPDATE OR DELETE ON policies
  FOR EACH ROW EXECUTE FUNCTION onestop_append_only();
CREATE TRIGGER seals_append_only BEFORE UPDATE OR DELETE ON seals
  FOR EACH ROW EXECUTE FUNCTION onestop_append_only();
)sql";

// Version 4: the national interface's tables (the SQLite schema's version 7, national_store.hpp).
// Several servers write them at once, so their keys are the arbiters: an acknowledged message
// is its (fixmedins_code, msgid), a visit its id and its mdtrt_id, a fee line its
// (mdtrt_id, feedetl_sn), a file its file_qury_no; a second server's insert of a taken key
// finds it taken (ON CONFLICT) instead of writing twice. A visit's changes lock its row.
constexpr const char* kNationalV4 = R"sql(
CREATE TABLE national_messages (
  fixmedins_code text NOT NULL,
  msgid text NOT NULL,
  infno text NOT NULL,
  input_sha256 text NOT NULL,
  answer text NOT NULL,
  mdtrt_id text NOT NULL,
  recorded_at text NOT NULL,
  reversed_by text,
  PRIMARY KEY (fixmedins_code, msgid)
);
CREATE TABLE national_visits (
  id bigint PRIMARY KEY,
  mdtrt_id text NOT NULL UNIQUE,
  fixmedins_code text NOT NULL,
  hospital_id text NOT NULL,
  psn_no text NOT NULL,
  insutype text NOT NULL,
  med_type text NOT NULL,
  mdtrt_cert_type text NOT NULL,
  begntime text NOT NULL,
  endtime text NOT NULL,
  diagnoses text NOT NULL,
  state text NOT NULL CHECK (state IN ('admitted', 'discharged', 'settled', 'cancelled')),
  settle_seq integer NOT NULL,
  setl_id bigint,
  updated_at text NOT NULL
);
CREATE INDEX national_visits_hospital ON national_visits (fixmedins_code, id);
-- A line's position in its visit: SQLite reads them in rowid order, this in insertion order.
CREATE TABLE national_fee_lines (
  mdtrt_id text NOT NULL REFERENCES national_visits(mdtrt_id),
  feedetl_sn text NOT NULL,
  init_feedetl_sn text NOT NULL,
  med_list_codg text NOT NULL,
  fee_ocur_time text NOT NULL,
  cnt text NOT NULL,
  pric text NOT NULL,
  msgid text NOT NULL,
  serial bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (mdtrt_id, feedetl_sn)
);
CREATE TABLE national_files (
  file_qury_no text PRIMARY KEY,
  fixmedins_code text NOT NULL,
  filename text NOT NULL,
  content_base64 text NOT NULL,
  created_at text NOT NULL
);
)sql";

constexpr std::array<const char*, kSchemaVersion> kMigrations = {kRosterAndClientsV1, kAccessLogV2,
                                                                 kLedgerV3, kNationalV4};

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
