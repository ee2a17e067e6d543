// The audit office's reads (issue "Reconciliation and audit"): what one insured person received
// in a policy year and why (audit_patient), and the office report over every person of a year
// (build_report, written as HTML and CSV by audit_report.hpp). Both read the ledger only; amounts
// stay exact Money, and ratios are shown as fixed decimals computed by integer arithmetic.
//
// The audit flags, per live settlement and per person-year:
//   backstop_used               a patient_ceiling layer paid more than 0
//   ceiling_reached             a patient_ceiling layer was capped (its annual ceiling bound)
//   out_of_catalogue_share_high the engine flagged the settlement (domain.md §3.5)
//   reimbursement_below_target  a settlement: the engine's flag; a person: the year's effective
//                               ratio Σ fund_paid / Σ total is below the policy's
//                               audit.reimbursement_target and a live settlement was settled
//                               under one of audit.target_categories
//   cap_bound                   any layer was capped (the engine's annual_cap_reached)
// A person carries a flag when one of the year's live settlements does (except the ratio, which
// is the year's). Cancelled settlements and cancellations carry none.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/policy/policy_loader.hpp"
#include "adapters/store/ledger.hpp"
#include "engine/accumulators.hpp"
#include "engine/error.hpp"
#include "engine/money.hpp"

namespace onestop::reports {

inline constexpr std::string_view kBackstopUsed = "backstop_used";
inline constexpr std::string_view kCeilingReached = "ceiling_reached";
inline constexpr std::string_view kOutOfCatalogue = "out_of_catalogue_share_high";
inline constexpr std::string_view kBelowTarget = "reimbursement_below_target";
inline constexpr std::string_view kCapBound = "cap_bound";
// Every audit flag, in the order reports list them.
inline constexpr std::array<std::string_view, 5> kAuditFlags = {
    kBackstopUsed, kCeilingReached, kOutOfCatalogue, kBelowTarget, kCapBound};

// `part / whole` as a decimal with `decimals` digits, rounded half-up on the magnitude
// ("0.6205"); "" when whole is not positive. Integer arithmetic on fen only.
std::string ratio_text(const Money& part, const Money& whole, int decimals = 4);
// `part / whole` in percent with two decimals ("62.05"); "" when whole is not positive.
std::string percent_text(const Money& part, const Money& whole);

// One layer's payment in a record (negative in a cancellation).
struct AuditLayer {
  std::string id;
  std::string fund;
  std::string kind;  // "deductible_ratio", ...; empty in a cancellation
  Money paid;
  bool capped = false;
  friend bool operator==(const AuditLayer&, const AuditLayer&) = default;
};

// One step of a settlement's trace, as stored in its result: `value` follows from `inputs`
// by the policy rule `rule`.
struct AuditStep {
  std::string layer;
  std::string step;
  std::vector<std::pair<std::string, std::string>> inputs;
  std::string value;
  std::string rule;
  friend bool operator==(const AuditStep&, const AuditStep&) = default;
};

// What the audit reads from a stored settlement result.
struct ResultFacts {
  std::string category;
  std::vector<AuditLayer> layers;
  std::vector<std::string> flags;  // the engine's flag codes
  std::vector<AuditStep> trace;
  friend bool operator==(const ResultFacts&, const ResultFacts&) = default;
};

// Reads a settlement's result_json (codec::encode_settlement's shape). Errors: corrupt_record
// (field: the member at fault) when it is not such a document.
Result<ResultFacts> read_result(std::string_view result_json);
// The same facts read from the engine's settlement itself, without encoding it: equal to
// read_result(codec::encode_settlement(s)) (the trace left empty unless `with_trace`).
ResultFacts result_facts(const Settlement& s, bool with_trace = true);

// The audit flags (kAuditFlags order) a live settlement carries by its own result.
std::vector<std::string_view> settlement_flags(const ResultFacts& facts);

// One settlement or cancellation of the person, as the audit shows it.
struct AuditRecord {
  std::int64_t id = 0;
  store::RecordKind kind = store::RecordKind::settlement;
  std::optional<std::int64_t> cancels;
  std::optional<std::int64_t> cancelled_by;
  std::string hospital_id;
  std::string bill_no;
  std::string category;       // the category the claim was settled under
  std::string discharged_on;  // from the stored claim
  std::string special_disease;  // an outpatient special-disease visit's; "" for an admission
  std::string recorded_at;    // UTC, as stored
  std::string reason;         // a cancellation's
  std::string policy_id;
  Money total;  // negated in a cancellation
  Money fund_paid;
  Money patient_pays;
  std::vector<AuditLayer> layers;
  std::vector<std::string> engine_flags;  // the settlement's own flags from the engine
  std::vector<std::string_view> flags;    // audit flags; a live settlement only
  std::vector<AuditStep> trace;           // a settlement's; empty in a cancellation
  std::string result_json;                // the stored result, verbatim
};

// The year's flags of a person.
struct PersonFlags {
  bool backstop_used = false;
  bool ceiling_reached = false;
  bool out_of_catalogue_share_high = false;
  bool reimbursement_below_target = false;
  bool cap_bound = false;

