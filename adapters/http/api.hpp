// The HTTP API as a plain function of a request: routing, the service call, the answer. No
// sockets here (http_server.cpp does the I/O), so every route can be tested without a network.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http/metrics.hpp"
#include "adapters/http/rate_limiter.hpp"
#include "adapters/http/routes.hpp"
#include "adapters/national/gateway.hpp"
#include "adapters/service/settlement_service.hpp"
#include "adapters/store/clients.hpp"
#include "engine/error.hpp"

namespace onestop::http {

struct ApiRequest {
  std::string method;
  std::string path;                                        // percent-decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded name/value pairs
  std::string content_type;                                // "" when the header is absent
  std::string body;
  std::string correlation_id;  // names the request in the log and in a 500's problem
  std::string authorization;   // the Authorization header; "" when absent
  std::string remote;          // the peer's address, for the access log
  // The national gateway's signature headers (x-tif-*), names in lower case (issue 12).
  std::vector<std::pair<std::string, std::string>> tif_headers;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  // When set, the body is written by this function as it is produced (chunked transfer
  // encoding) and `body` is unused: long reports stream instead of being held in memory. It
  // may throw once output has begun; the server then aborts the connection, so the client
  // sees a truncated body rather than a complete-looking one.
  std::function<void(std::ostream&)> stream;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/Length
  std::string route = "unmatched";  // the route template (logs and metrics label)
  std::optional<Error> error;       // the error answered, for the log (a 500's cause)
  // For the access log: who asked (nullopt: no valid credential or an open route) and which
  // record or person the request touched ("settlement:12", "patient:P001"; "" none).
  std::optional<store::Principal> principal;
  std::string target;
};

// The ledger as /healthz and /metrics report it: health(), and the record count while the
// database answers; a count that fails means the database stopped answering since the probe.
struct LedgerStatus {
  store::LedgerHealth health;
  std::optional<std::int64_t> records;
};
LedgerStatus ledger_status(store::Ledger& ledger);

class Api {
 public:
  // All must outlive the Api. Reconciliation days are local days at `utc_offset_minutes`.
  // Every route but the open ones (routes.hpp) needs `Authorization: Bearer <key>` of a
  // client of `clients` whose role the route allows. `limiter` counts each client's requests
  // (and, for requests without a valid key, each peer address's): past it, 429.
  Api(const service::SettlementService& service, Metrics& metrics, store::Clients& clients,
      RateLimiter& limiter, int utc_offset_minutes = 0);

  // Routes, authenticates, authorizes and answers one request: 401 without a valid key,
  // 403 for a role the route does not allow; a hospital's client reading or cancelling another
  // hospital's bill gets the 404 of a bill that does not exist. Expected failures are answered as problem documents;
  // an exception (a bug, a broken stream) propagates to the caller, which answers it with
  // failure() — the one place exceptions become statuses.
  ApiResponse handle(const ApiRequest& request) const;

  // Serves the national interface's paths (national::Gateway::serves) with `gateway`, which
  // must outlive the Api; without one they are not routes.
  void set_national(national::Gateway* gateway) { national_ = gateway; }

  // The problem response for `error` (status from status_for(); a 503 says Retry-After: 1);
  // `route` labels it.
  static ApiResponse problem(const Error& error, const ApiRequest& request,
                             std::string route = "unmatched");

  // The answer to an exception that escaped handle(): error_from_exception() then problem().
  static ApiResponse failure(const std::exception& e, const ApiRequest& request,
                             std::string route = "unmatched");

 private:
  // The operations of the route table, one per route: each calls the service and answers
  // with the JSON of api_json.hpp, or with problem() for an error.
  // `scope` is the hospital a hospital's client acts for (nullopt for the other roles).
  ApiResponse dispatch(const ApiRequest& request, const RouteMatch& match,
                       const service::HospitalScope& scope) const;
  ApiResponse trial(const ApiRequest& request, const service::HospitalScope& scope) const;
  ApiResponse settle(const ApiRequest& request, const service::HospitalScope& scope) const;
  ApiResponse get_settlement(const ApiRequest& request, const std::string& id,
                             const service::HospitalScope& scope) const;
  ApiResponse cancel(const ApiRequest& request, const std::string& id,
                     const service::HospitalScope& scope) const;
  ApiResponse slip(const ApiRequest& request, const std::string& id,
                   const service::HospitalScope& scope) const;
  ApiResponse patient_ledger(const ApiRequest& request, const std::string& patient_id) const;
  ApiResponse admission_check(const ApiRequest& request,
                              const service::HospitalScope& scope) const;
  ApiResponse roster_import(const ApiRequest& request) const;
  ApiResponse certifications_import(const ApiRequest& request) const;
  ApiResponse authorized(const ApiRequest& request, const RouteMatch& match) const;
  // 429 rate_limited with Retry-After when `key` has used up its requests; nullopt otherwise.
  std::optional<ApiResponse> over_limit(const std::string& key, const ApiRequest& request) const;
  // The client of the request's bearer key: 401 (unauthenticated) when there is none.
  Result<store::Principal> authenticate(const ApiRequest& request) const;
  // The same for /metrics, which must answer while the database does not (a monitoring system
  // has to see the outage, not a failed scrape) although the keys live in that database: a
  // key that read /metrics is remembered (by its hash) and reads it again while keys cannot be
  // checked. A key checked and found invalid is forgotten.
  Result<store::Principal> authenticate_scraper(const ApiRequest& request) const;
  // report_routes.cpp
  ApiResponse reconciliation_totals(const ApiRequest& request) const;
  ApiResponse reconciliation_details(const ApiRequest& request) const;
  ApiResponse audit_patient(const ApiRequest& request, const std::string& patient_id) const;
  ApiResponse healthz(const ApiRequest& request) const;
  ApiResponse metrics(const ApiRequest& request) const;
  static ApiResponse echo(const ApiRequest& request);
  // The national interface: its envelope answers, authenticated by Bearer key or x-tif-*.
  ApiResponse national(const ApiRequest& request) const;

  const service::SettlementService& service_;
  Metrics& metrics_;
  store::Clients& clients_;
  RateLimiter& limiter_;
  int utc_offset_minutes_;
  national::Gateway* national_ = nullptr;
  // authenticate_scraper()'s keys: SHA-256 of the Authorization header -> its client; a few
  // monitoring systems scrape a server, so past kScrapers keys the map starts again.
  static constexpr std::size_t kScrapers = 64;
  mutable std::mutex scrapers_mutex_;
  mutable std::map<std::string, store::Principal> scrapers_;
};

}  // namespace onestop::http
