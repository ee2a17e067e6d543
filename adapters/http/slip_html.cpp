#include "adapters/http/slip_html.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <array>
#include <utility>

namespace onestop::http {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr std::string_view kStyle = R"(
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun",
       sans-serif; font-size: 10pt; color: #000; background: #fff; margin: 0 auto;
       max-width: 186mm; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 1mm; letter-spacing: 0.2em; }
p.sub { text-align: center; margin: 0 0 4mm; font-size: 9pt; }
h2 { font-size: 11pt; margin: 4mm 0 1.5mm; }
table { width: 100%; border-collapse: collapse; margin: 0 0 2mm; }
th, td { border: 0.25mm solid #000; padding: 0.8mm 1.6mm; text-align: left;
         vertical-align: top; }
th { background: #eee; font-weight: normal; white-space: nowrap; }
.amount { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.field { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; color: #333; }
tr.total td, tr.total th { font-weight: bold; }
.banner { border: 0.6mm solid #000; padding: 2mm; margin: 0 0 3mm; text-align: center;
          font-weight: bold; font-size: 12pt; }
.sign { display: flex; justify-content: space-between; margin-top: 10mm; }
.sign span { width: 30%; border-top: 0.25mm solid #000; padding-top: 1mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
@media print { th { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
)";

// A string member, or "" when absent or not a string (the slip shows what it has).
std::string text_of(const Object::Ptr& obj, const std::string& key) {
  if (obj.isNull() || !obj->has(key)) return "";
  const Poco::Dynamic::Var v = obj->get(key);
  return v.isString() ? v.extract<std::string>() : "";
}

// An array member, or null when absent.
Array::Ptr array_of(const Object::Ptr& obj, const std::string& key) {
  if (obj.isNull() || !obj->has(key)) return {};
  return obj->getArray(key);
}

// A category in Chinese with its wire name.
std::string category_label(std::string_view category) {
  if (category == "resident") return "城乡居民 resident";
  if (category == "poor") return "建档立卡贫困人口 poor";
  if (category == "low_income") return "低保对象 low_income";
  if (category == "extreme_poor") return "特困供养人员 extreme_poor";
  return std::string(category);
}

// A hospital level in Chinese with its wire name.
std::string level_label(Level level) {
  static constexpr std::array<std::string_view, kLevelCount> kNames = {
      "基层 (乡镇卫生院/社区)", "县级", "市级", "省级", "省外"};
  return std::string(kNames.at(static_cast<std::size_t>(level))) + " " +
         std::string(to_string(level));
}

// The national setlinfo member for a fund's payment, or "".
std::string_view national_fund_field(std::string_view fund) {
  if (fund == "390100") return "hifp_pay";
  if (fund == "390200") return "hifmi_pay";
  if (fund == "610100") return "maf_pay";
  return "";
}

// A table cell of escaped text, with an optional class.
std::string cell(std::string_view text, std::string_view cls = "") {
  return (cls.empty() ? "<td>" : "<td class=\"" + std::string(cls) + "\">") + html_escape(text) +
         "</td>";
}

// A header cell: the Chinese label over the national-platform field name.
std::string label(std::string_view chinese, std::string_view field) {
  return "<th>" + html_escape(chinese) +
         (field.empty() ? "" : "<br><span class=\"field\">" + html_escape(field) + "</span>") +
         "</th>";
}

// The page's top: who, where, when, under which policy.
std::string head_table(const service::SlipData& slip, const Object::Ptr& result) {
  const store::StoredRecord& r = slip.settlement;
  const std::string hospital =
      slip.hospital ? slip.hospital->name + " (" + r.hospital_id + ")" : r.hospital_id;
  const std::string level =
      slip.hospital ? level_label(slip.hospital->level) : level_label(slip.claim.level);
  std::string diagnoses;
  for (const std::string& d : slip.claim.diagnoses) {
    diagnoses += (diagnoses.empty() ? "" : ", ") + d;
  }
  std::string out = "<table>";
  out += "<tr>" + label("定点医疗机构", "fixmedins_name") + cell(hospital) +
         label("医院等级", "hosp_lv") + cell(level) + "</tr>";
  out += "<tr>" + label("单据号", "bill_no") + cell(r.bill_no) + label("结算时间", "setl_time") +
         cell(r.recorded_at) + "</tr>";
  out += "<tr>" + label("姓名", "psn_name") + cell(slip.patient_name) +
         label("身份证号", "certno") + cell(slip.id_number_masked) + "</tr>";
  out += "<tr>" + label("参保人编号", "psn_no") + cell(r.patient_id) +
         label("人员类别", "psn_type") + cell(category_label(text_of(result, "category"))) +
         "</tr>";
  const bool visit = slip.claim.is_visit();
  out += "<tr>" + label(visit ? "就诊日期" : "入院日期", "begndate") +
         cell(slip.claim.admitted_on.to_string()) +
         label(visit ? "截止日期" : "出院日期", "enddate") +
         cell(slip.claim.discharged_on.to_string()) + "</tr>";
  out += "<tr>" + label("诊断", "diag_code") + cell(diagnoses) + label("结算政策", "policy") +
         cell(r.policy_id + " (" + std::to_string(r.year) + ")") + "</tr>";
  out += "</table>";
  return out;
}

// The layer of a visit's result that applied the disease's limit (its details name the
// disease), or null.
Object::Ptr disease_layer(const Object::Ptr& result) {
  const Array::Ptr layers = array_of(result, "layers");
  for (std::size_t i = 0; !layers.isNull() && i < layers->size(); ++i) {
    const Object::Ptr layer = layers->getObject(static_cast<unsigned>(i));
    if (layer.isNull() || !layer->has("details")) continue;
    if (!text_of(layer->getObject("details"), "special_disease").empty()) return layer;
  }
  return {};
}

// For an outpatient special-disease visit (domain.md §3.6): the visit type, the disease and
// the year's use of its yearly limit after this visit; "" for an admission.
std::string visit_table(const service::SlipData& slip, const Object::Ptr& result) {
  if (!slip.claim.is_visit()) return "";
  const std::string& id = slip.claim.special_disease;
  const OutpatientSpecial::Disease* disease =
      slip.policy != nullptr ? slip.policy->special_disease(id) : nullptr;
  const std::string name = disease != nullptr ? disease->name + " " + id : id;
  std::string use;
  const Object::Ptr layer = disease_layer(result);
  const Object::Ptr details = layer.isNull() ? Object::Ptr() : layer->getObject("details");
  const auto before = Money::parse(text_of(details, "disease_paid_before"));
  const auto limit = Money::parse(text_of(details, "disease_limit_annual"));
  const auto paid = Money::parse(text_of(layer, "paid"));
  if (before && limit && paid) {
    const Money used = *before + *paid;
    use = "本年已用 " + used.to_string() + " / 年度限额 " + limit->to_string() + "，剩余 " +
          max(Money{}, *limit - used).to_string();
  }
  return "<table><tr>" + label("就诊类型", "med_type") +
         cell("门诊特殊病种 outpatient_special (14)") + label("病种", "special_disease") +
         cell(name) + "</tr><tr>" + label("病种年度限额使用", "disease_limit") +
         "<td colspan=\"3\">" + html_escape(use) + "</td></tr></table>";
}

// The split of the bill (domain.md §2) under its national names.
std::string split_table(const Object::Ptr& result) {
  static constexpr std::array<std::array<std::string_view, 3>, 5> kRows = {{
      {"医疗费总额", "medfee_sumamt", "total"},
      {"全自费金额", "fulamt_ownpay_amt", "out_of_policy"},
      {"超限价自付金额", "overlmt_selfpay", "over_limit"},
      {"先行自付金额", "preselfpay_amt", "pre_self_pay"},
      {"符合政策范围金额", "inscp_scp_amt", "in_policy"},
  }};
  std::string out =
      "<h2>费用分割</h2><table><thead><tr><th>项目</th>"
      "<th class=\"amount\">金额（元）</th></tr></thead><tbody>";
  for (const auto& [chinese, national, ours] : kRows) {
    out += "<tr" + std::string(national == "medfee_sumamt" ? " class=\"total\"" : "") + ">" +
           label(chinese, national) + cell(text_of(result, std::string(ours)), "amount") + "</tr>";
  }
  return out + "</tbody></table>";
}

// What a layer row says besides its amounts.
std::string layer_note(const Object::Ptr& layer) {
  if (layer.isNull()) return "";
  if (layer->has("eligible") && !layer->getValue<bool>("eligible")) {
    return "不适用 not eligible: " + text_of(layer, "reason");
  }
  const bool capped = layer->has("capped") && layer->getValue<bool>("capped");
  return capped ? "已达年度限额 annual limit reached" : "";
}

// Each fund's payment in policy order, then the totals.
std::string funds_table(const service::SlipData& slip, const Object::Ptr& result) {
  std::string out =
      "<h2>基金支付</h2><table><thead><tr><th>基金</th>"
      "<th>基金类型<br><span class=\"field\">fund_pay_type</span></th>"
      "<th class=\"amount\">计算基数<br><span class=\"field\">inscp_scp_amt</span></th>"
      "<th class=\"amount\">支付金额<br><span class=\"field\">fund_payamt</span></th>"
      "<th>说明</th></tr></thead><tbody>";
  const Array::Ptr layers = array_of(result, "layers");
  for (std::size_t i = 0; !layers.isNull() && i < layers->size(); ++i) {
    const Object::Ptr layer = layers->getObject(static_cast<unsigned>(i));
    const std::string fund = text_of(layer, "fund");
    std::string name = text_of(layer, "id");
    if (slip.policy != nullptr && i < slip.policy->layers.size()) {
      name = slip.policy->layers[i].name + " " + name;
    }
    const std::string_view national = national_fund_field(fund);
    out +=
        "<tr><td>" + html_escape(name) +
        (national.empty() ? "" : "<br><span class=\"field\">" + std::string(national) + "</span>") +
        "</td>" + cell(fund) + cell(text_of(layer, "base"), "amount") +
        cell(text_of(layer, "paid"), "amount") + cell(layer_note(layer)) + "</tr>";
  }
  out += "<tr class=\"total\">" + label("基金支付总额", "fund_pay_sumamt") + "<td></td><td></td>" +
         cell(text_of(result, "fund_paid"), "amount") + "<td></td></tr>";
  out += "<tr class=\"total\">" + label("个人现金支付", "psn_cash_pay") + "<td></td><td></td>" +
         cell(text_of(result, "patient_pays"), "amount") +
         "<td>患者应付 the patient pays</td></tr>";
  return out + "</tbody></table>";
}

// Every item with its split; names from the stored claim (the result keeps codes only).
std::string items_table(const service::SlipData& slip, const Object::Ptr& result) {
  std::string out =
      "<h2>费用明细</h2><table><thead><tr><th>编码</th><th>名称</th><th>类别</th>"
      "<th class=\"amount\">金额</th><th class=\"amount\">全自费</th>"
      "<th class=\"amount\">超限价</th><th class=\"amount\">先行自付</th>"
      "<th class=\"amount\">政策范围内</th></tr></thead><tbody>";
  const Array::Ptr items = array_of(result, "items");
  for (std::size_t i = 0; !items.isNull() && i < items->size(); ++i) {
    const Object::Ptr item = items->getObject(static_cast<unsigned>(i));
    const std::string name = i < slip.claim.items.size() ? slip.claim.items[i].name : "";
    const std::string cls = text_of(item, "class");
    const std::string cls_label = cls == "A"   ? "甲 A"
                                  : cls == "B" ? "乙 B"
                                  : cls == "C" ? "丙 C"
                                               : cls;
    out += "<tr>" + cell(text_of(item, "code")) + cell(name) + cell(cls_label) +
           cell(text_of(item, "amount"), "amount") +
           cell(text_of(item, "out_of_policy"), "amount") +
           cell(text_of(item, "over_limit"), "amount") +
           cell(text_of(item, "pre_self_pay"), "amount") +
           cell(text_of(item, "in_policy"), "amount") + "</tr>";
  }
  return out + "</tbody></table>";
}

// The audit flags, when there are any.
std::string flags_list(const Object::Ptr& result) {
  const Array::Ptr flags = array_of(result, "flags");
  if (flags.isNull() || flags->size() == 0) return "";
  std::string out = "<h2>审核提示</h2><ul>";
  for (std::size_t i = 0; i < flags->size(); ++i) {
    const Object::Ptr flag = flags->getObject(static_cast<unsigned>(i));
    out += "<li>" + html_escape(text_of(flag, "code")) + ": " +
           html_escape(text_of(flag, "message")) + "</li>";
  }
  return out + "</ul>";
}

std::string banner(const service::SlipData& slip) {
  if (!slip.cancellation) return "";
  const store::StoredRecord& c = *slip.cancellation;
  return "<div class=\"banner\">已撤销 CANCELLED — 撤销记录 No. " + std::to_string(c.id) + "，" +
         html_escape(c.recorded_at) + "，原因: " + html_escape(c.reason) + "</div>";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace onestop::http

namespace onestop::http {

Result<std::string> slip_html(const service::SlipData& slip) {
  Object::Ptr result;
  try {
    Poco::JSON::Parser parser;
    result = parser.parse(slip.settlement.result_json).extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return Error{"internal", "",
                 "the stored result of settlement " + std::to_string(slip.settlement.id) +
                     " cannot be read: " + e.displayText()};
  }
  const std::string number = std::to_string(slip.settlement.id);
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
      "<title>一站式结算单 No. " +
      number + "</title><style>" + std::string(kStyle) + "</style></head><body>";
  page += "<h1>医疗保障一站式结算单</h1><p class=\"sub\">One-stop settlement slip · 结算编号 No. " +
          number + "</p>";
  page += banner(slip) + head_table(slip, result) + visit_table(slip, result) +
          split_table(result) + funds_table(slip, result) + items_table(slip, result) +
          flags_list(result);
  page +=
      "<div class=\"sign\"><span>经办人签字</span><span>患者（家属）签字</span>"
      "<span>医疗机构盖章</span></div></body></html>\n";
  return page;
}

}  // namespace onestop::http
