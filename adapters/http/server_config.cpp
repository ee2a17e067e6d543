#include "adapters/http/server_config.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <array>
#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>
#include <type_traits>

#include "adapters/http/rate_limiter.hpp"
#include "adapters/reports/utc_offset.hpp"
#include "engine/limits.hpp"
#include "engine/money.hpp"

namespace onestop::http {
namespace {

using Poco::Util::AbstractConfiguration;

// Sets one field of the config from text; returns what is wrong with the text, or nullopt.
using Apply = std::function<std::optional<std::string>(ServerConfig&, std::string_view)>;

// A whole decimal number in [min, max].
std::optional<long long> parse_int(std::string_view text, long long min, long long max) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return std::nullopt;
  }
  return v;
}

// A setting for the integer field that `field_of` selects, checked against [min, max];
// `why_max` (may be empty) says where the maximum comes from.
template <typename FieldOf>
Apply int_setting_of(FieldOf field_of, long long min, long long max, std::string why_max = "") {
  return [=](ServerConfig& c, std::string_view text) -> std::optional<std::string> {
    const auto v = parse_int(text, min, max);
    if (!v) {
      return "expected a whole number from " + std::to_string(min) + " to " +
             std::to_string(max) + why_max;
    }
    auto& field = field_of(c);
    field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
    return std::nullopt;
  };
}

// A setting for an integer member of ServerConfig, checked against [min, max].
template <typename T>
Apply int_setting(T ServerConfig::*field, long long min, long long max) {
  return int_setting_of([field](ServerConfig& c) -> T& { return c.*field; }, min, max);
}

// A claim limit (a member of codec::ClaimLimits): 1 up to its ceiling in engine/limits.hpp,
// which the engine's overflow safety relies on, so it may be lowered but never raised.
Apply claim_limit(std::size_t codec::ClaimLimits::*field, std::size_t ceiling) {
  return int_setting_of([field](ServerConfig& c) -> std::size_t& { return c.claim_limits.*field; },
                        1, static_cast<long long>(ceiling),
                        " (its ceiling in engine/limits.hpp)");
}

// onestop.limits.item_amount_max: yuan with exactly two decimals ("10000000.00"), read with
// Money::parse (never through a double), from 0.01 up to the engine's ceiling.
std::optional<std::string> apply_item_amount_max(ServerConfig& c, std::string_view text) {
  const Money ceiling = Money::from_fen(limits::kItemAmountFen);
  const auto amount = Money::parse(text);
  if (!amount || *amount < Money::from_fen(1) || *amount > ceiling) {
    return "expected an amount in yuan with two decimals from 0.01 to " + ceiling.to_string() +
           " (its ceiling in engine/limits.hpp)";
  }
  c.claim_limits.item_amount_max = *amount;
  return std::nullopt;
}

// A setting for a non-empty text field (paths).
Apply text_setting(std::string ServerConfig::*field) {
  return [=](ServerConfig& c, std::string_view text) -> std::optional<std::string> {
    if (text.empty()) return "must not be empty";
    c.*field = std::string(text);
    return std::nullopt;
  };
}

// onestop.http.keep_alive: exactly "true" or "false".
std::optional<std::string> apply_bool(ServerConfig& c, std::string_view text) {
  if (text != "true" && text != "false") return "expected true or false";
  c.keep_alive = text == "true";
  return std::nullopt;
}

// onestop.http.bind_address: an IP address literal.
std::optional<std::string> apply_bind(ServerConfig& c, std::string_view text) {
  Poco::Net::IPAddress address;
  if (!Poco::Net::IPAddress::tryParse(std::string(text), address)) {
    return "expected an IPv4 or IPv6 address such as 127.0.0.1";
  }
  c.bind_address = std::string(text);
  return std::nullopt;
}

// A comma-separated list of category names; spaces are ignored, empty names refused.
std::optional<std::string> apply_categories(ServerConfig& c, std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char ch : std::string(text) + ",") {
    if (ch == ',') {
      if (current.empty()) return "expected category names separated by commas";
      out.push_back(current);
      current.clear();
    } else if (ch != ' ') {
      current += ch;
    }
  }
  c.no_deposit_categories = std::move(out);
  return std::nullopt;
}

// onestop.region.utc_offset: "+08:00"; reconciliation and report days are local days.
std::optional<std::string> apply_utc_offset(ServerConfig& c, std::string_view text) {
  const auto minutes = reports::parse_utc_offset(text);
  if (!minutes) return "expected an offset from UTC such as +08:00, -03:30 or Z";
  c.utc_offset_minutes = *minutes;
  return std::nullopt;
}

