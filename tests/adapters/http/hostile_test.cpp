// Issue 5: a hostile-input inventory over HTTP. One class per hostile kind, each a generated list
// of requests sent to the real server with valid credentials (so the input, not the key, is
// judged; the "auth" class is the exception). For every request: a 4xx (never 5xx, never 2xx,
// except where a value is legitimately acceptable, see kMayStore), a problem+json body with a
// `code` and a `field` member; after every class: /healthz answers, and the ledger holds exactly
// the records the acceptable requests wrote; at the end `onestop verify` passes.
//
// Each class prints one line "[hostile] <class>: N requests: <status>×<count> ..." and records
// it as a test property, for the issue's closing note. Status 0 in a line means "the connection
// was closed (or reset) without an answer".
//
// Existing, narrower tests this suite does not replace: api_test.cpp (body limit, media types),
// limits_test.cpp (each limit at and just past it), access_test.cpp (roles), starvation_test.cpp
// (a slow body gets 408), claim_codec_test.cpp (HostileDocuments, below HTTP).
#include <Poco/Net/Socket.h>
#include <Poco/Pipe.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http_fixture.hpp"

// The probes are designated initializers that leave most members to their defaults, which is
// their point; GCC's -Wextra would flag every one.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace onestop::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------
// Bodies

// `text` as a JSON string literal (quotes, backslashes and control bytes escaped; other bytes,
// valid UTF-8 or not, as they are).
std::string quoted(const std::string& text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

using Raw = std::map<std::string, std::string>;  // member path → raw JSON text in its place

// A valid settle body (H2, P1, one class B item) with members replaced by raw JSON text, keyed
// by the path the codec names them by ("bill_no", "patient.id", "items[0].amount"; whole
// "patient", "diagnoses", "items", "items[0]" too). Keys "+", "patient+" and "items[0]+" add
// raw members at the end of the top level, the patient and the item.
std::string settle_body(const Raw& raw = {}) {
  const auto v = [&](const std::string& path, const std::string& fallback) {
    const auto it = raw.find(path);
    return it != raw.end() ? it->second : fallback;
  };
  const auto extra = [&](const std::string& where) {
    const auto it = raw.find(where);
    return it == raw.end() ? std::string() : "," + it->second;
  };
  const std::string item =
      v("items[0]", "{\"code\":" + v("items[0].code", quoted("X2")) +
                        ",\"name\":" + v("items[0].name", quoted("药品")) +
                        ",\"class\":" + v("items[0].class", quoted("B")) +
                        ",\"amount\":" + v("items[0].amount", quoted("3500.50")) +
                        ",\"over_limit\":" + v("items[0].over_limit", quoted("20.00")) +
                        extra("items[0]+") + "}");
  const std::string patient =
      v("patient", "{\"id\":" + v("patient.id", quoted("P1")) + extra("patient+") + "}");
  return "{\"hospital_id\":" + v("hospital_id", quoted("H2")) +
         ",\"bill_no\":" + v("bill_no", quoted("B1")) + ",\"patient\":" + patient +
         ",\"referral\":" + v("referral", "false") +
         ",\"admitted_on\":" + v("admitted_on", quoted("2020-03-02")) +
         ",\"discharged_on\":" + v("discharged_on", quoted("2020-03-12")) +
         ",\"diagnoses\":" + v("diagnoses", "[" + v("diagnoses[0]", quoted("J18.9")) + "]") +
         ",\"items\":" + v("items", "[" + item + "]") + extra("+") + "}";
}

// The string members of a settle body, as the codec names them.
const std::vector<std::string> kStringFields = {
    "hospital_id",    "bill_no",         "patient.id",         "admitted_on",
    "discharged_on",  "diagnoses[0]",    "items[0].code",      "items[0].name",
    "items[0].class", "items[0].amount", "items[0].over_limit"};

// Free-text members where any string within the size limits is a valid value: a request with
// SQL metacharacters there may be settled (201), and then the ledger must hold exactly the
// bytes sent — proof that they went in as bound parameters, not as SQL. Every other string
// member is an id that must exist (hospital, patient: 403/422), a date, a class or an amount
// (422): there the same values must be refused.
const std::vector<std::string> kMayStore = {"bill_no", "diagnoses[0]", "items[0].code",
                                            "items[0].name"};

// ---------------------------------------------------------------------------------------------
// Probes and their tally

struct Probe {
  std::string method = "POST";
  std::string path = "/v1/settlements";
  std::string body;
  std::optional<std::string> key;  // nullopt: a valid credential for the route
  std::string content_type = "application/json";
  std::string expect_code;  // "" when any code will do
  std::optional<std::string> expect_field;
  // Only for kMayStore members: a 201 is acceptable when the claim stored holds `stored_value`
  // at `stored_path` byte for byte.
  std::string stored_path;
  std::string stored_value;
};

struct Tally {
  int tried = 0;
  int stored = 0;  // 201s of acceptable requests
  std::map<int, int> statuses;

  std::string line(const std::string& name) const {
    std::string out = "[hostile] " + name + ": " + std::to_string(tried) + " requests:";
    for (const auto& [status, n] : statuses) {
      out += " " + std::to_string(status) + "\u00d7" + std::to_string(n);
    }
    if (stored != 0) out += " (" + std::to_string(stored) + " stored exactly as sent)";
    return out;
  }
};

// Prints and records a class's line.
void report(const std::string& name, const Tally& tally) {
  const std::string line = tally.line(name);
  std::cout << line << std::endl;
  ::testing::Test::RecordProperty("hostile_" + name, line);
}

std::int64_t record_count(TestServer& server) { return server.app().ledger().record_count(); }

// The value at `path` ("bill_no", "diagnoses[0]", "items[0].code", "items[0].name") of a claim
// as the ledger stored it.
std::string claim_value(const std::string& claim_json, const std::string& path) {
  const auto claim = parse_json(claim_json);
  if (path == "diagnoses[0]") return claim->getArray("diagnoses")->getElement<std::string>(0);
  if (path.starts_with("items[0].")) {
    return claim->getArray("items")->getObject(0)->getValue<std::string>(path.substr(9));
  }
  return claim->getValue<std::string>(path);
}

// A valid credential for `probe`'s route: H2's for writes (the bodies are H2's), a
// reconciler's for reconciliation, an auditor's for every other read.
std::string default_key(TestServer& server, const Probe& probe) {
  if (probe.path.starts_with("/v1/reconciliation/")) return server.key(store::Role::reconciler);
  if (probe.method == "POST") return server.hospital_key("H2");
  return server.key(store::Role::auditor);
}

// Checks one answer; `where` names the probe in failure messages.
void check_answer(TestServer& server, const Probe& p, const Reply& r, const std::string& where,
                  Tally& tally) {
  if (r.status >= 200 && r.status < 300) {
    ASSERT_FALSE(p.stored_path.empty()) << where << ": accepted: " << r.body.substr(0, 300);
    EXPECT_EQ(r.status, 201) << where << ": a new bill is created, never replayed";
    const auto id = parse_json(r.body)->getValue<std::int64_t>("settlement_id");
    const auto record = server.app().ledger().get(id);
    ASSERT_TRUE(record) << where;
    EXPECT_EQ(claim_value(record->claim_json, p.stored_path), p.stored_value) << where;
    ++tally.stored;
    return;
  }
  // A LIKE-style match of '%' or '_' would make a new bill a replay (200) or a conflict (409).
  if (!p.stored_path.empty()) {
    EXPECT_NE(r.status, 409) << where << ": " << r.body;
  }
  EXPECT_GE(r.status, 400) << where << ": " << r.body.substr(0, 300);
  EXPECT_LT(r.status, 500) << where << ": " << r.body.substr(0, 300);
  EXPECT_EQ(r.content_type, "application/problem+json") << where;
  Poco::JSON::Object::Ptr problem;
  try {
    problem = parse_json(r.body);
  } catch (const Poco::Exception& e) {
    ADD_FAILURE() << where << ": the problem is not JSON: " << r.body.substr(0, 200);
    return;
  }
  EXPECT_FALSE(problem->optValue<std::string>("code", "").empty()) << where;
  EXPECT_TRUE(problem->has("field")) << where;
  if (!p.expect_code.empty()) {
    EXPECT_EQ(problem->optValue<std::string>("code", ""), p.expect_code) << where << r.body;
  }
  if (p.expect_field) {
    EXPECT_EQ(problem->optValue<std::string>("field", "?"), *p.expect_field) << where << r.body;
  }
}

// Sends every probe of one class on its own connection, checks each answer, then that the
// server is up and the ledger grew by the acceptable requests only; prints the tally.
Tally run_class(TestServer& server, const std::string& name, const std::vector<Probe>& probes) {
  Tally tally;
  const std::int64_t before = record_count(server);
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const Probe& p = probes[i];
    const std::string where = name + "[" + std::to_string(i) + "] " + p.method + " " +
                              p.path.substr(0, 120) + " body=" + p.body.substr(0, 160);
    Reply r;
    try {
      r = server.request_as(p.key ? *p.key : default_key(server, p), p.method, p.path, p.body,
                            p.content_type);
    } catch (const Poco::Exception& e) {
      r.status = 0;  // a hang (the session's 20 s timeout) or a dropped connection
      ADD_FAILURE() << where << ": no answer: " << e.displayText();
    }
    ++tally.tried;
    ++tally.statuses[r.status];
    if (r.status != 0) check_answer(server, p, r, where, tally);
  }
  EXPECT_EQ(server.get("/healthz").status, 200) << name;
  EXPECT_EQ(record_count(server), before + tally.stored) << name << ": something was written";
  report(name, tally);
  return tally;
}

