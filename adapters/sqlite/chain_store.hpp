// The person chains' heads and the seals (adapters/store/seal.hpp) in the SQLite ledger. Every
// function runs on the connection it is given, inside the caller's transaction, and throws
// DbError. Internal to adapters/sqlite.
#pragma once

#include <string>
#include <vector>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/types.hpp"
#include "adapters/store/seal.hpp"

namespace onestop::sqlite::detail {

using store::PersonHead;
using store::Seal;

// The person's chain head as stored; seq 0 and head "" when the person has no record yet.
PersonHead load_person_head(Connection& db, const std::string& patient_id);
// Writes the person's head as `after`, which a record moved on from seq `before_seq`. DbError
// when the stored head is not at `before_seq` (the writer's view is stale): nothing written.
void store_person_head(Connection& db, const PersonHead& after, std::int64_t before_seq);
// Every persons row, by patient_id.
std::vector<PersonHead> load_persons(Connection& db);

// Every seal in id order; the last one (id 0 when none).
std::vector<Seal> load_seals(Connection& db);
Seal load_last_seal(Connection& db);
void insert_seal(Connection& db, const Seal& seal);
// Seals the heads of the chains that moved since the last seal, stamped `sealed_at`, and
// marks them sealed; false (nothing written) when none moved.
bool seal_moved_heads(Connection& db, std::string sealed_at);

}  // namespace onestop::sqlite::detail
