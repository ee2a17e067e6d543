// The application layer of OneStop: a hospital's request in, the engine's settlement out, the
// ledger in between. A plain class (no HTTP), safe to call from many threads at once.
//
// A request is checked in a fixed order, the first failure returned as an onestop::Error:
//   1. the body (requests.hpp: JSON, structure, the engine's validate());
//   2. the hospital: unknown_hospital, hospital_not_designated (field hospital_id);
//   3. the patient on the roster for the admission date: unknown_patient (never on the
//      roster), not_on_roster (no category holds on that date) (field patient.id);
//   4. the policy in effect on the discharge date: no_policy (field discharged_on), and the
//      roster's category known to it: unknown_category (field patient.id); for an outpatient
//      special-disease visit, the policy settling visits (outpatient_not_covered, field
//      visit), listing the disease (unknown_special_disease) and the roster certifying the
//      person for it on the visit's first day (not_certified) (field special_disease);
//   5. the engine (its codes; internal when an invariant breaks — a bug, nothing written).
// Other codes: not_found (no such settlement or patient), ledger_unavailable (the database
// failed; nothing written; retry), and for conflicts, which are outcomes rather than errors
// (see WriteOutcome): idempotency_conflict, not_latest, already_cancelled (the ledger's codes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/catalogue/catalogue.hpp"
#include "adapters/codec/claim_codec.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "adapters/service/hospital_registry.hpp"
#include "adapters/service/requests.hpp"
#include "adapters/store/ledger.hpp"
#include "adapters/store/roster.hpp"
#include "engine/accumulators.hpp"
#include "engine/error.hpp"
#include "engine/settlement.hpp"

namespace onestop::service {

struct ServiceOptions {
  // Categories admitted without a deposit (先诊疗后付费) at a designated hospital in region or
  // with a referral. Regional policy, set in config/onestop.properties.
  std::vector<std::string> no_deposit_categories = {"poor", "low_income", "extreme_poor"};
  // The limits a request's claim is decoded with (settle, trial, admission check); the
  // onestop.limits.* settings. Stored claims are read with the defaults (the ceilings).
  codec::ClaimLimits claim_limits;
  // Prices catalogue-priced items (catalogue_items.hpp); nullptr: only declared items. Must
  // outlive the service.
  const catalogue::Catalogue* catalogue = nullptr;
};

// What a settle or cancel came to. Idempotency is visible: a new record, the original record
// of an identical earlier request, or a conflict are three distinct results.
enum class WriteStatus { created, replayed, conflict };

struct WriteOutcome {
  WriteStatus status = WriteStatus::created;
  // created/replayed: the record written (a settlement, or a cancellation for cancel()) or
  // the original; conflict: the record that holds the key, when the ledger named one.
  std::optional<store::StoredRecord> record;
  // conflict only: idempotency_conflict (field bill_no), not_latest (a cancel blocked by the
  // later live settlements in `blocking`), already_cancelled (cancelled before, for another
  // reason; record: the cancellation that stands).
  std::optional<Error> conflict;
  std::vector<std::int64_t> blocking;  // not_latest: the later live settlements in the way
  std::string key_hospital_id;         // idempotency_conflict: the key that is taken
  std::string key_bill_no;
};

// A trial (预结算): computed on the committed accumulators, nothing written.
struct TrialOutcome {
  Settlement settlement;
  std::string result_json;       // codec::encode_settlement
  std::int64_t snapshot_id = 0;  // last ledger record that moved these accumulators; 0: none
};

struct PatientLedger {
  std::string patient_id;
  int year = 0;
  Accumulators accumulators;
  std::int64_t snapshot_id = 0;
  std::vector<store::StoredRecord> records;  // settlements and cancellations, in id order
};

// How one layer of the policy would treat this admission.
struct LayerOutlook {
  std::string id;
  std::string fund;
  std::string name;
  bool eligible = false;
  std::string reason;                           // why not, the engine's words
  std::vector<std::string> requires_diagnosis;  // the layer's diagnosis prefixes, when it has
                                                // some and the query named no diagnoses
};

// One of the person's certifications (认定) as the admission check shows it.
struct CertificationOutlook {
  store::Certification certification;
  bool holds = false;                 // on the day asked about
  std::string name;                   // the policy's name of the disease; "" when not listed
  std::optional<Money> limit_annual;  // the basic layer's yearly limit for it, when listed
};

// The answer at admission (先诊疗后付费).
struct AdmissionCheck {
  Hospital hospital;
  std::string patient_id;
  Date admitted_on;
  bool referral = false;
  std::string category;  // the roster's on admitted_on
  bool without_deposit = false;
  std::string deposit_reason;
  std::string policy_id;  // the policy in effect on admitted_on
  std::string policy_sha256;
  int year = 0;
  std::vector<LayerOutlook> layers;  // every layer of the policy, in order
  Accumulators accumulators;         // the year's so far
  std::int64_t snapshot_id = 0;
  std::vector<CertificationOutlook> certifications;  // every one of the person's
};

// What the printable slip shows: the settlement, its claim, and the registries' view of them.
struct SlipData {
  store::StoredRecord settlement;                    // the settlement (never a cancellation)
  std::optional<store::StoredRecord> cancellation;   // when it was cancelled
  Claim claim;                                       // decoded from the stored canonical claim
  std::optional<Hospital> hospital;                  // nullopt when no longer registered
  std::string patient_name;                          // from the roster; "" when unknown
  std::string id_number_masked;                      // "430300********1234"; "" when unknown
  const Policy* policy = nullptr;                    // the policy it was settled under, if loaded
};

// "430300199001011234" → "430300********1234": the first six and the last four characters
// stay, every other one becomes '*'. Shorter numbers keep at most their last four; text that
// is not plain ASCII is masked whole. Never returns more than it was given.
std::string mask_id_number(std::string_view id_number);

// A roster import (admin): how many rows and persons it brought, or every defective row (then
// nothing changed).
struct RosterImport {
  std::size_t rows = 0;
  std::size_t persons = 0;
  std::vector<store::RosterRowError> errors;
};

// A certification import (admin), as RosterImport.
struct CertificationImport {
  std::size_t rows = 0;
  std::size_t persons = 0;
  std::vector<store::RosterRowError> errors;
};

// The hospital a request acts for: a hospital's client may only settle, try, check and cancel
// its own hospital's bills, and read only those; nullopt: no such limit (auditors, the
// command line). Bills of another hospital are not_found to it, exactly as bills that do not
// exist (no existence leak); a request body naming another hospital is hospital_forbidden
// (field hospital_id).
using HospitalScope = std::optional<std::string>;

class SettlementService {
 public:
  // The registries and the ledger must outlive the service.
  SettlementService(const HospitalRegistry& hospitals, const policy::PolicySet& policies,
                    store::Ledger& ledger, store::Roster& roster, ServiceOptions options);