// ---------------------------------------------------------------------------------------------
// The classes

// Every proper prefix of a valid body (none is a JSON document), to each route with a JSON
// body; and some broken documents that are not prefixes.
std::vector<Probe> malformed_json() {
  std::vector<Probe> out;
  const std::string body = settle_body();
  for (std::size_t n = 0; n < body.size(); ++n) {
    out.push_back(Probe{.body = body.substr(0, n), .expect_code = "malformed_json"});
  }
  // Every 5th prefix to the other JSON routes: trial, admission check, cancel's reason.
  for (std::size_t n = 0; n < body.size(); n += 5) {
    out.push_back(Probe{.path = "/v1/settlements/trial",
                        .body = body.substr(0, n),
                        .expect_code = "malformed_json"});
    out.push_back(Probe{.path = "/v1/admissions/check",
                        .body = body.substr(0, n),
                        .expect_code = "malformed_json"});
  }
  const std::string reason = R"({"reason":"entered twice"})";
  for (std::size_t n = 0; n < reason.size(); ++n) {
    out.push_back(Probe{.path = "/v1/settlements/1/cancel",
                        .body = reason.substr(0, n),
                        .expect_code = "malformed_json"});
  }
  const std::vector<std::string> broken = {body + "x",
                                           body + body,
                                           body + ",",
                                           body + "}",
                                           "{" + body,
                                           "\xef\xbb\xbf" + body,
                                           "{,}",
                                           "{\"a\":1,}",
                                           "[1,]",
                                           "{'hospital_id':'H2'}",
                                           "{hospital_id:\"H2\"}",
                                           "{\"a\" 1}",
                                           "{\"a\":01}",
                                           "{\"a\":.5}",
                                           "{\"a\":1.}",
                                           "{\"a\":-}",
                                           "{\"a\":\"\\x41\"}",
                                           "{\"a\":\"\\u12\"}",
                                           "{\"a\":\"\t\"}",
                                           "{\"a\":tru}",
                                           "{\"a\":nul}",
                                           "{/*c*/}",
                                           "{}//",
                                           std::string("\x00{}", 3),
                                           "{\"a\":\"b\"\x00}",
                                           "}{",
                                           "][",
                                           "{\"a\":[}",
                                           "{\"a\":{]}",
                                           "\"unterminated",
                                           "{\"a\":\"\\\"}",
                                           std::string(1000, '{')};
  for (const std::string& b : broken) out.push_back(Probe{.body = b});
  return out;
}

