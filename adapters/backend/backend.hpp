// Where a ledger lives, as one URL (`onestop.ledger.url`, `--ledger URL`), and the one place that
// opens the ledger, roster, clients, access log and national tables on the engine the URL names.
// Nothing else above the storage adapters includes one of them.
//
//   sqlite:PATH                  the embedded SQLite ledger in file PATH (the default,
//                                sqlite:var/onestop.db); a bare PATH means the same
//   postgresql://USER@HOST:PORT/DB, postgresql:///DB?host=/socket/dir&port=N
//                                a PostgreSQL database (a libpq connection URI)
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

namespace onestop::backend {

enum class Engine { sqlite, postgresql };

struct LedgerUrl {
  Engine engine = Engine::sqlite;
  std::string location;  // sqlite: the file's path; postgresql: the whole URI, for libpq
  std::string text;      // as written (shown in messages; a password in it is masked)
  std::string setting;   // where it was given ("--ledger", "onestop.ledger.url"), for messages
};

// The URL `text`, or the error "bad_ledger_url" naming `setting` (the option or the setting it
// came from) and what is wrong: empty, an unknown scheme, "sqlite:" without a path.
Result<LedgerUrl> parse_ledger_url(std::string_view text, const std::string& setting);

// The SQLite ledger in file `path`: sqlite:PATH (given by `setting`).
LedgerUrl sqlite_url(const std::string& path, const std::string& setting = "");

// `text` for messages, with the password of a postgresql:// URL (user:PASSWORD@, or a
// password= parameter) masked.
std::string masked(std::string_view text);

// Whether the ledger at `url` exists: the SQLite file is there (a reading command never
// creates one); a PostgreSQL database is checked when it is opened.
bool exists(const LedgerUrl& url);

// Creates the directory a SQLite ledger's file goes in, when it has one; nothing for
// PostgreSQL. Error code "file_error", naming the directory.
std::optional<Error> make_directory(const LedgerUrl& url);

// Each opens its part of the storage at `url`, creating the SQLite file and the schema when
// needed and applying pending migrations. Error code "ledger_unavailable", naming the URL.
Result<std::unique_ptr<store::Ledger>> open_ledger(const LedgerUrl& url,
                                                   const store::LedgerOptions& options);
Result<std::unique_ptr<store::Roster>> open_roster(const LedgerUrl& url);
Result<std::unique_ptr<store::Clients>> open_clients(const LedgerUrl& url);
Result<std::unique_ptr<store::AccessLog>> open_access_log(const LedgerUrl& url,
                                                          const store::AccessLogOptions& options);
Result<std::unique_ptr<national::Store>> open_national_store(const LedgerUrl& url);

// onestop verify on the ledger at `url` (adapters/store/verify.hpp; the checks are listed at
// sqlite::verify_ledger).
Result<store::VerifySummary> verify_ledger(const LedgerUrl& url, const store::Resettle& resettle,
                                           const store::VerifyHooks& hooks);
// onestop ledger copy (adapters/store/copy.hpp): everything the ledger at `from` holds into the
// empty ledger at `to` (created when missing), in one transaction; either engine to either.
Result<store::CopySummary> copy_ledger(const LedgerUrl& from, const LedgerUrl& to,
                                       const std::function<void(std::int64_t)>& progress = {});
// Keeps the texts of `policies` that records name by hash only (sqlite::keep_named_policies).
Result<std::size_t> keep_named_policies(const LedgerUrl& url, const std::vector<Policy>& policies);

}  // namespace onestop::backend
