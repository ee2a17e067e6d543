#include "adapters/sqlite/schema.hpp"

#include <array>
#include <string>

#include "adapters/sqlite/chain_store.hpp"
#include "adapters/sqlite/record_store.hpp"

namespace onestop::sqlite::detail {
namespace {

// Version 1: the ledger (design.md §7). Amounts are INTEGER fen. Records are append-only:
// triggers refuse UPDATE and DELETE (verify still catches an edit made around them, through
// the hash chain). The settlement key is unique among settlements only, and a settlement has
// at most one cancellation.
constexpr const char* kLedgerV1 = R"sql(
CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('settlement', 'cancellation')),
  cancels INTEGER REFERENCES records(id),
  hospital_id TEXT NOT NULL,
  bill_no TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  year INTEGER NOT NULL,
  policy_id TEXT NOT NULL,
  policy_sha256 TEXT NOT NULL,
  request_sha256 TEXT NOT NULL,
  claim_json TEXT NOT NULL,
  result_json TEXT NOT NULL,
  reason TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  total INTEGER NOT NULL,
  fund_paid INTEGER NOT NULL,
  patient_pays INTEGER NOT NULL,
  admissions_delta INTEGER NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  CHECK ((kind = 'settlement') = (cancels IS NULL))
) STRICT;
CREATE UNIQUE INDEX records_settlement_key ON records (hospital_id, bill_no)
  WHERE kind = 'settlement';
CREATE UNIQUE INDEX records_cancels ON records (cancels) WHERE cancels IS NOT NULL;
CREATE INDEX records_person_year ON records (patient_id, year, id);

CREATE TABLE record_layers (
  record_id INTEGER NOT NULL REFERENCES records(id),
  position INTEGER NOT NULL,
  layer_id TEXT NOT NULL,
  fund TEXT NOT NULL,
  paid INTEGER NOT NULL,
  moved_paid INTEGER NOT NULL,
  deductible_charged INTEGER NOT NULL,
  base_cumulative INTEGER NOT NULL,
  patient_share INTEGER NOT NULL,
  PRIMARY KEY (record_id, position),
  UNIQUE (record_id, layer_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE accumulators (
  patient_id TEXT NOT NULL,
  year INTEGER NOT NULL,
  layer_id TEXT NOT NULL,
  paid INTEGER NOT NULL,
  deductible_charged INTEGER NOT NULL,
  base_cumulative INTEGER NOT NULL,
  patient_share INTEGER NOT NULL,
  PRIMARY KEY (patient_id, year, layer_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE person_years (
  patient_id TEXT NOT NULL,
  year INTEGER NOT NULL,
  admissions INTEGER NOT NULL,
  last_record_id INTEGER NOT NULL REFERENCES records(id),
  PRIMARY KEY (patient_id, year)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER records_no_update BEFORE UPDATE ON records
  BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
CREATE TRIGGER records_no_delete BEFORE DELETE ON records
  BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
CREATE TRIGGER record_layers_no_update BEFORE UPDATE ON record_layers
  BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
CREATE TRIGGER record_layers_no_delete BEFORE DELETE ON record_layers
  BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
PRAGMA user_version = 1;
)sql";

// Version 2: the roster. Dates are ISO text, which sorts as dates; valid_to NULL: still holds.
constexpr const char* kRosterV2 = R"sql(
CREATE TABLE roster (
  patient_id TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  name TEXT NOT NULL,
  id_number TEXT NOT NULL,
  category TEXT NOT NULL,
  PRIMARY KEY (patient_id, valid_from),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
) STRICT, WITHOUT ROWID;
PRAGMA user_version = 2;
)sql";

// Version 3: indexes for the reporting reads (reports.hpp). Reconciliation walks a range of
// days in (recorded_at, id) order; its index covers every column it reads, so it never touches
// the rows themselves, whose claim and result documents fill overflow pages. A year's walk (audit, what-if) by id.
constexpr const char* kReportsV3 = R"sql(
CREATE INDEX records_reconciliation ON records (recorded_at, id, hospital_id, kind, cancels,
  bill_no, patient_id, total, fund_paid, patient_pays);
CREATE INDEX records_year ON records (year, id);
PRAGMA user_version = 3;
)sql";

// Version 4: the HTTP clients, their keys (salted hashes only, see clients.hpp) and the access
// log. A client row is never deleted (revoking removes its keys), so the log's names stay
// meaningful; the log is append-only like the ledger.
constexpr const char* kAccessV4 = R"sql(
CREATE TABLE clients (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('hospital', 'reconciler', 'auditor', 'admin')),
  hospital_id TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  CHECK ((role = 'hospital') = (hospital_id IS NOT NULL))
) STRICT;
CREATE TABLE client_keys (
  key_id TEXT PRIMARY KEY,
  client TEXT NOT NULL REFERENCES clients(name),
  salt TEXT NOT NULL,
  hash TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX client_keys_client ON client_keys (client, created_at);
CREATE TABLE access_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  client TEXT NOT NULL,
  role TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  target TEXT NOT NULL,
  status INTEGER NOT NULL,
  remote TEXT NOT NULL,
  correlation_id TEXT NOT NULL
) STRICT;
CREATE INDEX access_log_at ON access_log (at);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
  BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
  BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
PRAGMA user_version = 4;
)sql";