// Nesting of [ and { from 10 to 100000 levels, closed and unclosed, at the top and as the value
// of a member (body limit raised to the shipped 1 MiB so the depth, not the size, is judged).
std::vector<Probe> deep_nesting() {
  std::vector<Probe> out;
  for (const int depth : {10, 32, 64, 100, 127, 128, 129, 200, 500, 1000, 10000, 100000}) {
    const auto d = static_cast<std::size_t>(depth);
    const std::string arrays = std::string(d, '[') + std::string(d, ']');
    std::string objects;
    for (int i = 0; i < depth; ++i) objects += "{\"a\":";
    objects += "1" + std::string(d, '}');
    std::string mixed;
    for (int i = 0; i < depth; ++i) mixed += (i % 2 == 0) ? "[{\"a\":" : "";
    mixed += "1";
    for (int i = depth - 1; i >= 0; --i) mixed += (i % 2 == 0) ? "}]" : "";
    for (const std::string* nest : std::vector<const std::string*>{&arrays, &objects, &mixed}) {
      out.push_back(Probe{.body = *nest});               // top level: wrong_type or malformed_json
      out.push_back(Probe{.body = nest->substr(0, d)});  // unclosed
      out.push_back(Probe{.body = settle_body({{"items", *nest}})});
      out.push_back(Probe{.body = settle_body({{"patient", *nest}})});
      out.push_back(Probe{.body = settle_body({{"items[0].amount", *nest}})});
      out.push_back(
          Probe{.path = "/v1/settlements/trial", .body = settle_body({{"diagnoses", *nest}})});
    }
  }
  return out;
}

// Numbers that no amount or id is: huge, tiny, negative, fractional, not JSON at all — as
// the raw JSON value of every member, and as the text of the amounts and dates.
std::vector<Probe> huge_numbers() {
  const std::vector<std::string> numbers = {"1e400",
                                            "-1e400",
                                            "123456789012345678901234567890",
                                            "-123456789012345678901234567890",
                                            "0.001",
                                            "1e-400",
                                            "NaN",
                                            "Infinity",
                                            "-Infinity",
                                            "0x10",
                                            "9223372036854775808",
                                            "18446744073709551616",
                                            "-0",
                                            "1e308",
                                            "4.9e-324",
                                            "00012",
                                            "+1",
                                            "1E+9999999999"};
  std::vector<Probe> out;
  std::vector<std::string> members = kStringFields;
  members.push_back("referral");
  for (const std::string& field : members) {
    for (const std::string& n : numbers) out.push_back(Probe{.body = settle_body({{field, n}})});
  }
  for (const std::string field : {"items[0].amount", "items[0].over_limit"}) {
    for (const std::string& n : numbers) {
      out.push_back(Probe{.body = settle_body({{field, quoted(n)}}), .expect_field = field});
    }
    for (const std::string n : {"10000000.01", "99999999999999999999999999999.00", "-1.00", "-0.00",
                                "1.5", "1.000", "1,00", " 1.00", "1.00 ", "１.00"}) {
      out.push_back(Probe{.body = settle_body({{field, quoted(n)}}), .expect_field = field});
    }
  }
  // "-0.00" is zero, but signed: refused like any negative amount (it was settled before).
  for (const std::string field : {"items[0].amount", "items[0].over_limit"}) {
    out.push_back(Probe{.body = settle_body({{field, quoted("-0.00")}}),
                        .expect_code = "negative_amount",
                        .expect_field = field});
  }
  for (const std::string field : {"admitted_on", "discharged_on"}) {
    for (const std::string n : {"1e400", "99999-01-01", "2020-13-01", "2020-02-30", "0000-00-00",
                                "-2020-03-02", "2020-3-2", "20200302"}) {
      out.push_back(Probe{.body = settle_body({{field, quoted(n)}}), .expect_field = field});
    }
  }
  return out;
}

// Every member given each JSON type it is not.
std::vector<Probe> wrong_types() {
  struct Member {
    std::string path;
    std::string type;  // string, bool, object, array
  };
  std::vector<Member> members = {{"patient", "object"},
                                 {"referral", "bool"},
                                 {"diagnoses", "array"},
                                 {"items", "array"},
                                 {"items[0]", "object"}};
  for (const std::string& f : kStringFields) members.push_back({f, "string"});
  const std::vector<std::pair<std::string, std::string>> values = {
      {"number", "1"},      {"number", "-2.5"},    {"bool", "true"},
      {"bool", "false"},    {"null", "null"},      {"array", "[]"},
      {"array", "[\"x\"]"}, {"object", "{}"},      {"object", "{\"id\":\"P1\"}"},
      {"string", "\"x\""},  {"string", "\"true\""}};
  std::vector<Probe> out;
  for (const Member& m : members) {
    for (const auto& [type, raw] : values) {
      if (type == m.type) continue;
      out.push_back(Probe{.body = settle_body({{m.path, raw}}),
                          .expect_code = "wrong_type",
                          .expect_field = m.path});
    }
  }
  // Not an object at all, to every JSON route.
  for (const std::string path : {"/v1/settlements", "/v1/settlements/trial", "/v1/admissions/check",
                                 "/v1/settlements/1/cancel"}) {
    for (const std::string doc : {"[]", "1", "\"x\"", "null", "true", "[{}]"}) {
      out.push_back(
          Probe{.path = path, .body = doc, .expect_code = "wrong_type", .expect_field = ""});
    }
  }
  for (const auto& [type, raw] : values) {
    if (type == "string") continue;
    out.push_back(Probe{.path = "/v1/settlements/1/cancel", .body = "{\"reason\":" + raw + "}"});
  }
  return out;
}

