// The result codec against a golden text, and the JSON writer's escaping and money text.
#include "adapters/codec/result_codec.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/codec/json_util.hpp"

namespace onestop::codec {
namespace {

Money amount(const char* text) { return Money::parse(text).value(); }

Split split(const char* total, const char* out, const char* over, const char* pre, const char* in) {
  return Split{amount(total), amount(out), amount(over), amount(pre), amount(in)};
}

// The case worked by hand in shared/cases/README.md, cut down to three layers, with text that
// needs escaping in a reason, a flag and a trace step.
Settlement hand_built() {
  Settlement s;
  s.hospital_id = "H1";
  s.bill_no = "ZY2020-000123";
  s.patient_id = "P0001";
  s.category = "poor";
  s.year = 2020;
  s.policy_id = "zhaoshan-2020";
  s.policy_sha256 = "ab12";
  s.split = split("31500.00", "500.00", "100.00", "90.00", "30810.00");
  s.items = {{"X001", ItemClass::A, split("30000.00", "0.00", "0.00", "0.00", "30000.00")},
             {"X002", ItemClass::B, split("1000.00", "0.00", "100.00", "90.00", "810.00")},
             {"X003", ItemClass::C, split("500.00", "500.00", "0.00", "0.00", "0.00")}};
  s.layers = {{"basic",
               "390100",
               LayerKind::deductible_ratio,
               true,
               "",
               amount("30810.00"),
               amount("22807.50"),
               false,
               {{"deductible", "400.00"}, {"ratio", "0.75"}}},
              {"critical",
               "390200",
               LayerKind::tiered_cumulative,
               true,
               "",
               amount("8002.50"),
               amount("326.63"),
               false,
               {{"threshold", "7500.00"}}},
              {"special",
               "620100",
               LayerKind::share_of_remainder,
               false,
               "类别 \"resident\" 不适用",
               amount("0.00"),
               amount("0.00"),
               false,
               {}}};
  s.fund_paid = amount("23134.13");
  s.patient_pays = amount("8365.87");
  s.flags = {{"annual_cap_reached", "basic", "cap"},
             {"reimbursement_below_target", "", "Σ paid / total 0.73 < 0.85"}};
  s.after.admissions = 1;
  s.after.layers["basic"] = {amount("22807.50"), amount("400.00"), {}, {}};
  s.after.layers["critical"] = {amount("326.63"), {}, amount("8002.50"), {}};
  s.trace = {{"basic",
              "payable",
              {{"in_policy", "30810.00"}, {"deductible", "400.00"}, {"ratio", "0.75"}},
              "22807.50",
              "ratio.city"},
             {"items", "note", {}, "a\nb\t\"q\"\\ \x01", ""}};
  return s;
}

const char* const kGolden =
    R"({"hospital_id":"H1","bill_no":"ZY2020-000123","patient_id":"P0001","category":"poor",)"
    R"("year":2020,"policy":{"id":"zhaoshan-2020","sha256":"ab12"},)"
    R"("total":"31500.00","out_of_policy":"500.00","over_limit":"100.00",)"
    R"("pre_self_pay":"90.00","in_policy":"30810.00",)"
    R"("layers":[)"
    R"({"id":"basic","fund":"390100","kind":"deductible_ratio","eligible":true,)"
    R"("base":"30810.00","paid":"22807.50","capped":false,)"
    R"("details":{"deductible":"400.00","ratio":"0.75"}},)"
    R"({"id":"critical","fund":"390200","kind":"tiered_cumulative","eligible":true,)"
    R"("base":"8002.50","paid":"326.63","capped":false,"details":{"threshold":"7500.00"}},)"
    R"({"id":"special","fund":"620100","kind":"share_of_remainder","eligible":false,)"
    R"("reason":"类别 \"resident\" 不适用","base":"0.00","paid":"0.00","capped":false,)"
    R"("details":{}}],)"
    R"("fund_paid":"23134.13","patient_pays":"8365.87",)"
    R"("flags":[{"code":"annual_cap_reached","layer":"basic","message":"cap"},)"
    R"({"code":"reimbursement_below_target","message":"Σ paid / total 0.73 < 0.85"}],)"
    R"("national":{"setlinfo":{"medfee_sumamt":"31500.00","fulamt_ownpay_amt":"500.00",)"
    R"("overlmt_selfpay":"100.00","preselfpay_amt":"90.00","inscp_scp_amt":"30810.00",)"
    R"("act_pay_dedc":"400.00","fund_pay_sumamt":"23134.13","psn_part_amt":"8365.87",)"
    R"("psn_cash_pay":"8365.87","hifp_pay":"22807.50","hifmi_pay":"326.63","maf_pay":"0.00"},)"
    R"("setldetail":[)"
    R"({"fund_pay_type":"390100","inscp_scp_amt":"30810.00","fund_payamt":"22807.50",)"
    R"("setl_proc_info":"deductible=400.00;ratio=0.75"},)"
    R"({"fund_pay_type":"390200","inscp_scp_amt":"8002.50","fund_payamt":"326.63",)"
    R"("setl_proc_info":"threshold=7500.00"},)"
    R"({"fund_pay_type":"620100","inscp_scp_amt":"0.00","fund_payamt":"0.00",)"
    R"("setl_proc_info":"not eligible: 类别 \"resident\" 不适用"}]},)"
    R"("items":[)"
    R"({"code":"X001","class":"A","amount":"30000.00","out_of_policy":"0.00",)"
    R"("over_limit":"0.00","pre_self_pay":"0.00","in_policy":"30000.00"},)"
    R"({"code":"X002","class":"B","amount":"1000.00","out_of_policy":"0.00",)"
    R"("over_limit":"100.00","pre_self_pay":"90.00","in_policy":"810.00"},)"
    R"({"code":"X003","class":"C","amount":"500.00","out_of_policy":"500.00",)"
    R"("over_limit":"0.00","pre_self_pay":"0.00","in_policy":"0.00"}],)"
    R"("accumulators":{"before":{"admissions":0,"layers":{}},)"
    R"("after":{"admissions":1,"layers":{)"
    R"("basic":{"paid":"22807.50","deductible_charged":"400.00","base_cumulative":"0.00",)"
    R"("patient_share":"0.00"},)"
    R"("critical":{"paid":"326.63","deductible_charged":"0.00","base_cumulative":"8002.50",)"
    R"("patient_share":"0.00"}}}},)"
    R"("trace":[{"layer":"basic","step":"payable",)"
    R"("inputs":{"in_policy":"30810.00","deductible":"400.00","ratio":"0.75"},)"
    R"("value":"22807.50","rule":"layers.basic.ratio.city"},)"
    R"({"layer":"items","step":"note","inputs":{},"value":"a\nb\t\"q\"\\ \u0001","rule":""}]})";

