// Errors to HTTP: the one place that decides a status, and RFC 9457 problem details.
#pragma once

#include <exception>
#include <functional>
#include <string>

#include "adapters/codec/json_util.hpp"
#include "engine/error.hpp"

namespace onestop::http {

// The HTTP status for an error code. 400: the request cannot be read (malformed_json,
// duplicate_field, bad_query, malformed_uri); 404 not_found, route_not_found;
// 405 method_not_allowed; 408 request_timeout; 409 idempotency_conflict, not_latest,
// already_cancelled; 413 body_too_large; 415 unsupported_media_type; 500 internal (and any code
// starting with "internal"); 503 ledger_unavailable, unavailable; every other code names a
// field of the request that is wrong or that the registries refuse (unknown_hospital,
// unknown_patient, bad_amount, ...): 422.
int status_for(const Error& error);

// An exception that escaped a handler as an Error: the ledger's LedgerUnavailable becomes its
// error (ledger_unavailable, 503), Poco's timeouts request_timeout, everything else internal
// (a bug). The message keeps the exception's text for the log only;
// problem_json() does not show internal messages to clients.
Error error_from_exception(const std::exception& e);

// The problem document: {"type", "title", "status", "detail", "code", "field", "instance"}
// and what `extra` writes (members only). type is "urn:onestop:problem:<code>", title the
// code in words; a 500's detail names only the correlation id, never the cause.
std::string problem_json(const Error& error, int status, const std::string& instance,
                         const std::string& correlation_id,
                         const std::function<void(codec::JsonWriter&)>& extra = {});

}  // namespace onestop::http
