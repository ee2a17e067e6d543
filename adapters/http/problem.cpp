#include "adapters/http/problem.hpp"

#include <Poco/Exception.h>

#include <array>
#include <cctype>
#include <string_view>
#include <utility>

#include "adapters/store/ledger.hpp"

namespace onestop::http {
namespace {

struct CodeStatus {
  std::string_view code;
  int status;
};

constexpr std::array<CodeStatus, 21> kStatusByCode = {{
    {"malformed_json", 400},
    {"duplicate_field", 400},
    {"bad_query", 400},
    {"malformed_uri", 400},
    {"malformed_request", 400},
    {"unauthenticated", 401},
    {"forbidden", 403},
    {"hospital_forbidden", 403},
    {"not_found", 404},
    {"route_not_found", 404},
    {"method_not_allowed", 405},
    {"request_timeout", 408},
    {"idempotency_conflict", 409},
    {"not_latest", 409},
    {"already_cancelled", 409},
    {"body_too_large", 413},
    {"unsupported_media_type", 415},
    {"rate_limited", 429},
    {"internal", 500},
    {"ledger_unavailable", 503},
    {"unavailable", 503},
}};

// "unknown_hospital" → "Unknown hospital".
std::string title_of(const std::string& code) {
  std::string title = code;
  for (char& c : title) {
    if (c == '_') c = ' ';
  }
  if (!title.empty()) {
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  }
  return title;
}

}  // namespace

int status_for(const Error& error) {
  for (const CodeStatus& cs : kStatusByCode) {
    if (cs.code == error.code) return cs.status;
  }
  if (error.code.starts_with("internal")) return 500;
  return 422;
}

Error error_from_exception(const std::exception& e) {
  if (const auto* ledger = dynamic_cast<const store::LedgerUnavailable*>(&e)) {
    return ledger->error();
  }
  if (dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr) {
    return Error{"request_timeout", "", "the client sent the request too slowly"};
  }
  if (const auto* poco = dynamic_cast<const Poco::Exception*>(&e)) {
    return Error{"internal", "", poco->displayText()};
  }
  return Error{"internal", "", e.what()};
}

std::string problem_json(const Error& error, int status, const std::string& instance,
                         const std::string& correlation_id,
                         const std::function<void(codec::JsonWriter&)>& extra) {
  codec::JsonWriter w;
  w.begin_object();
  w.member("type", "urn:onestop:problem:" + error.code);
  w.member("title", title_of(error.code));
  w.member("status", status);
  if (status == 500) {
    // The cause stays in the log; the client gets the id to quote.
    w.member("detail", "the request failed on the server; quote correlation id " + correlation_id);
  } else {
    w.member("detail", error.message);
  }
  w.member("code", error.code).member("field", error.field);
  w.member("instance", instance).member("correlation_id", correlation_id);
  if (extra) extra(w);
  w.end_object();
  return w.take();
}

}  // namespace onestop::http
