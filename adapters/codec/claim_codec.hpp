// The canonical claim of design.md §4 ⇄ onestop::Claim.
//
// Decoding checks, per object, first that every key is known (in document order), then each
// field in the order of design.md §4: hospital_id, bill_no, patient{id, category},
// hospital{level, in_region}, referral, admitted_on, discharged_on, visit (optional:
// "inpatient", the default, or "outpatient_special"), special_disease (required for a visit,
// refused for an admission), diagnoses, items (each:
// code, name, class, amount, over_limit). The first defect found is returned, so the same
// document always yields the same error. Only after the structure is sound does the engine's
// validate() run its semantic checks (over_limit > amount, discharge before admission, ...).
//
// The readers below the two entry points are public so that the HTTP adapter can read a
// hospital's request, which carries the same items, dates and diagnoses but not the patient's
// category or the hospital's level, with the same rules and the same error paths.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/codec/json_reader.hpp"
#include "engine/claim.hpp"
#include "engine/error.hpp"
#include "engine/limits.hpp"
#include "engine/money.hpp"

namespace onestop::codec {

// The input limits of a claim as the service applies them (issue 5: onestop.limits.* in
// config/onestop.properties). The defaults are the ceilings of engine/limits.hpp, which the
// engine's overflow safety relies on; an operator may lower them, never raise them (the
// settings refuse a value above its ceiling). Stored claims are always read with the defaults,
// so a record settled before a limit was lowered stays readable.
struct ClaimLimits {
  std::size_t items_per_claim = limits::kItemsPerClaim;
  std::size_t diagnoses_per_claim = limits::kDiagnosesPerClaim;
  std::size_t id_bytes = limits::kIdLength;  // hospital id, bill number, patient id, category
  std::size_t item_code_bytes = limits::kItemCodeLength;
  std::size_t item_name_bytes = limits::kItemNameLength;  // bytes of UTF-8
  std::size_t diagnosis_bytes = limits::kDiagnosisLength;
  Money item_amount_max = Money::from_fen(limits::kItemAmountFen);  // amount and over_limit
};

// The canonical claim from one JSON document (UTF-8 text). Errors: those of parse_object()
// (malformed_json, duplicate_field, wrong_type), then the first structural defect with its
// JSON path (missing_field, wrong_type, unknown_field, empty, too_long, too_many, bad_amount,
// negative_amount, amount_too_large, bad_date, bad_diagnosis, unknown_class, unknown_level,
// unknown_visit, special_disease_not_applicable),
// then validate()'s. The sizes are checked against `limits`.
Result<Claim> decode_claim(std::string_view json_text, const ClaimLimits& limits = {});

// The same from an already-parsed document root.
Result<Claim> decode_claim(const JsonNode& doc, const ClaimLimits& limits = {});

// The bill number of a document that failed to decode, for its error line: the root's
// "bill_no" when it is a string of at most limits::kIdLength bytes, found even when the
// document is truncated or malformed after it; "" when there is none. Never throws.
std::string peek_bill_no(std::string_view json_text);

// The canonical form: one line, no spaces, fields in the order of design.md §4, "over_limit"
// only when not zero, "visit" and "special_disease" (after discharged_on) only for a visit.
// decode_claim(encode_claim(c)) gives a claim equal to c field for field; equal claims give
// equal bytes (the ledger hashes this text).
std::string encode_claim(const Claim& c);
// The same without what the registries supply (patient.category, hospital): the form a
// hospital sends, in one canonical spelling.
std::string encode_hospital_request(const Claim& c);

// ---------------------------------------------------------------------------------------------
// Reusable readers. `prefix` is the JSON path of `obj` ("" for the document root); errors name
// the full path of the field at fault.

// An identifier (hospital_id, bill_no, patient id, category): a non-empty string of at most
// limits.id_bytes bytes.
Result<std::string> read_id(const JsonNode& obj, std::string_view prefix, std::string_view key,
                            const ClaimLimits& limits = {});

// One item object at `path` ("items[3]"): keys code, name, class, amount, over_limit (optional,
// absent = 0.00), self_pay_ratio (optional, class B only: its own pay-first share, "0.2"). The
// name may be empty. Duplicated codes are the engine's business.
Result<Item> read_item(const JsonNode& item, std::string_view path, const ClaimLimits& limits = {});

// The "items" array of `obj`: 1..limits.items_per_claim item objects.
Result<std::vector<Item>> read_items(const JsonNode& obj, std::string_view prefix,
                                     const ClaimLimits& limits = {});

// The "diagnoses" array of `obj`: at most limits.diagnoses_per_claim strings of 1 to
// limits.diagnosis_bytes bytes (bad_diagnosis otherwise). Whether a code is in a policy's
// catalogue is the policy's business.
Result<std::vector<std::string>> read_diagnoses(const JsonNode& obj, std::string_view prefix,
                                                const ClaimLimits& limits = {});

// The admission part that the canonical claim shares with a hospital's request: "referral",
// "admitted_on", "discharged_on", "visit", "special_disease", "diagnoses", "items", read in
// that order into `claim`.
// Returns the first defect, or nullopt.
std::optional<Error> read_admission(const JsonNode& obj, std::string_view prefix, Claim& claim,
                                    const ClaimLimits& limits = {});

}  // namespace onestop::codec