// One of Poco's level names.
std::optional<std::string> apply_log_level(ServerConfig& c, std::string_view text) {
  static constexpr std::array<std::string_view, 9> kLevels = {
      "none", "fatal", "critical", "error", "warning", "notice", "information", "debug", "trace"};
  for (std::string_view level : kLevels) {
    if (level == text) {
      c.log_level = std::string(text);
      return std::nullopt;
    }
  }
  return "expected none, fatal, critical, error, warning, notice, information, debug or trace";
}

struct Entry {
  Setting setting;
  Apply apply;
};

// onestop.ledger.url: sqlite:PATH or a PostgreSQL URI (backend::parse_ledger_url).
std::optional<std::string> apply_ledger_url(ServerConfig& c, std::string_view value) {
  auto url = backend::parse_ledger_url(value, "onestop.ledger.url");
  if (!url) return url.error().message;
  c.ledger = std::move(url).value();
  return std::nullopt;
}

// onestop.ledger.path: the SQLite file, the same as onestop.ledger.url = sqlite:PATH.
std::optional<std::string> apply_ledger_path(ServerConfig& c, std::string_view value) {
  if (value.empty()) return "the ledger's file name is empty";
  c.ledger = backend::sqlite_url(std::string(value), "onestop.ledger.path");
  return std::nullopt;
}

// The table of every setting, in the order of the shipped file.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = {
      {{"onestop.http.bind_address", "bind", "ADDRESS", "address to listen on"}, apply_bind},
      {{"onestop.http.port", "port", "PORT", "TCP port; 0 picks a free one"},
       int_setting(&ServerConfig::port, 0, 65535)},
      {{"onestop.http.keep_alive", "keep-alive", "BOOL", "HTTP keep-alive (true or false)"},
       apply_bool},
      {{"onestop.http.threads", "threads", "N", "connection threads (the pool size)"},
       int_setting(&ServerConfig::threads, 2, 4096)},
      {{"onestop.http.max_queued", "max-queued", "N", "connections waiting for a thread"},
       int_setting(&ServerConfig::max_queued, 1, 100000)},
      {{"onestop.http.keep_alive_max_requests", "keep-alive-max-requests", "N",
        "requests per kept-alive connection"},
       int_setting(&ServerConfig::keep_alive_max_requests, 1, 1000000)},
      {{"onestop.http.keep_alive_timeout_ms", "keep-alive-timeout-ms", "MS",
        "idle time before a kept-alive connection is closed"},
       int_setting(&ServerConfig::keep_alive_timeout_ms, 100, 3600000)},
      {{"onestop.http.receive_timeout_ms", "receive-timeout-ms", "MS",
        "silence allowed while receiving a request"},
       int_setting(&ServerConfig::receive_timeout_ms, 100, 3600000)},
      {{"onestop.http.send_timeout_ms", "send-timeout-ms", "MS",
        "time allowed for a blocked send of a response"},
       int_setting(&ServerConfig::send_timeout_ms, 100, 3600000)},
      {{"onestop.limits.body_bytes", "limit-body-bytes", "BYTES",
        "largest request body (413 beyond)"},
       int_setting(&ServerConfig::body_limit_bytes, 1024, 64LL << 20)},
      {{"onestop.limits.items_per_claim", "limit-items-per-claim", "N", "items in one claim"},
       claim_limit(&codec::ClaimLimits::items_per_claim, limits::kItemsPerClaim)},
      {{"onestop.limits.diagnoses_per_claim", "limit-diagnoses-per-claim", "N",
        "diagnoses in one claim"},
       claim_limit(&codec::ClaimLimits::diagnoses_per_claim, limits::kDiagnosesPerClaim)},
      {{"onestop.limits.id_bytes", "limit-id-bytes", "BYTES",
        "hospital id, bill number and patient id"},
       claim_limit(&codec::ClaimLimits::id_bytes, limits::kIdLength)},
      {{"onestop.limits.item_code_bytes", "limit-item-code-bytes", "BYTES", "an item's code"},
       claim_limit(&codec::ClaimLimits::item_code_bytes, limits::kItemCodeLength)},
      {{"onestop.limits.item_name_bytes", "limit-item-name-bytes", "BYTES",
        "an item's name (UTF-8 bytes)"},
       claim_limit(&codec::ClaimLimits::item_name_bytes, limits::kItemNameLength)},
      {{"onestop.limits.diagnosis_bytes", "limit-diagnosis-bytes", "BYTES", "one diagnosis code"},
       claim_limit(&codec::ClaimLimits::diagnosis_bytes, limits::kDiagnosisLength)},
      {{"onestop.limits.item_amount_max", "limit-item-amount-max", "YUAN",
        "largest amount (and over_limit) of one item, e.g. 10000000.00"},
       apply_item_amount_max},
      {{"onestop.limits.requests_per_second", "limit-requests-per-second", "N",
        "sustained requests per client per second (0: no limit)"},
       int_setting(&ServerConfig::requests_per_second, 0, RateLimiter::kMaxRate)},
      {{"onestop.limits.burst", "limit-burst", "N",
        "requests a client may send at once (the bucket's size)"},
       int_setting(&ServerConfig::burst, 1, RateLimiter::kMaxBurst)},
      {{"onestop.ledger.url", "ledger", "URL",
        "the ledger: sqlite:PATH or postgresql://USER@HOST:PORT/DB"},
       apply_ledger_url},
      {{"onestop.ledger.path", "db", "FILE", "the SQLite ledger database (sqlite:FILE)"},
       apply_ledger_path},
      {{"onestop.ledger.max_batch", "max-batch", "N", "settlements committed together at most"},
       int_setting(&ServerConfig::ledger_max_batch, 1, 4096)},
      {{"onestop.ledger.busy_timeout_ms", "busy-timeout-ms", "MS", "SQLite busy timeout"},
       int_setting(&ServerConfig::ledger_busy_timeout_ms, 0, 600000)},
      {{"onestop.policy.dir", "policy-dir", "DIR", "directory of policy files"},
       text_setting(&ServerConfig::policy_dir)},
      {{"onestop.catalogue.dir", "catalogue-dir", "DIR",
        "directory of medical-insurance catalogue versions (*.csv); empty: none"},
       text_setting(&ServerConfig::catalogue_dir)},
      {{"onestop.hospitals.file", "hospitals", "FILE", "the hospital registry"},
       text_setting(&ServerConfig::hospitals_file)},
      {{"onestop.admission.no_deposit_categories", "no-deposit-categories", "LIST",
        "categories admitted without a deposit (comma-separated)"},
       apply_categories},
      {{"onestop.region.utc_offset", "utc-offset", "+HH:MM",
        "the district's offset from UTC (reconciliation days are local days)"},
       apply_utc_offset},
      {{"onestop.log.level", "log-level", "LEVEL", "request log level"}, apply_log_level},
  };
  return table;
}

