// The JSON bodies of the API's answers (documented in adapters/http/openapi.json).
//
// A ledger record (settlement or cancellation), from GET /v1/settlements/{id}, POST
// /v1/settlements (201 created, 200 replayed) and POST /v1/settlements/{id}/cancel:
//   {"settlement_id": 7, "kind": "settlement"|"cancellation",
//    "status": "settled"|"cancelled"|"cancellation", "replayed": false,
//    "recorded_at": "2020-03-12T08:30:00.123Z", "hospital_id", "bill_no", "patient_id",
//    "year": 2020, "policy": {"id", "sha256"},
//    "cancelled_by": 9 (a cancelled settlement), "cancels": 7 and "reason" (a cancellation),
//    "total", "fund_paid", "patient_pays" (the record's amounts; negated in a cancellation),
//    "links": {"self", "slip"},
//    "result": <the stored result as codec::encode_settlement wrote it, with its "national"
//               object of national-platform names>}
// A trial: {"trial": true, "snapshot_id": N, "result": <as above>}.
#pragma once

#include <string>

#include "adapters/codec/json_util.hpp"
#include "adapters/service/settlement_service.hpp"

namespace onestop::http {

// The record envelope above; `replayed` marks an answer that repeats an earlier write.
std::string record_json(const store::StoredRecord& record, bool replayed);

std::string trial_json(const service::TrialOutcome& trial);

// {"patient_id", "year", "snapshot_id", "accumulators": ACC, "records": [record summaries:
//  the envelope without "result"]}
std::string patient_ledger_json(const service::PatientLedger& ledger);

// {"hospital": {"id", "name", "level", "in_region", "designated"}, "patient_id",
//  "admitted_on", "referral", "category", "without_deposit", "deposit_reason",
//  "policy": {"id", "sha256"}, "year", "layers": [{"id", "fund", "name", "eligible",
//  "reason"?, "requires_diagnosis"?}], "snapshot_id", "accumulators": ACC}
std::string admission_json(const service::AdmissionCheck& check);
// (ACC is the accumulators shape that codec::write_accumulators writes.)

// The path of a record: "/v1/settlements/7".
std::string record_location(std::int64_t id);

}  // namespace onestop::http
