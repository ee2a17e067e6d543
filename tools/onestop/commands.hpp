// The onestop subcommands. Each takes its arguments (after the command name) and the standard
// streams, and returns the process exit code (cli::kOk, kFailed, kUsage).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "tools/onestop/cli.hpp"

namespace onestop::cli {

// onestop settle --policy FILE [--format jsonl|slip] [CLAIMS.jsonl]   (design.md §5)
int settle_command(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                   std::ostream& err);

// onestop serve [--config FILE] [--key=value ...]   the HTTP service (adapters/http)
int serve_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// onestop verify [--db FILE]: checks the hash chain and replays every record to the fen.
int verify_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// onestop roster import FILE.csv [--db FILE]: replaces the roster, all-or-nothing.
int roster_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// onestop reconcile totals|details|match ...: the funds' and hospitals' reconciliation.
int reconcile_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// onestop audit patient|report|access ...: what a person received and why; the office's
// report; who accessed what.
int audit_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// onestop clients add|rotate|revoke|list ...: the HTTP API's clients and their keys.
int clients_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// onestop simulate --policy FILE --year YYYY: the year re-settled under another policy.
int simulate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// onestop ledger migrate [--db FILE]: the ledger brought to this build's schema in place.
int ledger_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// onestop demo-data: a synthetic roster and year of settlements, through the real service.
int demo_data_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace onestop::cli