// Byte sequences that are not UTF-8, raw and as \u escapes of lone surrogates, in every string
// member, in a key, and alone as the body.
std::vector<Probe> invalid_utf8() {
  const std::vector<std::string> raw = {"\xc0\x80",
                                        "\xc1\xbf",
                                        "\xe0\x80\xaf",
                                        "\xf0\x80\x80\xaf",
                                        "\xed\xa0\x80",
                                        "\xed\xbf\xbf",
                                        "\xff",
                                        "\xfe",
                                        "\x80",
                                        "\xbf\xbf",
                                        "\xe4\xb8",
                                        "\xf0\x9f\x98",
                                        "\xf4\x90\x80\x80",
                                        "\xf8\x88\x80\x80\x80",
                                        "\xe4"};
  const std::vector<std::string> escapes = {"\\ud800",        "\\udfff",        "\\ud800A",
                                            "\\udc00\\ud800", "\\ud800\\ud800", "\\udbff"};
  std::vector<Probe> out;
  for (const std::string& field : kStringFields) {
    for (const std::string& bad : raw) {
      out.push_back(Probe{.body = settle_body({{field, "\"B" + bad + "1\""}})});
    }
    for (const std::string& bad : escapes) {
      out.push_back(Probe{.body = settle_body({{field, "\"B" + bad + "1\""}})});
    }
  }
  for (const std::string& bad : raw) {
    out.push_back(Probe{.body = settle_body({{"+", "\"k" + bad + "\":1"}})});
    out.push_back(Probe{.body = bad});
    out.push_back(
        Probe{.path = "/v1/settlements/1/cancel", .body = "{\"reason\":\"r" + bad + "\"}"});
  }
  return out;
}

// Every member named twice (same and different value), at the top, in the patient and in the
// item; also a key spelled with an escape that decodes to a key already there.
// The visit members (domain.md §3.6): every wrong type, unknown values, hostile disease ids,
// a disease on an admission, and a certification a hospital tries to declare; all refused
// naming the member, nothing stored (P1's only certification is severe_mental at H2's date).
std::vector<Probe> visit_members() {
  const std::string visit = R"("visit":"outpatient_special")";
  std::vector<Probe> out;
  for (const std::string raw : {"1", "true", "null", "[]", "{}", "[\"outpatient_special\"]"}) {
    out.push_back(Probe{.body = settle_body({{"+", "\"visit\":" + raw}}),
                        .expect_code = "wrong_type",
                        .expect_field = "visit"});
    out.push_back(Probe{.body = settle_body({{"+", visit + ",\"special_disease\":" + raw}}),
                        .expect_code = "wrong_type",
                        .expect_field = "special_disease"});
  }
  for (const std::string v : {"", "OUTPATIENT_SPECIAL", "outpatient", "inpatient "}) {
    out.push_back(Probe{.body = settle_body({{"+", "\"visit\":" + quoted(v)}}),
                        .expect_code = "unknown_visit",
                        .expect_field = "visit"});
  }
  for (const std::string d : {"hay_fever", "severe_mental' OR '1'='1", "../severe_mental",
                              "basic:disease:x", "SEVERE_MENTAL"}) {
    out.push_back(Probe{.body = settle_body({{"+", visit + ",\"special_disease\":" + quoted(d)}}),
                        .expect_code = "unknown_special_disease",
                        .expect_field = "special_disease"});
  }
  out.push_back(Probe{
      .body = settle_body({{"+", visit + ",\"special_disease\":" + quoted(std::string(65, 'x'))}}),
      .expect_code = "too_long",
      .expect_field = "special_disease"});
  out.push_back(Probe{.body = settle_body({{"+", visit + ",\"special_disease\":\"\""}}),
                      .expect_code = "empty",
                      .expect_field = "special_disease"});
  out.push_back(Probe{.body = settle_body({{"+", visit}}),
                      .expect_code = "missing_field",
                      .expect_field = "special_disease"});
  out.push_back(Probe{.body = settle_body({{"+", "\"special_disease\":\"severe_mental\""}}),
                      .expect_code = "special_disease_not_applicable",
                      .expect_field = "special_disease"});
  out.push_back(Probe{.body = settle_body({{"+", visit + R"(,"special_disease":"severe_mental",)" +
                                                     R"("certified":true)"}}),
                      .expect_code = "unknown_field",
                      .expect_field = "certified"});
  out.push_back(
      Probe{.body = settle_body({{"+", visit + R"(,"special_disease":"pneumoconiosis")"}}),
            .expect_code = "not_certified",
            .expect_field = "special_disease"});
  return out;
}

std::vector<Probe> duplicate_keys() {
  std::vector<Probe> out;
  const std::vector<std::pair<std::string, std::string>> top = {
      {"hospital_id", "\"H2\""},         {"bill_no", "\"B1\""},
      {"patient", "{\"id\":\"P1\"}"},    {"referral", "false"},
      {"admitted_on", "\"2020-03-02\""}, {"discharged_on", "\"2020-03-12\""},
      {"diagnoses", "[\"J18.9\"]"},      {"items", "[]"}};
  for (const auto& [key, same] : top) {
    for (const std::string& v : {same, std::string("\"other\"")}) {
      out.push_back(Probe{.body = settle_body({{"+", quoted(key) + ":" + v}}),
                          .expect_code = "duplicate_field",
                          .expect_field = key});
    }
  }
  for (const std::string& v : {std::string("\"P1\""), std::string("\"P2\"")}) {
    out.push_back(Probe{.body = settle_body({{"patient+", "\"id\":" + v}}),
                        .expect_code = "duplicate_field",
                        .expect_field = "patient.id"});
  }
  for (const std::string key : {"code", "name", "class", "amount", "over_limit"}) {
    for (const std::string v : {"\"B\"", "\"1.00\""}) {
      out.push_back(Probe{.body = settle_body({{"items[0]+", quoted(key) + ":" + v}}),
                          .expect_code = "duplicate_field",
                          .expect_field = "items[0]." + std::string(key)});
    }
  }
  // "bill\u005fno" is "bill_no"; "\u0062ill_no" too.
  for (const std::string spelled :
       {"\"bill\\u005fno\"", "\"\\u0062ill_no\"", "\"bill_n\\u006f\""}) {
    out.push_back(Probe{.body = settle_body({{"+", spelled + ":\"B2\""}}),
                        .expect_code = "duplicate_field",
                        .expect_field = "bill_no"});
  }
  out.push_back(Probe{.path = "/v1/settlements/trial",
                      .body = settle_body({{"+", "\"referral\":true"}}),
                      .expect_code = "duplicate_field",
                      .expect_field = "referral"});
  out.push_back(Probe{.path = "/v1/admissions/check",
                      .body = R"({"hospital_id":"H2","hospital_id":"H2","patient":{"id":"P1"},)"
                              R"("admitted_on":"2020-03-02","referral":false})",
                      .expect_code = "duplicate_field",
                      .expect_field = "hospital_id"});
  out.push_back(Probe{.path = "/v1/settlements/1/cancel",
                      .body = R"({"reason":"a","reason":"b"})",
                      .expect_code = "duplicate_field",
                      .expect_field = "reason"});
  // Many keys repeated many times (a hash-flooding shape): refused at the first repeat.
  std::string many = "{";
  for (int i = 0; i < 5000; ++i) many += "\"k" + std::to_string(i % 50) + "\":1,";
  out.push_back(Probe{.body = many + "\"z\":1}", .expect_code = "duplicate_field"});
  return out;
}

