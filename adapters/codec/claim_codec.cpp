#include "adapters/codec/claim_codec.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

#include "adapters/codec/json_util.hpp"
#include "engine/limits.hpp"

namespace onestop::codec {
namespace {

// The readers' node type under the names of what it holds here (Object::Ptr, Array::Ptr: a
// member within the parsed document).
using Array = JsonNode;
using Object = JsonNode;

// Moves a reader's value into `out`, or hands back its error.
template <typename T>
std::optional<Error> assign(Result<T> read, T& out) {
  if (!read) return read.error();
  out = std::move(read).value();
  return std::nullopt;
}

// A string member naming one of a fixed set of values (level, class). Any string gets to the
// set lookup, so "" and over-long text are reported as the unknown value they are.
Result<std::string> read_enum_text(const Object& obj, std::string_view prefix,
                                   std::string_view key) {
  return read_string(obj, prefix, key,
                     StringRule{std::numeric_limits<std::size_t>::max(), /*allow_empty=*/true});
}

Result<Level> read_level(const Object& hospital, std::string_view prefix) {
  auto text = read_enum_text(hospital, prefix, "level");
  if (!text) return text.error();
  if (auto level = parse_level(*text)) return *level;
  return Error{
      "unknown_level", field_path(prefix, "level"),
      "expected primary, county, city, province or out_of_province, got " + shown_value(*text)};
}

Result<Visit> read_visit(const Object& obj, std::string_view prefix) {
  // Absent: an admission, as every claim before visits.
  if (find_member(obj, "visit") == nullptr) return Visit::inpatient;
  auto text = read_enum_text(obj, prefix, "visit");
  if (!text) return text.error();
  if (auto visit = parse_visit(*text)) return *visit;
  return Error{"unknown_visit", field_path(prefix, "visit"),
               "expected inpatient or outpatient_special, got " + shown_value(*text)};
}

// "special_disease": required for a visit, refused for an admission (domain.md §3.6). Whether
// the policy lists it is the engine's business, whether the person is certified the service's.
std::optional<Error> read_special_disease(const Object& obj, std::string_view prefix, Claim& claim,
                                          const ClaimLimits& limits) {
  if (claim.is_visit())
    return assign(read_id(obj, prefix, "special_disease", limits), claim.special_disease);
  if (find_member(obj, "special_disease") == nullptr) return std::nullopt;
  return Error{"special_disease_not_applicable", field_path(prefix, "special_disease"),
               "only a visit of \"visit\": \"outpatient_special\" names a special disease"};
}

// Any string, for a value looked up in a set: "" and over-long text are the unknown values
// they are (read_enum_text).
constexpr StringRule kAnyString{std::numeric_limits<std::size_t>::max(), /*allow_empty=*/true};

Result<ItemClass> read_item_class(const Member& member) {
  auto text = read_string_view(member, kAnyString);
  if (!text) return text.error();
  if (auto c = parse_item_class(*text)) return *c;
  return Error{"unknown_class", member.path(),
               "expected the catalogue class A, B or C, got " + shown_value(*text)};
}

// The optional "self_pay_ratio" of a class B item (a catalogue-priced item's own pay-first
// share): a string "0.2", "0.15", at most 1. Whether the class allows it is validate()'s.
Result<std::optional<Rate>> read_self_pay_ratio(const Member& member) {
  if (member.node == nullptr) return std::optional<Rate>();
  auto text = read_string_view(member, kAnyString);
  if (!text) return text.error();
  const auto rate = Rate::parse(*text);
  if (!rate || *rate > Rate::one()) {
    return Error{"bad_rate", member.path(),
                 "expected a share between \"0\" and \"1\" with at most six decimals, got " +
                     shown_value(*text)};
  }
  return std::optional<Rate>(*rate);
}

std::optional<Error> read_patient(const Object& doc, Claim& claim, const ClaimLimits& limits) {
  Object::Ptr patient = nullptr;
  if (auto e = assign(read_object(doc, "", "patient"), patient)) return e;
  if (auto e = check_known_keys(*patient, "patient", {"id", "category"})) return e;
  if (auto e = assign(read_id(*patient, "patient", "id", limits), claim.patient_id)) return e;
  // The policy knows the categories; settle() refuses one it does not know.
  return assign(read_id(*patient, "patient", "category", limits), claim.category);
}

std::optional<Error> read_hospital(const Object& doc, Claim& claim) {
  Object::Ptr hospital = nullptr;
  if (auto e = assign(read_object(doc, "", "hospital"), hospital)) return e;
  if (auto e = check_known_keys(*hospital, "hospital", {"level", "in_region"})) return e;
  if (auto e = assign(read_level(*hospital, "hospital"), claim.level)) return e;
  return assign(read_bool(*hospital, "hospital", "in_region"), claim.in_region);
}

// The end of the JSON string token that opens at text[i] == '"' (the index of its closing
// quote), or npos when the text ends first.
std::size_t string_token_end(std::string_view text, std::size_t i) {
  for (std::size_t j = i + 1; j < text.size(); ++j) {
    if (text[j] == '\\') {
      ++j;
    } else if (text[j] == '"') {
      return j;
    }
  }
  return std::string_view::npos;
}

// The value of the JSON string token `token` (with its quotes), or nullopt.
std::optional<std::string> string_token_value(std::string_view token) {
  if (token.find('\\') == std::string_view::npos) {
    return std::string(token.substr(1, token.size() - 2));
  }
  // Let the parser undo the escapes: a string is a JSON document of its own.
  const auto value = parse_json(token);
  if (!value || (*value)->type != JsonNode::Type::string) return std::nullopt;
  return std::string((*value)->text);
}

// Copies the text of a string member into `out`, or hands back read_string's error: the text
// goes straight to where it is kept.
std::optional<Error> assign_text(const Member& member, StringRule rule, std::string& out) {
  auto text = read_string_view(member, rule);
  if (!text) return text.error();
  out.clear();  // clear and append: a shorter path through std::string than assign's
  out.append(*text);
  return std::nullopt;
}

// read_item, into an item the caller holds (a claim's vector of them).
std::optional<Error> read_item_into(const Object& obj, std::string_view path,
                                    const ClaimLimits& limits, Item& item) {
  // The members looked up in the one pass that checks the keys, in this order.
  static constexpr std::array<std::string_view, 6> kKeys = {
      "code", "name", "class", "amount", "over_limit", "self_pay_ratio"};
  std::array<Member, kKeys.size()> m;
  if (auto e = known_members(obj, path, kKeys, m)) return e;
  if (auto e = assign_text(m[0], StringRule{limits.item_code_bytes, false}, item.code)) return e;
  if (auto e = assign_text(m[1], StringRule{limits.item_name_bytes, true}, item.name)) return e;
  if (auto e = assign(read_item_class(m[2]), item.item_class)) return e;
  if (auto e = assign(read_amount(m[3], limits.item_amount_max), item.amount)) return e;
  if (auto e =
          assign(read_amount(m[4], limits.item_amount_max, /*optional=*/true), item.over_limit)) {
    return e;
  }
  return assign(read_self_pay_ratio(m[5]), item.self_pay_ratio);
}

}  // namespace

Result<Claim> decode_claim(std::string_view json_text, const ClaimLimits& limits) {
  auto doc = parse_object(json_text);
  if (!doc) return doc.error();
  return decode_claim(**doc, limits);
}

Result<Claim> decode_claim(const Object& doc, const ClaimLimits& limits) {
  if (auto e = check_known_keys(
          doc, "",
          {"hospital_id", "bill_no", "patient", "hospital", "referral", "admitted_on",
           "discharged_on", "visit", "special_disease", "diagnoses", "items"})) {
    return *e;
  }
  Claim claim;
  if (auto e = assign(read_id(doc, "", "hospital_id", limits), claim.hospital_id)) return *e;
  if (auto e = assign(read_id(doc, "", "bill_no", limits), claim.bill_no)) return *e;
  if (auto e = read_patient(doc, claim, limits)) return *e;
  if (auto e = read_hospital(doc, claim)) return *e;
  if (auto e = read_admission(doc, "", claim, limits)) return *e;
  if (auto e = validate(claim)) return *e;
  return claim;
}

std::string peek_bill_no(std::string_view text) {
  // A tolerant scan of the top-level object's members, so that a document cut off or broken
  // after its bill number still yields it: skip string tokens, track nesting, and take the
  // string value of a key "bill_no" at depth 1.
  std::size_t i = text.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || text[i] != '{') return "";
  int depth = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && --depth == 0) return "";  // the top-level object closed
    if (c != '"') continue;
    const std::size_t end = string_token_end(text, i);
    if (end == std::string_view::npos) return "";
    const bool is_bill_no = depth == 1 && text.substr(i, end - i + 1) == "\"bill_no\"";
    i = end;
    if (!is_bill_no) continue;
    std::size_t v = text.find_first_not_of(" \t\r\n", end + 1);
    if (v == std::string_view::npos || text[v] != ':') continue;  // a value, not a key
    v = text.find_first_not_of(" \t\r\n", v + 1);
    if (v == std::string_view::npos || text[v] != '"') return "";
    const std::size_t value_end = string_token_end(text, v);
    if (value_end == std::string_view::npos) return "";
    auto value = string_token_value(text.substr(v, value_end - v + 1));
    if (!value || value->size() > limits::kIdLength) return "";
    return *value;
  }
  return "";
}

