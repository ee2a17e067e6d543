#include "adapters/http/api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

#include "adapters/codec/digest.hpp"
#include "adapters/http/api_json.hpp"
#include "adapters/http/problem.hpp"
#include "adapters/http/query_params.hpp"
#include "adapters/http/routes.hpp"
#include "adapters/http/slip_html.hpp"

namespace onestop::http {
namespace {

using service::WriteOutcome;
using service::WriteStatus;

// A JSON answer with `status`.
ApiResponse json_response(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// A settlement id from the path: 1 to 18 decimal digits, no leading zero (one spelling per
// id, so an id cannot pass for another text in logs or checks).
std::optional<std::int64_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.front() == '0') return std::nullopt;
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

// not_found for a settlement id from the path.
Error no_settlement(const std::string& id) {
  return Error{"not_found", "id", "no settlement " + id};
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The media type of the Content-Type header, lower case, without parameters or spaces.
std::string media_type(const ApiRequest& request) {
  std::string type = request.content_type.substr(0, request.content_type.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(),
                            [](unsigned char c) { return std::isspace(c) != 0; }),
             type.end());
  return lower(std::move(type));
}

// JSON bodies only: an absent Content-Type is accepted, anything but application/json or a
// +json type is refused.
std::optional<Error> check_json_body(const ApiRequest& request) {
  const std::string type = media_type(request);
  if (type.empty() || type == "application/json" || type.ends_with("+json")) return std::nullopt;
  return Error{"unsupported_media_type", "Content-Type",
               "send the body as application/json, not " + request.content_type};
}

// The roster goes as CSV (text/csv; an absent Content-Type is accepted).
std::optional<Error> check_csv_body(const ApiRequest& request) {
  const std::string type = media_type(request);
  if (type.empty() || type == "text/csv") return std::nullopt;
  return Error{"unsupported_media_type", "Content-Type",
               "send the roster as text/csv, not " + request.content_type};
}

// The key of an `Authorization: Bearer <key>` header, or "" (the scheme is case-insensitive).
std::string_view bearer_key(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() || lower(std::string(header.substr(0, kScheme.size()))) !=
                                             kScheme) {
    return {};
  }
  header.remove_prefix(kScheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  return header;
}

// The body of a write: the record envelope, 201 with Location when created, 200 replayed.
ApiResponse written_response(const WriteOutcome& out) {
  const bool created = out.status == WriteStatus::created;
  ApiResponse r = json_response(created ? 201 : 200, record_json(*out.record, !created));
  if (created) r.headers.emplace_back("Location", record_location(out.record->id));
  r.target = "settlement:" + std::to_string(out.record->id);
  return r;
}

// A 409 for a conflict outcome: the key that is taken, or the settlements in the way.
ApiResponse conflict_response(const WriteOutcome& out, const ApiRequest& request) {
  const Error& e = *out.conflict;
  ApiResponse r;
  r.status = status_for(e);
  r.content_type = "application/problem+json";
  r.error = e;
  r.body =
      problem_json(e, r.status, request.path, request.correlation_id, [&](codec::JsonWriter& w) {
        if (!out.key_hospital_id.empty()) {
          w.key("key").begin_object();
          w.member("hospital_id", out.key_hospital_id);
          w.member("bill_no", out.key_bill_no).end_object();
        }
        if (out.record) w.member("settlement_id", out.record->id);
        if (e.code == "not_latest") {
          w.key("blocking").begin_array();
          for (std::int64_t id : out.blocking) w.value(id);
          w.end_array();
        }
      });
  return r;
}

}  // namespace

LedgerStatus ledger_status(store::Ledger& ledger) {
  LedgerStatus s{ledger.health(), std::nullopt};
  if (!s.health.answers) return s;
  try {
    s.records = ledger.record_count();
  } catch (const store::LedgerUnavailable& e) {
    s.health.answers = false;
    s.health.error = e.what();
  }
  return s;
}

Api::Api(const service::SettlementService& service, Metrics& metrics, store::Clients& clients,
         RateLimiter& limiter, int utc_offset_minutes)
    : service_(service),
      metrics_(metrics),
      clients_(clients),
      limiter_(limiter),
      utc_offset_minutes_(utc_offset_minutes) {}

std::optional<ApiResponse> Api::over_limit(const std::string& key,
                                           const ApiRequest& request) const {
  const RateLimiter::Decision d = limiter_.check(key, limiter_.now());
  if (d.allowed) return std::nullopt;
  ApiResponse r = problem(Error{"rate_limited", "",
                                "too many requests; try again in " +
                                    std::to_string(d.retry_after_s) + " s"},
                          request);
  r.headers.emplace_back("Retry-After", std::to_string(d.retry_after_s));
  return r;
}

Result<store::Principal> Api::authenticate(const ApiRequest& request) const {
  if (request.authorization.empty()) {
    return Error{"unauthenticated", "Authorization",
                 "send the client's key as 'Authorization: Bearer <key>'"};
  }
  const std::string_view key = bearer_key(request.authorization);
  if (key.empty()) {
    return Error{"unauthenticated", "Authorization",
                 "the Authorization header must be 'Bearer <key>'"};
  }
  // Malformed, unknown, revoked and wrong keys are answered alike.
  if (auto who = clients_.authenticate(key)) return *who;
  return Error{"unauthenticated", "Authorization", "the key is not valid"};
}

Result<store::Principal> Api::authenticate_scraper(const ApiRequest& request) const {
  const std::string digest = codec::sha256_hex(request.authorization);
  try {
    Result<store::Principal> who = authenticate(request);
    std::lock_guard lock(scrapers_mutex_);
    if (!who) {
      scrapers_.erase(digest);
    } else {
      if (scrapers_.size() >= kScrapers && !scrapers_.contains(digest)) scrapers_.clear();
      scrapers_.insert_or_assign(digest, *who);
    }
    return who;
  } catch (const store::LedgerUnavailable&) {
    std::lock_guard lock(scrapers_mutex_);
    const auto it = scrapers_.find(digest);
    if (it == scrapers_.end()) throw;
    return it->second;
  }
}

ApiResponse Api::national(const ApiRequest& request) const {
  national::GatewayRequest g;
  g.method = request.method;
  g.path = request.path;
  g.body = request.body;
  for (const auto& [name, value] : request.tif_headers) g.tif[name] = value;
  std::string limit_key = "peer " + request.remote.substr(0, request.remote.rfind(':'));
  if (!request.authorization.empty()) {
    auto who = authenticate(request);
    if (who) {
      g.bearer = *who;
      limit_key = "client " + who->client;
    } else {
      g.bearer_error = "Authorization: " + who.error().message;
    }
  }
  if (auto limited = over_limit(limit_key, request)) return std::move(*limited);
  national::GatewayAnswer a = national_->handle(g);
  ApiResponse r = json_response(a.status, std::move(a.body));
  r.content_type = a.content_type;
  r.route = "/fsi/api/{national}";
  r.principal = a.principal;
  r.target = a.infno.empty() ? "" : "national:" + a.infno;
  return r;
}

ApiResponse Api::problem(const Error& error, const ApiRequest& request, std::string route) {
  ApiResponse r;
  r.status = status_for(error);
  r.content_type = "application/problem+json";
  r.body = problem_json(error, r.status, request.path, request.correlation_id);
  r.route = std::move(route);
  r.error = error;
  // Retrying is safe: nothing was written, or the same request answers what was.
  if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

ApiResponse Api::failure(const std::exception& e, const ApiRequest& request, std::string route) {
  return problem(error_from_exception(e), request, std::move(route));
}

ApiResponse Api::handle(const ApiRequest& request) const {
  if (national_ != nullptr && national::Gateway::serves(request.path)) return national(request);
  const RouteMatch match = match_route(request.method, request.path);
  if (match.route == nullptr && !match.allowed.empty()) {
    std::string allow;
    for (const std::string& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
    ApiResponse r = problem(Error{"method_not_allowed", "",
                                  request.method +
                                      " is not served "
                                      "here; allowed: " +
                                      allow},
                            request);
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  if (match.route == nullptr) {
    return problem(Error{"route_not_found", "", "no route " + request.path}, request);
  }
  const Route& route = *match.route;
  ApiResponse r = authorized(request, match);
  r.route = route.path;
  // The access log's target, unless the operation named one: the path's record or person
  // (also for a refused request: who tried to touch what is the point of the log).
  if (r.target.empty() && !match.params.empty()) {
    const bool person = route.path.find("{patient_id}") != std::string_view::npos;
    r.target = (person ? "patient:" : "settlement:") + match.params.front();
  }
  return r;
}

// The gate of a matched route: the key (401), the role (403), the body's media type (415),
// then the operation, with the hospital scope of a hospital's client.
ApiResponse Api::authorized(const ApiRequest& request, const RouteMatch& match) const {
  const Route& route = *match.route;
  if (route.open) return dispatch(request, match, std::nullopt);
  auto who = route.op == Operation::metrics ? authenticate_scraper(request) : authenticate(request);
  if (!who) {
    // Unauthenticated requests count against their peer's address: key guessing and log
    // flooding are slowed like any client.
    const std::string peer = request.remote.substr(0, request.remote.rfind(':'));
    if (auto limited = over_limit("peer " + peer, request)) return std::move(*limited);
    ApiResponse r = problem(who.error(), request);
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"onestop\"");
    return r;
  }
  ApiResponse r;
  if (auto limited = over_limit("client " + who->client, request)) {
    r = std::move(*limited);
  } else if (!route.roles.allows(who->role)) {
    r = problem(Error{"forbidden", "",
                      "a client of role " + std::string(role_name(who->role)) + " may not " +
                          request.method + " " + std::string(route.path)},
                request);
  } else if (auto bad_type = route.method == "PUT"    ? check_csv_body(request)
                             : route.method == "POST" ? check_json_body(request)
                                                      : std::nullopt) {
    r = problem(*bad_type, request);
  } else {
    service::HospitalScope scope;
    if (who->role == store::Role::hospital) scope = who->hospital_id;
    r = dispatch(request, match, scope);
  }
  r.principal = *who;
  return r;
}

// Calls the operation of a matched route with its path parameters.
ApiResponse Api::dispatch(const ApiRequest& request, const RouteMatch& match,
                          const service::HospitalScope& scope) const {
  switch (match.route->op) {
    case Operation::trial:
      return trial(request, scope);
    case Operation::settle:
      return settle(request, scope);
    case Operation::get_settlement:
      return get_settlement(request, match.params.at(0), scope);
    case Operation::cancel:
      return cancel(request, match.params.at(0), scope);
    case Operation::slip:
      return slip(request, match.params.at(0), scope);
    case Operation::patient_ledger:
      return patient_ledger(request, match.params.at(0));
    case Operation::admission_check:
      return admission_check(request, scope);
    case Operation::roster_import:
      return roster_import(request);
    case Operation::certifications_import:
      return certifications_import(request);
    case Operation::reconciliation_totals:
      return reconciliation_totals(request);
    case Operation::reconciliation_details:
      return reconciliation_details(request);
    case Operation::audit_patient:
      return audit_patient(request, match.params.at(0));
    case Operation::healthz:
      return healthz(request);
    case Operation::metrics:
      return metrics(request);
    case Operation::echo:
      return echo(request);
  }
  return problem(Error{"internal", "", "unhandled operation"}, request);
}

// One function per route: decode (in the service), call, answer or problem.
ApiResponse Api::trial(const ApiRequest& request, const service::HospitalScope& scope) const {
  auto out = service_.trial(request.body, scope);
  if (!out) return problem(out.error(), request);
  ApiResponse r = json_response(200, trial_json(*out));
  r.target = "patient:" + out->settlement.patient_id;
  return r;
}

ApiResponse Api::settle(const ApiRequest& request, const service::HospitalScope& scope) const {
  const auto start = std::chrono::steady_clock::now();
  auto out = service_.settle(request.body, scope);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!out) {
    metrics_.observe_settle("error", seconds);
    return problem(out.error(), request);
  }
  switch (out->status) {
    case WriteStatus::created:
      metrics_.observe_settle("created", seconds);
      break;
    case WriteStatus::replayed:
      metrics_.observe_settle("replayed", seconds);
      break;
    case WriteStatus::conflict:
      metrics_.observe_settle("conflict", seconds);
      break;
  }
  if (out->status == WriteStatus::conflict) return conflict_response(*out, request);
  return written_response(*out);
}

ApiResponse Api::get_settlement(const ApiRequest& request, const std::string& id,
                                const service::HospitalScope& scope) const {
  const auto n = parse_id(id);
  if (!n) return problem(no_settlement(id), request);
  auto record = service_.get(*n, scope);
  if (!record) return problem(record.error(), request);
  return json_response(200, record_json(*record, false));
}

ApiResponse Api::cancel(const ApiRequest& request, const std::string& id,
                        const service::HospitalScope& scope) const {
  const auto n = parse_id(id);
  if (!n) return problem(no_settlement(id), request);
  auto out = service_.cancel(*n, request.body, scope);
  if (!out) return problem(out.error(), request);
  if (out->status == WriteStatus::conflict) return conflict_response(*out, request);
  return written_response(*out);
}

ApiResponse Api::slip(const ApiRequest& request, const std::string& id,
                      const service::HospitalScope& scope) const {
  const auto n = parse_id(id);
  if (!n) return problem(no_settlement(id), request);
  auto data = service_.slip(*n, scope);
  if (!data) return problem(data.error(), request);
  auto page = slip_html(*data);
  if (!page) return problem(page.error(), request);
  ApiResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(page).value();
  return r;
}

ApiResponse Api::patient_ledger(const ApiRequest& request, const std::string& patient_id) const {
  auto params = QueryParams::read(request.query, {"year"});
  if (!params) return problem(params.error(), request);
  auto year = params->year("year");
  if (!year) return problem(year.error(), request);
  auto ledger = service_.patient_ledger(patient_id, *year);
  if (!ledger) return problem(ledger.error(), request);
  return json_response(200, patient_ledger_json(*ledger));
}

ApiResponse Api::admission_check(const ApiRequest& request,
                                 const service::HospitalScope& scope) const {
  auto check = service_.check_admission(request.body, scope);
  if (!check) return problem(check.error(), request);
  ApiResponse r = json_response(200, admission_json(*check));
  r.target = "patient:" + check->patient_id;
  return r;
}

namespace {

// The answer to a CSV import (roster, certifications): 200 {rows, persons}, or 422
// roster_invalid listing every defective row (then nothing was imported).
ApiResponse import_response(const ApiRequest& request,
                            const std::vector<store::RosterRowError>& errors, std::size_t rows,
                            std::size_t persons, std::string target) {
  if (!errors.empty()) {
    const Error e{"roster_invalid", "body",
                  std::to_string(errors.size()) + " rows are defective; nothing was imported"};
    ApiResponse r = Api::problem(e, request);
    r.body = problem_json(e, r.status, request.path, request.correlation_id,
                          [&](codec::JsonWriter& x) {
                            x.key("errors").begin_array();
                            for (const auto& row : errors) {
                              x.begin_object().member("line", static_cast<std::int64_t>(row.line));
                              x.member("column", row.column).member("message", row.message);
                              x.end_object();
                            }
                            x.end_array();
                          });
    return r;
  }
  codec::JsonWriter w;
  w.begin_object().member("rows", static_cast<std::int64_t>(rows));
  w.member("persons", static_cast<std::int64_t>(persons)).end_object();
  ApiResponse r = json_response(200, w.take());
  r.target = std::move(target);
  return r;
}

}  // namespace

ApiResponse Api::roster_import(const ApiRequest& request) const {
  auto imported = service_.import_roster(request.body);
  if (!imported) return problem(imported.error(), request);
  return import_response(request, imported->errors, imported->rows, imported->persons, "roster");
}

ApiResponse Api::certifications_import(const ApiRequest& request) const {
  auto imported = service_.import_certifications(request.body);
  if (!imported) return problem(imported.error(), request);
  return import_response(request, imported->errors, imported->rows, imported->persons,
                         "certifications");
}

// 200 while the ledger's database answers, else 503 so that a load balancer takes this server
// out; the same document either way. The database's error is logged (it may name files or
// hosts), not answered: this route is open to anyone.
ApiResponse Api::healthz(const ApiRequest&) const {
  const auto [ledger, records] = ledger_status(service_.ledger());
  codec::JsonWriter w;
  w.begin_object().member("status", ledger.answers ? "ok" : "unavailable");
  if (records) w.member("ledger_records", *records);
  w.member("hospitals", static_cast<std::int64_t>(service_.hospitals().all().size()));
  w.key("policies").begin_array();
  for (const Policy& p : service_.policies().all()) w.value(p.id);
  w.end_array();
  w.key("ledger").begin_object();
  w.member("engine", ledger.engine).member("answers", ledger.answers).end_object();
  w.end_object();
  ApiResponse r = json_response(ledger.answers ? 200 : 503, w.take());
  if (!ledger.answers) r.error = Error{"ledger_unavailable", "", ledger.error};
  return r;
}

ApiResponse Api::metrics(const ApiRequest&) const {
  ApiResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics_.render();
  return r;
}

ApiResponse Api::echo(const ApiRequest& request) { return json_response(200, request.body); }

}  // namespace onestop::http
