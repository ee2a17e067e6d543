// The requests a hospital's billing desk sends, in the hospital's terms (issue 3): the canonical
// claim of design.md §4 minus what the registries supply. Decoded with the codec's readers, so
// items, dates and diagnoses follow the same rules and report the same JSON paths.
//
// Settle / trial request:
//   {"hospital_id": "H1", "bill_no": "ZY2020-000123", "patient": {"id": "P0001"},
//    "referral": false, "admitted_on": "2020-03-02", "discharged_on": "2020-03-12",
//    "visit"?: "inpatient" | "outpatient_special", "special_disease"?: "severe_mental",
//    "diagnoses": ["J62.8"], "items": [{"code", "name", "class", "amount", "over_limit"?}, ...]}
// A visit names its disease; whether the person is certified for it is the roster's to say.
// "patient.category" and "hospital" are refused (unknown_field with a message saying where the
// value comes from): the category is the roster's for the admission date and the level and
// region are the registry's; accepting them would make a second, silently ignored source.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/codec/claim_codec.hpp"
#include "engine/claim.hpp"
#include "engine/date.hpp"
#include "engine/error.hpp"

namespace onestop::service {

inline constexpr std::size_t kCancelReasonBytes = 500;

// A settle or trial request as a Claim whose category is empty and whose level and in_region
// are unset (the service resolves them). Checks, the first failure returned: the JSON parse
// (malformed_json, duplicate_field, wrong_type), unknown keys in document order, hospital_id,
// bill_no, patient{id}, then codec::read_admission's order (referral, admitted_on,
// discharged_on, diagnoses, items), then the engine's validate() (discharge before admission,
// item rules). Sizes and the largest amount are those of `limits` (the configured ones).
Result<Claim> decode_settle_request(std::string_view json_text,
                                    const codec::ClaimLimits& limits = {});

// The canonical text of a request: one line, no spaces, members in the order above,
// "over_limit" only when not zero. Two bodies that differ only in whitespace, member order,
// string escapes or an explicit "over_limit": "0.00" give the same text; its SHA-256 is the
// idempotency fingerprint stored with the record. Only the hospital's fields count (not the
// category or level the registries resolved), so a retry still replays after a roster or
// registry change.
std::string canonical_request(const Claim& request);

// Lowercase hex SHA-256 of canonical_request(request).
std::string request_sha256(const Claim& request);

// POST /v1/admissions/check:
//   {"hospital_id", "patient": {"id"}, "admitted_on", "referral", "diagnoses"?}
// "diagnoses" may be left out while they are not known yet.
struct AdmissionQuery {
  std::string hospital_id;
  std::string patient_id;
  Date admitted_on;
  bool referral = false;
  std::optional<std::vector<std::string>> diagnoses;
};
// Ids and diagnoses are checked against `limits` as in a settle request.
Result<AdmissionQuery> decode_admission_query(std::string_view json_text,
                                              const codec::ClaimLimits& limits = {});

// POST /v1/settlements/{id}/cancel: {"reason": "..."}, 1..kCancelReasonBytes bytes (a fixed
// limit: the reason is free text for the audit, not part of the claim).
Result<std::string> decode_cancel_reason(std::string_view json_text);

}  // namespace onestop::service