  bool has(std::string_view code) const;
};

// One special disease of the person's year (domain.md §3.6): the live visits for it, what the
// basic layer paid for it this year (its accumulator) and the limit left.
struct DiseaseUse {
  std::string id;
  std::string name;  // the policy's; "" when the policy no longer lists it
  int visits = 0;    // live visits
  Money paid;        // the year's basic payment for the disease
  std::optional<Money> limit_annual;
  std::optional<Money> left;  // limit − paid, not below 0
};

struct PatientAudit {
  std::string patient_id;
  int year = 0;
  std::string message;  // why the audit is empty ("no settlements ..."); empty otherwise
  std::vector<AuditRecord> records;  // in ledger order (settlements and cancellations)
  int settlements = 0;
  int cancellations = 0;
  int live = 0;  // settlements not cancelled
  int live_visits = 0;  // of them, outpatient special-disease visits (the rest: admissions)
  std::vector<DiseaseUse> diseases;  // by id: every disease with a visit or a payment
  Accumulators accumulators;  // the year's, as the ledger holds them
  std::int64_t accumulators_record = 0;  // the last record that moved them
  // Net of cancellations (= over the live settlements).
  Money medical_total;
  Money fund_paid;
  Money patient_pays;
  std::vector<AuditLayer> layers;  // per layer, net; capped: by a live settlement
  std::string target;              // the policy's reimbursement target ("0.85"); "" if none
  PersonFlags flags;
};

// Every record of the person in the policy year with its explanation, the year's accumulators,
// net totals, the effective ratio and the flags. An unknown person or year is an audit with no
// records and a `message`. Errors: bad_year (field "year", outside 1900..2999), missing_field
// ("patient_id" empty), unknown_policy (a record names a policy not in `policies`),
// corrupt_record (a stored document cannot be read). Throws store::LedgerUnavailable.
Result<PatientAudit> audit_patient(store::Ledger& ledger, const policy::PolicySet& policies,
                                   const std::string& patient_id, int year);

// The audit as one compact JSON document (GET /v1/audit/patients/{id}?year=): keys, totals,
// ratio, flags, accumulators and "records", each record with its stored result under "result".
std::string audit_json(const PatientAudit& audit);

// The audit for a terminal: per record its date, hospital, bill, amounts per layer, and the
// trace steps indented; then the accumulators, totals, ratio and flags.
void write_audit_text(std::ostream& out, const PatientAudit& audit);

// ---------------------------------------------------------------------------------------------
// The office report

struct ReportQuery {
  int year = 0;
  std::optional<std::string> category;  // only settlements settled under this category
  int utc_offset_minutes = 480;         // months are the district's local months
};

// One layer's net total over the report.
struct LayerTotal {
  std::string id;
  std::string fund;
  Money paid;
};

// One local month. A record counts in the month of its own local day: a cancellation nets in
// the month it was made, as in reconciliation (reports.hpp), so the months tie out with the
// reconciliation totals.
struct MonthRow {
  std::string month;  // "2020-03"
  std::int64_t settlements = 0;
  std::int64_t cancellations = 0;
  Money medical_total;
  Money patient_pays;
  std::vector<std::pair<std::string, Money>> funds;  // fund code, net paid; report.funds order
};

// A settlement that carries a flag.
struct FlaggedSettlement {
  std::int64_t record_id = 0;
  std::string patient_id;
  std::string hospital_id;
  std::string bill_no;
};

struct FlagList {
  std::string code;
  std::vector<std::string> persons;  // ascending id
  std::vector<FlaggedSettlement> settlements;  // ledger order
};

// The net totals of one visit type: admissions (special_disease "") or the outpatient
// special-disease visits of one disease (domain.md §3.6).
struct VisitTotal {
  std::string special_disease;  // "" for admissions
  std::int64_t live = 0;        // live settlements
  Money medical_total;          // net of cancellations
  Money fund_paid;
  Money patient_pays;
  Money first_layer_paid;  // what the policy's first layer (basic insurance) paid, net
};

// Ten 10 %-wide buckets of the per-person out-of-pocket ratio patient_pays / medical_total:
// bucket k holds [10k %, 10(k+1) %), the last one includes 100 %.
inline constexpr int kRatioBuckets = 10;

struct OfficeReport {
  ReportQuery query;
  std::int64_t persons = 0;     // with at least one live settlement
  std::int64_t admissions = 0;  // live settlements of admissions
  std::int64_t visits = 0;      // live outpatient special-disease visits (not admissions)
  std::int64_t settlements = 0;    // settlement records, cancelled ones included
  std::int64_t cancellations = 0;  // cancellation records
  Money medical_total;  // net of cancellations
  Money fund_paid;
  Money patient_pays;
  std::vector<LayerTotal> layers;  // in the order the records list them (policy order)
  std::vector<std::string> funds;  // fund codes, in layer order
  std::vector<MonthRow> months;    // ascending
  std::vector<VisitTotal> by_visit;  // admissions first, then each disease by id
  std::array<std::int64_t, kRatioBuckets> oop_histogram{};  // persons per bucket
  std::vector<FlagList> flags;     // one per kAuditFlags code, in that order
};

// The bucket of patient_pays / medical_total (0..9); precondition: medical_total > 0.
int ratio_bucket(const Money& patient_pays, const Money& medical_total);

// Aggregates the year's records (Ledger::scan_year, streamed; memory grows with persons and
// flagged settlements, not with records). Errors: bad_year, unknown_policy, corrupt_record.
// Throws store::LedgerUnavailable.
Result<OfficeReport> build_report(store::Ledger& ledger, const policy::PolicySet& policies,
                                  const ReportQuery& query);

// Runs a walk that hands each record of the query's year, in id order, to `visit` (which
// returns false to be handed no more). A compact settlement must come with `settlement` set.
using RecordWalk =
    std::function<void(const std::function<bool(const store::StoredRecord&)>& visit)>;

// The same report from any such walk (e.g. verify's, which reads every record anyway).
Result<OfficeReport> build_report(const RecordWalk& walk, const policy::PolicySet& policies,
                                  const ReportQuery& query);

}  // namespace onestop::reports
