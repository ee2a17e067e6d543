#include "adapters/codec/result_codec.hpp"

#include <string>
#include <type_traits>

#include "engine/policy.hpp"

namespace onestop::codec {
namespace {

// National fund codes (domain.md §5) that have their own setlinfo member.
constexpr std::string_view kFundBasic = "390100";       // hifp_pay
constexpr std::string_view kFundCritical = "390200";    // hifmi_pay
constexpr std::string_view kFundAssistance = "610100";  // maf_pay

// The four parts of a split after its total (the caller writes the total under its own name).
void write_split_parts(JsonWriter& w, const Split& split) {
  w.member("out_of_policy", split.out_of_policy).member("over_limit", split.over_limit);
  w.member("pre_self_pay", split.pre_self_pay).member("in_policy", split.in_policy);
}

// value.text() as a JSON string, formatted in the writer's buffer. Amounts, rates, exact values
// and booleans are digits, '.', '-' or letters: only a string value is escaped.
void write_value(JsonWriter& w, const Value& value) {
  value.visit([&w](const auto& v) {
    using V = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<V, std::string> || std::is_same_v<V, Money>) {
      w.value(v);  // the writer's money text is Money::to_string()'s
    } else if constexpr (std::is_same_v<V, bool>) {
      w.plain_value(v ? "true" : "false");
    } else {
      w.plain_value_of([&v](std::string& out) { v.append_to(out); });
    }
  });
}

void write_fields(JsonWriter& w, const Fields& fields) {
  w.begin_object();
  for (const auto& [name, value] : fields) {
    w.key(name);
    write_value(w, value);
  }
  w.end_object();
}

void write_layer(JsonWriter& w, const LayerResult& layer) {
  w.begin_object().member("id", layer.id).member("fund", layer.fund);
  w.member("kind", to_string(layer.kind)).member("eligible", layer.eligible);
  if (!layer.eligible) w.member("reason", layer.reason);
  w.member("base", layer.base).member("paid", layer.paid).member("capped", layer.capped);
  w.key("details");
  write_fields(w, layer.details);
  w.end_object();
}

void write_flag(JsonWriter& w, const Flag& flag) {
  w.begin_object().member("code", flag.code);
  if (!flag.layer.empty()) w.member("layer", flag.layer);
  w.member("message", flag.message).end_object();
}

void write_item(JsonWriter& w, const ItemSplit& item) {
  w.begin_object().member("code", item.code).member("class", to_string(item.item_class));
  w.member("amount", item.split.total);
  write_split_parts(w, item.split);
  w.end_object();
}


void write_trace_step(JsonWriter& w, const TraceStep& step) {
  w.begin_object().member("layer", step.layer).member("step", step.step);
  w.key("inputs");
  write_fields(w, step.inputs);
  w.key("value");
  write_value(w, step.value);
  w.key("rule").value_of([&step](std::string& out) { append_rule_path(out, step); });
  w.end_object();
}

// What the layers of one fund paid together.
Money paid_by_fund(const Settlement& s, std::string_view fund) {
  Money paid;
  for (const LayerResult& layer : s.layers) {
    if (layer.fund == fund) paid += layer.paid;
  }
  return paid;
}

// The deductible the basic fund charged (national act_pay_dedc), as the engine wrote it.
void append_basic_deductible(std::string& out, const Settlement& s) {
  for (const LayerResult& layer : s.layers) {
    if (layer.fund != kFundBasic) continue;
    for (const auto& [name, value] : layer.details) {
      if (name == "deductible") return value.append_text(out);
    }
    break;
  }
  out += "0.00";
}

// setl_proc_info: how the layer's payment was worked out, in one short line.
void append_process_info(std::string& out, const LayerResult& layer) {
  if (!layer.eligible) {
    out += "not eligible: ";
    out += layer.reason;
    return;
  }
  bool first = true;
  for (const auto& [name, value] : layer.details) {
    if (!first) out += ';';
    first = false;
    out += name;
    out += '=';
    value.append_text(out);
  }
}

void write_national(JsonWriter& w, const Settlement& s) {
  w.begin_object().key("setlinfo").begin_object();
  w.member("medfee_sumamt", s.split.total).member("fulamt_ownpay_amt", s.split.out_of_policy);
  w.member("overlmt_selfpay", s.split.over_limit);
  w.member("preselfpay_amt", s.split.pre_self_pay).member("inscp_scp_amt", s.split.in_policy);
  w.key("act_pay_dedc").value_of([&s](std::string& out) { append_basic_deductible(out, s); });
  w.member("fund_pay_sumamt", s.fund_paid);
  w.member("psn_part_amt", s.patient_pays).member("psn_cash_pay", s.patient_pays);
  w.member("hifp_pay", paid_by_fund(s, kFundBasic));
  w.member("hifmi_pay", paid_by_fund(s, kFundCritical));
  w.member("maf_pay", paid_by_fund(s, kFundAssistance));
  w.end_object().key("setldetail").begin_array();
  for (const LayerResult& layer : s.layers) {
    w.begin_object().member("fund_pay_type", layer.fund).member("inscp_scp_amt", layer.base);
    w.member("fund_payamt", layer.paid);
    w.key("setl_proc_info").value_of([&layer](std::string& out) {
      append_process_info(out, layer);
    });
    w.end_object();
  }
  w.end_array().end_object();
}

// Enough room for a typical result so the buffer grows at most once or twice, and not much
// more: the writer zeroes its room first (the reference claim's 7 240 bytes are ~20 % under
// this; a layer takes ~340 bytes with its setldetail, a trace step ~165).
std::size_t estimated_size(const Settlement& s) {
  return 1024 + s.layers.size() * 384 + s.items.size() * 160 + s.trace.size() * 224 +
         s.flags.size() * 160;
}

}  // namespace