// Version 5: outpatient special-disease visits (domain.md §3.6). The certifications (认定),
// replaced whole by an import like the roster (dates ISO text; valid_to NULL: still holds);
// the disease of each visit record (settlement or cancellation; admissions have no row), for
// reconciliation's clearing type; and the movement of a record's derived accumulator keys
// (engine/accumulators.hpp: outpatient deductible, payment per disease), which belong to no
// layer row. The records' tables are append-only as the ledger.
constexpr const char* kOutpatientV5 = R"sql(
CREATE TABLE certifications (
  patient_id TEXT NOT NULL,
  disease TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  PRIMARY KEY (patient_id, disease, valid_from),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
) STRICT, WITHOUT ROWID;
CREATE TABLE record_movements (
  record_id INTEGER NOT NULL REFERENCES records(id),
  key TEXT NOT NULL,
  paid INTEGER NOT NULL,
  deductible_charged INTEGER NOT NULL,
  base_cumulative INTEGER NOT NULL,
  patient_share INTEGER NOT NULL,
  PRIMARY KEY (record_id, key)
) STRICT, WITHOUT ROWID;
CREATE TABLE record_visits (
  record_id INTEGER PRIMARY KEY REFERENCES records(id),
  special_disease TEXT NOT NULL
) STRICT;
CREATE TRIGGER record_visits_no_update BEFORE UPDATE ON record_visits
  BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
CREATE TRIGGER record_visits_no_delete BEFORE DELETE ON record_visits
  BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
CREATE TRIGGER record_movements_no_update BEFORE UPDATE ON record_movements
  BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
CREATE TRIGGER record_movements_no_delete BEFORE DELETE ON record_movements
  BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
PRAGMA user_version = 5;
)sql";

// Version 6: the compact ledger (issue 10). A record written from now on keeps its claim and
// the accumulators it settled on in `body` (compact.hpp) and stores '' for claim_json and
// result_json: the result is derived again on read by settling under the policy text, which
// the ledger keeps once per content hash in `policies`. Records written before keep their
// documents verbatim (body NULL) and their hash format; nothing of them is rewritten, so the
// migration is instant and the chain stays as it was. A policy row is never changed.
constexpr const char* kCompactV6 = R"sql(
ALTER TABLE records ADD COLUMN body BLOB;
CREATE TABLE policies (
  sha256 TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  text TEXT NOT NULL
) STRICT;
CREATE TRIGGER policies_no_update BEFORE UPDATE ON policies
  BEGIN SELECT RAISE(ABORT, 'ledger policies are append-only'); END;
CREATE TRIGGER policies_no_delete BEFORE DELETE ON policies
  BEGIN SELECT RAISE(ABORT, 'ledger policies are append-only'); END;
PRAGMA user_version = 6;
)sql";

