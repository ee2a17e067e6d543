// The transactions of national.md §4 on the visit state machine
//   2401 → admitted —2402→ discharged —2304→ settled
//   admitted —2404→ cancelled; discharged —2405→ admitted; settled —2305→ discharged
// with fee lines (2301 / 2302) while admitted or discharged. A transaction out of order is
// refused with the platform's kind of message and changes nothing.
#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include "adapters/codec/json_util.hpp"
#include "adapters/national/fields.hpp"
#include "adapters/national/gateway_internal.hpp"
#include "engine/settle.hpp"

namespace onestop::national {
namespace {

using catalogue::format_scaled;
using catalogue::parse_scaled;

// A refusal for the HIS's operator: "input.data.mdtrt_id: 该就诊未办理出院…".
Error refuse(const std::string& field, const std::string& message) {
  return Error{"refused", field, field + ": " + message};
}

// A service error in national terms: its code and message under the national field.
Error from_service(const Error& e, const std::string& field) {
  return Error{e.code, field, field + ": " + e.message + " (" + e.code + ")"};
}

std::string date_part(const std::string& datetime) { return datetime.substr(0, 10); }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Days since 1970-01-01 of a civil date.
std::int64_t days_from_civil(std::int64_t y, std::int64_t m, std::int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::int64_t ledger_time_ms(const std::string& t) {
  if (t.size() < 19) return 0;
  const auto n = [&](std::size_t at, std::size_t len) { return std::stoll(t.substr(at, len)); };
  try {
    const std::int64_t days = days_from_civil(n(0, 4), n(5, 2), n(8, 2));
    std::int64_t ms = ((days * 24 + n(11, 2)) * 60 + n(14, 2)) * 60'000 + n(17, 2) * 1000;
    if (t.size() >= 23 && t[19] == '.') ms += n(20, 3);
    return ms;
  } catch (const std::exception&) {
    return 0;
  }
}

namespace {

// The ID number's gender (national gend: 1 male, 2 female) and birth date, or "".
std::string gender_of(const std::string& id) {
  if (id.size() != 18 || id[16] < '0' || id[16] > '9') return "";
  return (id[16] - '0') % 2 == 1 ? "1" : "2";
}
std::string birth_of(const std::string& id) {
  if (id.size() != 18 || !all_digits(id.substr(6, 8))) return "";
  const std::string d = id.substr(6, 4) + "-" + id.substr(10, 2) + "-" + id.substr(12, 2);
  return Date::parse(d) ? d : "";
}
// Whole years between the birth date and `on`, as N(4,1).
std::string age_on(const std::string& birth, const std::string& on) {
  auto b = Date::parse(birth);
  auto o = Date::parse(on);
  if (!b || !o) return "0.0";
  int years = o->year() - b->year();
  if (o->month() < b->month() || (o->month() == b->month() && o->day() < b->day())) --years;
  return std::to_string(std::max(years, 0)) + ".0";
}

std::string category_name(const std::string& category) {
  if (category == "poor") return "建档立卡贫困人口";
  if (category == "extreme_poor") return "特困供养人员";
  if (category == "low_income") return "最低生活保障对象";
  if (category == "resident") return "城乡居民";
  return category;
}

std::string fund_name(std::string_view fund) {
  if (fund == "390100") return "城乡居民基本医疗保险基金";
  if (fund == "390200") return "城乡居民大病医疗保险基金";
  if (fund == "610100") return "医疗救助基金";
  if (fund == "620100") return "特惠保";
  if (fund == "630100") return "医院减免";
  if (fund == "640100") return "政府兜底";
  return "其他基金";
}

const std::initializer_list<std::string_view> kInsutypes = {"310", "320", "330", "340", "350",
                                                            "360", "370", "380", "390", "391",
                                                            "392", "399", "410", "510"};
const std::initializer_list<std::string_view> kCertTypes = {"01", "02", "03"};
const std::initializer_list<std::string_view> kMedTypes = {
    "11", "12", "13", "14", "15", "16",   "19",   "21",   "22",   "23",   "24",  "25",
    "26", "41", "51", "52", "53", "2101", "2102", "9901", "9902", "9921", "9925"};
const std::initializer_list<std::string_view> kFlags = {"0", "1"};

// A money amount from the stored result's national block ("12.30" strings), 0 when absent.
Money result_amount(const JsonValue* node, std::string_view key) {
  const JsonValue* v = node == nullptr ? nullptr : node->find(key);
  if (v == nullptr) return Money();
  return Money::parse(v->text).value_or(Money());
}

// The basic fund's ratio from the result's layers (N(5,4)), "0.0000" when none.
std::string basic_ratio(const JsonValue& result) {
  const JsonValue* layers = result.find("layers");
  if (layers == nullptr) return "0.0000";
  for (const JsonValue* layer : layers->elements) {
    const JsonValue* fund = layer->find("fund");
    const JsonValue* details = layer->find("details");
    if (fund == nullptr || fund->text != "390100" || details == nullptr) continue;
    const JsonValue* ratio = details->find("ratio");
    if (ratio == nullptr) continue;
    if (auto scaled = parse_scaled(ratio->text, 6)) return format_scaled(*scaled, 6, 4);
  }
  return "0.0000";
}

// The settlement's national output from a stored (or trial) result. `setl_id` "" for a trial;
// `sign` -1 writes a cancellation's amounts negated; `cancel_form` the 2305 field list.
struct SettlementView {
  const Visit& visit;
  const std::optional<Person>& person;
  std::string setl_id;
  std::string setl_time;
  std::string msgid;
  std::string clr_optins;
  int sign = 1;
  bool cancel_form = false;
};

Result<std::string> settlement_output(const SettlementView& v, const std::string& result_json) {
  auto doc = JsonDocument::parse(result_json);
  if (!doc) return Error{"internal", "", "the stored result cannot be read"};
  const JsonValue& result = doc->root();
  const JsonValue* national = result.find("national");
  const JsonValue* info = national == nullptr ? nullptr : national->find("setlinfo");
  const JsonValue* detail = national == nullptr ? nullptr : national->find("setldetail");
  const auto amount = [&](std::string_view key) {
    const Money m = result_amount(info, key);
    return v.sign < 0 ? -m : m;
  };
  const Money total = amount("medfee_sumamt");
  const Money fund = amount("fund_pay_sumamt");
  const Money hifp = amount("hifp_pay");
  const Money hifmi = amount("hifmi_pay");
  const Money maf = amount("maf_pay");
  const Money patient = amount("psn_part_amt");
  const std::string ratio = basic_ratio(result);
  const std::string& id = v.person ? v.person->id_number : std::string();
  const std::string birth = birth_of(id);
  codec::JsonWriter w(2048);
  w.begin_object().key("setlinfo").begin_object();
  w.member("mdtrt_id", v.visit.mdtrt_id);
  if (!v.setl_id.empty()) w.member("setl_id", v.setl_id);
  if (v.cancel_form) {
    w.member("clr_optins", v.clr_optins).member("setl_time", v.setl_time);
  } else {
    w.member("psn_no", v.visit.psn_no).member("psn_name", v.person ? v.person->name : "");
    w.member("psn_cert_type", "01").member("certno", id).member("gend", gender_of(id));
    w.member("naty", "").member("brdy", birth);
    w.key("age").raw(age_on(birth, date_part(v.setl_time)));
    w.member("insutype", v.visit.insutype).member("psn_type", "1501");
    w.member("cvlserv_flag", "0").member("setl_time", v.setl_time);
    w.member("mdtrt_cert_type", v.visit.mdtrt_cert_type).member("med_type", v.visit.med_type);
  }
  write_amount(w, "medfee_sumamt", total);
  write_amount(w, "fulamt_ownpay_amt", amount("fulamt_ownpay_amt"));
  write_amount(w, "overlmt_selfpay", amount("overlmt_selfpay"));
  write_amount(w, "preselfpay_amt", amount("preselfpay_amt"));
  write_amount(w, "inscp_scp_amt", amount("inscp_scp_amt"));
  write_amount(w, "act_pay_dedc", amount("act_pay_dedc"));
  write_amount(w, "hifp_pay", hifp);
  w.key("pool_prop_selfpay").raw(ratio);
  write_amount(w, "cvlserv_pay", Money());
  write_amount(w, "hifes_pay", Money());
  write_amount(w, "hifmi_pay", hifmi);
  write_amount(w, "hifob_pay", Money());
  write_amount(w, "maf_pay", maf);
  if (!v.cancel_form) write_amount(w, "hosp_part_amt", Money());
  write_amount(w, "oth_pay", fund - hifp - hifmi - maf);
  write_amount(w, "fund_pay_sumamt", fund);
  write_amount(w, "psn_part_amt", patient);
  write_amount(w, "acct_pay", Money());
  write_amount(w, "psn_cash_pay", patient);
  if (v.cancel_form) write_amount(w, "hosp_part_amt", Money());
  write_amount(w, "balc", Money());
  write_amount(w, "acct_mulaid_pay", Money());
  w.member("medins_setl_id", v.msgid);
  if (v.cancel_form) {
    write_amount(w, "hifdm_pay", Money());
  } else {
    w.member("clr_optins", v.clr_optins).member("clr_way", "1").member("clr_type", "21");
  }
  w.end_object().key("setldetail").begin_array();
  if (detail != nullptr) {
    for (const JsonValue* row : detail->elements) {
      Money paid = result_amount(row, "fund_payamt");
      if (paid.is_zero()) continue;
      Money base = result_amount(row, "inscp_scp_amt");
      if (v.sign < 0) {
        paid = -paid;
        base = -base;
      }
      const JsonValue* fund_type = row->find("fund_pay_type");
      const JsonValue* proc = row->find("setl_proc_info");
      const std::string type = fund_type == nullptr ? "" : fund_type->text;
      w.begin_object().member("fund_pay_type", type);
      write_amount(w, "inscp_scp_amt", base);
      write_amount(w, "crt_payb_lmt_amt", base);
      write_amount(w, "fund_payamt", paid);
      w.member("fund_pay_type_name", fund_name(type));
      w.member("setl_proc_info", proc == nullptr ? "" : proc->text).end_object();
    }
  }
  w.end_array().end_object();
  return w.take();
}

// The node of a transaction's input: input.<name>, or the first of several accepted names.
const JsonValue* input_node(const Envelope& env, std::initializer_list<std::string_view> names,
                            std::string& path) {
  for (std::string_view name : names) {
    if (const JsonValue* v = env.input->find(name)) {
      path = "input." + std::string(name);
      return v;
    }
  }
  path = "input." + std::string(*names.begin());
  return nullptr;
}

std::string no_output() { return "{}"; }

// A diagnosis list (diseinfo[]) at `path`, main diagnoses first; every element checked.
Result<std::vector<std::string>> read_diagnoses(const JsonValue* list, const std::string& path,
                                                const std::string& psn_no) {
  std::vector<std::string> main;
  std::vector<std::string> other;
  if (list == nullptr) return main;
  for (std::size_t i = 0; i < list->elements.size(); ++i) {
    FieldReader r(list->elements[i], path + "[" + std::to_string(i) + "]");
    const std::string psn = r.str("psn_no", 30, Req::yes);
    r.str("diag_type", 3, Req::yes);
    const std::string flag = r.code("maindiag_flag", 3, Req::yes, {"0", "1"});
    r.count("diag_srt_no", Req::yes);
    const std::string code = r.str("diag_code", 16, Req::yes);
    r.str("diag_name", 100, Req::yes);
    r.str("adm_cond", 500, Req::no);
    r.str("diag_dept", 50, Req::yes);
    r.str("dise_dor_no", 30, Req::yes);
    r.str("dise_dor_name", 50, Req::yes);
    r.datetime("diag_time", Req::yes);
    if (r.error()) return *r.error();
    if (psn != psn_no)
      return refuse(r.field("psn_no"), "人员编号与就诊人员不符 (not the visit's person)");
    (flag == "1" ? main : other).push_back(code);
  }
  main.insert(main.end(), other.begin(), other.end());
  return main;
}

}  // namespace

Result<Gateway::Outcome> Gateway::sign_in(const Call& call) const {
  FieldReader r(call.env.input->find("signIn"), "input.signIn");
  r.str("opter_no", 30, Req::yes);
  r.str("mac", 50, Req::yes);
  r.str("ip", 50, Req::yes);
  if (r.error()) return *r.error();
  codec::JsonWriter w;
  w.begin_object().key("signinoutb").begin_object();
  w.member("sign_time", local_time(call.received_ms, false));
  w.member("sign_no",
           call.env.mdtrtarea_admvs + local_time(call.received_ms, true).substr(0, 14) + serial());
  w.end_object().end_object();
  return Outcome{w.take(), {}, ""};
}

Result<Gateway::Outcome> Gateway::person_query(const Call& call) const {
  FieldReader r(call.env.input->find("data"), "input.data");
  r.code("mdtrt_cert_type", 3, Req::yes, kCertTypes);
  const std::string cert_no = r.str("mdtrt_cert_no", 50, Req::yes);
  r.str("card_sn", 32, Req::no);
  std::string begntime;
  r.datetime("begntime", Req::no, &begntime);
  r.str("psn_cert_type", 6, Req::no);
  r.str("certno", 50, Req::no);
  r.str("psn_name", 50, Req::no);
  if (r.error()) return *r.error();
  const std::string on = begntime.empty() ? date_part(call.env.inf_time) : date_part(begntime);
  auto person = store_->person(cert_no, on);
  if (!person) return person.error();
  if (!*person) {
    return refuse("input.data.mdtrt_cert_no",
                  "未查询到参保人员信息 (nobody with this number is on the roster on " + on + ")");
  }
  const Person& p = **person;
  const std::string birth = birth_of(p.id_number);
  codec::JsonWriter w(1024);
  w.begin_object().key("baseinfo").begin_object();
  w.member("psn_no", p.psn_no).member("psn_cert_type", "01").member("certno", p.id_number);
  w.member("psn_name", p.name).member("gend", gender_of(p.id_number)).member("naty", "");
  w.member("brdy", birth).key("age").raw(age_on(birth, on));
  w.end_object().key("insuinfo").begin_array().begin_object();
  write_amount(w, "balc", Money());
  w.member("insutype", "390").member("psn_type", "1501").member("psn_insu_stas", "1");
  w.member("psn_insu_date", p.valid_from).member("paus_insu_date", "");
  w.member("cvlserv_flag", "0").member("insuplc_admdvs", call.env.mdtrtarea_admvs);
  w.member("emp_name", "").end_object().end_array();
  w.key("idetinfo").begin_array();
  if (p.category != "resident") {
    w.begin_object().member("psn_idet_type", p.category).member("psn_type_lv", "");
    w.member("memo", category_name(p.category));
    w.member("begntime", p.valid_from + " 00:00:00");
    w.member("endtime", p.valid_to.empty() ? "" : p.valid_to + " 23:59:59").end_object();
  }
  w.end_array().end_object();
  return Outcome{w.take(), {}, ""};
}

Result<Gateway::Outcome> Gateway::admit(const Call& call) const {
  FieldReader r(call.env.input->find("mdtrtinfo"), "input.mdtrtinfo");
  Visit v;
  v.psn_no = r.str("psn_no", 30, Req::yes);
  v.insutype = r.code("insutype", 6, Req::yes, kInsutypes);
  r.str("coner_name", 50, Req::no);
  r.str("tel", 50, Req::no);
  r.datetime("begntime", Req::yes, &v.begntime);
  v.mdtrt_cert_type = r.code("mdtrt_cert_type", 3, Req::yes, kCertTypes);
  const std::string cert_no = r.str("mdtrt_cert_no", 50, Req::yes);
  v.med_type = r.code("med_type", 6, Req::yes, kMedTypes);
  r.str("ipt_no", 30, Req::yes);
  r.str("medrcdno", 30, Req::no);
  r.str("atddr_no", 30, Req::yes);
  r.str("chfpdr_name", 50, Req::yes);
  r.str("adm_diag_dscr", 200, Req::yes);
  r.str("adm_dept_codg", 30, Req::yes);
  r.str("adm_dept_name", 100, Req::yes);
  r.str("adm_bed", 30, Req::yes);
  const std::string main_code = r.str("dscg_maindiag_code", 16, Req::yes);
  r.str("dscg_maindiag_name", 300, Req::yes);
  r.str("main_cond_dscr", 1000, Req::no);
  r.str("dise_codg", 30, Req::no);
  r.str("dise_name", 500, Req::no);
  r.str("oprn_oprt_code", 30, Req::no);
  r.str("oprn_oprt_name", 500, Req::no);
  r.str("dise_type_code", 6, Req::no);
  if (r.error()) return *r.error();
  FieldReader input(call.env.input, "input");
  const JsonValue* dise = input.array("diseinfo", Req::no, 64);
  if (input.error()) return *input.error();
  auto diagnoses = read_diagnoses(dise, "input.diseinfo", v.psn_no);
  if (!diagnoses) return diagnoses.error();
  v.diagnoses = std::move(diagnoses).value();
  if (std::find(v.diagnoses.begin(), v.diagnoses.end(), main_code) == v.diagnoses.end()) {
    v.diagnoses.insert(v.diagnoses.begin(), main_code);
  }
  auto person = store_->person(v.psn_no, date_part(v.begntime));
  if (!person) return person.error();
  if (!*person || (*person)->psn_no != v.psn_no) {
    return refuse("input.mdtrtinfo.psn_no",
                  "人员不在救助名册中 (not on the roster on " + date_part(v.begntime) + ")");
  }
  if (v.mdtrt_cert_type == "02" && cert_no != (*person)->id_number) {
    return refuse("input.mdtrtinfo.mdtrt_cert_no",
                  "身份证号与人员信息不符 (not the person's ID number)");
  }
  auto open = store_->visits_of(call.env.fixmedins_code);
  if (!open) return open.error();
  for (const Visit& other : *open) {
    if (other.psn_no == v.psn_no && (other.state == "admitted" || other.state == "discharged")) {
      return refuse("input.mdtrtinfo.psn_no",
                    "该人员已有在院登记 " + other.mdtrt_id + " (an open admission exists)");
    }
  }
  auto id = store_->next_visit_id();
  if (!id) return id.error();
  char digits[24];
  std::snprintf(digits, sizeof digits, "%015lld", static_cast<long long>(*id));
  v.id = *id;
  v.mdtrt_id = call.env.mdtrtarea_admvs + digits;
  v.fixmedins_code = call.env.fixmedins_code;
  v.hospital_id = call.hospital.id;
  v.state = "admitted";
  codec::JsonWriter w;
  w.begin_object().key("result").begin_object().member("mdtrt_id", v.mdtrt_id);
  w.end_object().end_object();
  Outcome out{w.take(), {}, ""};
  out.change.mdtrt_id = v.mdtrt_id;
  out.change.insert_visit = std::move(v);
  return out;
}

Result<Visit> Gateway::open_visit(const Call& call, const std::string& prefix,
                                  const std::string& mdtrt_id, const std::string& psn_no) const {
  auto visit = store_->visit(mdtrt_id);
  if (!visit) return visit.error();
  if (!*visit || (*visit)->fixmedins_code != call.env.fixmedins_code) {
    return refuse(prefix + ".mdtrt_id", "就诊信息不存在 (no visit " + mdtrt_id + " here)");
  }
  if ((*visit)->psn_no != psn_no) {
    return refuse(prefix + ".psn_no", "人员编号与就诊信息不符 (not the visit's person)");
  }
  return std::move(**visit);
}

Result<Gateway::Outcome> Gateway::upload_fees(const Call& call) const {
  FieldReader input(call.env.input, "input");
  const JsonValue* list = input.array("feedetail", Req::yes, 2000);
  if (input.error()) return *input.error();
  if (catalogue_ == nullptr) {
    return refuse("input.feedetail", "医保目录未配置 (the platform has no catalogue)");
  }
  std::optional<Visit> visit;
  std::map<std::string, FeeLine> known;  // feedetl_sn -> line, stored and new
  std::map<std::string, Int128> net;     // original line -> net quantity
  Outcome out{"", {}, ""};
  codec::JsonWriter w(512 * list->elements.size() + 64);
  w.begin_object().key("result").begin_array();
  for (std::size_t i = 0; i < list->elements.size(); ++i) {
    const std::string path = "input.feedetail[" + std::to_string(i) + "]";
    FieldReader r(list->elements[i], path);
    FeeLine line;
    line.feedetl_sn = r.str("feedetl_sn", 30, Req::yes);
    line.init_feedetl_sn = r.str("init_feedetl_sn", 30, Req::no);
    const std::string mdtrt_id = r.str("mdtrt_id", 30, Req::yes);
    r.str("drord_no", 30, Req::no);
    const std::string psn_no = r.str("psn_no", 30, Req::yes);
    r.code("med_type", 6, Req::yes, kMedTypes);
    const auto fee_date = r.datetime("fee_ocur_time", Req::yes, &line.fee_ocur_time);
    line.med_list_codg = r.str("med_list_codg", 50, Req::yes);
    r.str("medins_list_codg", 150, Req::yes);
    const Money sumamt = r.amount("det_item_fee_sumamt", Req::yes, true);
    const Int128 cnt = r.scaled("cnt", catalogue::kQuantityScale, Req::yes, true);
    const Int128 pric = r.scaled("pric", catalogue::kPriceScale, Req::yes, false);
    r.str("bilg_dept_codg", 30, Req::yes);
    r.str("bilg_dept_name", 100, Req::yes);
    r.str("bilg_dr_codg", 30, Req::yes);
    r.str("bilg_dr_name", 50, Req::yes);
    for (const char* key : {"acord_dept_codg", "orders_dr_code", "etip_hosp_code"}) {
      r.str(key, 30, Req::no);
    }
    r.str("acord_dept_name", 100, Req::no);
    r.str("orders_dr_name", 50, Req::no);
    for (const char* key : {"hosp_appr_flag", "etip_flag", "dscg_tkdrug_flag"}) {
      r.str(key, 3, Req::no);
    }
    r.str("tcmdrug_used_way", 6, Req::no);
    r.str("matn_fee_flag", 6, Req::no);
    r.str("memo", 500, Req::no);
    if (r.error()) return *r.error();
    if (!visit) {
      auto v = open_visit(call, path, mdtrt_id, psn_no);
      if (!v) return v.error();
      if (v->state != "admitted" && v->state != "discharged") {
        return refuse(path + ".mdtrt_id", "就诊状态为" + v->state +
                                              "，不能上传费用明细 (fees go up before settlement)");
      }
      visit = std::move(v).value();
      auto stored = store_->lines(visit->mdtrt_id);
      if (!stored) return stored.error();
      for (FeeLine& l : stored.value()) {
        const Int128 q = *parse_scaled(l.cnt, catalogue::kQuantityScale);
        net[l.init_feedetl_sn.empty() ? l.feedetl_sn : l.init_feedetl_sn] += q;
        known.emplace(l.feedetl_sn, std::move(l));
      }
    } else if (mdtrt_id != visit->mdtrt_id) {
      return refuse(path + ".mdtrt_id", "一次上传只能属于一个就诊 (one visit per upload)");
    } else if (psn_no != visit->psn_no) {
      return refuse(path + ".psn_no", "人员编号与就诊信息不符 (not the visit's person)");
    }
    if (known.count(line.feedetl_sn) != 0) {
      return refuse(path + ".feedetl_sn", "费用明细流水号重复 (already uploaded for this visit)");
    }
    if (cnt == 0) return refuse(path + ".cnt", "数量不能为0 (a quantity is not zero)");
    if (cnt < 0) {
      auto original = known.find(line.init_feedetl_sn);
      if (line.init_feedetl_sn.empty() || original == known.end() ||
          !original->second.init_feedetl_sn.empty()) {
        return refuse(path + ".init_feedetl_sn",
                      "退费明细须指明原费用明细流水号 (a refund line names the line it refunds)");
      }
      if (original->second.med_list_codg != line.med_list_codg) {
        return refuse(path + ".med_list_codg",
                      "与原费用明细的目录编码不符 (not the refunded line's code)");
      }
      if (net[line.init_feedetl_sn] + cnt < 0) {
        return refuse(path + ".cnt", "退费数量超过原数量 (refunds more than was charged)");
      }
      net[line.init_feedetl_sn] += cnt;
    } else {
      if (!line.init_feedetl_sn.empty()) {
        return refuse(path + ".init_feedetl_sn",
                      "正常明细不能填写原费用流水号 (only a refund line has one)");
      }
      net[line.feedetl_sn] += cnt;
    }
    const Date on = *fee_date;
    auto priced = catalogue_->price(line.med_list_codg, cnt, pric, on, path + ".med_list_codg",
                                    "feedetl_sn " + line.feedetl_sn);
    if (!priced) {
      Error e = priced.error();
      e.message = e.field + ": 医保目录中无此项目 (" + e.message + ")";
      return e;
    }
    if (priced->amount != sumamt) {
      return refuse(path + ".det_item_fee_sumamt",
                    "明细金额" + sumamt.to_string() + "不等于数量×单价" +
                        priced->amount.to_string() + " (the line total is cnt × pric)");
    }
    const Policy* policy = service_.policies().effective_on(on);
    if (policy == nullptr) {
      return refuse(path + ".fee_ocur_time",
                    "该日期无有效的医保政策 (no policy in force on " + on.to_string() + ")");
    }
    const Split split = split_item(priced->item, policy->b_share, policy->rounding);
    const catalogue::Entry& entry = *priced->entry;
    std::string prop = "0.0000";
    if (entry.item_class == ItemClass::C) prop = "1.0000";
    if (entry.item_class == ItemClass::B) {
      const Rate share = entry.self_pay_ratio.value_or(policy->b_share);
      prop = format_scaled(Int128(share.micro()), 6, 4);
    }
    w.begin_object().member("feedetl_sn", line.feedetl_sn);
    write_amount(w, "det_item_fee_sumamt", priced->amount);
    w.key("cnt").raw(format_scaled(cnt, catalogue::kQuantityScale, 4));
    w.key("pric").raw(format_scaled(pric, catalogue::kPriceScale, 6));
    w.key("pric_uplmt_amt").raw(format_scaled(entry.price_cap.value_or(pric), 6, 6));
    w.key("selfpay_prop").raw(prop);
    write_amount(w, "fulamt_ownpay_amt", split.out_of_policy);
    write_amount(w, "overlmt_amt", split.over_limit);
    write_amount(w, "preselfpay_amt", split.pre_self_pay);
    write_amount(w, "inscp_scp_amt", split.in_policy);
    static constexpr std::array<const char*, 3> kLevels = {"01", "02", "03"};
    w.member("chrgitm_lv", kLevels.at(static_cast<std::size_t>(entry.item_class)));
    w.member("med_chrgitm_type", entry.item_type);
    for (const char* key :
         {"bas_medn_flag", "hi_nego_drug_flag", "chld_medc_flag", "list_sp_item_flag"}) {
      w.member(key, "");
    }
    w.member("lmt_used_flag", "0").member("drt_reim_flag", "0").member("memo", "");
    w.end_object();
    line.cnt = format_scaled(cnt, catalogue::kQuantityScale, 4);
    line.pric = format_scaled(pric, catalogue::kPriceScale, 6);
    line.msgid = call.env.msgid;
    known.emplace(line.feedetl_sn, line);
    out.change.add_lines.push_back(std::move(line));
  }
  w.end_array().end_object();
  out.output = w.take();
  out.change.mdtrt_id = visit->mdtrt_id;
  return out;
}

Result<Gateway::Outcome> Gateway::cancel_fees(const Call& call) const {
  FieldReader input(call.env.input, "input");
  const JsonValue* list = input.array("data", Req::yes, 2000);
  if (input.error()) return *input.error();
  Outcome out{no_output(), {}, ""};
  std::optional<Visit> visit;
  std::vector<FeeLine> stored;
  for (std::size_t i = 0; i < list->elements.size(); ++i) {
    const std::string path = "input.data[" + std::to_string(i) + "]";
    FieldReader r(list->elements[i], path);
    const std::string sn = r.str("feedetl_sn", 30, Req::yes);
    const std::string mdtrt_id = r.str("mdtrt_id", 30, Req::yes);
    const std::string psn_no = r.str("psn_no", 30, Req::yes);
    if (r.error()) return *r.error();
    if (!visit) {
      auto v = open_visit(call, path, mdtrt_id, psn_no);
      if (!v) return v.error();
      if (v->state != "admitted" && v->state != "discharged") {
        return refuse(path + ".mdtrt_id",
                      "就诊状态为" + v->state + "，不能撤销费用明细 (cancel the settlement first)");
      }
      visit = std::move(v).value();
      auto lines = store_->lines(visit->mdtrt_id);
      if (!lines) return lines.error();
      stored = std::move(lines).value();
    } else if (mdtrt_id != visit->mdtrt_id) {
      return refuse(path + ".mdtrt_id", "一次撤销只能属于一个就诊 (one visit per message)");
    }
    if (sn == "0000") {
      out.change.remove_all_lines = true;
      continue;
    }
    const auto it = std::find_if(stored.begin(), stored.end(),
                                 [&](const FeeLine& l) { return l.feedetl_sn == sn; });
    if (it == stored.end()) {
      return refuse(path + ".feedetl_sn", "费用明细不存在 (no line " + sn + " in this visit)");
    }
    out.change.remove_lines.push_back(sn);
    // A line's refunds go with it.
    for (const FeeLine& l : stored) {
      if (l.init_feedetl_sn == sn) out.change.remove_lines.push_back(l.feedetl_sn);
    }
  }
  out.change.mdtrt_id = visit->mdtrt_id;
  return out;
}

Result<Gateway::Outcome> Gateway::discharge(const Call& call) const {
  FieldReader r(call.env.input->find("dscginfo"), "input.dscginfo");
  const std::string mdtrt_id = r.str("mdtrt_id", 30, Req::yes);
  const std::string psn_no = r.str("psn_no", 30, Req::yes);
  const std::string insutype = r.code("insutype", 6, Req::yes, kInsutypes);
  std::string endtime;
  r.datetime("endtime", Req::yes, &endtime);
  for (const char* key : {"dise_codg", "oprn_oprt_code"}) r.str(key, 30, Req::no);
  r.str("dise_name", 500, Req::no);
  r.str("oprn_oprt_name", 500, Req::no);
  r.str("cop_flag", 3, Req::no);
  r.str("dscg_dept_codg", 30, Req::yes);
  r.str("dscg_dept_name", 100, Req::yes);
  r.str("dscg_bed", 30, Req::no);
  r.code("dscg_way", 3, Req::yes, {"1", "2", "3", "4", "5", "9"});
  r.date("die_date", Req::no);
  if (r.error()) return *r.error();
  FieldReader input(call.env.input, "input");
  const JsonValue* dise = input.array("diseinfo", Req::no, 64);
  if (input.error()) return *input.error();
  auto diagnoses = read_diagnoses(dise, "input.diseinfo", psn_no);
  if (!diagnoses) return diagnoses.error();
  auto visit = open_visit(call, "input.dscginfo", mdtrt_id, psn_no);
  if (!visit) return visit.error();
  if (visit->state != "admitted") {
    return refuse(
        "input.dscginfo.mdtrt_id",
        "就诊状态为" + visit->state + "，不能办理出院 (only an admitted visit is discharged)");
  }
  if (insutype != visit->insutype) {
    return refuse("input.dscginfo.insutype", "险种类型与入院登记不符 (not the admission's)");
  }
  if (endtime < visit->begntime) {
    return refuse("input.dscginfo.endtime", "出院时间早于入院时间 (before the admission)");
  }
  Outcome out{no_output(), {}, ""};
  visit->endtime = endtime;
  if (!diagnoses->empty()) visit->diagnoses = std::move(diagnoses).value();
  visit->state = "discharged";
  out.change.mdtrt_id = visit->mdtrt_id;
  out.change.update_visit = std::move(visit).value();
  return out;
}

Result<Gateway::Outcome> Gateway::cancel_admission(const Call& call) const {
  FieldReader r(call.env.input->find("data"), "input.data");
  const std::string mdtrt_id = r.str("mdtrt_id", 30, Req::yes);
  const std::string psn_no = r.str("psn_no", 30, Req::yes);
  r.str("exp_content", 4000, Req::no);
  if (r.error()) return *r.error();
  auto visit = open_visit(call, "input.data", mdtrt_id, psn_no);
  if (!visit) return visit.error();
  if (visit->state != "admitted") {
    return refuse("input.data.mdtrt_id",
                  "就诊状态为" + visit->state + "，不能撤销入院 (undo the discharge first)");
  }
  auto lines = store_->lines(mdtrt_id);
  if (!lines) return lines.error();
  if (!lines->empty()) {
    return refuse("input.data.mdtrt_id", "该就诊已上传费用明细，请先撤销 (cancel its fees first)");
  }
  visit->state = "cancelled";
  Outcome out{no_output(), {}, ""};
  out.change.mdtrt_id = visit->mdtrt_id;
  out.change.update_visit = std::move(visit).value();
  return out;
}

Result<Gateway::Outcome> Gateway::undo_discharge(const Call& call) const {
  FieldReader r(call.env.input->find("data"), "input.data");
  const std::string mdtrt_id = r.str("mdtrt_id", 30, Req::yes);
  const std::string psn_no = r.str("psn_no", 30, Req::yes);
  if (r.error()) return *r.error();
  auto visit = open_visit(call, "input.data", mdtrt_id, psn_no);
  if (!visit) return visit.error();
  if (visit->state != "discharged") {
    return refuse("input.data.mdtrt_id",
                  "就诊状态为" + visit->state +
                      "，不能撤销出院 (only a discharged, unsettled visit; cancel the settlement "
                      "first)");
  }
  visit->state = "admitted";
  visit->endtime.clear();
  Outcome out{no_output(), {}, ""};
  out.change.mdtrt_id = visit->mdtrt_id;
  out.change.update_visit = std::move(visit).value();
  return out;
}

Result<std::string> Gateway::claim_body(const Call& call, const Visit& visit,
                                        const std::string& bill_no,
                                        const std::string& discharged_on, Money* total) const {
  (void)call;
  if (catalogue_ == nullptr) {
    return refuse("input.data.mdtrt_id", "医保目录未配置 (the platform has no catalogue)");
  }
  auto lines = store_->lines(visit.mdtrt_id);
  if (!lines) return lines.error();
  std::map<std::string, Int128> net;
  for (const FeeLine& l : *lines) {
    net[l.init_feedetl_sn.empty() ? l.feedetl_sn : l.init_feedetl_sn] +=
        *parse_scaled(l.cnt, catalogue::kQuantityScale);
  }
  codec::JsonWriter w(256 + 160 * lines->size());
  w.begin_object().member("hospital_id", visit.hospital_id).member("bill_no", bill_no);
  w.key("patient").begin_object().member("id", visit.psn_no).end_object();
  w.member("referral", false).member("admitted_on", date_part(visit.begntime));
  w.member("discharged_on", discharged_on).key("diagnoses").begin_array();
  for (const std::string& d : visit.diagnoses) w.value(d);
  w.end_array().key("items").begin_array();
  *total = Money();
  std::size_t items = 0;
  for (const FeeLine& l : *lines) {
    if (!l.init_feedetl_sn.empty() || net[l.feedetl_sn] <= 0) continue;
    const Date on = *Date::parse(date_part(l.fee_ocur_time));
    auto priced = catalogue_->price(l.med_list_codg, net[l.feedetl_sn],
                                    *parse_scaled(l.pric, catalogue::kPriceScale), on,
                                    "input.data.mdtrt_id", "feedetl_sn " + l.feedetl_sn);
    if (!priced) return priced.error();
    const Item& it = priced->item;
    w.begin_object().member("code", it.code).member("name", it.name);
    w.member("class", to_string(it.item_class)).member("amount", it.amount);
    if (!it.over_limit.is_zero()) w.member("over_limit", it.over_limit);
    if (it.self_pay_ratio) w.member("self_pay_ratio", it.self_pay_ratio->to_string());
    w.end_object();
    *total += it.amount;
    ++items;
  }
  w.end_array().end_object();
  if (items == 0) {
    return refuse("input.data.mdtrt_id", "该就诊没有费用明细 (no fee details uploaded)");
  }
  return w.take();
}

Result<Gateway::Outcome> Gateway::settle(const Call& call, bool trial) const {
  std::string path;
  const JsonValue* node = input_node(call.env, {"data", "mdtrtinfo"}, path);
  FieldReader r(node, path);
  const std::string psn_no = r.str("psn_no", 30, Req::yes);
  r.code("mdtrt_cert_type", 3, Req::yes, kCertTypes);
  r.str("mdtrt_cert_no", 50, Req::yes);
  const Money sumamt = r.amount("medfee_sumamt", Req::yes);
  r.code("psn_setlway", 6, Req::yes, {"01", "02", "0201", "0202"});
  const std::string mdtrt_id = r.str("mdtrt_id", 30, Req::yes);
  const std::string insutype = r.code("insutype", 6, Req::yes, kInsutypes);
  r.code("acct_used_flag", 1, trial ? Req::no : Req::yes, kFlags);
  r.str("invono", 20, Req::no);
  const std::string mid = r.code("mid_setl_flag", 3, Req::yes, kFlags);
  for (const char* key :
       {"fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt"}) {
    r.amount(key, Req::no);
  }
  r.str("exp_content", 4000, Req::no);
  if (r.error()) return *r.error();
  auto visit = open_visit(call, path, mdtrt_id, psn_no);
  if (!visit) return visit.error();
  if (insutype != visit->insutype) {
    return refuse(path + ".insutype", "险种类型与入院登记不符 (not the admission's)");
  }
  if (mid == "1")
    return refuse(path + ".mid_setl_flag", "暂不支持中途结算 (no interim settlement)");
  if (visit->state == "settled") {
    return refuse(path + ".mdtrt_id",
                  "该就诊已结算，不能重复结算 (a visit has one live settlement; "
                  "cancel it with 2305 first)");
  }
  if (visit->state == "cancelled") {
    return refuse(path + ".mdtrt_id", "该就诊已撤销 (the admission was cancelled)");
  }
  if (!trial && visit->state != "discharged") {
    return refuse(path + ".mdtrt_id",
                  "该就诊未办理出院，不能进行出院结算 (discharge it with 2402 first)");
  }
  const std::string discharged_on =
      visit->state == "discharged" ? date_part(visit->endtime) : date_part(call.env.inf_time);
  const std::string bill_no = visit->mdtrt_id + "-" + std::to_string(visit->settle_seq + 1);
  Money total;
  auto body = claim_body(call, *visit, bill_no, discharged_on, &total);
  if (!body) return body.error();
  if (total != sumamt) {
    return refuse(path + ".medfee_sumamt", "医疗费总额" + sumamt.to_string() +
                                               "与已上传费用明细合计" + total.to_string() +
                                               "不符 (the uploaded fees' total)");
  }
  auto person = store_->person(visit->psn_no, date_part(visit->begntime));
  if (!person) return person.error();
  SettlementView view{*visit,
                      *person,
                      "",
                      local_time(call.received_ms, false),
                      call.env.msgid,
                      call.env.mdtrtarea_admvs};
  if (trial) {
    auto outcome = service_.trial(*body, call.hospital.id);
    if (!outcome) return from_service(outcome.error(), path + ".mdtrt_id");
    auto output = settlement_output(view, outcome->result_json);
    if (!output) return output.error();
    return Outcome{std::move(output).value(), {}, ""};
  }
  auto outcome = service_.settle(*body, call.hospital.id);
  if (!outcome) return from_service(outcome.error(), path + ".mdtrt_id");
  if (outcome->status == service::WriteStatus::conflict || !outcome->record) {
    const Error e = outcome->conflict.value_or(Error{"conflict", "", "conflict"});
    return refuse(path + ".mdtrt_id", "结算冲突，请以2601冲正后重试 (" + e.message + ")");
  }
  const store::StoredRecord& record = *outcome->record;
  view.setl_id = std::to_string(record.id);
  view.setl_time = local_time(ledger_time_ms(record.recorded_at), false);
  auto output = settlement_output(view, record.result_json);
  if (!output) return output.error();
  Outcome out{std::move(output).value(), {}, ""};
  visit->state = "settled";
  visit->settle_seq += 1;
  visit->setl_id = record.id;
  out.change.mdtrt_id = visit->mdtrt_id;
  out.change.update_visit = std::move(visit).value();
  return out;
}

Result<Gateway::Outcome> Gateway::cancel_live_settlement(const Call& call, Visit visit,
                                                         const std::string& field) const {
  const std::int64_t setl_id = *visit.setl_id;
  // The same reason every time: a retry after a crash replays the ledger's cancellation.
  const std::string reason = "national 2305/2601: cancel settlement " + std::to_string(setl_id) +
                             " of visit " + visit.mdtrt_id;
  codec::JsonWriter body;
  body.begin_object().member("reason", reason).end_object();
  auto outcome = service_.cancel(setl_id, body.text(), call.hospital.id);
  if (!outcome) return from_service(outcome.error(), field);
  std::optional<store::StoredRecord> cancellation = outcome->record;
  if (outcome->status == service::WriteStatus::conflict) {
    const Error e = outcome->conflict.value_or(Error{"conflict", "", "conflict"});
    if (e.code != "already_cancelled" || !cancellation) {
      return refuse(field, "不能撤销该结算 (" + e.message + ")");
    }
  }
  auto original = service_.get(setl_id, call.hospital.id);
  if (!original) return from_service(original.error(), field);
  auto person = store_->person(visit.psn_no, date_part(visit.begntime));
  if (!person) return person.error();
  SettlementView view{visit,
                      *person,
                      std::to_string(cancellation->id),
                      local_time(ledger_time_ms(cancellation->recorded_at), false),
                      call.env.msgid,
                      call.env.mdtrtarea_admvs,
                      -1,
                      true};
  auto output = settlement_output(view, original->result_json);
  if (!output) return output.error();
  Outcome out{std::move(output).value(), {}, ""};
  visit.state = "discharged";
  visit.setl_id.reset();
  out.change.mdtrt_id = visit.mdtrt_id;
  out.change.update_visit = std::move(visit);
  return out;
}

Result<Gateway::Outcome> Gateway::cancel_settlement(const Call& call) const {
  FieldReader r(call.env.input->find("data"), "input.data");
  const std::string mdtrt_id = r.str("mdtrt_id", 30, Req::yes);
  const std::string setl_id = r.str("setl_id", 30, Req::yes);
  const std::string psn_no = r.str("psn_no", 30, Req::yes);
  r.str("exp_content", 4000, Req::no);
  if (r.error()) return *r.error();
  auto visit = open_visit(call, "input.data", mdtrt_id, psn_no);
  if (!visit) return visit.error();
  if (visit->state != "settled" || !visit->setl_id) {
    return refuse("input.data.mdtrt_id", "该就诊没有有效的结算 (no live settlement to cancel)");
  }
  if (std::to_string(*visit->setl_id) != setl_id) {
    return refuse("input.data.setl_id", "结算ID不存在或已撤销 (not the visit's live settlement)");
  }
  return cancel_live_settlement(call, std::move(visit).value(), "input.data.setl_id");
}

Result<Gateway::Outcome> Gateway::reverse(const Call& call) const {
  FieldReader r(call.env.input->find("data"), "input.data");
  const std::string psn_no = r.str("psn_no", 30, Req::yes);
  const std::string omsgid = r.str("omsgid", 30, Req::yes);
  const std::string oinfno = r.str("oinfno", 10, Req::yes);
  if (r.error()) return *r.error();
  auto original = store_->message(call.env.fixmedins_code, omsgid);
  if (!original) return original.error();
  Outcome noop{no_output(), {}, ""};
  if (!*original) {
    noop.warn = "原交易未生效，无需冲正 (the original message took no effect)";
    return noop;
  }
  const StoredMessage& m = **original;
  if (m.infno != oinfno) {
    return refuse("input.data.oinfno",
                  "与原交易编号" + m.infno + "不符 (not the original's infno)");
  }
  if (m.reversed) {
    noop.warn = "原交易已冲正 (already reversed)";
    return noop;
  }
  noop.change.reversed_msgid = omsgid;
  noop.change.mdtrt_id = m.mdtrt_id;
  std::optional<Visit> visit;
  if (!m.mdtrt_id.empty()) {
    auto v = open_visit(call, "input.data", m.mdtrt_id, psn_no);
    if (!v) return v.error();
    visit = std::move(v).value();
  }
  if (!visit ||
      (m.infno != "2304" && m.infno != "2301" && m.infno != "2401" && m.infno != "2402")) {
    noop.warn = "该交易无需冲正 (nothing to undo for " + m.infno + ")";
    return noop;
  }
  if (m.infno == "2304") {
    auto answer = JsonDocument::parse(m.answer);
    const JsonValue* output = answer ? answer->root().find("output") : nullptr;
    const JsonValue* info = output == nullptr ? nullptr : output->find("setlinfo");
    const JsonValue* setl = info == nullptr ? nullptr : info->find("setl_id");
    if (visit->state != "settled" || setl == nullptr ||
        setl->text != std::to_string(visit->setl_id.value_or(0))) {
      noop.warn = "原结算已撤销 (the settlement was cancelled before)";
      return noop;
    }
    auto out = cancel_live_settlement(call, std::move(*visit), "input.data.omsgid");
    if (!out) return out;
    out->output = no_output();
    out->change.reversed_msgid = omsgid;
    return out;
  }
  if (visit->state == "settled") {
    return refuse("input.data.omsgid", "该就诊已结算，请先撤销结算 (cancel the settlement first)");
  }
  if (m.infno == "2301") {
    auto lines = store_->lines(visit->mdtrt_id);
    if (!lines) return lines.error();
    for (const FeeLine& l : *lines) {
      if (l.msgid == omsgid) noop.change.remove_lines.push_back(l.feedetl_sn);
    }
    return noop;
  }
  if (m.infno == "2402") {
    if (visit->state == "discharged") {
      visit->state = "admitted";
      visit->endtime.clear();
      noop.change.update_visit = std::move(visit);
    }
    return noop;
  }
  // 2401
  auto lines = store_->lines(visit->mdtrt_id);
  if (!lines) return lines.error();
  if (visit->state != "admitted" || !lines->empty()) {
    return refuse("input.data.omsgid",
                  "该就诊已有后续交易，不能冲正入院 (undo the later ones first)");
  }
  visit->state = "cancelled";
  noop.change.update_visit = std::move(visit);
  return noop;
}

Result<Gateway::Outcome> Gateway::reconcile_totals(const Call& call) const {
  FieldReader r(call.env.input->find("data"), "input.data");
  const std::string insutype = r.code("insutype", 6, Req::yes, kInsutypes);
  const std::string clr_type = r.str("clr_type", 6, Req::yes);
  std::string optins = r.str("setl_optins", 6, Req::no);
  if (optins.empty()) optins = r.str("clr_optins", 6, Req::no);
  if (optins.empty()) r.str("setl_optins", 6, Req::yes);
  const auto begin = r.date("stmt_begndate", Req::yes);
  const auto end = r.date("stmt_enddate", Req::yes);
  const Money medfee = r.amount("medfee_sumamt", Req::yes, true);
  const Money fund = r.amount("fund_pay_sumamt", Req::yes, true);
  const bool guangdong = call.env.input->find("data") != nullptr &&
                         call.env.input->find("data")->find("acct_pay") == nullptr &&
                         call.env.input->find("data")->find("cash_payamt") != nullptr;
  const Money acct = r.amount(guangdong ? "cash_payamt" : "acct_pay", Req::yes, true);
  const std::int64_t count = r.count("fixmedins_setl_cnt", Req::yes);
  r.code("refd_setl_flag", 3, Req::no, kFlags);
  if (r.error()) return *r.error();
  if (clr_type != "11" && clr_type != "21" && clr_type != "41" && clr_type != "99" &&
      !(clr_type.size() == 4 && clr_type.starts_with("99") && all_digits(clr_type))) {
    return refuse("input.data.clr_type", "代码值 '" + clr_type + "' 不在字典中 (11/21/41/99/99xx)");
  }
  if (*end < *begin)
    return refuse("input.data.stmt_enddate", "早于开始日期 (before stmt_begndate)");
  auto visits = store_->visits_of(call.env.fixmedins_code);
  if (!visits) return visits.error();
  std::int64_t our_count = 0;
  Money our_medfee;
  Money our_fund;
  for (const Visit& v : *visits) {
    if (!v.setl_id || v.insutype != insutype || clr_type != "21") continue;
    auto record = service_.get(*v.setl_id, call.hospital.id);
    if (!record) continue;
    const std::string day =
        format_local(ledger_time_ms(record->recorded_at), options_.utc_offset_minutes, false)
            .substr(0, 10);
    if (day < begin->to_string() || day > end->to_string()) continue;
    ++our_count;
    our_medfee += record->total;
    our_fund += record->fund_paid;
  }
  const bool balanced =
      our_count == count && our_medfee == medfee && our_fund == fund && acct.is_zero();
  codec::JsonWriter w;
  w.begin_object().key("stmtinfo").begin_object().member("setl_optins", optins);
  w.member("stmt_rslt", balanced ? "0" : "1");
  w.member("stmt_rslt_dscr", balanced ? std::string("对账一致")
                                      : "不平：中心笔数" + std::to_string(our_count) +
                                            "/医疗费总额" + our_medfee.to_string() +
                                            "/基金支付总额" + our_fund.to_string() +
                                            "/个人账户0.00，机构笔数" + std::to_string(count) +
                                            "/医疗费总额" + medfee.to_string() + "/基金支付总额" +
                                            fund.to_string() + "/个人账户" + acct.to_string());
  w.end_object().end_object();
  return Outcome{w.take(), {}, ""};
}

}  // namespace onestop::national
