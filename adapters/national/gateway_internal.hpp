// Shared between the gateway's frame (gateway.cpp) and its transactions (transactions.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/codec/json_util.hpp"
#include "adapters/national/gateway.hpp"
#include "adapters/service/hospital_registry.hpp"

namespace onestop::national {

struct Gateway::Call {
  const Envelope& env;
  const service::Hospital& hospital;
  std::int64_t received_ms = 0;
};

// The nine-key answer; `output` is a JSON object's text, or "" for null.
std::string answer_json(int infcode, const std::string& inf_refmsgid,
                        const std::string& refmsg_time, const std::string& respond_time,
                        const std::string& err_msg, const std::string& warn_msg,
                        const std::string& output);

// Epoch milliseconds as local time: "yyyyMMddHHmmssSSS" (compact) or "yyyy-MM-dd HH:mm:ss".
std::string format_local(std::int64_t epoch_ms, int offset_minutes, bool compact);

// A refusal for the HIS's operator: "input.data.mdtrt_id: 该就诊未办理出院…".
inline Error refuse_field(const std::string& field, const std::string& message) {
  return Error{"refused", field, field + ": " + message};
}

// The ledger's UTC stamp ("2020-03-12T08:30:00.123Z") as epoch milliseconds; 0 if unreadable.
std::int64_t ledger_time_ms(const std::string& stamp);

// An amount as a JSON number with two decimals.
inline void write_amount(codec::JsonWriter& w, std::string_view key, const Money& m) {
  w.key(key).raw(m.to_string());
}

}  // namespace onestop::national