namespace {

// The members a claim and a hospital's request share, from referral to items.
void write_admission(JsonWriter& w, const Claim& c) {
  w.member("referral", c.referral);
  w.member("admitted_on", c.admitted_on.to_string());
  w.member("discharged_on", c.discharged_on.to_string());
  // An admission leaves both out, so every claim from before visits keeps its bytes.
  if (c.is_visit()) {
    w.member("visit", to_string(c.visit)).member("special_disease", c.special_disease);
  }
  w.key("diagnoses").begin_array();
  for (const std::string& d : c.diagnoses) w.value(d);
  w.end_array();
  w.key("items").begin_array();
  for (const Item& item : c.items) {
    w.begin_object().member("code", item.code).member("name", item.name);
    w.member("class", to_string(item.item_class)).member("amount", item.amount);
    // Absent means zero on the wire; leaving zeros out keeps one spelling per claim.
    if (!item.over_limit.is_zero()) w.member("over_limit", item.over_limit);
    if (item.self_pay_ratio) w.member("self_pay_ratio", item.self_pay_ratio->to_string());
    w.end_object();
  }
  w.end_array();
}

}  // namespace

std::string encode_claim(const Claim& c) {
  JsonWriter w(320 + c.items.size() * 96);
  w.begin_object().member("hospital_id", c.hospital_id).member("bill_no", c.bill_no);
  w.key("patient").begin_object();
  w.member("id", c.patient_id).member("category", c.category).end_object();
  w.key("hospital").begin_object();
  w.member("level", to_string(c.level)).member("in_region", c.in_region).end_object();
  write_admission(w, c);
  w.end_object();
  return w.take();
}

