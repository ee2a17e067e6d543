#include "adapters/store/record_jobs.hpp"

#include <Poco/Logger.h>

#include <set>
#include <stdexcept>
#include <utility>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/digest.hpp"
#include "adapters/store/compact.hpp"

namespace onestop::store {
namespace {

// Failures only, without personal data.
Poco::Logger& logger() { return Poco::Logger::get("onestop.ledger"); }

}  // namespace

WriteResult failed(Outcome outcome, Error error) {
  WriteResult r;
  r.outcome = outcome;
  r.error = std::move(error);
  return r;
}

WriteResult with_record(Outcome outcome, StoredRecord record, std::optional<Error> error) {
  WriteResult r;
  r.outcome = outcome;
  r.record = std::move(record);
  r.error = std::move(error);
  return r;
}

Error internal(const std::string& message) { return Error{"internal", "", message}; }

std::future<WriteResult> ready(WriteResult result) {
  std::promise<WriteResult> promise;
  promise.set_value(std::move(result));
  return promise.get_future();
}

std::optional<Error> check_settle_job(const SettleJob& job) {
  if (!job.compute) return internal("settle job without compute()");
  if (job.hospital_id.empty() || job.bill_no.empty() || job.patient_id.empty()) {
    return internal("settle job without hospital_id, bill_no or patient_id");
  }
  if (job.request_sha256.empty()) return internal("settle job without request_sha256");
  return std::nullopt;
}

std::optional<Error> check_cancel_job(const CancelJob& job) {
  if (job.request_sha256.empty()) return internal("cancel job without request_sha256");
  return std::nullopt;
}

std::optional<Error> check_computed(const SettleJob& job, const Accumulators& before,
                                    const Computed& c) {
  const Settlement& s = c.settlement;
  if (s.hospital_id != job.hospital_id || s.bill_no != job.bill_no ||
      s.patient_id != job.patient_id || s.year != job.year) {
    return internal("compute() returned a settlement for another key");
  }
  if (!(s.before == before)) return internal("compute() did not settle on the state it was given");
  if (c.claim_json.empty() || s.policy_id.empty() || s.policy_sha256.empty()) {
    return internal("compute() returned no claim or policy");
  }
  std::set<std::string> layers;
  for (const auto& layer : s.layers) {
    if (!layers.insert(layer.id).second) return internal("duplicate layer " + layer.id);
  }
  for (const auto& [id, totals] : (s.after - s.before).layers) {
    // A derived key (a visit's outpatient totals) belongs to its owner layer's result.
    if (!layers.contains(std::string(owner_layer(id)))) {
      return internal("layer " + id + " moved but has no result");
    }
  }
  return std::nullopt;
}

std::optional<Error> check_policy_text(const SettleJob& job, const Settlement& s) {
  if (job.policy_text.empty() || codec::sha256_hex(job.policy_text) != s.policy_sha256) {
    return internal("no text of policy " + s.policy_id + " (" + s.policy_sha256 +
                    ") to keep in the ledger");
  }
  return std::nullopt;
}

Result<Computed> run_compute(const SettleJob& job, const Accumulators& before) {
  try {
    return job.compute(before);
  } catch (const std::exception& e) {
    logger().critical(std::string("settle compute() threw: ") + e.what());
    return internal(std::string("the settlement failed: ") + e.what());
  }
}

StoredRecord settlement_record(const SettleJob& job, const Computed& c, std::string recorded_at) {
  const Settlement& s = c.settlement;
  StoredRecord r;
  r.kind = RecordKind::settlement;
  r.hospital_id = s.hospital_id;
  r.bill_no = s.bill_no;
  r.patient_id = s.patient_id;
  r.year = s.year;
  r.policy_id = s.policy_id;
  r.policy_sha256 = s.policy_sha256;
  r.request_sha256 = job.request_sha256;
  r.claim_json = c.claim_json;
  r.result_json = c.result_json;
  r.recorded_at = std::move(recorded_at);
  r.total = s.split.total;
  r.fund_paid = s.fund_paid;
  r.patient_pays = s.patient_pays;
  for (const auto& layer : s.layers) {
    r.layer_paid.emplace_back(layer.id, layer.paid);
    r.layer_fund.push_back(layer.fund);
  }
  r.movement = s.after - s.before;
  r.special_disease = s.special_disease;
  r.before = s.before;
  return r;
}

StoredRecord cancellation_record(const CancelJob& job, const StoredRecord& original,
                                 std::string recorded_at) {
  StoredRecord r;
  r.kind = RecordKind::cancellation;
  r.cancels = original.id;
  r.hospital_id = original.hospital_id;
  r.bill_no = original.bill_no;
  r.patient_id = original.patient_id;
  r.year = original.year;
  r.policy_id = original.policy_id;
  r.policy_sha256 = original.policy_sha256;
  r.request_sha256 = job.request_sha256;
  r.claim_json = original.claim_json;
  r.reason = job.reason;
  r.recorded_at = std::move(recorded_at);
  r.total = -original.total;
  r.fund_paid = -original.fund_paid;
  r.patient_pays = -original.patient_pays;
  for (const auto& [id, paid] : original.layer_paid) r.layer_paid.emplace_back(id, -paid);
  r.layer_fund = original.layer_fund;
  r.movement = Accumulators{} - original.movement;
  r.special_disease = original.special_disease;
  r.result_json = cancellation_json(r);
  return r;
}

void link(StoredRecord& r, std::int64_t id, PersonHead& head) {
  r.id = id;
  r.format = 3;
  r.person_seq = head.seq + 1;
  r.prev_hash = head.head;
  r.hash = chain_hash(r);
  head.seq = r.person_seq;
  head.head = r.hash;
}

std::string record_body(const std::string& stored_claim, const std::optional<Claim>& claim,
                        const StoredRecord& r) {
  if (!stored_claim.empty()) return encode_body(stored_claim, r.before);
  if (claim) return encode_body(encode_claim_part(*claim, r.claim_json), r.before);
  Result<Claim> decoded = codec::decode_claim(r.claim_json);
  if (!decoded) throw std::runtime_error("the claim does not decode: " + decoded.error().message);
  return encode_body(encode_claim_part(*decoded, r.claim_json), r.before);
}

WriteResult settled_before(const SettleJob& job, StoredRecord stored) {
  if (stored.request_sha256 == job.request_sha256) {
    return with_record(Outcome::replayed, std::move(stored));
  }
  Error conflict{"idempotency_conflict", "bill_no",
                 "bill_no " + job.bill_no + " of hospital " + job.hospital_id +
                     " is already settled (record " + std::to_string(stored.id) +
                     ") from a different request"};
  return with_record(Outcome::conflict, std::move(stored), std::move(conflict));
}

WriteResult cancelled_before(const CancelJob& job, StoredRecord cancellation) {
  if (cancellation.request_sha256 == job.request_sha256) {
    return with_record(Outcome::replayed, std::move(cancellation));
  }
  Error e{"already_cancelled", "",
          "settlement " + std::to_string(job.settlement_id) + " is already cancelled (record " +
              std::to_string(cancellation.id) + ")"};
  return with_record(Outcome::conflict, std::move(cancellation), std::move(e));
}

WriteResult not_latest(StoredRecord original, std::vector<std::int64_t> blocking) {
  std::string ids;
  for (const auto id : blocking) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
  Error e{"not_latest", "",
          "settlement " + std::to_string(original.id) +
              " is not the person's latest live settlement of " + std::to_string(original.year) +
              "; cancel " + ids + " first"};
  WriteResult r = with_record(Outcome::conflict, std::move(original), std::move(e));
  r.blocking = std::move(blocking);
  return r;
}

WriteResult no_settlement(std::int64_t id) {
  return failed(Outcome::not_found, Error{"not_found", "", "no settlement " + std::to_string(id)});
}

}  // namespace onestop::store