// Version 7: the national interface's own state (issue 12), beside the ledger and never
// touching its records: each hospital's acknowledged messages by msgid (the idempotency key:
// the input's hash and the answer given), the visits (mdtrt_id) with their state, their
// uploaded fee lines, and the files of 9101 / 3202 / 9102. A settlement itself is a ledger
// record; a visit names it by id.
constexpr const char* kNationalV7 = R"sql(
CREATE TABLE national_messages (
  fixmedins_code TEXT NOT NULL,
  msgid TEXT NOT NULL,
  infno TEXT NOT NULL,
  input_sha256 TEXT NOT NULL,
  answer TEXT NOT NULL,
  mdtrt_id TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  reversed_by TEXT,
  PRIMARY KEY (fixmedins_code, msgid)
) STRICT;
CREATE TABLE national_visits (
  id INTEGER PRIMARY KEY,
  mdtrt_id TEXT NOT NULL UNIQUE,
  fixmedins_code TEXT NOT NULL,
  hospital_id TEXT NOT NULL,
  psn_no TEXT NOT NULL,
  insutype TEXT NOT NULL,
  med_type TEXT NOT NULL,
  mdtrt_cert_type TEXT NOT NULL,
  begntime TEXT NOT NULL,
  endtime TEXT NOT NULL,
  diagnoses TEXT NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('admitted', 'discharged', 'settled', 'cancelled')),
  settle_seq INTEGER NOT NULL,
  setl_id INTEGER,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE national_fee_lines (
  mdtrt_id TEXT NOT NULL REFERENCES national_visits(mdtrt_id),
  feedetl_sn TEXT NOT NULL,
  init_feedetl_sn TEXT NOT NULL,
  med_list_codg TEXT NOT NULL,
  fee_ocur_time TEXT NOT NULL,
  cnt TEXT NOT NULL,
  pric TEXT NOT NULL,
  msgid TEXT NOT NULL,
  PRIMARY KEY (mdtrt_id, feedetl_sn)
) STRICT;
CREATE TABLE national_files (
  file_qury_no TEXT PRIMARY KEY,
  fixmedins_code TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_base64 TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
PRAGMA user_version = 7;
)sql";

// Version 8: the lean write path (issue 10). A settlement used to write an accumulator row per
// layer it moved besides its person_years row; the writer now keeps one row per person and
// year, whose `layers` holds every layer's (and derived key's) totals in integer fen as a JSON
// object of arrays, {"basic":[paid,deductible_charged,base_cumulative,patient_share],…}, the
// all-zero ones left out (one short text: an upsert of it measured a third of the five
// upserts it replaces). It is the row a person's settlements are serialized on. record_layers
// loses its second unique index, (record_id, layer_id): a record's layer ids are unique by the
// policy loader, and verify compares every record's layer rows with its re-settlement. SQLite
// cannot drop a constraint, so that table is copied.
constexpr const char* kLeanV8 = R"sql(
ALTER TABLE person_years ADD COLUMN layers TEXT NOT NULL DEFAULT '{}';
UPDATE person_years SET layers = coalesce((
  SELECT json_group_object(a.layer_id, json_array(a.paid, a.deductible_charged,
                                                  a.base_cumulative, a.patient_share))
  FROM accumulators a
  WHERE a.patient_id = person_years.patient_id AND a.year = person_years.year
    AND (a.paid, a.deductible_charged, a.base_cumulative, a.patient_share) != (0, 0, 0, 0)),
  '{}');
DROP TABLE accumulators;
CREATE TABLE record_layers_v8 (
  record_id INTEGER NOT NULL REFERENCES records(id),
  position INTEGER NOT NULL,
  layer_id TEXT NOT NULL,
  fund TEXT NOT NULL,
  paid INTEGER NOT NULL,
  moved_paid INTEGER NOT NULL,
  deductible_charged INTEGER NOT NULL,
  base_cumulative INTEGER NOT NULL,
  patient_share INTEGER NOT NULL,
  PRIMARY KEY (record_id, position)
) STRICT, WITHOUT ROWID;
INSERT INTO record_layers_v8 (record_id, position, layer_id, fund, paid, moved_paid,
    deductible_charged, base_cumulative, patient_share)
  SELECT record_id, position, layer_id, fund, paid, moved_paid, deductible_charged,
    base_cumulative, patient_share FROM record_layers ORDER BY record_id, position;
DROP TABLE record_layers;
ALTER TABLE record_layers_v8 RENAME TO record_layers;
CREATE TRIGGER record_layers_no_update BEFORE UPDATE ON record_layers
  BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
CREATE TRIGGER record_layers_no_delete BEFORE DELETE ON record_layers
  BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;
PRAGMA user_version = 8;
)sql";