// SQL metacharacters in every string member. Where the member is free text (kMayStore) a 201
// is acceptable and the value stored is compared byte for byte; each such request has a bill
// number of its own, so a LIKE-style match ('%', '_') would show as a replay or a conflict.
std::vector<Probe> sql_metachar() {
  const std::vector<std::string> payloads = {"' OR 1=1 --",
                                             "\"; DROP TABLE records; --",
                                             "'; DROP TABLE records; --",
                                             "%",
                                             "_",
                                             "%_%",
                                             "\\",
                                             "\\'",
                                             "' --",
                                             "1' AND '1'='1",
                                             "); DELETE FROM records; --",
                                             "/*",
                                             "*/",
                                             ";",
                                             "`",
                                             "' UNION SELECT key FROM clients --",
                                             "B1' --",
                                             "B%",
                                             "B_",
                                             "\\0",
                                             std::string("a\0b", 3),
                                             "\n",
                                             "\x1a",
                                             "''''''''",
                                             "\"\"\"\"",
                                             "\\\\\\\\"};
  std::vector<Probe> out;
  int serial = 0;
  for (const std::string& field : kStringFields) {
    const bool may_store = std::find(kMayStore.begin(), kMayStore.end(), field) != kMayStore.end();
    for (const std::string& payload : payloads) {
      Raw raw = {{field, quoted(payload)}};
      if (field != "bill_no") raw["bill_no"] = quoted("SQL" + std::to_string(++serial));
      Probe p{.body = settle_body(raw)};
      if (may_store) {
        p.stored_path = field;
        p.stored_value = payload;
      }
      out.push_back(std::move(p));
    }
  }
  // Free text that is never stored without a settlement to cancel: a reason for a bill that
  // does not exist.
  for (const std::string& payload : payloads) {
    out.push_back(Probe{.path = "/v1/settlements/999999/cancel",
                        .body = "{\"reason\":" + quoted(payload) + "}"});
  }
  return out;
}

// Odd ids in every path parameter.
std::vector<Probe> path_ids() {
  const std::vector<std::string> ids = {"..%2f..%2fetc%2fpasswd",
                                        "%2e%2e%2f",
                                        "%2e%2e",
                                        "..",
                                        ".",
                                        "%2e",
                                        "1;DROP",
                                        "1%3bDROP%20TABLE%20records",
                                        "-1",
                                        "0",
                                        "01",
                                        "000000000000000001",
                                        "99999999999999999999",
                                        "1.5",
                                        "%00",
                                        "1%00",
                                        "%27%20OR%201=1%20--",
                                        "'",
                                        "%25",
                                        "%",
                                        "%zz",
                                        "%ff",
                                        "%c0%ae%c0%ae",
                                        "+1",
                                        "%201",
                                        "1%20",
                                        "0x10",
                                        "1e3",
                                        "%d9%a1",
                                        "~",
                                        "*",
                                        "%2a",
                                        "9223372036854775807",
                                        "9223372036854775808",
                                        "1%0d%0aX-Injected:%201",
                                        "%5c..%5c",
                                        std::string(1000, '1'),
                                        std::string(10000, '9'),
                                        std::string(1000, 'P')};
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/v1/settlements/{}"},
      {"GET", "/v1/settlements/{}/slip"},
      {"POST", "/v1/settlements/{}/cancel"},
      {"GET", "/v1/patients/{}/ledger?year=2020"},
      {"GET", "/v1/audit/patients/{}?year=2020"}};
  std::vector<Probe> out;
  for (const auto& [method, pattern] : routes) {
    for (const std::string& id : ids) {
      std::string path = pattern;
      path.replace(path.find("{}"), 2, id);
      out.push_back(Probe{.method = method,
                          .path = path,
                          .body = method == "POST" ? R"({"reason":"entered twice"})" : ""});
    }
  }
  // Traversal that leaves the parameter's segment.
  for (const std::string path :
       {"/v1/settlements/../../etc/passwd", "/v1/settlements/1/../../../etc/passwd",
        "/v1/patients/../../etc/passwd/ledger?year=2020", "/v1/audit/patients/../../x",
        "/v1/settlements//slip", "/v1/patients//ledger", "//v1/settlements/1", "/v1/settlements/1/",
        "/v1/settlements/1/slip/", "/V1/settlements/1", "/v1/settlements/1/slip/../slip",
        "/v1/settlements/%2f"}) {
    out.push_back(Probe{.method = "GET", .path = path});
  }
  return out;
}

