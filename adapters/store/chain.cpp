// The hash chain over ledger records and the reversal document of a cancellation.

#include <cstdio>
#include <string>
#include <string_view>

#include "adapters/codec/digest.hpp"
#include "adapters/store/ledger.hpp"

namespace onestop::store {
namespace {

constexpr std::string_view kCanonicalV1 = "onestop-record/1";
constexpr std::string_view kCanonicalV2 = "onestop-record/2";
constexpr std::string_view kCanonicalV3 = "onestop-record/3";

// Appends one field as "<length>:<bytes>": a reader always knows where it ends.
void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

// Numbers and amounts (in fen) as decimal text fields.
void put(std::string& out, std::int64_t value) { put(out, std::to_string(value)); }
void put(std::string& out, const Money& value) { put(out, value.fen_i64()); }

// The movement: admissions, then each layer (sorted by id) with its four totals.
void put(std::string& out, const Accumulators& movement) {
  put(out, std::int64_t{movement.admissions});
  put(out, static_cast<std::int64_t>(movement.layers.size()));
  for (const auto& [id, t] : movement.layers) {
    put(out, id);
    put(out, t.paid);
    put(out, t.deductible_charged);
    put(out, t.base_cumulative);
    put(out, t.patient_share);
  }
}

// A JSON string literal: quotes, backslashes and control characters escaped; UTF-8 kept.
void put_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

// "name":"text"
void put_json_member(std::string& out, std::string_view name, std::string_view text) {
  put_json_string(out, name);
  out += ':';
  put_json_string(out, text);
}

// "movement":{"admissions":N,"layers":{id:{paid,...}}} in the accumulators' (sorted) order.
void put_json_movement(std::string& out, const Accumulators& m) {
  out += "\"movement\":{\"admissions\":" + std::to_string(m.admissions) + ",\"layers\":{";
  bool first = true;
  for (const auto& [id, t] : m.layers) {
    if (!first) out += ',';
    first = false;
    put_json_string(out, id);
    out += ":{";
    put_json_member(out, "paid", t.paid.to_string());
    out += ',';
    put_json_member(out, "deductible_charged", t.deductible_charged.to_string());
    out += ',';
    put_json_member(out, "base_cumulative", t.base_cumulative.to_string());
    out += ',';
    put_json_member(out, "patient_share", t.patient_share.to_string());
    out += '}';
  }
  out += "}}";
}

// "layers":[{"id","fund","paid"}] in layer_paid order.
void put_json_layers(std::string& out, const StoredRecord& c) {
  out += "\"layers\":[";
  for (std::size_t i = 0; i < c.layer_paid.size(); ++i) {
    if (i > 0) out += ',';
    out += '{';
    put_json_member(out, "id", c.layer_paid[i].first);
    out += ',';
    put_json_member(out, "fund", i < c.layer_fund.size() ? c.layer_fund[i] : "");
    out += ',';
    put_json_member(out, "paid", c.layer_paid[i].second.to_string());
    out += '}';
  }
  out += ']';
}

}  // namespace

std::string canonical_record(const StoredRecord& r) {
  std::string out;
  const bool v1 = r.format == 1;
  // Room for the documents and the short fields, so the text is not moved as it grows.
  out.reserve(512 + r.claim_json.size() + (v1 ? r.result_json.size() : 0) +
              64 * (r.layer_paid.size() + r.movement.layers.size() + r.before.layers.size()));
  put(out, v1 ? kCanonicalV1 : r.format == 2 ? kCanonicalV2 : kCanonicalV3);
  put(out, r.id);
  put(out, r.kind == RecordKind::settlement ? "settlement" : "cancellation");
  put(out, r.cancels ? std::to_string(*r.cancels) : std::string());
  for (const std::string* field : {&r.hospital_id, &r.bill_no, &r.patient_id}) put(out, *field);
  put(out, std::int64_t{r.year});
  for (const std::string* field :
       {&r.policy_id, &r.policy_sha256, &r.request_sha256, &r.claim_json}) {
    put(out, *field);
  }
  if (v1) put(out, r.result_json);
  put(out, r.reason);
  put(out, r.recorded_at);
  put(out, r.total);
  put(out, r.fund_paid);
  put(out, r.patient_pays);
  put(out, static_cast<std::int64_t>(r.layer_paid.size()));
  for (const auto& [id, paid] : r.layer_paid) {
    put(out, id);
    put(out, paid);
  }
  put(out, static_cast<std::int64_t>(r.layer_fund.size()));
  for (const auto& fund : r.layer_fund) put(out, fund);
  put(out, r.movement);
  if (!v1) put(out, r.before);
  if (r.format >= 3) put(out, r.person_seq);
  return out;
}

std::string chain_hash(const StoredRecord& r) {
  return codec::Sha256().update(r.prev_hash).update(canonical_record(r)).hex();
}

std::string cancellation_json(const StoredRecord& c) {
  std::string out = "{\"kind\":\"cancellation\",\"cancels\":";
  out += std::to_string(c.cancels.value_or(0));
  for (const auto& [name, value] :
       {std::pair<std::string_view, const std::string*>{"hospital_id", &c.hospital_id},
        {"bill_no", &c.bill_no},
        {"patient_id", &c.patient_id}}) {
    out += ',';
    put_json_member(out, name, *value);
  }
  out += ",\"year\":" + std::to_string(c.year) + ",\"policy\":{";
  put_json_member(out, "id", c.policy_id);
  out += ',';
  put_json_member(out, "sha256", c.policy_sha256);
  out += "},";
  put_json_member(out, "reason", c.reason);
  for (const auto& [name, value] : {std::pair<std::string_view, const Money*>{"total", &c.total},
                                    {"fund_paid", &c.fund_paid},
                                    {"patient_pays", &c.patient_pays}}) {
    out += ',';
    put_json_member(out, name, value->to_string());
  }
  out += ',';
  put_json_layers(out, c);
  out += ',';
  put_json_movement(out, c.movement);
  out += '}';
  return out;
}

}  // namespace onestop::store