TEST(EncodeSettlement, GoldenText) { EXPECT_EQ(encode_settlement(hand_built()), kGolden); }

TEST(EncodeSettlement, IsValidJsonThatReadsBack) {
  const std::string text = encode_settlement(hand_built());
  Poco::JSON::Parser parser;
  auto root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(root->getValue<std::string>("patient_pays"), "8365.87");
  auto special = root->getArray("layers")->getObject(2);
  EXPECT_EQ(special->getValue<std::string>("reason"), "类别 \"resident\" 不适用");
  auto note = root->getArray("trace")->getObject(1);
  EXPECT_EQ(note->getValue<std::string>("value"), "a\nb\t\"q\"\\ \x01");
}

TEST(EncodeSettlement, NationalDefaultsWithoutABasicFund) {
  Settlement s = hand_built();
  s.layers.erase(s.layers.begin());
  const std::string text = encode_settlement(s);
  EXPECT_NE(text.find(R"("act_pay_dedc":"0.00")"), std::string::npos);
  EXPECT_NE(text.find(R"("hifp_pay":"0.00","hifmi_pay":"326.63","maf_pay":"0.00")"),
            std::string::npos);
}

TEST(EncodeErrorLine, OneLineWithTheError) {
  EXPECT_EQ(encode_error_line("B\"1", Error{"bad_amount", "items[3].amount",
                                            "expected \"1234.50\", got \"12.345\""}),
            R"({"bill_no":"B\"1","error":{"code":"bad_amount","field":"items[3].amount",)"
            R"("message":"expected \"1234.50\", got \"12.345\""}})");
  EXPECT_EQ(encode_error_line("", Error{"malformed_json", "", "not valid JSON"}),
            R"({"bill_no":"","error":{"code":"malformed_json","field":"",)"
            R"("message":"not valid JSON"}})");
}

std::string json_quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(AppendJsonString, EscapesWhatJsonRequires) {
  EXPECT_EQ(json_quoted(""), R"("")");
  EXPECT_EQ(json_quoted("plain / text"), R"("plain / text")");
  EXPECT_EQ(json_quoted("\"\\\b\f\n\r\t"), R"("\"\\\b\f\n\r\t")");
  EXPECT_EQ(json_quoted(std::string("\x00\x1f\x7f", 3)), "\"\\u0000\\u001f\x7f\"");
  // 2-, 3- and 4-byte UTF-8 sequences are kept as they are.
  EXPECT_EQ(json_quoted("é 医保 𝄞"), "\"é 医保 𝄞\"");
}

