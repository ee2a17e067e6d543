#include "adapters/backend/backend.hpp"

#include <filesystem>

#include "adapters/postgres/open.hpp"
#include "adapters/sqlite/open.hpp"

namespace onestop::backend {
namespace {

constexpr std::string_view kSqlite = "sqlite:";

// The scheme of `text` ("postgresql" of "postgresql://..."), or "" when it starts with none:
// letters, then letters, digits, '+', '-' or '.', then ':'.
std::string_view scheme_of(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() &&
         ((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z') ||
          (i > 0 && ((text[i] >= '0' && text[i] <= '9') || text[i] == '+' || text[i] == '-' ||
                     text[i] == '.')))) {
    ++i;
  }
  return i > 0 && i < text.size() && text[i] == ':' ? text.substr(0, i) : std::string_view();
}

Error bad_url(const std::string& setting, const std::string& why) {
  return Error{"bad_ledger_url", setting, why};
}

}  // namespace

LedgerUrl sqlite_url(const std::string& path, const std::string& setting) {
  return LedgerUrl{Engine::sqlite, path, std::string(kSqlite) + path, setting};
}

std::string masked(std::string_view text) {
  std::string out(text);
  const std::size_t start = out.find("://");
  if (start == std::string::npos) return out;
  // A password= parameter of the query, wherever it stands.
  for (std::size_t p = out.find("password=", start); p != std::string::npos;
       p = out.find("password=", p + 1)) {
    if (out[p - 1] != '?' && out[p - 1] != '&') continue;
    const std::size_t value = p + 9;
    out.replace(value,
                out.find('&', value) == std::string::npos ? std::string::npos
                                                          : out.find('&', value) - value,
                "***");
  }
  // user:PASSWORD@ of the authority.
  const std::size_t authority = start + 3;
  const std::size_t end = out.find_first_of("/?", authority);
  const std::size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
  if (at == std::string::npos || at < authority) return out;
  const std::size_t colon = out.find(':', authority);
  if (colon == std::string::npos || colon > at) return out;
  out.replace(colon + 1, at - colon - 1, "***");
  return out;
}

Result<LedgerUrl> parse_ledger_url(std::string_view text, const std::string& setting) {
  LedgerUrl url;
  url.text = masked(text);
  url.setting = setting;
  if (text.empty()) return bad_url(setting, "the ledger's URL is empty");
  const std::string_view scheme = scheme_of(text);
  if (scheme.empty()) {
    url.location = std::string(text);
    return url;
  }
  if (scheme == "sqlite") {
    url.location = std::string(text.substr(kSqlite.size()));
    if (url.location.empty()) {
      return bad_url(setting, "'" + url.text + "' names no file: write sqlite:PATH");
    }
    return url;
  }
  if (scheme == "postgresql" || scheme == "postgres") {
    if (!text.substr(scheme.size()).starts_with("://")) {
      return bad_url(setting, "'" + url.text + "' is not a PostgreSQL URI: write " +
                                  std::string(scheme) + "://USER@HOST:PORT/DB");
    }
    url.engine = Engine::postgresql;
    url.location = std::string(text);
    return url;
  }
  return bad_url(setting, "'" + url.text + "' names the engine '" + std::string(scheme) +
                              "'; the ledger is sqlite:PATH or postgresql://...");
}

std::optional<Error> make_directory(const LedgerUrl& url) {
  if (url.engine != Engine::sqlite) return std::nullopt;
  const std::filesystem::path parent = std::filesystem::path(url.location).parent_path();
  if (parent.empty()) return std::nullopt;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (!ec) return std::nullopt;
  return Error{"file_error", "",
               parent.string() + ": cannot create the directory (" + ec.message() + ")"};
}

bool exists(const LedgerUrl& url) {
  if (url.engine == Engine::postgresql) return true;
  std::error_code ec;
  return std::filesystem::is_regular_file(url.location, ec);
}

Result<std::unique_ptr<store::Ledger>> open_ledger(const LedgerUrl& url,
                                                   const store::LedgerOptions& options) {
  if (url.engine == Engine::postgresql) return postgres::open_ledger(url.location, options);
  sqlite::LedgerOptions sqlite_options{options, url.location, ""};
  return sqlite::open_ledger(sqlite_options);
}

Result<std::unique_ptr<store::Roster>> open_roster(const LedgerUrl& url) {
  if (url.engine == Engine::postgresql) return postgres::open_roster(url.location);
  return sqlite::open_roster(url.location);
}

Result<std::unique_ptr<store::Clients>> open_clients(const LedgerUrl& url) {
  if (url.engine == Engine::postgresql) return postgres::open_clients(url.location);
  return sqlite::open_clients(url.location);
}

Result<std::unique_ptr<store::AccessLog>> open_access_log(const LedgerUrl& url,
                                                          const store::AccessLogOptions& options) {
  if (url.engine == Engine::postgresql) return postgres::open_access_log(url.location, options);
  return sqlite::open_access_log(url.location, options);
}

Result<std::unique_ptr<national::Store>> open_national_store(const LedgerUrl& url) {
  if (url.engine == Engine::postgresql) return postgres::open_national_store(url.location);
  return sqlite::open_national_store(url.location);
}

Result<store::VerifySummary> verify_ledger(const LedgerUrl& url, const store::Resettle& resettle,
                                           const store::VerifyHooks& hooks) {
  if (url.engine == Engine::postgresql) return postgres::verify_ledger(url.location, resettle, hooks);
  return sqlite::verify_ledger(url.location, resettle, hooks);
}

Result<store::CopySummary> copy_ledger(const LedgerUrl& from, const LedgerUrl& to,
                                       const std::function<void(std::int64_t)>& progress) {
  if (from.engine == to.engine && from.location == to.location) {
    return Error{"bad_ledger_url", "--to", "--from and --to name the same ledger"};
  }
  if (!exists(from)) {
    return Error{"ledger_unavailable", "--from", "no ledger database at " + from.text};
  }
  if (auto bad = make_directory(to)) return *bad;
  auto target = to.engine == Engine::postgresql ? postgres::open_copy_target(to.location)
                                                : sqlite::open_copy_target(to.location);
  if (!target) return target.error();
  return from.engine == Engine::postgresql ? postgres::copy_from(from.location, **target, progress)
                                           : sqlite::copy_from(from.location, **target, progress);
}

Result<std::size_t> keep_named_policies(const LedgerUrl& url, const std::vector<Policy>& policies) {
  if (url.engine == Engine::postgresql) {
    return postgres::keep_named_policies(url.location, policies);
  }
  return sqlite::keep_named_policies(url.location, policies);
}

}  // namespace onestop::backend
