// The ledger, roster, clients, access log and national tables in one SQLite database file: the
// embedded engine and the default (design.md §7). Each opens the file (creating it and the
// whole schema when needed) and applies pending migrations (PRAGMA user_version). Only
// adapters/backend, which opens storage from a ledger URL, and this adapter's own tests include
// this header; everything else sees the interfaces of adapters/store.
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

namespace onestop::sqlite {

struct LedgerOptions : store::LedgerOptions {
  std::string path;  // database file; ":memory:" is not supported (many connections)
  std::string vfs;   // SQLite VFS name; empty: the default (tests register a fault injector)
};

// Sets WAL and synchronous=FULL and starts the writer thread. Error code "ledger_unavailable".
Result<std::unique_ptr<store::Ledger>> open_ledger(const LedgerOptions& options);
// One connection, used in turns. Error code "ledger_unavailable" (also the others below).
Result<std::unique_ptr<store::Roster>> open_roster(const std::string& path);
Result<std::unique_ptr<store::Clients>> open_clients(const std::string& path);
// Starts the log's writer thread, which commits its entries beside the ledger's writer.
Result<std::unique_ptr<store::AccessLog>> open_access_log(const std::string& path,
                                                          const store::AccessLogOptions& options);
Result<std::unique_ptr<national::Store>> open_national_store(const std::string& path);

// store::verify on the database at `path`, in one read snapshot (a running server may keep
// writing; the snapshot is checked). Never writes. Errors ("ledger_unavailable"): the database
// cannot be opened or read, or its schema version is not this build's.
Result<store::VerifySummary> verify_ledger(const std::string& path, const store::Resettle& resettle,
                                           const store::VerifyHooks& hooks);

// onestop ledger copy (store/copy.hpp): everything the ledger at `path` holds, from one read
// snapshot, copied into `target`; and a target on the ledger file at `path` (created when
// missing, migrated to this build's schema). Error code "ledger_unavailable" besides those of
// store::copy_ledger.
Result<store::CopySummary> copy_from(const std::string& path, store::CopyTarget& target,
                                     const std::function<void(std::int64_t)>& progress);
Result<std::unique_ptr<store::CopyTarget>> open_copy_target(const std::string& path);

// Keeps in the ledger at `path` (at the current schema) the text of every policy of `policies`
// that a record names by its content hash and the ledger does not hold yet: records written
// before schema 6 named their policy by hash only. Returns how many it added; a policy no
// record names is not added. Error code "ledger_unavailable".
Result<std::size_t> keep_named_policies(const std::string& path,
                                        const std::vector<Policy>& policies);

}  // namespace onestop::sqlite
