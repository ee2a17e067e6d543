// The one mapping between StoredRecord and the PostgreSQL ledger tables (schema version 3),
// shared by the ledger's writes and reads and by verify. Every function runs on the connection
// it is given, inside whatever transaction the caller holds, and throws PgError; a record that
// cannot be read as first answered (a body that does not decode, a result that does not derive
// again) throws PgError with SQLSTATE XX001 (data corrupted), as SQLite reports it as a
// database error. Internal to adapters/postgres.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/postgres/pg.hpp"
#include "adapters/store/ledger.hpp"
#include "adapters/store/seal.hpp"
#include "adapters/store/verify.hpp"

namespace onestop::postgres::detail {

using store::Documents;
using store::StoredRecord;

// The record with this id (any person), with its layers, movement, cancelled_by and the
// documents asked for; nullopt when none.
std::optional<StoredRecord> load_record(Connection& db, std::int64_t id,
                                        Documents documents = Documents::all);
// The same when its person is known: reads one partition.
std::optional<StoredRecord> load_person_record(Connection& db, const std::string& patient_id,
                                               std::int64_t id,
                                               Documents documents = Documents::all);
// The settlement under (hospital_id, bill_no), found through `bills`, or nullopt.
std::optional<StoredRecord> load_settlement_by_key(Connection& db, const std::string& hospital_id,
                                                   const std::string& bill_no);
// Up to `limit` records with id > after_id, in id order.
std::vector<StoredRecord> load_records_after(Connection& db, std::int64_t after_id, int limit,
                                             Documents documents = Documents::all);
// Up to `limit` records of `year` with id > after_id, in id order.
std::vector<StoredRecord> load_year_after(Connection& db, int year, std::int64_t after_id,
                                          int limit, Documents documents);
// Every record of the person and year, in id order.
std::vector<StoredRecord> load_person_year(Connection& db, const std::string& patient_id, int year);
// Ids of the person's settlements in `year` after `after_id` that are not cancelled.
std::vector<std::int64_t> later_live_settlements(Connection& db, const std::string& patient_id,
                                                 int year, std::int64_t after_id);

// As verify reads them (Documents::claim, no result derived): a record whose body does not
// decode comes with `unreadable` set instead of throwing.
std::vector<store::VerifyRecord> load_verify_records_after(Connection& db, std::int64_t after_id,
                                                           int limit);
std::optional<store::VerifyRecord> load_verify_record(Connection& db, std::int64_t id);

// Queues the INSERT of a record row: a compact one with its body (store/compact.hpp), a format 1
// one (copied from a SQLite ledger) with its documents and no body.
void insert_record(Batch& batch, const StoredRecord& r, std::string_view body);
// Queues the INSERTs of the record's layer rows and the movement of its derived keys (a visit's),
// which have no layer row. std::logic_error (a bug) when layer_fund does not match layer_paid or a
// layer moved without a layer row.
void insert_layers(Batch& batch, const StoredRecord& r);

// A person's year as person_years keeps it.
struct PersonYearState {
  Accumulators accumulators;
  std::int64_t last_record_id = 0;  // 0: none yet
};
// The person's year as stored; the empty state when it has no row. PgError XX001 when its
// layers text does not read. Either at once, or queued in a batch and read from its rows.
PersonYearState load_person_year_state(Connection& db, const std::string& patient_id, int year);
std::size_t read_person_year(Batch& batch, const std::string& patient_id, int year);
PersonYearState person_year_state(const Rows& q, const std::string& patient_id, int year);
// Writes the person's year as `after`, which a record moving it from the state whose last
// record was `last_record_id` made; the batch fails (PgError) when the stored row is not that
// state.
void store_person_year(Batch& batch, const std::string& patient_id, int year,
                       std::int64_t last_record_id, const PersonYearState& after);
// Every person's year, for verify; a row whose layers text does not read is `unreadable`.
std::map<std::pair<std::string, int>, store::PersonYearRow> load_all_person_years(Connection& db);

// The ledger's text of the policy with this content hash, or nullopt.
std::optional<std::string> policy_text(Connection& db, const std::string& sha256);

// Array parameters ($1::text[], $1::bigint[]) in PostgreSQL's array literal form.
std::string text_array(const std::vector<std::string>& values);
std::string bigint_array(const std::vector<std::int64_t>& values);

}  // namespace onestop::postgres::detail