  // The full computation on the person's committed accumulators; nothing is written.
  Result<TrialOutcome> trial(std::string_view body, const HospitalScope& scope = {}) const;

  // Settles through the ledger's writer; returns once the record is committed. The same
  // request again (same canonical request) replays the original; another request under the
  // same (hospital_id, bill_no) is an idempotency_conflict outcome.
  Result<WriteOutcome> settle(std::string_view body, const HospitalScope& scope = {}) const;

  // Cancels settlement `id` with the body's reason by a new, negated, linked record. Only the
  // person's latest live settlement of its year may be cancelled (not_latest otherwise).
  // The same cancel again replays.
  Result<WriteOutcome> cancel(std::int64_t id, std::string_view body,
                              const HospitalScope& scope = {}) const;

  // A record by id; not_found when there is none.
  Result<store::StoredRecord> get(std::int64_t id, const HospitalScope& scope = {}) const;

  // The person's records and accumulators for a policy year; not_found when neither the
  // roster nor the ledger knows the person; bad_year outside 1900..2999.
  Result<PatientLedger> patient_ledger(const std::string& patient_id, int year) const;

  // The admission check (先诊疗后付费); nothing is written.
  Result<AdmissionCheck> check_admission(std::string_view body,
                                         const HospitalScope& scope = {}) const;

  // The data of the printable slip of record `id` (a cancellation shows its settlement).
  Result<SlipData> slip(std::int64_t id, const HospitalScope& scope = {}) const;

  // Replaces the roster with a CSV (store::parse_roster_csv; categories: those of the loaded
  // policies) when every row is sound; otherwise its `errors` list them and nothing changes.
  // Errors as Roster::replace_all (roster_overlap, ledger_unavailable).
  Result<RosterImport> import_roster(std::string_view csv) const;

  // Replaces the certifications with a CSV (store::parse_certifications_csv; diseases: those
  // of the loaded policies) when every row is sound; otherwise `errors` lists them and nothing
  // changes. Errors as Roster::replace_certifications.
  Result<CertificationImport> import_certifications(std::string_view csv) const;

  // Committed ledger records (for /metrics and /healthz).
  std::int64_t record_count() const;

  const HospitalRegistry& hospitals() const { return hospitals_; }
  const policy::PolicySet& policies() const { return policies_; }
  // The ledger, for the read-only reports served beside the settlements.
  store::Ledger& ledger() const { return ledger_; }

 private:
  // Helpers of the public operations; each is described where it is defined.
  struct Resolved {
    Claim claim;  // complete: category, level and in_region filled in
    const Policy* policy = nullptr;
  };
  Result<const Hospital*> resolve_hospital(const std::string& hospital_id,
                                           bool require_designated) const;
  Result<std::string> resolve_category(const std::string& patient_id, const Date& on) const;
  Result<Resolved> resolve(Claim request) const;
  std::optional<store::RosterEntry> roster_lookup(const std::string& patient_id,
                                                  const Date& on) const;
  bool roster_knows(const std::string& patient_id) const;
  std::optional<Error> check_visit(const Claim& request, const Policy& policy) const;
  std::vector<store::Certification> certifications_of(const std::string& patient_id) const;
  std::vector<CertificationOutlook> certification_outlook(const Policy& policy,
                                                          const std::string& patient_id,
                                                          const Date& on) const;
  Result<WriteOutcome> settle_outcome(const Claim& request, store::WriteResult written) const;
  Result<WriteOutcome> cancel_outcome(std::int64_t id, store::WriteResult written) const;
  Result<std::vector<LayerOutlook>> layer_outlook(const Policy& policy, const AdmissionQuery& q,
                                                  const Hospital& hospital,
                                                  const std::string& category,
                                                  const Accumulators& acc) const;
  void decide_deposit(AdmissionCheck& check) const;

  const HospitalRegistry& hospitals_;
  const policy::PolicySet& policies_;
  store::Ledger& ledger_;
  store::Roster& roster_;
  ServiceOptions options_;
};

}  // namespace onestop::service
