// The ledger's storage on PostgreSQL 15, for a region that runs several OneStop servers on one
// replicated database (issue 11). Each open connects to the libpq URI and applies pending
// migrations. The roster, the clients, the access log, the ledger's records (person chains
// and seals, store/seal.hpp) and the national interface's tables. Only adapters/backend and this
// adapter's tests include this header.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "adapters/store/access_log.hpp"
#include "adapters/store/clients.hpp"
#include "adapters/store/copy.hpp"
#include "adapters/store/ledger.hpp"
#include "adapters/store/national_store.hpp"
#include "adapters/store/roster.hpp"
#include "adapters/store/verify.hpp"
#include "engine/error.hpp"
#include "engine/policy.hpp"

namespace onestop::postgres {

// Error code "ledger_unavailable" when the server cannot be reached or the schema is newer.
Result<std::unique_ptr<store::Roster>> open_roster(const std::string& uri);
Result<std::unique_ptr<store::Clients>> open_clients(const std::string& uri);
Result<std::unique_ptr<store::AccessLog>> open_access_log(const std::string& uri,
                                                          const store::AccessLogOptions& options);
// The ledger: settle() and cancel() run on the calling thread, each in one transaction that
// locks its person's row, so several servers write one database at once.
Result<std::unique_ptr<store::Ledger>> open_ledger(const std::string& uri,
                                                   const store::LedgerOptions& options);
// The national interface's tables. Several servers commit at once: a commit claims the
// message's key first and locks the visit's row, so a change overtaken by another server's is
// refused as national_store.hpp documents, never written twice.
Result<std::unique_ptr<national::Store>> open_national_store(const std::string& uri);
// Verifies the ledger (store::verify) in one read snapshot.
Result<store::VerifySummary> verify_ledger(const std::string& uri, const store::Resettle& resettle,
                                           const store::VerifyHooks& hooks);
// onestop ledger copy (store/copy.hpp): everything the ledger holds, from one read snapshot,
// copied into `target`; and a target on the database at `uri` (migrated first), writing in one
// transaction.
Result<store::CopySummary> copy_from(const std::string& uri, store::CopyTarget& target,
                                     const std::function<void(std::int64_t)>& progress);
Result<std::unique_ptr<store::CopyTarget>> open_copy_target(const std::string& uri);
// sqlite::keep_named_policies' contract on the database at `uri` (at the current schema).
Result<std::size_t> keep_named_policies(const std::string& uri,
                                        const std::vector<Policy>& policies);

}  // namespace onestop::postgres
