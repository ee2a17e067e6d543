#include "engine/settlement.hpp"

namespace onestop {

std::string Value::text() const {
  return std::visit(
      [](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>) return v;
        else if constexpr (std::is_same_v<V, bool>) return v ? "true" : "false";
        else return v.to_string();
      },
      v_);
}

void Value::append_text(std::string& out) const {
  std::visit(
      [&out](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>) {
          out += v;
        } else if constexpr (std::is_same_v<V, bool>) {
          out += v ? "true" : "false";
        } else {
          v.append_to(out);
        }
      },
      v_);
}

std::string rule_path(const TraceStep& step) {
  std::string out;
  append_rule_path(out, step);
  return out;
}

void append_rule_path(std::string& out, const TraceStep& step) {
  if (step.rule.empty()) return;
  if (step.layer != "items" && step.layer != "claim") out += "layers.";
  out += step.layer;
  out += '.';
  out += step.rule;
}

Split& Split::operator+=(const Split& o) {
  total += o.total;
  out_of_policy += o.out_of_policy;
  over_limit += o.over_limit;
  pre_self_pay += o.pre_self_pay;
  in_policy += o.in_policy;
  return *this;
}

}  // namespace onestop
