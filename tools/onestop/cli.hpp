// Shared plumbing of the onestop subcommands: option parsing with Poco::Util, help text, and
// exit codes. Each subcommand is a plain function from arguments to an exit code.
#pragma once

#include <Poco/Util/OptionSet.h>

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/backend/backend.hpp"
#include "adapters/http/server_config.hpp"
#include "adapters/store/ledger.hpp"

namespace onestop::cli {

// Exit codes shared by every subcommand.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;  // ran, but some input was refused or a check failed
inline constexpr int kUsage = 2;   // bad command line, unreadable configuration

struct Parsed {
  std::map<std::string, std::string> options;  // full option name -> value ("" for flags)
  std::vector<std::string> positional;
  bool help = false;
};

// Parses `args` against `options` (a --help option is added); on a usage error prints it with
// the help to `err` and returns nullopt.
std::optional<Parsed> parse(const std::string& command, const std::string& usage,
                            const std::string& description, Poco::Util::OptionSet options,
                            const std::vector<std::string>& args, std::ostream& out,
                            std::ostream& err);

// The value of option `name`, or `fallback` when it was not given.
std::string option_or(const Parsed& parsed, const std::string& name, const std::string& fallback);

// The whole file at `path`, or nullopt with the reason written to `err` (as "onestop COMMAND:
// PATH: ...") when it cannot be read or holds more than `max_bytes`.
std::optional<std::string> read_file(const std::string& command, const std::string& path,
                                     std::uintmax_t max_bytes, std::ostream& err);

// The settings `onestop serve` reads: --config FILE when given, else config/onestop.properties
// when it exists, else the built-in defaults (so a command finds the ledger and registries the
// server uses), then `overrides` (key → value). nullopt, with the reason written to `err`,
// when the file or a value is unusable.
std::optional<http::ServerConfig> server_settings(
    const Parsed& parsed, const std::string& command, std::ostream& err,
    const std::map<std::string, std::string>& overrides = {});

// Adds --ledger URL and its synonym --db FILE (the ledger, found by ledger_url()) and, with
// `config`, --config FILE.
void add_ledger_options(Poco::Util::OptionSet& options, bool config = true);

// The ledger a command opens, found as `onestop serve` finds it: --ledger URL or --db FILE
// (sqlite:FILE), else onestop.ledger.url (or .path) of --config (default
// config/onestop.properties when it exists, else the built-in sqlite:var/onestop.db). nullopt,
// with the reason written to `err`, when the URL does not parse, both options are given or the
// settings file is defective: the caller exits with kUsage, having written nothing.
std::optional<backend::LedgerUrl> ledger_url(const Parsed& parsed, const std::string& command,
                                             std::ostream& err);

// The existing ledger at `url` (a reading command never creates one), or nullptr with the
// reason written to `err` ("onestop COMMAND: URL: ...").
std::unique_ptr<store::Ledger> open_existing_ledger(const backend::LedgerUrl& url,
                                                    const std::string& command, std::ostream& err);

// Adds --utc-offset and --config, read by utc_offset().
void add_region_options(Poco::Util::OptionSet& options);

// The district's offset from UTC in minutes: --utc-offset when given, else the setting
// onestop.region.utc_offset of --config (default config/onestop.properties, the file the server
// reads). nullopt, with the reason written to `err`, when either is unusable.
std::optional<int> utc_offset(const Parsed& parsed, const std::string& command, std::ostream& err);

}  // namespace onestop::cli
