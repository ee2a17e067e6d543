// The documents of a compact record (format 2 or 3), derived again when it is read: the result by
// settling its claim under the policy text the ledger keeps, on the accumulators it settled
// on. Internal to adapters/sqlite.
#pragma once

#include <memory>
#include <string>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/types.hpp"
#include "engine/claim.hpp"
#include "engine/policy.hpp"

namespace onestop::sqlite::detail {

// The policy whose content hash is `sha256`, loaded from the ledger's policies table. Cached
// for the process: a content hash names one text forever. Throws DbError (SQLITE_CORRUPT) when
// the ledger does not hold it, or the text does not load or hash to `sha256`.
std::shared_ptr<const Policy> stored_policy(Connection& db, const std::string& sha256);
// The same read from the database each time, uncached (verify: the text is checked as it is).
std::shared_ptr<const Policy> load_stored_policy(Connection& db, const std::string& sha256);

// The result_json of compact record `r` (its layers and movement loaded; `claim` decoded from
// its body): cancellation_json(r) for a cancellation; for a settlement the engine's result,
// encoded, after checking that it is the stored one to the fen (keys, policy, amounts, layers,
// movement). Throws DbError (SQLITE_CORRUPT) when it cannot be derived or differs: a record
// is never answered other than as first answered.
std::string derive_result(Connection& db, const StoredRecord& r, const Claim& claim);
// The engine's settlement behind derive_result for a settlement record, checked the same way
// and not encoded (the reports read its facts directly). Throws DbError (SQLITE_CORRUPT).
Settlement derive_settlement(Connection& db, const StoredRecord& r, const Claim& claim);

// Inserts the policy's text into the policies table unless it is there. Throws DbError.
void keep_policy(Connection& db, const std::string& id, const std::string& sha256,
                 const std::string& text);
// Whether the ledger holds the text of the policy with this content hash. Throws DbError.
bool holds_policy(Connection& db, const std::string& sha256);

}  // namespace onestop::sqlite::detail