// Query strings of the reconciliation and per-year routes: repeated, unknown, huge, malformed,
// SQL metacharacters. The hospital and fund filters are free text: a 200 is acceptable when
// nothing matched (checked by the caller: the only hospital with records is H2).
std::vector<Probe> query_abuse() {
  const std::string ok = "from=2020-01-01&to=2020-12-31";
  const std::vector<std::string> queries = {ok + "&from=2020-01-01",
                                            ok + "&to=2020-12-31",
                                            ok + "&format=json&format=csv",
                                            ok + "&hospital=H2&hospital=H2",
                                            ok + "&x=1",
                                            ok + "&FROM=2020-01-01",
                                            ok + "&from%00=1",
                                            ok + "&=x",
                                            "from=2020-01-01",
                                            "to=2020-12-31",
                                            "",
                                            "from=&to=",
                                            "from=2020-12-31&to=2020-01-01",
                                            "from=2020-02-30&to=2020-12-31",
                                            "from=99999-01-01&to=2020-12-31",
                                            "from=2020-01-01%00&to=2020-12-31",
                                            "from=%zz&to=2020-12-31",
                                            "from=2020-01-01'--&to=2020-12-31",
                                            "from=2020-01-01%27%20OR%201=1--&to=2020-12-31",
                                            ok + "&format=xml",
                                            ok + "&format=" + std::string(10000, 'j'),
                                            "from=" + std::string(10000, '2') + "&to=x",
                                            ok + "&" + std::string(10000, 'k') + "=1",
                                            ok + "&format=json;DROP",
                                            ok + "&format=%ff",
                                            "from=2020-01-01;to=2020-12-31",
                                            "&&&&",
                                            "from",
                                            "from=2020-01-01&from",
                                            "%",
                                            "?",
                                            "from=2020-01-01&to=1e400"};
  std::vector<Probe> out;
  for (const std::string route : {"/v1/reconciliation/totals", "/v1/reconciliation/details"}) {
    for (const std::string& q : queries) {
      out.push_back(Probe{.method = "GET", .path = route + "?" + q});
    }
  }
  for (const std::string route : {"/v1/patients/P1/ledger", "/v1/audit/patients/P1"}) {
    for (const std::string q : {"year=2020&year=2020", "year=2020&x=1", "", "year=", "year=20200",
                                "year=-202", "year=2020%00", "year=20%2020", "year=1e3", "year=%zz",
                                "year=2020'--", "x", "year", "year=0x7e4"}) {
      out.push_back(Probe{.method = "GET", .path = route + "?" + q});
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Raw sockets: what Poco's client will not send

struct RawAnswer {
  int status = 0;  // 0: closed or reset without an answer
  std::string content_type;
  std::string body;
};

// `request` on a new connection; the answer, waiting at most 10 s for the server to close.
RawAnswer raw_exchange(std::uint16_t port, const std::string& request) {
  RawAnswer out;
  Poco::Net::StreamSocket socket = raw_connection(port);
  try {
    std::size_t sent = 0;
    while (sent < request.size()) {
      const int n =
          socket.sendBytes(request.data() + sent,
                           static_cast<int>(std::min<std::size_t>(request.size() - sent, 65536)));
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
  } catch (const Poco::Exception&) {
    // the server refused and closed before the request was all sent: read what it said
  }
  bool closed = false;
  const std::string answer = read_until_closed(socket, 10000, &closed);
  EXPECT_TRUE(closed) << "the server kept the connection: " << request.substr(0, 100);
  if (answer.rfind("HTTP/1.", 0) != 0 || answer.size() < 12) return out;
  out.status = std::stoi(answer.substr(9, 3));
  const auto head_end = answer.find("\r\n\r\n");
  const std::string head = answer.substr(0, head_end);
  const auto ct = head.find("Content-Type: ");
  if (ct != std::string::npos) {
    out.content_type = head.substr(ct + 14, head.find("\r\n", ct) - ct - 14);
  }
  if (head_end != std::string::npos) out.body = answer.substr(head_end + 4);
  return out;
}

// A request with valid credentials and body whose head breaks a limit or the syntax.
std::vector<std::string> header_requests(TestServer& server) {
  const std::string key = server.hospital_key("H2");
  const std::string body = RequestBuilder().bill("HDR").json();
  const auto post = [&](const std::string& extra, const std::string& target = "/v1/settlements") {
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
           "Authorization: Bearer " + key + "\r\nContent-Type: application/json\r\n" + extra +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  std::vector<std::string> out;
  for (const int n : {99, 150, 1000, 5000}) {  // with the 6 above: past the 100 fields
    std::string fields;
    for (int i = 0; i < n; ++i) fields += "X-F" + std::to_string(i) + ": v\r\n";
    out.push_back(post(fields));
  }
  for (const std::size_t n : {257u, 1000u, 8000u})
    out.push_back(post(std::string(n, 'N') + ": v\r\n"));
  for (const std::size_t n : {8193u, 20000u, 60000u}) {
    out.push_back(post("X-V: " + std::string(n, 'v') + "\r\n"));
  }
  for (const std::size_t n : {16385u, 30000u, 60000u}) {
    out.push_back(post("", "/v1/settlements?p=" + std::string(n, 'u')));
  }
  // A huge Authorization header: the valid key followed by enough to pass the value limit.
  for (const std::size_t n : {8193u, 20000u}) {
    const std::string head =
        "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Connection: close\r\nAuthorization: Bearer " +
        key + std::string(n, 'a') + "\r\n";
    out.push_back(head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  // Syntax Poco tolerates (a line without a colon, NUL in a value, a folded line, an empty
  // name): the request is then served, so these carry a body our code refuses (422) — they
  // must not write either way.
  const std::string refused = R"({"hospital_id":"H2"})";
  for (const std::string odd :
       {"NoColonHere\r\n", "X-Fold: a\r\n  folded\r\n", ": empty-name\r\n"}) {
    out.push_back(
        "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Authorization: Bearer " +
        key + "\r\n" + odd + "Content-Length: " + std::to_string(refused.size()) + "\r\n\r\n" +
        refused);
  }
  out.push_back(
      "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
      "Authorization: Bearer " +
      key + "\r\n" + std::string("X-N: a\0b\r\n", 10) +
      "Content-Length: " + std::to_string(refused.size()) + "\r\n\r\n" + refused);
  // Bad request lines and lying lengths.
  out.push_back("GARBAGE\r\n\r\n");
  out.push_back("GET\r\n\r\n");
  out.push_back("\r\n\r\n\r\n\r\n");
  out.push_back(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n");
  const std::string auth = "Authorization: Bearer " + key + "\r\n";
  const std::string start =
      "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Connection: close\r\nContent-Type: application/json\r\n" +
      auth;
  out.push_back(start + "Content-Length: -1\r\n\r\n" + body);  // 400 malformed_request
  out.push_back(start + "Content-Length: 5\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body);
  out.push_back(start + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n");
  out.push_back(start + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n" + body);
  // Bodies a little larger than the 1 MiB limit are refused by their declared length.
  out.push_back(start + "Content-Length: 1048577\r\n\r\n" + body);
  // Two Authorization headers, the first one invalid: the first is the one judged (401).
  out.push_back(
      "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
      "Authorization: Bearer nope\r\n" +
      auth + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  // An Authorization header with a control character in the key.
  out.push_back(
      "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
      "Authorization: Bearer " +
      key.substr(0, 4) + "\x01" + key.substr(4) +
      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  // Unsupported media types with a valid body.
  for (const std::string type :
       {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/xml", "application/json-patch"}) {
    out.push_back("POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                  auth + "Content-Type: " + type +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  return out;
}

// Heads that Poco 1.11 drops without an answer: HTTPRequest::read() and the Content-Length
// parse throw exceptions its HTTPServerConnection does not map to 400 (only MessageException
// is), so the connection is closed before our handler exists. The client sees a closed
// connection, never a 2xx or 5xx; nothing is written; the server stays up. Answering 400 would
// take a connection factory of our own in http_server.cpp (left for a decision).
std::vector<std::string> poco_drops(TestServer& server) {
  const std::string key = server.hospital_key("H2");
  const std::string body = RequestBuilder().bill("HDR").json();
  std::vector<std::string> out = {"GET /healthz HTTP/9.9\r\nConnection: close\r\n\r\n",
                                  "GET /v1/settlements/1 FOO/1.1\r\nConnection: close\r\n\r\n"};
  for (const std::string length : {"abc", "99999999999999999999", "1e3", "0x10"}) {
    out.push_back(
        "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Authorization: Bearer " +
        key + "\r\nContent-Length: " + length + "\r\n\r\n" + body);
  }
  return out;
}

// Hostile Authorization headers, exactly as written, on a valid settle (a wrongly accepted one
// would write). Sent raw: Poco's client would not send some of them.
std::vector<std::string> auth_requests(TestServer& server) {
  const std::string good = server.hospital_key("H2");
  const std::vector<std::string> values = {
      "",
      "Bearer",
      "Bearer ",
      "Bearer     ",
      "bearer",
      "Basic " + good,
      "Token " + good,
      good,
      "Bearer " + good + "x",
      "Bearer x" + good,
      "Bearer " + good.substr(0, good.size() - 1),
      "Bearer " + good.substr(1),
      "Bearer " + std::string(good.size(), 'A'),
      "Bearer ' OR 1=1 --",
      "Bearer %",
      "Bearer _",
      "Bearer *",
      "Bearer " + good + "' OR '1'='1",
      "Bearer " + good + " " + good,
      "Bearer " + good + "," + good,
      "Bearer\t" + good,
      "Bearer " + std::string(8000, 'k'),
      "Bearer " + good + "\xff",
      "Bearer \xc0\x80",
      "Bearer " + good + std::string("\0", 1),
      "Bearer " + std::string(good.rbegin(), good.rend()),
      "Bearer " + server.key(store::Role::auditor),     // valid, may not settle: 403
      "Bearer " + server.key(store::Role::reconciler),  // 403
      "Bearer " + server.key(store::Role::admin),       // 403
      "Bearer " + server.hospital_key("H1"),            // another hospital's bill: 403
  };
  std::vector<std::string> out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string body = RequestBuilder().bill("AUTH" + std::to_string(i)).json();
    out.push_back(
        "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nAuthorization: " +
        values[i] + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  return out;
}

// Sends raw requests, each on its own connection: a 4xx each (Poco's own 400 has no body;
// ours is problem+json with a code), the server up, nothing written.
// With `may_drop`, closing without an answer is accepted too (see poco_drops()).
void run_raw_class(TestServer& server, const std::string& name,
                   const std::vector<std::string>& requests, bool may_drop = false) {
  Tally tally;
  const std::int64_t before = record_count(server);
  for (const std::string& request : requests) {
    const RawAnswer a = raw_exchange(server.port(), request);
    ++tally.tried;
    ++tally.statuses[a.status];
    const std::string where = name + ": " + request.substr(0, 160);
    if (may_drop && a.status == 0) continue;
    EXPECT_GE(a.status, 400) << where;
    EXPECT_LT(a.status, 500) << where << a.body;
    if (!a.body.empty()) {
      EXPECT_EQ(a.content_type, "application/problem+json") << where;
      EXPECT_NE(a.body.find("\"code\""), std::string::npos) << where;
    }
  }
  EXPECT_EQ(server.get("/healthz").status, 200) << name;
  EXPECT_EQ(record_count(server), before) << name << ": something was written";
  report(name, tally);
}

// ---------------------------------------------------------------------------------------------

TEST(Hostile, EveryClassIsRefusedWithA4xxTheServerStaysUpAndNothingIsWritten) {
  TestServer server([](http::ServerConfig& c) {
    c.body_limit_bytes = 1 << 20;  // the shipped limit: deep nesting is judged by depth
  });
  // One settlement that the cancel probes could reach (their ids are hostile or 1: the body
  // must be refused before anything is cancelled).
  const Reply first = server.post("/v1/settlements", RequestBuilder().bill("FIRST").json());
  ASSERT_EQ(first.status, 201) << first.body;
  const std::int64_t start_records = record_count(server);

  std::int64_t stored = 0;
  stored += run_class(server, "malformed_json", malformed_json()).stored;
  stored += run_class(server, "deep_nesting", deep_nesting()).stored;
  stored += run_class(server, "huge_numbers", huge_numbers()).stored;
  stored += run_class(server, "wrong_types", wrong_types()).stored;
  stored += run_class(server, "visit_members", visit_members()).stored;
  stored += run_class(server, "invalid_utf8", invalid_utf8()).stored;
  stored += run_class(server, "duplicate_keys", duplicate_keys()).stored;
  stored += run_class(server, "sql_metachar", sql_metachar()).stored;
  stored += run_class(server, "path_ids", path_ids()).stored;
  EXPECT_EQ(record_count(server), start_records + stored);
  // The first settlement was not cancelled by anything above.
  EXPECT_FALSE(server.app().ledger().get(1)->cancelled_by.has_value());

  // Query strings: the free-text filters may answer 200, but never with H2's records.
  {
    Tally tally;
    const auto probes = query_abuse();
    for (std::size_t i = 0; i < probes.size(); ++i) {
      const Probe& p = probes[i];
      const Reply r = server.request_as(default_key(server, p), "GET", p.path);
      ++tally.tried;
      ++tally.statuses[r.status];
      const std::string where = "query_abuse[" + std::to_string(i) + "] " + p.path.substr(0, 160);
      if (r.status == 200) {
        ADD_FAILURE() << where << ": accepted: " << r.body.substr(0, 200);
        continue;
      }
      check_answer(server, p, r, where, tally);
    }
    // Free-text filters with SQL metacharacters: 200 with nothing (only H2 has records).
    for (const std::string value : {"%27%20OR%201=1%20--", "%25", "_", "H%25", "H_",
                                    "%22%3B%20DROP%20TABLE%20records%3B%20--"}) {
      for (const std::string name : {"hospital", "fund"}) {
        const std::string path =
            "/v1/reconciliation/totals?from=2020-01-01&to=2020-12-31&" + name + "=" + value;
        const Reply r = server.request_as(server.key(store::Role::reconciler), "GET", path);
        ++tally.tried;
        ++tally.statuses[r.status];
        EXPECT_EQ(r.status, 200) << path;
        EXPECT_EQ(r.body.find("H2"), std::string::npos) << path << ": " << r.body;
      }
    }
    EXPECT_EQ(server.get("/healthz").status, 200);
    report("query_abuse", tally);
  }

  // Heads Poco refuses before our code runs (its 400 has no problem body), and hostile keys.
  run_raw_class(server, "headers", header_requests(server));
  run_raw_class(server, "headers_poco_drops", poco_drops(server), /*may_drop=*/true);
  run_raw_class(server, "auth", auth_requests(server));
  EXPECT_EQ(record_count(server), start_records + stored);

  const std::string db = server.config().ledger.location;
  server.shut_down();
  EXPECT_EQ(run_verify(db), 0);
}

// Slowloris: connections that send their head a byte at a time. Slower than the receive
// timeout, each is dropped; faster, each holds a thread while it dribbles (Poco's timeout is
// per read, there is no deadline for the whole head) — but a few do not keep a normal client
// from being served, and each is dropped once it pauses past the timeout. Each pace runs on a
// server whose timeout is far from it (the slow pace twice the timeout, the fast one a fiftieth
// of it), so a loaded machine's scheduling delays cannot turn one into the other.
struct Pace {
  int timeout_ms;
  int interval_ms;
};

TEST(Hostile, SlowlorisConnectionsAreDroppedAndOthersAreServedMeanwhile) {
  Tally tally;
  Tally normal;
  for (const Pace pace : {Pace{300, 600}, Pace{5000, 100}}) {
    TestServer server([&](http::ServerConfig& c) {
      c.receive_timeout_ms = pace.timeout_ms;
      c.threads = 8;
    });
    const std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    std::vector<Poco::Net::StreamSocket> slow;
    std::vector<bool> closed(6, false);
    std::vector<std::size_t> sent(6, 0);  // bytes of `head` each has sent
    for (int i = 0; i < 6; ++i) slow.push_back(raw_connection(server.port()));
    const auto start = Clock::now();
    // Dribble for 2.5 s (slow: past the timeout each time; fast: well within it).
    while (seconds_since(start) < 2.5) {
      for (std::size_t i = 0; i < slow.size(); ++i) {
        if (closed[i]) continue;
        try {
          if (slow[i].poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ)) {
            char c = 0;
            if (slow[i].receiveBytes(&c, 1) <= 0) closed[i] = true;
          }
          if (!closed[i]) slow[i].sendBytes(&head[sent[i]++ % head.size()], 1);
        } catch (const Poco::Exception&) {
          closed[i] = true;
        }
      }
      const Reply r = server.get("/healthz");  // a normal client meanwhile
      ++normal.tried;
      ++normal.statuses[r.status];
      EXPECT_EQ(r.status, 200);
      std::this_thread::sleep_for(milliseconds(pace.interval_ms));
    }
    const bool slower_than_timeout = pace.interval_ms > pace.timeout_ms;
    for (std::size_t i = 0; i < slow.size(); ++i) {
      if (slower_than_timeout) {
        EXPECT_TRUE(closed[i]) << "connection " << i << " outlived the receive timeout";
      } else {
        EXPECT_FALSE(closed[i]) << "connection " << i << " dribbling within the timeout";
        // It stops: dropped without an answer after about the timeout.
        bool now_closed = false;
        const std::string answer = read_until_closed(slow[i], 60000, &now_closed);
        EXPECT_TRUE(now_closed);
        EXPECT_EQ(answer, "");
        closed[i] = now_closed;
      }
      ++tally.tried;
      ++tally.statuses[closed[i] ? 0 : -1];  // 0: dropped without an answer; -1: still open
    }
    EXPECT_EQ(server.get("/healthz").status, 200);
    EXPECT_EQ(record_count(server), 0);
  }
  report("slowloris", tally);
  report("slowloris_normal_client_meanwhile", normal);
}

}  // namespace
}  // namespace onestop::testing