// The entry of a key, or nullptr when the key is unknown.
const Entry* entry_for_key(std::string_view key) {
  for (const Entry& e : entries()) {
    if (e.setting.key == key) return &e;
  }
  return nullptr;
}

// Every key that holds a value, depth first.
void collect_keys(const AbstractConfiguration& config, const std::string& prefix,
                  std::vector<std::string>& out) {
  AbstractConfiguration::Keys children;
  config.keys(prefix, children);
  for (const std::string& child : children) {
    const std::string key = prefix.empty() ? child : prefix + "." + child;
    if (config.has(key)) out.push_back(key);
    collect_keys(config, key, out);
  }
}

// Applies key = value; the error names the key and where it came from.
std::optional<Error> apply(ServerConfig& config, const std::string& key, const std::string& value,
                           std::string_view source) {
  const Entry* entry = entry_for_key(key);
  if (entry == nullptr) {
    return Error{"unknown_setting", key,
                 std::string(source) + ": unknown setting '" + key +
                     "' (the known settings are listed in config/onestop.properties)"};
  }
  if (auto why = entry->apply(config, value)) {
    return Error{"bad_setting", key,
                 std::string(source) + ": " + key + " = '" + value + "': " + *why};
  }
  return std::nullopt;
}

}  // namespace

const std::vector<Setting>& settings() {
  static const std::vector<Setting> list = [] {
    std::vector<Setting> out;
    for (const Entry& e : entries()) out.push_back(e.setting);
    return out;
  }();
  return list;
}

const Setting* setting_for_option(std::string_view option) {
  for (const Setting& s : settings()) {
    if (s.option == option) return &s;
  }
  return nullptr;
}

Result<ServerConfig> parse_server_config(std::string_view properties_text,
                                         const std::map<std::string, std::string>& overrides,
                                         std::string_view source) {
  ServerConfig config;
  try {
    std::istringstream in{std::string(properties_text)};
    Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file(
        new Poco::Util::PropertyFileConfiguration(in));
    std::vector<std::string> keys;
    collect_keys(*file, "", keys);
    for (const std::string& key : keys) {
      if (auto e = apply(config, key, file->getRawString(key), source)) return *e;
    }
  } catch (const Poco::Exception& e) {
    return Error{"malformed_config", "", std::string(source) + ": " + e.displayText()};
  }
  for (const auto& [key, value] : overrides) {
    if (auto e = apply(config, key, value, "command line")) return *e;
  }
  return config;
}

Result<ServerConfig> load_server_config(const std::string& path,
                                        const std::map<std::string, std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"file_error", "", path + ": cannot read the settings file"};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_server_config(text.str(), overrides, path);
}

}  // namespace onestop::http
