// The canonical claim of design.md §4 ⇄ onestop::Claim.
//
// Decoding checks, per object, first that every key is known (in document order), then each
// field in the order of design.md §4: hospital_id, bill_no, patient{id, category},
// hospital{level, in_region}, referral, admitted_on, discharged_on, diagnoses, items (each:
// code, name, class, amount, over_limit). The first defect found is returned, so the same
// document always yields the same error. Only after the structure is sound does the engine's
// validate() run its semantic checks (over_limit > amount, discharge before admission, ...).
//
// The readers below the two entry points are public so that the HTTP adapter can read a
// hospital's request, which carries the same items, dates and diagnoses but not the patient's
// category or the hospital's level, with the same rules and the same error paths.
#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/claim.hpp"
#include "engine/error.hpp"

namespace onestop::codec {

// The canonical claim from one JSON document (UTF-8 text). Errors: those of parse_object()
// (malformed_json, duplicate_field, wrong_type), then the first structural defect with its
// JSON path (missing_field, wrong_type, unknown_field, empty, too_long, too_many, bad_amount,
// negative_amount, amount_too_large, bad_date, unknown_class, unknown_level), then validate()'s.
Result<Claim> decode_claim(std::string_view json_text);

// The same from an already-parsed document root.
Result<Claim> decode_claim(const Poco::JSON::Object& doc);

// The bill number of a document that failed to decode, for its error line: the root's
// "bill_no" when it is a string of at most limits::kIdLength bytes, found even when the
// document is truncated or malformed after it; "" when there is none. Never throws.
std::string peek_bill_no(std::string_view json_text);

// The canonical form: one line, no spaces, fields in the order of design.md §4, "over_limit"
// only when not zero. decode_claim(encode_claim(c)) gives a claim equal to c field for field;
// equal claims give equal bytes (the ledger hashes this text).
std::string encode_claim(const Claim& c);
// The same without what the registries supply (patient.category, hospital): the form a
// hospital sends, in one canonical spelling.
std::string encode_hospital_request(const Claim& c);

// ---------------------------------------------------------------------------------------------
// Reusable readers. `prefix` is the JSON path of `obj` ("" for the document root); errors name
// the full path of the field at fault.

// An identifier (hospital_id, bill_no, patient id, category): a non-empty string of at most
// limits::kIdLength bytes.
Result<std::string> read_id(const Poco::JSON::Object& obj, std::string_view prefix,
                            std::string_view key);

// One item object at `path` ("items[3]"): keys code, name, class, amount, over_limit (optional,
// absent = 0.00). The name may be empty. Duplicated codes are the engine's business.
Result<Item> read_item(const Poco::JSON::Object& item, std::string_view path);

// The "items" array of `obj`: 1..limits::kItemsPerClaim item objects.
Result<std::vector<Item>> read_items(const Poco::JSON::Object& obj, std::string_view prefix);

// The "diagnoses" array of `obj`: at most limits::kDiagnosesPerClaim strings. Their content
// (ICD-10 code length) is checked by the engine's validate().
Result<std::vector<std::string>> read_diagnoses(const Poco::JSON::Object& obj,
                                                std::string_view prefix);

// The admission part that the canonical claim shares with a hospital's request: "referral",
// "admitted_on", "discharged_on", "diagnoses", "items", read in that order into `claim`.
// Returns the first defect, or nullopt.
std::optional<Error> read_admission(const Poco::JSON::Object& obj, std::string_view prefix,
                                    Claim& claim);

}  // namespace onestop::codec
