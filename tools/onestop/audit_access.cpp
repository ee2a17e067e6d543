#include "tools/onestop/audit_access.hpp"

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "adapters/codec/csv.hpp"
#include "adapters/codec/json_util.hpp"
#include "adapters/reports/text_table.hpp"
#include "adapters/reports/utc_offset.hpp"
#include "adapters/store/access_log.hpp"
#include "adapters/store/reports.hpp"
#include "engine/date.hpp"

namespace onestop::cli {
namespace {

using store::AccessEntry;

// More entries than this are never listed at once (the list is held in memory).
constexpr std::size_t kMaxLimit = 100'000;
constexpr std::size_t kDefaultLimit = 1'000;

// What the options ask for: the store's query plus what the output states about it.
struct AccessRequest {
  store::AccessQuery query;
  std::optional<Date> from;
  std::optional<Date> to;
  int utc_offset_minutes = 0;
  std::string format;
};

// The --from or --to day, or nullopt when absent; `bad` set after saying why.
std::optional<Date> read_day(const Parsed& parsed, const char* name, bool& bad, std::ostream& err) {
  const auto it = parsed.options.find(name);
  if (it == parsed.options.end()) return std::nullopt;
  const auto day = Date::parse(it->second);
  if (!day) {
    err << "onestop audit access: --" << name << " '" << it->second
        << "' is not a date (YYYY-MM-DD)\n";
    bad = true;
  }
  return day;
}

// --limit: 1 to kMaxLimit; nullopt after saying why.
std::optional<std::size_t> read_limit(const Parsed& parsed, std::ostream& err) {
  const std::string text = option_or(parsed, "limit", std::to_string(kDefaultLimit));
  const bool digits = !text.empty() && text.size() <= 6 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  const std::size_t n = digits ? std::stoul(text) : 0;
  if (n < 1 || n > kMaxLimit) {
    err << "onestop audit access: --limit '" << text << "' is not a number from 1 to " << kMaxLimit
        << "\n";
    return std::nullopt;
  }
  return n;
}

// The local days [from, to] as the UTC range [from 00:00 local, to + 1 day 00:00 local) of the
// stored `at` texts (ISO 8601 UTC sorts as text), as reconciliation counts days.
bool set_days(const Parsed& parsed, AccessRequest& r, std::ostream& err) {
  bool bad = false;
  r.from = read_day(parsed, "from", bad, err);
  r.to = read_day(parsed, "to", bad, err);
  if (bad) return false;
  if (r.from && r.to && *r.to < *r.from) {
    err << "onestop audit access: --to " << r.to->to_string() << " is before --from "
        << r.from->to_string() << "\n";
    return false;
  }
  if (!r.from && !r.to) return true;  // no day, no need of the region's clock
  const auto minutes = utc_offset(parsed, "audit", err);
  if (!minutes) return false;
  r.utc_offset_minutes = *minutes;
  if (r.from) r.query.from = store::local_day_start_utc(*r.from, *minutes);
  // The day after `to` begins where `to` begins one day (1440 minutes) later.
  if (r.to) r.query.before = store::local_day_start_utc(*r.to, *minutes - 24 * 60);
  return true;
}

std::optional<AccessRequest> read_request(const Parsed& parsed, std::ostream& err) {
  AccessRequest r;
  r.format = option_or(parsed, "format", "table");
  if (r.format != "table" && r.format != "csv" && r.format != "json") {
    err << "onestop audit access: --format '" << r.format << "' is not one of table, csv, json\n";
    return std::nullopt;
  }
  for (const char* other : {"year", "category", "out", "policy-dir"}) {
    if (parsed.options.contains(other)) {
      err << "onestop audit access: --" << other << " is not an option of audit access\n";
      return std::nullopt;
    }
  }
  if (!set_days(parsed, r, err)) return std::nullopt;
  const auto limit = read_limit(parsed, err);
  if (!limit) return std::nullopt;
  r.query.limit = *limit + 1;  // one more tells whether the listing was cut
  if (parsed.options.contains("client")) r.query.client = parsed.options.at("client");
  if (parsed.options.contains("target")) r.query.target = parsed.options.at("target");
  return r;
}

void write_table(std::ostream& out, const std::vector<AccessEntry>& entries) {
  reports::TextTable table({"at (UTC)", "client", "role", "method", "route", "target", "status",
                            "remote", "correlation_id"},
                           {false, false, false, false, false, false, true, false, false});
  for (const auto& e : entries) {
    table.add({e.at, e.client, e.role, e.method, e.route, e.target, std::to_string(e.status),
               e.remote, e.correlation_id});
  }
  table.write(out);
}

void write_csv(std::ostream& out, const std::vector<AccessEntry>& entries) {
  codec::CsvWriter csv(out);
  csv.row({"id", "at", "client", "role", "method", "route", "target", "status", "remote",
           "correlation_id"});
  for (const auto& e : entries) {
    csv.number(static_cast<long long>(e.id)).text(e.at).text(e.client).text(e.role);
    csv.text(e.method).text(e.route).text(e.target).number(e.status).text(e.remote);
    csv.text(e.correlation_id);
    csv.end_row();
  }
}

void write_json(std::ostream& out, const AccessRequest& r, const std::vector<AccessEntry>& entries,
                bool truncated) {
  codec::JsonWriter w(256 + entries.size() * 256);
  w.begin_object();
  if (r.from) w.member("from", r.from->to_string());
  if (r.to) w.member("to", r.to->to_string());
  if (r.from || r.to) w.member("utc_offset", reports::format_utc_offset(r.utc_offset_minutes));
  w.member("truncated", truncated).key("entries").begin_array();
  for (const auto& e : entries) {
    w.begin_object().member("id", e.id).member("at", e.at).member("client", e.client);
    w.member("role", e.role).member("method", e.method).member("route", e.route);
    w.member("target", e.target).member("status", e.status).member("remote", e.remote);
    w.member("correlation_id", e.correlation_id).end_object();
  }
  w.end_array().end_object();
  out << w.text() << "\n";
}

}  // namespace

int audit_access(const Parsed& parsed, std::ostream& out, std::ostream& err) {
  if (parsed.positional.size() != 1) {
    err << "onestop audit access: unexpected argument '" << parsed.positional[1] << "'\n";
    return kUsage;
  }
  const auto request = read_request(parsed, err);
  if (!request) return kUsage;
  const auto url = ledger_url(parsed, "audit access", err);
  if (!url) return kUsage;
  if (!backend::exists(*url)) {
    err << "onestop audit access: " << url->setting << ": no ledger database at " << url->text
        << "\n";
    return kUsage;
  }
  auto log = backend::open_access_log(*url, {});
  auto entries = log ? (*log)->list(request->query) : Result<std::vector<AccessEntry>>(log.error());
  if (!entries) {
    err << "onestop audit access: " << url->text << ": " << entries.error().message << "\n";
    return kUsage;
  }
  const bool truncated = entries->size() >= request->query.limit;
  if (truncated) entries->pop_back();
  if (request->format == "csv") {
    write_csv(out, *entries);
  } else if (request->format == "json") {
    write_json(out, *request, *entries, truncated);
  } else {
    write_table(out, *entries);
  }
  if (truncated) {
    err << "onestop audit access: the first " << entries->size()
        << " entries are shown; there are more (narrow --from/--to or raise --limit)\n";
  }
  return kOk;
}

}  // namespace onestop::cli
