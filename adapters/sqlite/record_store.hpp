// The one mapping between StoredRecord and the ledger tables, shared by the writer, the readers
// and verify. Every function runs on the connection it is given, inside whatever transaction
// the caller holds, and throws DbError. Internal to adapters/sqlite.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/types.hpp"

namespace onestop::sqlite::detail {

// The last record of the chain (id 0 and hash "" when the ledger is empty).
struct ChainHead {
  std::int64_t id = 0;
  std::string hash;
};

ChainHead load_chain_head(Connection& db);

// The record with this id, with its layers and (derived) cancelled_by; nullopt when none.
// Every loader reads a compact record's body (its claim_json and `before`) unless `documents`
// is none, and with all derives its result_json by settling again (derive.hpp); it throws
// DbError (SQLITE_CORRUPT) when they cannot be derived as first answered.
std::optional<StoredRecord> load_record(Connection& db, std::int64_t id,
                                        Documents documents = Documents::all);
// The settlement record under (hospital_id, bill_no), or nullopt.
std::optional<StoredRecord> load_settlement_by_key(Connection& db, const std::string& hospital_id,
                                                   const std::string& bill_no);
// Up to `limit` records with id > after_id, in id order.
std::vector<StoredRecord> load_records_after(Connection& db, std::int64_t after_id, int limit,
                                             Documents documents = Documents::all);
// A record row as read: the record with its layers and, for a compact one, its body not yet
// decoded (decode_body, compact.hpp; claim_json and `before` are empty until then).
struct Row {
  StoredRecord record;
  std::string body;
};
// load_records_after(), the bodies left undecoded (verify decodes them off the reading thread).
std::vector<Row> load_rows_after(Connection& db, std::int64_t after_id, int limit);
// Up to `limit` records of `year` with id > after_id, in id order, with the documents asked.
std::vector<StoredRecord> load_year_after(Connection& db, int year, std::int64_t after_id,
                                          int limit, Documents documents);
// Every record of the person and year, in id order.
std::vector<StoredRecord> load_person_year(Connection& db, const std::string& patient_id, int year);
// Ids of the person's settlements in `year` after `after_id` that are not cancelled.
std::vector<std::int64_t> later_live_settlements(Connection& db, const std::string& patient_id,
                                                 int year, std::int64_t after_id);

// Inserts a record row: a compact one (format 2 or 3) with its body (compact.hpp) and not its
// documents, a format 1 one (copied from another ledger) with its documents and no body. False
// (nothing written) when a UNIQUE index refused it: the settlement key is taken, or the settlement
// already has a cancellation.
bool insert_record(Connection& db, const StoredRecord& r, std::string_view body);
// Inserts the record's layer rows: one per layer_paid entry with its fund and movement.
// Preconditions (a bug otherwise: std::logic_error): layer_fund matches layer_paid and every
// layer of the movement is among layer_paid.
void insert_layers(Connection& db, const StoredRecord& r);
// A person's year as person_years keeps it: the accumulators (admissions and every layer's
// totals; all-zero layers left out, as Accumulators arithmetic does) and the last record that
// moved them (0: none yet).
struct PersonYearState {
  Accumulators accumulators;
  std::int64_t last_record_id = 0;
  std::string unreadable;  // load_all_accumulators: why the row's layers do not read; else ""
};
// Writes the person's year as `after`, which a record moving it from the state whose last
// record was `last_record_id` made. DbError when the stored row is not that state (the
// writer's view of it is stale): nothing is written then.
void store_person_year(Connection& db, const std::string& patient_id, int year,
                       std::int64_t last_record_id, const PersonYearState& after);
// The person's year as stored; the empty state when it has no row. DbError (SQLITE_CORRUPT)
// when its layers text does not read.
PersonYearState load_person_year_state(Connection& db, const std::string& patient_id, int year);
// Every person's year as stored, by (patient_id, year), for verify; a row whose layers text
// does not read comes with `unreadable` set instead of throwing.
std::map<std::pair<std::string, int>, PersonYearState> load_all_accumulators(Connection& db);

std::string_view to_string(RecordKind kind);

using store::utc_now;

}  // namespace onestop::sqlite::detail
