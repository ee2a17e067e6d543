// The envelope of national.md §2, its canonical fingerprint, and the alias paths of §1.
#include <algorithm>

#include "adapters/codec/json_util.hpp"
#include "adapters/national/fields.hpp"
#include "adapters/national/gateway.hpp"
#include "adapters/policy/policy_loader.hpp"

namespace onestop::national {
namespace {

void write_canonical(std::string& out, const JsonValue& v) {
  switch (v.type) {
    case JsonValue::Type::null:
      out += "null";
      return;
    case JsonValue::Type::boolean:
      out += v.boolean ? "true" : "false";
      return;
    case JsonValue::Type::number:
      out += v.text;
      return;
    case JsonValue::Type::string:
      codec::append_json_string(out, v.text);
      return;
    case JsonValue::Type::array:
      out += '[';
      for (std::size_t i = 0; i < v.elements.size(); ++i) {
        if (i > 0) out += ',';
        write_canonical(out, *v.elements[i]);
      }
      out += ']';
      return;
    case JsonValue::Type::object: {
      std::vector<const JsonMember*> members;
      for (const JsonMember& m : v.members) members.push_back(&m);
      std::sort(members.begin(), members.end(),
                [](const JsonMember* a, const JsonMember* b) { return a->key < b->key; });
      out += '{';
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out += ',';
        codec::append_json_string(out, members[i]->key);
        out += ':';
        write_canonical(out, *members[i]->value);
      }
      out += '}';
      return;
    }
  }
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

const std::vector<Alias>& aliases() {
  static const std::vector<Alias> kAliases = {
      {"/fsi/api/hospFeeDtlService/feeDtlUp", "2301"},
      {"/fsi/api/hospFeeDtlService/feeDtlCl", "2302"},
      {"/fsi/api/hospSettService/preSett", "2303"},
      {"/fsi/api/hospSettService/settV2", "2304"},
      {"/fsi/api/hospSettService/settCl", "2305"},
      {"/fsi/api/hospitalRegisterService/hospitalRegisterSave", "2401"},
      {"/fsi/api/dscgService/dischargeProcess", "2402"},
      {"/fsi/api/hospitalRegisterService/hospitalRegisterCancel", "2404"},
      {"/fsi/api/dscgService/dischargeUndo", "2405"},
      {"/fsi/api/reverseService/revsMethod", "2601"},
      {"/fsi/api/ybSettlementStmtService/stmtTotal", "3201"},
      {"/fsi/api/ybSettlementStmtService/stmtDetail", "3202"},
      {"/fsi/api/signInSignOutService/signIn", "9001"},
      {"/fsi/api/fileupload/upload", "9101"},
      {"/fsi/api/fileupload/download", "9102"},
  };
  return kAliases;
}

std::string canonical_json(const JsonValue& value) {
  std::string out;
  write_canonical(out, value);
  return out;
}

Result<Envelope> read_envelope(const JsonValue& root) {
  FieldReader r(&root, "");
  Envelope e;
  e.infno = r.str("infno", 10, Req::yes);
  e.msgid = r.str("msgid", 30, Req::yes);
  e.mdtrtarea_admvs = r.str("mdtrtarea_admvs", 6, Req::yes);
  if (!r.error() && (e.mdtrtarea_admvs.size() != 6 || !all_digits(e.mdtrtarea_admvs))) {
    r.fail("mdtrtarea_admvs", "bad_code", "应为6位行政区划代码 (six digits)");
  }
  e.insuplc_admdvs = r.str("insuplc_admdvs", 6, Req::no);
  e.recer_sys_code = r.str("recer_sys_code", 10, Req::yes);
  r.str("dev_no", 100, Req::no);
  r.str("dev_safe_info", 2000, Req::no);
  r.str("cainfo", 1024, Req::no);
  r.str("signtype", 10, Req::no);
  e.infver = r.str("infver", 6, Req::yes);
  e.opter_type = r.code("opter_type", 3, Req::yes, {"1", "2", "3"});
  e.opter = r.str("opter", 30, Req::yes);
  e.opter_name = r.str("opter_name", 50, Req::yes);
  r.datetime("inf_time", Req::yes, &e.inf_time);
  e.fixmedins_code = r.str("fixmedins_code", 30, Req::yes);
  e.fixmedins_name = r.str("fixmedins_name", 200, Req::yes);
  e.sign_no = r.str("sign_no", 30, Req::no);
  e.input = r.object("input", Req::yes);
  if (r.error()) {
    Error err = *r.error();
    // The root's fields are named "infno", not ".infno".
    if (err.field.starts_with('.')) err.field.erase(0, 1);
    if (err.message.starts_with('.')) err.message.erase(0, 1);
    return err;
  }
  e.input_sha256 = policy::sha256_hex(e.infno + "\n" + canonical_json(*e.input));
  return e;
}

}  // namespace onestop::national