TEST(AppendJsonString, BrokenUtf8BecomesReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(json_quoted("a\xff"
                        "b"),
            "\"a" + fffd + "b\"");
  EXPECT_EQ(json_quoted("\xe4\xb8"), "\"" + fffd + fffd + "\"");             // cut-off sequence
  EXPECT_EQ(json_quoted("\xc0\x80"), "\"" + fffd + fffd + "\"");             // overlong NUL
  EXPECT_EQ(json_quoted("\xed\xa0\x80"), "\"" + fffd + fffd + fffd + "\"");  // surrogate
  EXPECT_EQ(json_quoted("\xf4\x90\x80\x80"),
            "\"" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
}

TEST(AppendJsonString, AnyBytesGiveJsonThatReadsBack) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(rng() % 24, '\0');
    for (char& b : bytes) b = static_cast<char>(rng() % 256);
    const std::string text = "[" + json_quoted(bytes) + "]";
    Poco::JSON::Parser parser;
    ASSERT_NO_THROW(parser.parse(text)) << text;
  }
}

// append_json_string's contract spelt out one byte at a time, with UTF-8 checked by decoding
// the code point: the model the writer's word-at-a-time escaping is compared with.
std::size_t model_utf8_length(std::string_view t, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(t[k]); };
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if ((byte(i) & 0xE0) == 0xC0) n = 2, cp = byte(i) & 0x1F;
  if ((byte(i) & 0xF0) == 0xE0) n = 3, cp = byte(i) & 0x0F;
  if ((byte(i) & 0xF8) == 0xF0) n = 4, cp = byte(i) & 0x07;
  if (n == 0 || i + n > t.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (byte(i + k) & 0x3F);
  }
  const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