// Version 9: a chain per person and seals (issue 11, adapters/store/seal.hpp), so that on an
// engine with several writers no settlement waits on one global head; SQLite keeps the same
// design so that verify is one algorithm. A record from now on has its place in its person's
// chain (person_seq: 1, 2, …; its prev_hash is the person's record before), `persons` keeps
// each chain's head and what the last seal named of it, and `seals` is the chain of seals.
// The records written before keep their one chain of the whole ledger (person_seq NULL); the
// migration seals its head as the first seal (seal_old_chain), so a truncation of it shows.
constexpr const char* kChainsV9 = R"sql(
ALTER TABLE records ADD COLUMN person_seq INTEGER;
CREATE UNIQUE INDEX records_person_seq ON records (patient_id, person_seq)
  WHERE person_seq IS NOT NULL;
CREATE TABLE persons (
  patient_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  head TEXT NOT NULL,
  sealed_seq INTEGER NOT NULL DEFAULT 0,
  CHECK (sealed_seq <= seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX persons_unsealed ON persons (patient_id) WHERE seq > sealed_seq;
CREATE TABLE seals (
  id INTEGER PRIMARY KEY,
  sealed_at TEXT NOT NULL,
  heads TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE TRIGGER seals_no_update BEFORE UPDATE ON seals
  BEGIN SELECT RAISE(ABORT, 'ledger seals are append-only'); END;
CREATE TRIGGER seals_no_delete BEFORE DELETE ON seals
  BEGIN SELECT RAISE(ABORT, 'ledger seals are append-only'); END;
PRAGMA user_version = 9;
)sql";

// Migration 8 → 9's second half: the first seal names the head of the old whole-ledger chain
// as the chain "" (none when the ledger has no record yet).
void seal_old_chain(Connection& db) {
  const ChainHead head = load_chain_head(db);
  if (head.id == 0) return;
  insert_seal(db, store::next_seal({}, utc_now(), {{"", head.id, head.hash}}));
}

struct Migration {
  const char* sql;
  void (*then)(Connection&) = nullptr;  // work SQL cannot do, in the same transaction
};

// Migration i takes the database from version i to i + 1.
const std::array<Migration, kSchemaVersion> kMigrations = {{{kLedgerV1},
                                                            {kRosterV2},
                                                            {kReportsV3},
                                                            {kAccessV4},
                                                            {kOutpatientV5},
                                                            {kCompactV6},
                                                            {kNationalV7},
                                                            {kLeanV8},
                                                            {kChainsV9, seal_old_chain}}};

// Applies migration `from` → from + 1 unless another process did it first.
void apply(Connection& db, int from) {
  db.exec("BEGIN IMMEDIATE");
  try {
    if (schema_version(db) == from) {
      const Migration& m = kMigrations.at(static_cast<std::size_t>(from));
      db.exec(m.sql);
      if (m.then != nullptr) m.then(db);
    }
    db.exec("COMMIT");
  } catch (const DbError&) {
    db.rollback_quietly();
    throw;
  }
}

// WAL lets readers run beside the writer; the mode is stored in the file.
void use_wal(Connection& db) {
  Query mode = db.query("PRAGMA journal_mode = WAL");
  if (!mode.step() || mode.text(0) != "wal") {
    throw DbError(SQLITE_ERROR, "the database cannot be put in WAL mode");
  }
}

}  // namespace

int schema_version(Connection& db) {
  Query q = db.query("PRAGMA user_version");
  if (!q.step()) throw DbError(SQLITE_ERROR, "PRAGMA user_version returned nothing");
  return static_cast<int>(q.int64(0));
}

void migrate(Connection& db, int target) {
  use_wal(db);
  for (int version = schema_version(db); version < target; version = schema_version(db)) {
    apply(db, version);
  }
  const int version = schema_version(db);
  if (version > kSchemaVersion) {
    throw DbError(SQLITE_ERROR, "the database schema version " + std::to_string(version) +
                                    " is newer than this build's " +
                                    std::to_string(kSchemaVersion));
  }
}

void require_current_schema(Connection& db) {
  const int version = schema_version(db);
  if (version != kSchemaVersion) {
    throw DbError(SQLITE_ERROR, "the database schema version is " + std::to_string(version) +
                                    ", this build reads " + std::to_string(kSchemaVersion));
  }
}

}  // namespace onestop::sqlite::detail
