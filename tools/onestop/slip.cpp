#include "tools/onestop/slip.hpp"

#include <sstream>

namespace onestop::cli {
namespace {

constexpr int kWidth = 72;

// Terminal columns of UTF-8 text: CJK characters (three-byte sequences here) take two.
int display_width(const std::string& text) {
  int width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    width += c >= 0xE0 ? 2 : 1;
  }
  return width;
}

// A label on the left and an amount right-aligned at column kWidth.
std::string row(const std::string& label, const std::string& amount) {
  const int pad = kWidth - display_width(label) - static_cast<int>(amount.size());
  return label + std::string(pad > 1 ? pad : 1, ' ') + amount + "\n";
}

std::string rule() { return std::string(kWidth, '-') + "\n"; }

std::string details_text(const LayerResult& layer) {
  std::string out;
  for (const auto& [name, value] : layer.details) out += " " + std::string(name) + "=" + value.text();
  return out;
}

// 门诊特殊病种: the disease and the year's use of its limit after this visit (domain.md §3.6).
std::string visit_text(const Policy& policy, const Settlement& s) {
  std::string out = "门诊特殊病种 outpatient special-disease visit: " + s.special_disease;
  const OutpatientSpecial::Disease* disease = policy.special_disease(s.special_disease);
  if (disease != nullptr) out += " (" + disease->name + ")";
  out += "\n";
  for (const auto& layer : policy.layers) {
    if (disease == nullptr || !std::holds_alternative<DeductibleRatio>(layer.params)) continue;
    const Money used = s.after.of(disease_key(layer.id, disease->id)).paid;
    out += "  " + layer.id + " used " + used.to_string() + " of the year's limit " +
           disease->limit_annual.to_string() + ", left " +
           max(Money{}, disease->limit_annual - used).to_string() + "\n";
    break;
  }
  return out;
}

}  // namespace

std::string format_slip(const Policy& policy, const Settlement& s) {
  std::ostringstream out;
  out << "一站式结算单 / one-stop settlement slip\n" << rule();
  out << "hospital " << s.hospital_id << "   bill " << s.bill_no << "\n";
  out << "patient  " << s.patient_id << " (" << s.category << ")   policy year " << s.year
      << "   policy " << s.policy_id << "\n";
  if (s.visit == Visit::outpatient_special) out << visit_text(policy, s);
  out << rule();
  out << row("medfee_sumamt      total (医疗费总额)", s.split.total.to_string());
  out << row("fulamt_ownpay_amt  out of policy (全自费)", s.split.out_of_policy.to_string());
  out << row("overlmt_selfpay    over limit (超限价自付)", s.split.over_limit.to_string());
  out << row("preselfpay_amt     pre-self-pay (先行自付)", s.split.pre_self_pay.to_string());
  out << row("inscp_scp_amt      in policy (政策范围内)", s.split.in_policy.to_string()) << rule();
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const LayerResult& layer = s.layers[i];
    out << row(layer.fund + "  " + layer.id, layer.paid.to_string());
    out << "        " << policy.layers.at(i).name
        << (layer.eligible ? details_text(layer) : "  not eligible: " + layer.reason)
        << (layer.capped ? "  [annual limit reached]" : "") << "\n";
  }
  out << rule();
  out << row("fund_pay_sumamt    funds pay (基金支付合计)", s.fund_paid.to_string());
  out << row("psn_cash_pay       PATIENT PAYS (个人支付)", s.patient_pays.to_string());
  for (const auto& flag : s.flags) {
    out << "flag: " << flag.code << (flag.layer.empty() ? "" : " (" + flag.layer + ")") << " - "
        << flag.message << "\n";
  }
  return out.str();
}

}  // namespace onestop::cli
