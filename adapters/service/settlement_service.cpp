#include "adapters/service/settlement_service.hpp"

#include <algorithm>
#include <exception>
#include <set>
#include <tuple>
#include <utility>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/result_codec.hpp"
#include "adapters/service/catalogue_items.hpp"
#include "engine/limits.hpp"
#include "engine/settle.hpp"

namespace onestop::service {
namespace {

using store::Outcome;
using store::StoredRecord;
using store::WriteResult;

// The engine for one settle job: only the settlement itself. Runs on the ledger's writer
// thread inside its transaction, on the accumulators as committed (including earlier jobs of
// the batch); the claim was encoded before the job was queued (`claim_json`), and the answer
// is encoded after the commit, on the request's thread. Checked money throws
// std::overflow_error when an amount escapes its range: a bug, so the job is refused as
// internal and nothing is written.
Result<store::Computed> compute_job(const Policy& policy, const Claim& claim,
                                    const std::string& claim_json, const Accumulators& before) {
  try {
    Result<Settlement> s = onestop::settle(policy, claim, before);
    if (!s) return s.error();
    store::Computed computed;
    computed.claim_json = claim_json;
    computed.settlement = std::move(s).value();  // the job's stored_claim holds the claim
    return computed;
  } catch (const std::exception& e) {
    return Error{"internal", "", std::string("settlement computation failed: ") + e.what()};
  }
}

// The error of a ledger write that did not commit (refused, unavailable, not_found).
Error write_error(const WriteResult& written, std::int64_t id) {
  if (written.outcome == Outcome::not_found) {
    return Error{"not_found", "id", "no settlement " + std::to_string(id)};
  }
  if (written.outcome == Outcome::unavailable) {
    const std::string cause = written.error ? " (" + written.error->message + ")" : "";
    if (written.maybe_written) {
      return Error{"ledger_unavailable", "",
                   "the ledger's database did not confirm the commit; it may be recorded: "
                   "resend the same request, which answers the record if it is" +
                       cause};
    }
    return Error{"ledger_unavailable", "",
                 "the ledger could not commit; nothing was written; retry later" + cause};
  }
  if (written.error) return *written.error;
  return Error{"internal", "", "the ledger refused the write without saying why"};
}

// "3, 5, 8".
std::string ids_text(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (std::int64_t id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

// A conflict outcome: the error, the record concerned and what blocks a cancel.
WriteOutcome conflict_outcome(Error e, std::optional<StoredRecord> record,
                              std::vector<std::int64_t> blocking = {}) {
  WriteOutcome out;
  out.status = WriteStatus::conflict;
  out.conflict = std::move(e);
  out.record = std::move(record);
  out.blocking = std::move(blocking);
  return out;
}

// The answer when another request holds (hospital_id, bill_no): names the key and, when
// known, the settlement that holds it.
WriteOutcome idempotency_conflict(const Claim& request, std::optional<StoredRecord> holder) {
  std::string message = "hospital_id " + request.hospital_id + ", bill_no " + request.bill_no +
                        " was already settled from a different request";
  if (holder) message += " (settlement " + std::to_string(holder->id) + ")";
  WriteOutcome out = conflict_outcome(Error{"idempotency_conflict", "bill_no", std::move(message)},
                                      std::move(holder));
  out.key_hospital_id = request.hospital_id;
  out.key_bill_no = request.bill_no;
  return out;
}

// A created or replayed outcome with its record.
WriteOutcome written_outcome(WriteStatus status, std::optional<StoredRecord> record) {
  WriteOutcome out;
  out.status = status;
  out.record = std::move(record);
  return out;
}

// A probe claim for the admission check: the admission as far as it is known, with one item of
// 0.00, so that the engine itself decides which layers are eligible.
Claim probe_claim(const AdmissionQuery& q, const Hospital& hospital, const std::string& category) {
  Claim c;
  c.hospital_id = q.hospital_id;
  c.bill_no = "admission-check";
  c.patient_id = q.patient_id;
  c.category = category;
  c.level = hospital.level;
  c.in_region = hospital.in_region;
  c.referral = q.referral;
  c.admitted_on = q.admitted_on;
  c.discharged_on = q.admitted_on;
  c.diagnoses = q.diagnoses.value_or(std::vector<std::string>{});
  c.items.push_back(Item{"PROBE", "admission check", ItemClass::A, Money{}, Money{}});
  return c;
}

// hospital_forbidden when a request of a hospital's client names another hospital.
std::optional<Error> check_scope(const HospitalScope& scope, const std::string& hospital_id) {
  if (!scope || *scope == hospital_id) return std::nullopt;
  return Error{"hospital_forbidden", "hospital_id",
               "this client acts for hospital " + *scope + " only, not " + hospital_id};
}

}  // namespace

std::string mask_id_number(std::string_view id_number) {
  const std::size_t n = id_number.size();
  const bool ascii = std::all_of(id_number.begin(), id_number.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii || n <= 4) return std::string(n, '*');
  if (n < 10) return std::string(n - 4, '*') + std::string(id_number.substr(n - 4));
  return std::string(id_number.substr(0, 6)) + std::string(n - 10, '*') +
         std::string(id_number.substr(n - 4));
}

SettlementService::SettlementService(const HospitalRegistry& hospitals,
                                     const policy::PolicySet& policies, store::Ledger& ledger,
                                     store::Roster& roster, ServiceOptions options)
    : hospitals_(hospitals),
      policies_(policies),
      ledger_(ledger),
      roster_(roster),
      options_(std::move(options)) {}

// The roster's entry for the person on `on` (the roster is thread-safe; lookups run side by
// side).
std::optional<store::RosterEntry> SettlementService::roster_lookup(const std::string& patient_id,
                                                                   const Date& on) const {
  return roster_.lookup(patient_id, on);
}

// Whether any roster entry names the person.
bool SettlementService::roster_knows(const std::string& patient_id) const {
  return roster_.knows(patient_id);
}

// The registered hospital; unknown_hospital, or hospital_not_designated when required.
Result<const Hospital*> SettlementService::resolve_hospital(const std::string& hospital_id,
                                                            bool require_designated) const {
  const Hospital* h = hospitals_.find(hospital_id);
  if (h == nullptr) {
    return Error{"unknown_hospital", "hospital_id",
                 "hospital " + hospital_id + " is not in the hospital registry"};
  }
  if (require_designated && !h->designated) {
    return Error{"hospital_not_designated", "hospital_id",
                 "hospital " + hospital_id + " is not designated for one-stop settlement"};
  }
  return h;
}

// The roster's category for the person on `on`; unknown_patient or not_on_roster.
Result<std::string> SettlementService::resolve_category(const std::string& patient_id,
                                                        const Date& on) const {
  if (auto entry = roster_lookup(patient_id, on)) return entry->category;
  if (!roster_knows(patient_id)) {
    return Error{"unknown_patient", "patient.id",
                 "patient " + patient_id + " is not on the roster of insured persons"};
  }
  return Error{"not_on_roster", "patient.id",
               "patient " + patient_id + " holds no category on the roster on " + on.to_string()};
}

// Steps 2–4 of the order in the header: the complete claim and its policy.
Result<SettlementService::Resolved> SettlementService::resolve(Claim request) const {
  auto hospital = resolve_hospital(request.hospital_id, /*require_designated=*/true);
  if (!hospital) return hospital.error();
  auto category = resolve_category(request.patient_id, request.admitted_on);
  if (!category) return category.error();
  const Policy* policy = policies_.effective_on(request.discharged_on);
  if (policy == nullptr) {
    return Error{"no_policy", "discharged_on",
                 "no policy is in effect on " + request.discharged_on.to_string()};
  }
  if (!policy->knows_category(*category)) {
    return Error{"unknown_category", "patient.id",
                 "the roster's category " + *category + " is not one of policy " + policy->id +
                     "'s categories"};
  }
  if (request.is_visit()) {
    if (auto e = check_visit(request, *policy)) return *e;
  }
  request.category = *category;
  request.level = (*hospital)->level;
  request.in_region = (*hospital)->in_region;
  return Resolved{std::move(request), policy};
}

// Step 4a for a visit (domain.md §3.6): the policy settles visits of the disease, and the
// roster certifies the person for it on the visit's first day.
std::optional<Error> SettlementService::check_visit(const Claim& request,
                                                    const Policy& policy) const {
  if (policy.outpatient() == nullptr) {
    return Error{"outpatient_not_covered", "visit",
                 "policy " + policy.id + " settles no outpatient special-disease visits"};
  }
  const OutpatientSpecial::Disease* disease = policy.special_disease(request.special_disease);
  if (disease == nullptr) {
    return Error{
        "unknown_special_disease", "special_disease",
        "special disease " + request.special_disease + " is not one of policy " + policy.id + "'s"};
  }
  for (const auto& c : certifications_of(request.patient_id)) {
    if (c.disease == disease->id && c.holds_on(request.admitted_on)) return std::nullopt;
  }
  return Error{"not_certified", "special_disease",
               "patient " + request.patient_id + " is not certified for " + disease->id + " (" +
                   disease->name + ") on " + request.admitted_on.to_string()};
}

// Every certification of the person.
std::vector<store::Certification> SettlementService::certifications_of(
    const std::string& patient_id) const {
  return roster_.certifications(patient_id);
}

Result<TrialOutcome> SettlementService::trial(std::string_view body,
                                              const HospitalScope& scope) const {
  auto priced = price_catalogue_items(body, options_.catalogue);
  if (!priced) return priced.error();
  auto request = decode_settle_request(*priced, options_.claim_limits);
  if (!request) return request.error();
  if (auto e = check_scope(scope, request->hospital_id)) return *e;
  auto resolved = resolve(std::move(request).value());
  if (!resolved) return resolved.error();
  const Claim& claim = resolved->claim;
  auto [before, snapshot_id] = ledger_.accumulators(claim.patient_id, claim.year());
  Result<Settlement> s = onestop::settle(*resolved->policy, claim, before);
  if (!s) return s.error();
  TrialOutcome out;
  out.result_json = codec::encode_settlement(*s);
  out.settlement = std::move(s).value();
  out.snapshot_id = snapshot_id;
  return out;
}

Result<WriteOutcome> SettlementService::settle(std::string_view body,
                                               const HospitalScope& scope) const {
  auto priced = price_catalogue_items(body, options_.catalogue);
  if (!priced) return priced.error();
  auto request = decode_settle_request(*priced, options_.claim_limits);
  if (!request) return request.error();
  // Before the replay below, which would otherwise show another hospital's record.
  if (auto e = check_scope(scope, request->hospital_id)) return *e;
  const std::string sha = request_sha256(*request);
  // A fast path for retries only: the UNIQUE key inside the writer's transaction still decides
  // every race, so this read never replaces it. It lets a retry replay even when the hospital
  // or the person changed in the registries since.
  if (auto existing = ledger_.find(request->hospital_id, request->bill_no)) {
    if (existing->request_sha256 == sha) return written_outcome(WriteStatus::replayed, existing);
    return idempotency_conflict(*request, std::move(existing));
  }
  auto resolved = resolve(*request);
  if (!resolved) return resolved.error();
  store::SettleJob job;
  job.hospital_id = request->hospital_id;
  job.bill_no = request->bill_no;
  job.patient_id = request->patient_id;
  job.year = resolved->claim.year();
  job.request_sha256 = sha;
  job.policy_text = resolved->policy->text;
  std::string claim_json = codec::encode_claim(resolved->claim);
  job.stored_claim = store::stored_claim(resolved->claim, claim_json);
  job.compute = [policy = resolved->policy, claim = std::move(resolved->claim),
                 claim_json = std::move(claim_json)](const Accumulators& before) {
    return compute_job(*policy, claim, claim_json, before);
  };
  store::WriteResult written = ledger_.settle(std::move(job)).get();
  // The answer of a new record, encoded here after its commit rather than on the writer.
  if (written.outcome == Outcome::created && written.settlement && written.record &&
      written.record->result_json.empty()) {
    written.record->result_json = codec::encode_settlement(*written.settlement);
  }
  return settle_outcome(*request, std::move(written));
}

// A settle job's WriteResult as the service's outcome or error.
Result<WriteOutcome> SettlementService::settle_outcome(const Claim& request,
                                                       WriteResult written) const {
  switch (written.outcome) {
    case Outcome::created:
      return written_outcome(WriteStatus::created, std::move(written.record));
    case Outcome::replayed:
      return written_outcome(WriteStatus::replayed, std::move(written.record));
    case Outcome::conflict:
      return idempotency_conflict(request, std::move(written.record));
    default:
      return write_error(written, 0);
  }
}

Result<WriteOutcome> SettlementService::cancel(std::int64_t id, std::string_view body,
                                               const HospitalScope& scope) const {
  auto reason = decode_cancel_reason(body);
  if (!reason) return reason.error();
  if (scope) {
    auto record = get(id, scope);
    if (!record) return record.error();
  }
  store::CancelJob job;
  job.settlement_id = id;
  job.reason = *reason;
  job.request_sha256 = policy::sha256_hex("cancel\n" + std::to_string(id) + "\n" + *reason);
  return cancel_outcome(id, ledger_.cancel(std::move(job)).get());
}

// A cancel job's WriteResult as the service's outcome or error.
Result<WriteOutcome> SettlementService::cancel_outcome(std::int64_t id, WriteResult written) const {
  switch (written.outcome) {
    case Outcome::created:
      return written_outcome(WriteStatus::created, std::move(written.record));
    case Outcome::replayed:
      return written_outcome(WriteStatus::replayed, std::move(written.record));
    case Outcome::conflict: {
      // The ledger's codes: not_latest (with the later live settlements in `blocking`) or
      // already_cancelled (record: the cancellation that stands).
      Error e = written.error.value_or(
          Error{"already_cancelled", "",
                "settlement " + std::to_string(id) + " cannot be cancelled again"});
      if (e.code == "not_latest") {
        e.message = "settlement " + std::to_string(id) +
                    " is not the person's latest live settlement of its year; cancel the later "
                    "ones first: " +
                    ids_text(written.blocking);
      }
      return conflict_outcome(std::move(e), std::move(written.record), std::move(written.blocking));
    }
    default:
      return write_error(written, id);
  }
}

Result<RosterImport> SettlementService::import_roster(std::string_view csv) const {
  store::RosterParse parsed = store::parse_roster_csv(csv, policies_.categories());
  RosterImport out;
  if (!parsed.errors.empty()) {
    out.errors = std::move(parsed.errors);
    return out;
  }
  std::set<std::string> persons;
  for (const auto& e : parsed.entries) persons.insert(e.patient_id);
  if (auto e = roster_.replace_all(parsed.entries)) return *e;
  out.rows = parsed.entries.size();
  out.persons = persons.size();
  return out;
}

Result<CertificationImport> SettlementService::import_certifications(std::string_view csv) const {
  store::CertificationParse parsed =
      store::parse_certifications_csv(csv, policies_.special_diseases());
  CertificationImport out;
  if (!parsed.errors.empty()) {
    out.errors = std::move(parsed.errors);
    return out;
  }
  std::set<std::string> persons;
  for (const auto& c : parsed.entries) persons.insert(c.patient_id);
  if (auto e = roster_.replace_certifications(parsed.entries)) return *e;
  out.rows = parsed.entries.size();
  out.persons = persons.size();
  return out;
}

Result<StoredRecord> SettlementService::get(std::int64_t id, const HospitalScope& scope) const {
  auto record = ledger_.get(id);
  if (record && (!scope || record->hospital_id == *scope)) return std::move(*record);
  return Error{"not_found", "id", "no settlement " + std::to_string(id)};
}

Result<PatientLedger> SettlementService::patient_ledger(const std::string& patient_id,
                                                        int year) const {
  if (patient_id.empty() || patient_id.size() > limits::kIdLength) {
    return Error{"bad_patient_id", "patient_id",
                 "must be 1 to " + std::to_string(limits::kIdLength) + " bytes"};
  }
  if (year < 1900 || year > 2999) {
    return Error{"bad_year", "year", "must be a year from 1900 to 2999"};
  }
  PatientLedger out;
  out.patient_id = patient_id;
  out.year = year;
  out.records = ledger_.for_patient(patient_id, year);
  if (out.records.empty() && !roster_knows(patient_id)) {
    return Error{"not_found", "patient_id", "no patient " + patient_id};
  }
  std::tie(out.accumulators, out.snapshot_id) = ledger_.accumulators(patient_id, year);
  return out;
}

// Each layer's eligibility for the admission, decided by the engine on a probe claim.
Result<std::vector<LayerOutlook>> SettlementService::layer_outlook(const Policy& policy,
                                                                   const AdmissionQuery& q,
                                                                   const Hospital& hospital,
                                                                   const std::string& category,
                                                                   const Accumulators& acc) const {
  Result<Settlement> probe = onestop::settle(policy, probe_claim(q, hospital, category), acc);
  if (!probe) return probe.error();
  std::vector<LayerOutlook> out;
  for (std::size_t i = 0; i < policy.layers.size() && i < probe->layers.size(); ++i) {
    const Layer& layer = policy.layers[i];
    LayerOutlook o{
        layer.id, layer.fund, layer.name, probe->layers[i].eligible, probe->layers[i].reason, {}};
    if (!q.diagnoses && !layer.eligibility.diagnosis_prefixes.empty()) {
      o.requires_diagnosis = layer.eligibility.diagnosis_prefixes;
    }
    out.push_back(std::move(o));
  }
  return out;
}

// The person's certifications with the disease's name and yearly limit under `policy`, and
// whether each holds on `on`.
std::vector<CertificationOutlook> SettlementService::certification_outlook(
    const Policy& policy, const std::string& patient_id, const Date& on) const {
  std::vector<CertificationOutlook> out;
  for (auto& c : certifications_of(patient_id)) {
    CertificationOutlook o;
    o.holds = c.holds_on(on);
    if (const auto* d = policy.special_disease(c.disease)) {
      o.name = d->name;
      o.limit_annual = d->limit_annual;
    }
    o.certification = std::move(c);
    out.push_back(std::move(o));
  }
  return out;
}

// 先诊疗后付费: a no-deposit category at a designated hospital, in region or referred.
void SettlementService::decide_deposit(AdmissionCheck& check) const {
  const auto& cats = options_.no_deposit_categories;
  const bool listed = std::find(cats.begin(), cats.end(), check.category) != cats.end();
  const Hospital& h = check.hospital;
  check.without_deposit = false;
  if (!h.designated) {
    check.deposit_reason = "hospital " + h.id + " is not designated for one-stop settlement";
  } else if (!listed) {
    check.deposit_reason = "category " + check.category + " is not admitted without a deposit";
  } else if (!h.in_region && !check.referral) {
    check.deposit_reason = "out-of-region hospital without a referral";
  } else {
    check.without_deposit = true;
    check.deposit_reason = "category " + check.category + " at a designated hospital " +
                           (h.in_region ? "in region" : "with a referral");
  }
}

Result<AdmissionCheck> SettlementService::check_admission(std::string_view body,
                                                          const HospitalScope& scope) const {
  auto q = decode_admission_query(body, options_.claim_limits);
  if (!q) return q.error();
  if (auto e = check_scope(scope, q->hospital_id)) return *e;
  auto hospital = resolve_hospital(q->hospital_id, /*require_designated=*/false);
  if (!hospital) return hospital.error();
  auto category = resolve_category(q->patient_id, q->admitted_on);
  if (!category) return category.error();
  const Policy* policy = policies_.effective_on(q->admitted_on);
  if (policy == nullptr) {
    return Error{"no_policy", "admitted_on",
                 "no policy is in effect on " + q->admitted_on.to_string()};
  }
  AdmissionCheck check;
  check.hospital = **hospital;
  check.patient_id = q->patient_id;
  check.admitted_on = q->admitted_on;
  check.referral = q->referral;
  check.category = *category;
  check.policy_id = policy->id;
  check.policy_sha256 = policy->sha256;
  check.year = q->admitted_on.year();
  std::tie(check.accumulators, check.snapshot_id) = ledger_.accumulators(q->patient_id, check.year);
  check.certifications = certification_outlook(*policy, q->patient_id, q->admitted_on);
  if (policy->knows_category(check.category)) {
    auto layers = layer_outlook(*policy, *q, **hospital, check.category, check.accumulators);
    if (!layers) return layers.error();
    check.layers = std::move(layers).value();
  }
  decide_deposit(check);
  return check;
}

Result<SlipData> SettlementService::slip(std::int64_t id, const HospitalScope& scope) const {
  auto record = get(id, scope);
  if (!record) return record.error();
  SlipData out;
  if (record->kind == store::RecordKind::cancellation) {
    std::optional<StoredRecord> original;
    if (record->cancels) original = ledger_.get(*record->cancels);
    if (!original) {
      return Error{"internal", "",
                   "cancellation " + std::to_string(id) + " names no stored settlement"};
    }
    out.settlement = std::move(*original);
    out.cancellation = std::move(record).value();
  } else {
    out.settlement = std::move(record).value();
    if (out.settlement.cancelled_by) out.cancellation = ledger_.get(*out.settlement.cancelled_by);
  }
  auto claim = codec::decode_claim(out.settlement.claim_json);
  if (!claim) {
    return Error{
        "internal", "",
        "the stored claim of settlement " + std::to_string(out.settlement.id) + " does not decode"};
  }
  out.claim = std::move(claim).value();
  if (const Hospital* h = hospitals_.find(out.settlement.hospital_id)) out.hospital = *h;
  if (auto person = roster_lookup(out.claim.patient_id, out.claim.admitted_on)) {
    out.patient_name = person->name;
    out.id_number_masked = mask_id_number(person->id_number);
  }
  out.policy = policies_.by_id(out.settlement.policy_id);
  return out;
}

std::int64_t SettlementService::record_count() const { return ledger_.record_count(); }

}  // namespace onestop::service
