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

std::string rule_path(const TraceStep& step) {
  if (step.rule.empty()) return "";
  if (step.layer == "items" || step.layer == "claim") return step.layer + "." + step.rule;
  return "layers." + step.layer + "." + step.rule;
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
