// The typed settings of `onestop serve`, read from config/onestop.properties and overridden by
// command-line options. One table (settings()) names every key, its option and its check, so
// the file, the options and the validation cannot drift apart. An unknown key stops the start.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/backend/backend.hpp"
#include "adapters/codec/claim_codec.hpp"
#include "engine/error.hpp"

namespace onestop::http {

struct ServerConfig {
  // Network. Loopback by default: exposing the service is a decision, not an accident.
  std::string bind_address = "127.0.0.1";
  int port = 8080;  // 0: any free port (tests)
  // The pool serves one connection per thread for its whole keep-alive life, so it must be
  // larger than the number of clients kept alive at once (Poco's default pool has 16 threads;
  // a 17th connection waits). Excess connections queue up to max_queued, then are refused.
  int threads = 128;
  int max_queued = 256;
  bool keep_alive = true;
  int keep_alive_max_requests = 1000;
  int keep_alive_timeout_ms = 5000;  // an idle kept-alive connection frees its thread after this
  int receive_timeout_ms = 10000;    // a client that stops sending mid-request is dropped
  int send_timeout_ms = 10000;       // a client that stops reading is dropped
  // Limits (onestop.limits.*, the "limits" section of config/onestop.properties, which also
  // lists the network limits above and Poco's fixed request-header limits).
  std::size_t body_limit_bytes = 1 << 20;  // onestop.limits.body_bytes: larger bodies get 413
  // What a claim may hold; each at most its ceiling in engine/limits.hpp (checked at load).
  codec::ClaimLimits claim_limits;
  // Per client (token bucket, see rate_limiter.hpp): the sustained rate and the bucket's size
  // (requests a client may send at once); requests_per_second = 0 turns the limit off.
  int requests_per_second = 50;
  int burst = 100;
  // Tests only: the rate limiter's clock, so they need not race the real one; empty: steady.
  std::function<std::chrono::steady_clock::time_point()> rate_clock;
  // Ledger and registries. Relative paths are resolved against the working directory.
  // onestop.ledger.url (--ledger), or onestop.ledger.path (--db) for sqlite:PATH.
  backend::LedgerUrl ledger = backend::sqlite_url("var/onestop.db", "onestop.ledger.url");
  std::size_t ledger_max_batch = 64;
  int ledger_busy_timeout_ms = 5000;
  std::string policy_dir = "config/policies";
  // The medical-insurance catalogue (issue 12); "" = none: catalogue-priced items are refused.
  std::string catalogue_dir;
  std::string hospitals_file = "config/hospitals.json";
  std::vector<std::string> no_deposit_categories = {"poor", "low_income", "extreme_poor"};
  int utc_offset_minutes = 0;  // the district's clock: reconciliation days are its local days
  std::string log_level = "information";  // Poco level names: none ... information ... trace
};

// One setting: its key in the properties file, the long option that overrides it, the
// option's argument name and a line of help.
struct Setting {
  std::string_view key;
  std::string_view option;
  std::string_view argument;
  std::string_view help;
};

// Every setting, in the order of the shipped file.
const std::vector<Setting>& settings();

// The setting whose option is `option`, or nullptr.
const Setting* setting_for_option(std::string_view option);

// Builds the config from properties text (Poco's .properties syntax; may be empty) and then
// `overrides` (key → value, applied after the file). `source` names the text in messages.
// Errors: unknown_setting (field: the key; every key must be one of settings()),
// bad_setting (field: the key; the message says what is allowed), malformed_config.
Result<ServerConfig> parse_server_config(std::string_view properties_text,
                                         const std::map<std::string, std::string>& overrides,
                                         std::string_view source = "settings");

// The same from a file; file_error when it cannot be read.
Result<ServerConfig> load_server_config(const std::string& path,
                                        const std::map<std::string, std::string>& overrides);

}  // namespace onestop::http