std::string encode_hospital_request(const Claim& c) {
  JsonWriter w(256 + c.items.size() * 96);
  w.begin_object().member("hospital_id", c.hospital_id).member("bill_no", c.bill_no);
  w.key("patient").begin_object().member("id", c.patient_id).end_object();
  write_admission(w, c);
  w.end_object();
  return w.take();
}

Result<std::string> read_id(const Object& obj, std::string_view prefix, std::string_view key,
                            const ClaimLimits& limits) {
  return read_string(obj, prefix, key, StringRule{limits.id_bytes, /*allow_empty=*/false});
}

Result<Item> read_item(const Object& obj, std::string_view path, const ClaimLimits& limits) {
  Item item;
  if (auto e = read_item_into(obj, path, limits, item)) return *e;
  return item;
}

Result<std::vector<Item>> read_items(const Object& obj, std::string_view prefix,
                                     const ClaimLimits& limits) {
  Array::Ptr array = nullptr;
  if (auto e = assign(read_array(obj, prefix, "items", 1, limits.items_per_claim), array)) {
    return *e;
  }
  std::vector<Item> items(array->size());
  // element_path(prefix, "items", i), with the part before the index written once.
  std::string path = field_path(prefix, "items");
  const std::size_t path_base = path.size();
  for (std::size_t i = 0; i < array->size(); ++i) {
    char index[24];
    index[0] = '[';
    char* end = std::to_chars(index + 1, index + sizeof index - 1, i).ptr;
    *end++ = ']';
    path.resize(path_base);
    path.append(index, end);
    Object::Ptr element = nullptr;
    if (auto e = assign(element_object(*array, i, path), element)) return *e;
    if (auto e = read_item_into(*element, path, limits, items[i])) return *e;
  }
  return items;
}

Result<std::vector<std::string>> read_diagnoses(const Object& obj, std::string_view prefix,
                                                const ClaimLimits& limits) {
  Array::Ptr array = nullptr;
  if (auto e = assign(read_array(obj, prefix, "diagnoses", 0, limits.diagnoses_per_claim),
                      array)) {
    return *e;
  }
  std::vector<std::string> diagnoses;
  diagnoses.reserve(array->size());
  for (const auto& element : *array) {
    if (element.type != JsonNode::Type::string) {
      return Error{"wrong_type", element_path(prefix, "diagnoses", diagnoses.size()),
                   "expected an ICD-10 code string, got " + std::string(json_type_name(element))};
    }
    std::string code(element.text);
    if (code.empty() || code.size() > limits.diagnosis_bytes) {
      return Error{"bad_diagnosis", element_path(prefix, "diagnoses", diagnoses.size()),
                   "must be an ICD-10 code of 1 to " + std::to_string(limits.diagnosis_bytes) +
                       " characters"};
    }
    diagnoses.push_back(std::move(code));
  }
  return diagnoses;
}

std::optional<Error> read_admission(const Object& obj, std::string_view prefix, Claim& claim,
                                    const ClaimLimits& limits) {
  if (auto e = assign(read_bool(obj, prefix, "referral"), claim.referral)) return e;
  if (auto e = assign(read_date(obj, prefix, "admitted_on"), claim.admitted_on)) return e;
  if (auto e = assign(read_date(obj, prefix, "discharged_on"), claim.discharged_on)) return e;
  if (auto e = assign(read_visit(obj, prefix), claim.visit)) return e;
  if (auto e = read_special_disease(obj, prefix, claim, limits)) return e;
  if (auto e = assign(read_diagnoses(obj, prefix, limits), claim.diagnoses)) return e;
  return assign(read_items(obj, prefix, limits), claim.items);
}

}  // namespace onestop::codec
