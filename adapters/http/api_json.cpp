#include "adapters/http/api_json.hpp"

#include "adapters/codec/result_codec.hpp"

namespace onestop::http {
namespace {

using store::RecordKind;
using store::StoredRecord;

// "settled", "cancelled" (a settlement with a cancellation) or "cancellation".
std::string_view status_of(const StoredRecord& r) {
  if (r.kind == RecordKind::cancellation) return "cancellation";
  return r.cancelled_by ? "cancelled" : "settled";
}

// Every member of the envelope but "result"; leaves the object open.
void write_envelope_head(codec::JsonWriter& w, const StoredRecord& r, bool replayed) {
  w.begin_object().member("settlement_id", r.id);
  w.member("kind", r.kind == RecordKind::cancellation ? "cancellation" : "settlement");
  w.member("status", status_of(r)).member("replayed", replayed);
  w.member("recorded_at", r.recorded_at);
  w.member("hospital_id", r.hospital_id).member("bill_no", r.bill_no);
  w.member("patient_id", r.patient_id).member("year", r.year);
  w.key("policy").begin_object().member("id", r.policy_id);
  w.member("sha256", r.policy_sha256).end_object();
  if (r.cancelled_by) w.member("cancelled_by", *r.cancelled_by);
  if (r.cancels) w.member("cancels", *r.cancels);
  if (r.kind == RecordKind::cancellation) w.member("reason", r.reason);
  w.member("total", r.total).member("fund_paid", r.fund_paid);
  w.member("patient_pays", r.patient_pays);
  w.key("links").begin_object().member("self", record_location(r.id));
  w.member("slip", record_location(r.id) + "/slip").end_object();
}

// Closes an open object after a member whose value is already-encoded JSON.
std::string close_with_raw(codec::JsonWriter& w, std::string_view key, std::string_view raw) {
  w.key(key);
  std::string out = w.take();
  out += raw.empty() ? std::string_view("null") : raw;
  out += '}';
  return out;
}

}  // namespace

std::string record_location(std::int64_t id) { return "/v1/settlements/" + std::to_string(id); }

std::string record_json(const StoredRecord& record, bool replayed) {
  codec::JsonWriter w(512 + record.result_json.size());
  write_envelope_head(w, record, replayed);
  return close_with_raw(w, "result", record.result_json);
}

std::string trial_json(const service::TrialOutcome& trial) {
  codec::JsonWriter w(64 + trial.result_json.size());
  w.begin_object().member("trial", true).member("snapshot_id", trial.snapshot_id);
  return close_with_raw(w, "result", trial.result_json);
}


std::string patient_ledger_json(const service::PatientLedger& ledger) {
  codec::JsonWriter w(256 + ledger.records.size() * 512);
  w.begin_object().member("patient_id", ledger.patient_id).member("year", ledger.year);
  w.member("snapshot_id", ledger.snapshot_id);
  w.key("accumulators");
  codec::write_accumulators(w, ledger.accumulators);
  w.key("records").begin_array();
  for (const StoredRecord& r : ledger.records) {
    write_envelope_head(w, r, false);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

std::string admission_json(const service::AdmissionCheck& c) {
  codec::JsonWriter w(1024);
  w.begin_object().key("hospital").begin_object();
  w.member("id", c.hospital.id).member("name", c.hospital.name);
  w.member("level", to_string(c.hospital.level)).member("in_region", c.hospital.in_region);
  w.member("designated", c.hospital.designated).end_object();
  w.member("patient_id", c.patient_id).member("admitted_on", c.admitted_on.to_string());
  w.member("referral", c.referral).member("category", c.category);
  w.member("without_deposit", c.without_deposit).member("deposit_reason", c.deposit_reason);
  w.key("policy").begin_object().member("id", c.policy_id);
  w.member("sha256", c.policy_sha256).end_object();
  w.member("year", c.year);
  w.key("layers").begin_array();
  for (const service::LayerOutlook& l : c.layers) {
    w.begin_object().member("id", l.id).member("fund", l.fund).member("name", l.name);
    w.member("eligible", l.eligible);
    if (!l.eligible) w.member("reason", l.reason);
    if (!l.requires_diagnosis.empty()) {
      w.key("requires_diagnosis").begin_array();
      for (const std::string& p : l.requires_diagnosis) w.value(p);
      w.end_array();
    }
    w.end_object();
  }
  w.end_array().member("snapshot_id", c.snapshot_id).key("accumulators");
  codec::write_accumulators(w, c.accumulators);
  w.key("certifications").begin_array();
  for (const service::CertificationOutlook& o : c.certifications) {
    const store::Certification& cert = o.certification;
    w.begin_object().member("disease", cert.disease).member("name", o.name);
    w.member("valid_from", cert.valid_from.to_string()).key("valid_to");
    if (cert.valid_to) {
      w.value(cert.valid_to->to_string());
    } else {
      w.raw("null");
    }
    w.member("holds", o.holds).key("limit_annual");
    if (o.limit_annual) {
      w.value(*o.limit_annual);
    } else {
      w.raw("null");
    }
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

}  // namespace onestop::http
