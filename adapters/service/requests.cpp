#include "adapters/service/requests.hpp"

#include <utility>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/digest.hpp"
#include "adapters/codec/json_util.hpp"

namespace onestop::service {
namespace {

using Object = codec::JsonNode;

// Stands in for the category while the engine's validate() checks a request; the service
// replaces it with the roster's before anything is settled.
constexpr std::string_view kUnresolvedCategory = "unresolved";

// Moves a reader's value into `out`, or hands back its error.
template <typename T>
std::optional<Error> assign(Result<T> read, T& out) {
  if (!read) return read.error();
  out = std::move(read).value();
  return std::nullopt;
}

// check_known_keys, with a message that says where a registry-supplied value comes from.
std::optional<Error> check_request_keys(const Object& obj, std::string_view prefix,
                                        std::initializer_list<std::string_view> known) {
  auto e = codec::check_known_keys(obj, prefix, known);
  if (!e) return e;
  if (e->field == "hospital") {
    e->message =
        "is not accepted: the hospital's level and region come from the hospital "
        "registry; send hospital_id only";
  } else if (e->field == "patient.category") {
    e->message =
        "is not accepted: the category is the roster's for the admission date; "
        "send patient.id only";
  }
  return e;
}

// "patient": {"id": ...} into `patient_id`.
std::optional<Error> read_patient_id(const Object& doc, std::string& patient_id,
                                     const codec::ClaimLimits& limits) {
  Object::Ptr patient = nullptr;
  if (auto e = assign(codec::read_object(doc, "", "patient"), patient)) return e;
  if (auto e = check_request_keys(*patient, "patient", {"id"})) return e;
  return assign(codec::read_id(*patient, "patient", "id", limits), patient_id);
}

}  // namespace

Result<Claim> decode_settle_request(std::string_view json_text,
                                    const codec::ClaimLimits& limits) {
  auto doc = codec::parse_object(json_text);
  if (!doc) return doc.error();
  const Object& root = **doc;
  if (auto e =
          check_request_keys(root, "",
                             {"hospital_id", "bill_no", "patient", "referral", "admitted_on",
                              "discharged_on", "visit", "special_disease", "diagnoses", "items"})) {
    return *e;
  }
  Claim claim;
  if (auto e = assign(codec::read_id(root, "", "hospital_id", limits), claim.hospital_id)) {
    return *e;
  }
  if (auto e = assign(codec::read_id(root, "", "bill_no", limits), claim.bill_no)) return *e;
  if (auto e = read_patient_id(root, claim.patient_id, limits)) return *e;
  if (auto e = codec::read_admission(root, "", claim, limits)) return *e;
  claim.category = kUnresolvedCategory;
  if (auto e = validate(claim)) return *e;
  claim.category.clear();
  return claim;
}

std::string canonical_request(const Claim& c) { return codec::encode_hospital_request(c); }

std::string request_sha256(const Claim& request) {
  return codec::sha256_hex(canonical_request(request));
}

Result<AdmissionQuery> decode_admission_query(std::string_view json_text,
                                              const codec::ClaimLimits& limits) {
  auto doc = codec::parse_object(json_text);
  if (!doc) return doc.error();
  const Object& root = **doc;
  if (auto e = check_request_keys(
          root, "", {"hospital_id", "patient", "admitted_on", "referral", "diagnoses"})) {
    return *e;
  }
  AdmissionQuery q;
  if (auto e = assign(codec::read_id(root, "", "hospital_id", limits), q.hospital_id)) return *e;
  if (auto e = read_patient_id(root, q.patient_id, limits)) return *e;
  if (auto e = assign(codec::read_date(root, "", "admitted_on"), q.admitted_on)) return *e;
  if (auto e = assign(codec::read_bool(root, "", "referral"), q.referral)) return *e;
  if (codec::find_member(root, "diagnoses") != nullptr) {
    std::vector<std::string> diagnoses;
    if (auto e = assign(codec::read_diagnoses(root, "", limits), diagnoses)) return *e;
    q.diagnoses = std::move(diagnoses);
  }
  return q;
}

Result<std::string> decode_cancel_reason(std::string_view json_text) {
  auto doc = codec::parse_object(json_text);
  if (!doc) return doc.error();
  if (auto e = codec::check_known_keys(**doc, "", {"reason"})) return *e;
  return codec::read_string(**doc, "", "reason", {kCancelReasonBytes, false});
}

}  // namespace onestop::service