std::string model_quoted(std::string_view t) {
  std::string out = "\"";
  for (std::size_t i = 0; i < t.size(); ++i) {
    const auto c = static_cast<unsigned char>(t[i]);
    const std::string_view shorts[] = {"\\\"", "\\\\", "\\b", "\\f", "\\n", "\\r", "\\t"};
    const std::size_t k = std::string_view("\"\\\b\f\n\r\t").find(static_cast<char>(c));
    if (k != std::string_view::npos) {
      out += shorts[k];
    } else if (c < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (const std::size_t n = model_utf8_length(t, i); n != 0) {
      out += t.substr(i, n);
      i += n - 1;
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  return out + "\"";
}

// Random text of every escape class, valid and broken UTF-8, at lengths around the eight-byte
// words, the short-string paths and the writer's 4096-byte pieces.
std::string random_text(std::mt19937& rng, std::size_t size) {
  static const std::vector<std::string> pieces = {"a",
                                                  "Z",
                                                  "0",
                                                  " ",
                                                  "~",
                                                  "\x7f",
                                                  "\"",
                                                  "\\",
                                                  "/",
                                                  "\b",
                                                  "\f",
                                                  "\n",
                                                  "\r",
                                                  "\t",
                                                  std::string(1, '\0'),
                                                  "\x01",
                                                  "\x1f",
                                                  "é",
                                                  "医",
                                                  "𝄞",
                                                  "\xff",
                                                  "\xc0\x80",
                                                  "\xe4\xb8",
                                                  "\xed\xa0\x80",
                                                  "\xf4\x90\x80\x80",
                                                  "\x80"};
  std::string text;
  const bool plain = rng() % 2 == 0;  // mostly printable ASCII, as most text is
  while (text.size() < size) {
    if (plain && rng() % 16 != 0) {
      text += static_cast<char>(0x20 + rng() % 0x5F);
    } else {
      text += pieces[rng() % pieces.size()];
    }
  }
  return text;
}

TEST(AppendJsonString, MatchesTheBytewiseModel) {
  std::mt19937 rng(13);
  std::vector<std::size_t> sizes;
  for (std::size_t n = 0; n <= 40; ++n) sizes.push_back(n);
  for (std::size_t n : {126, 127, 128, 4090, 4095, 4096, 4097, 4100, 8192, 9001}) {
    sizes.push_back(n);
  }
  for (int round = 0; round < 30; ++round) {
    for (const std::size_t size : sizes) {
      const std::string text = random_text(rng, size);
      const std::string quoted = model_quoted(text);
      ASSERT_EQ(json_quoted(text), quoted) << testing::PrintToString(text);
      JsonWriter w(1);  // grows on every call
      w.begin_object().key(text).value(text).end_object();
      ASSERT_EQ(w.text(), "{" + quoted + ":" + quoted + "}") << testing::PrintToString(text);
    }
  }
}

TEST(AppendMoneyText, MatchesMoneyToString) {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::vector<Money> samples = {Money{},
                                Money::from_fen(5),
                                Money::from_fen(-5),
                                Money::from_fen(100),
                                Money::from_fen(-123456),
                                Money::from_fen(max),
                                Money::from_fen(-max),
                                Money::from_fen(std::numeric_limits<std::int64_t>::min()),
                                Money::from_fen(Int128(max) * 1000 + 7),
                                Money::from_fen(-(Int128(max) * 1000 + 7))};
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1000; ++i)
    samples.push_back(Money::from_fen(static_cast<std::int64_t>(rng())));
  for (const Money& m : samples) {
    std::string out;
    append_money_text(out, m);
    EXPECT_EQ(out, m.to_string());
  }
}

// Each kind of value a trace or a layer's details hold is written as its text(), whether the
// encoder formats it in place (amounts, rates, exact values, booleans) or escapes it (strings).
TEST(EncodeSettlement, WritesEveryKindOfValueAsItsText) {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const std::vector<Value> values = {Money::from_fen(-1205),
                                     Money::from_fen(-(Int128(max) * 1000 + 7)),
                                     Rate::from_micro(650'000),
                                     Rate::from_micro(-1'250'000),
                                     Rate::one(),
                                     amount("326.63") * Rate::from_micro(125),
                                     Exact::from_units(-(Int128(max) * 1000 + 7)),
                                     true,
                                     false,
                                     "",
                                     "a\"b",
                                     "0123456789abcdefg"};
  Settlement s = hand_built();
  s.trace.clear();
  s.layers.resize(1);
  s.layers[0].details.clear();
  for (const Value& v : values) {
    s.trace.push_back({"claim", "v", {{"in", v}}, v, ""});
    s.layers[0].details.push_back({"d", v});
  }
  const std::string text = encode_settlement(s);
  Poco::JSON::Parser parser;
  auto root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
  auto trace = root->getArray("trace");
  ASSERT_EQ(trace->size(), values.size());
  std::string details = R"("details":{)";
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto step = trace->getObject(static_cast<unsigned>(i));
    EXPECT_EQ(step->getValue<std::string>("value"), values[i].text()) << i;
    EXPECT_EQ(step->getObject("inputs")->getValue<std::string>("in"), values[i].text()) << i;
    details += (i == 0 ? R"("d":)" : R"(,"d":)") + json_quoted(values[i].text());
  }
  EXPECT_NE(text.find(details + "}"), std::string::npos);
}

TEST(JsonWriter, InsertsCommasAndNests) {
  JsonWriter w;
  w.begin_object().member("a", 1).key("b").begin_array().value(true).value("x");
  w.begin_object().end_object().begin_array().end_array().end_array();
  w.member("c", Money::from_fen(-5)).member("d", std::int64_t{-9}).end_object();
  EXPECT_EQ(w.text(), R"({"a":1,"b":[true,"x",{},[]],"c":"-0.05","d":-9})");
}

// The writer asks for room before each value; from a one-byte buffer it grows at every step.
TEST(JsonWriter, GrowsAsItWritesEveryKindOfValue) {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const Money huge = Money::from_fen(-(Int128(max) * 1000 + 7));
  JsonWriter w(1);
  w.begin_array().value(std::numeric_limits<std::int64_t>::min()).value(max).value(false);
  w.value(Money::from_fen(-max)).value(huge).raw(R"({"x":[]})").raw("").value("");
  w.begin_object().end_object().end_array();
  EXPECT_EQ(w.text(),
            "[-9223372036854775808,9223372036854775807,false,\"-92233720368547758.07\","
            "\"" +
                huge.to_string() + R"(",{"x":[]},,"",{}])");
  EXPECT_EQ(w.take(),
            "[-9223372036854775808,9223372036854775807,false,\"-92233720368547758.07\","
            "\"" +
                huge.to_string() + R"(",{"x":[]},,"",{}])");
}

}  // namespace
}  // namespace onestop::codec

namespace onestop::codec {
namespace {

// An outpatient special-disease visit names itself after the year; an admission's result
// keeps the bytes it had before visits existed.
TEST(EncodeSettlement, AVisitNamesItselfAndAnAdmissionDoesNot) {
  Settlement s = hand_built();
  const std::string admission = encode_settlement(s);
  EXPECT_EQ(admission.find("\"visit\""), std::string::npos);
  s.visit = Visit::outpatient_special;
  s.special_disease = "severe_mental";
  const std::string visit = encode_settlement(s);
  EXPECT_NE(visit.find(R"("year":2020,"visit":"outpatient_special",)"
                       R"("special_disease":"severe_mental","policy":)"),
            std::string::npos)
      << visit;
}

}  // namespace
}  // namespace onestop::codec
