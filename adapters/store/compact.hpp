// The compact body of a ledger record (schema version 6): what a record stores besides its
// columns and layer rows, and nothing that can be derived. The full result is derived again by
// settling deterministically when it is read (adapters/sqlite/derive.cpp), so a record takes a few
// hundred bytes instead of the ~8 KB of its claim and result documents. Every engine stores it the
// same way; only the storage adapters use it.
//
// Format "onestop-body/1", every integer a LEB128 varint (signed ones zigzag-coded), every
// string its byte length then its bytes:
//   version        1
//   claim form     1: compact fields (below), 2: the canonical claim JSON verbatim (a claim
//                  the compact fields cannot carry exactly, e.g. a field added to Claim later)
//   claim          the form's bytes, as one string
//   before         admissions, layer count, then per layer (sorted by id): id, paid,
//                  deductible_charged, base_cumulative, patient_share (signed fen)
// Compact claim fields (hospital_id, bill_no and patient_id are the record's columns):
//   category, level (0..4), flags (1: in_region, 2: referral), admitted_on, discharged_on
//   (each year·512 + month·32 + day), diagnosis count and codes, item count and per item:
//   code, name, class (0 A, 1 B, 2 C), amount, over_limit (signed fen).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine/accumulators.hpp"
#include "engine/claim.hpp"

namespace onestop::store {

// A body that does not decode; what() names the record and the first defect.
class CorruptBody : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The body of a record whose canonical claim is `claim_json` (codec::encode_claim of `claim`)
// and whose person's accumulators before it were `before`. The compact form is used only
// when it reads back to exactly `claim_json`; otherwise the JSON is kept verbatim.
std::string encode_body(const Claim& claim, const std::string& claim_json,
                        const Accumulators& before);

// The same in two steps: the claim part (its form and bytes), which needs only the claim and
// is made before a job is queued, then the body around it once `before` is known.
std::string encode_claim_part(const Claim& claim, const std::string& claim_json);
std::string encode_body(std::string_view claim_part, const Accumulators& before);

// A body read back: the claim (ids from the record's columns) and the accumulators before.
struct Body {
  Claim claim;
  std::string claim_json;  // the canonical claim, byte for byte as it was stored
  bool compact = false;    // the claim was stored as compact fields (claim_json encodes it)
  Accumulators before;
};

// Decodes a body of record `record_id`; throws CorruptBody when it is malformed.
// Without `claim_text`, a compact claim is not encoded: claim_json stays empty.
Body decode_body(std::string_view body, std::int64_t record_id, const std::string& hospital_id,
                 const std::string& bill_no, const std::string& patient_id,
                 bool claim_text = true);

}  // namespace onestop::store