void write_accumulators(JsonWriter& w, const Accumulators& acc) {
  w.begin_object().member("admissions", acc.admissions);
  w.key("layers").begin_object();
  for (const auto& [id, t] : acc.layers) {
    w.key(id).begin_object();
    w.member("paid", t.paid).member("deductible_charged", t.deductible_charged);
    w.member("base_cumulative", t.base_cumulative).member("patient_share", t.patient_share);
    w.end_object();
  }
  w.end_object().end_object();
}

std::string encode_settlement(const Settlement& s) {
  JsonWriter w(estimated_size(s));
  w.begin_object().member("hospital_id", s.hospital_id).member("bill_no", s.bill_no);
  w.member("patient_id", s.patient_id).member("category", s.category).member("year", s.year);
  if (s.visit == Visit::outpatient_special) {
    w.member("visit", to_string(s.visit)).member("special_disease", s.special_disease);
  }
  w.key("policy").begin_object();
  w.member("id", s.policy_id).member("sha256", s.policy_sha256).end_object();
  w.member("total", s.split.total);
  write_split_parts(w, s.split);
  w.key("layers").begin_array();
  for (const LayerResult& layer : s.layers) write_layer(w, layer);
  w.end_array();
  w.member("fund_paid", s.fund_paid).member("patient_pays", s.patient_pays);
  w.key("flags").begin_array();
  for (const Flag& flag : s.flags) write_flag(w, flag);
  w.end_array();
  w.key("national");
  write_national(w, s);
  w.key("items").begin_array();
  for (const ItemSplit& item : s.items) write_item(w, item);
  w.end_array();
  w.key("accumulators").begin_object().key("before");
  write_accumulators(w, s.before);
  w.key("after");
  write_accumulators(w, s.after);
  w.end_object();
  w.key("trace").begin_array();
  for (const TraceStep& step : s.trace) write_trace_step(w, step);
  w.end_array().end_object();
  return w.take();
}

void write_error(JsonWriter& w, const Error& e) {
  w.begin_object().member("code", e.code).member("field", e.field);
  w.member("message", e.message).end_object();
}

std::string encode_error_line(std::string_view bill_no, const Error& e) {
  JsonWriter w(128 + bill_no.size() + e.field.size() + e.message.size());
  w.begin_object().member("bill_no", bill_no).key("error");
  write_error(w, e);
  w.end_object();
  return w.take();
}

}  // namespace onestop::codec
