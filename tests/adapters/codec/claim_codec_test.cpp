// The canonical claim codec: the shipped cases decode and round-trip; every defect is reported
// with its code and exact JSON path; hostile input never crashes.
#include "adapters/codec/claim_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "adapters/codec/json_util.hpp"
#include "engine/limits.hpp"

namespace onestop::codec {
namespace {

std::vector<std::string> case_lines() {
  std::ifstream in(std::string(ONESTOP_SOURCE_DIR) + "/tests/cases/zhaoshan-2020.claims.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

void expect_same_claim(const Claim& a, const Claim& b) {
  EXPECT_EQ(a.hospital_id, b.hospital_id);
  EXPECT_EQ(a.bill_no, b.bill_no);
  EXPECT_EQ(a.patient_id, b.patient_id);
  EXPECT_EQ(a.category, b.category);
  EXPECT_EQ(a.level, b.level);
  EXPECT_EQ(a.in_region, b.in_region);
  EXPECT_EQ(a.referral, b.referral);
  EXPECT_EQ(a.admitted_on, b.admitted_on);
  EXPECT_EQ(a.discharged_on, b.discharged_on);
  EXPECT_EQ(a.visit, b.visit);
  EXPECT_EQ(a.special_disease, b.special_disease);
  EXPECT_EQ(a.diagnoses, b.diagnoses);
  ASSERT_EQ(a.items.size(), b.items.size());
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    EXPECT_EQ(a.items[i].code, b.items[i].code) << i;
    EXPECT_EQ(a.items[i].name, b.items[i].name) << i;
    EXPECT_EQ(a.items[i].item_class, b.items[i].item_class) << i;
    EXPECT_EQ(a.items[i].amount, b.items[i].amount) << i;
    EXPECT_EQ(a.items[i].over_limit, b.items[i].over_limit) << i;
  }
}

// A valid claim; the defect table below edits one spot of it. items[1] is the B item.
const std::string kClaim =
    R"({"hospital_id": "H430300001", "bill_no": "ZY2020-000123",)"
    R"( "patient": {"id": "P0001", "category": "poor"},)"
    R"( "hospital": {"level": "city", "in_region": true},)"
    R"( "referral": false, "admitted_on": "2020-03-02", "discharged_on": "2020-03-12",)"
    R"( "diagnoses": ["J62.8"],)"
    R"( "items": [{"code": "X001", "name": "青霉素", "class": "A", "amount": "1200.00"},)"
    R"( {"code": "X002", "name": "CT", "class": "B", "amount": "350.50", "over_limit": "20.00"}]})";

std::string edit(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test edit not found: " + from);
  return text.replace(at, from.size(), to);
}

std::string edited(const std::string& from, const std::string& to) {
  return edit(kClaim, from, to);
}

// kClaim with its items array replaced by [`items`].
std::string with_items(const std::string& items) {
  return kClaim.substr(0, kClaim.find(R"("items")")) + R"("items": [)" + items + "]}";
}

TEST(DecodeClaim, ReadsEveryField) {
  auto c = decode_claim(kClaim);
  ASSERT_TRUE(c.ok()) << c.error().code << " " << c.error().field << " " << c.error().message;
  EXPECT_EQ(c->hospital_id, "H430300001");
  EXPECT_EQ(c->bill_no, "ZY2020-000123");
  EXPECT_EQ(c->patient_id, "P0001");
  EXPECT_EQ(c->category, "poor");
  EXPECT_EQ(c->level, Level::city);
  EXPECT_TRUE(c->in_region);
  EXPECT_FALSE(c->referral);
  EXPECT_EQ(c->admitted_on.to_string(), "2020-03-02");
  EXPECT_EQ(c->discharged_on.to_string(), "2020-03-12");
  EXPECT_EQ(c->diagnoses, std::vector<std::string>{"J62.8"});
  ASSERT_EQ(c->items.size(), 2u);
  EXPECT_EQ(c->items[0].name, "青霉素");
  EXPECT_EQ(c->items[0].item_class, ItemClass::A);
  EXPECT_EQ(c->items[0].amount, Money::from_fen(120000));
  EXPECT_TRUE(c->items[0].over_limit.is_zero());  // absent means 0.00
  EXPECT_EQ(c->items[1].item_class, ItemClass::B);
  EXPECT_EQ(c->items[1].amount, Money::from_fen(35050));
  EXPECT_EQ(c->items[1].over_limit, Money::from_fen(2000));
}

TEST(DecodeClaim, EveryShippedCaseDecodesAndRoundTrips) {
  const auto lines = case_lines();
  ASSERT_EQ(lines.size(), 93u);
  for (const std::string& line : lines) {
    auto c = decode_claim(line);
    ASSERT_TRUE(c.ok()) << line << "\n" << c.error().field << ": " << c.error().message;
    const std::string canonical = encode_claim(*c);
    EXPECT_EQ(canonical.find('\n'), std::string::npos);
    auto again = decode_claim(canonical);
    ASSERT_TRUE(again.ok()) << canonical << "\n" << again.error().message;
    expect_same_claim(*c, *again);
    EXPECT_EQ(encode_claim(*again), canonical);  // the canonical form is a fixed point
  }
}

// Outpatient special-disease visits (domain.md §3.6): the shared cases' visits round-trip, and
// the canonical text names the visit after discharged_on; an admission's text has no trace of it.
TEST(DecodeClaim, VisitsRoundTripAndAdmissionsKeepTheirBytes) {
  std::ifstream in(std::string(ONESTOP_SOURCE_DIR) +
                   "/tests/cases/zhaoshan-2020-outpatient.claims.jsonl");
  int visits = 0;
  for (std::string line; std::getline(in, line);) {
    auto c = decode_claim(line);
    ASSERT_TRUE(c.ok()) << line << "\n" << c.error().field << ": " << c.error().message;
    if (c->is_visit()) ++visits;
    auto again = decode_claim(encode_claim(*c));
    ASSERT_TRUE(again.ok()) << again.error().message;
    expect_same_claim(*c, *again);
  }
  EXPECT_EQ(visits, 303);
  const std::string visit =
      edited(R"("discharged_on": "2020-03-12",)",
             R"("discharged_on": "2020-03-12", "visit": "outpatient_special",)"
             R"( "special_disease": "pneumoconiosis",)");
  EXPECT_NE(encode_claim(decode_claim(visit).value())
                .find(R"("discharged_on":"2020-03-12","visit":"outpatient_special",)"
                      R"("special_disease":"pneumoconiosis","diagnoses")"),
            std::string::npos);
  const std::string inpatient = edited(R"("discharged_on": "2020-03-12",)",
                                       R"("discharged_on": "2020-03-12", "visit": "inpatient",)");
  EXPECT_EQ(encode_claim(decode_claim(inpatient).value()),
            encode_claim(decode_claim(kClaim).value()));
}

TEST(DecodeClaim, VisitDefectsNameTheirField) {
  const auto error = [](const std::string& text) {
    auto c = decode_claim(text);
    return c.ok() ? std::string("ok") : c.error().code + " @" + c.error().field;
  };
  const std::string at = R"("discharged_on": "2020-03-12",)";
  EXPECT_EQ(error(edited(at, std::string(at) + R"( "visit": "outpatient_special",)")),
            "missing_field @special_disease");
  EXPECT_EQ(error(edited(at, std::string(at) + R"( "visit": "day_care",)")),
            "unknown_visit @visit");
  EXPECT_EQ(error(edited(at, std::string(at) + R"( "visit": 14,)")), "wrong_type @visit");
  EXPECT_EQ(error(edited(at, std::string(at) + R"( "special_disease": "pneumoconiosis",)")),
            "special_disease_not_applicable @special_disease");
  EXPECT_EQ(error(edited(
                at, std::string(at) + R"( "visit": "outpatient_special", "special_disease": "",)")),
            "empty @special_disease");
  EXPECT_EQ(error(edited(at, std::string(at) + R"( "visit": "outpatient_special", )" +
                                 R"("special_disease": ")" + std::string(65, 'x') + R"(",)")),
            "too_long @special_disease");
}

TEST(EncodeClaim, CanonicalText) {
  Claim c = decode_claim(kClaim).value();
  c.items[0].name = "他说\"好\"\\ok\n";
  EXPECT_EQ(encode_claim(c),
            R"({"hospital_id":"H430300001","bill_no":"ZY2020-000123",)"
            R"("patient":{"id":"P0001","category":"poor"},)"
            R"("hospital":{"level":"city","in_region":true},"referral":false,)"
            R"("admitted_on":"2020-03-02","discharged_on":"2020-03-12","diagnoses":["J62.8"],)"
            R"("items":[{"code":"X001","name":"他说\"好\"\\ok\n",)"
            R"("class":"A","amount":"1200.00"},)"
            R"({"code":"X002","name":"CT","class":"B","amount":"350.50","over_limit":"20.00"}]})");
  expect_same_claim(c, decode_claim(encode_claim(c)).value());
}

struct Defect {
  const char* name;
  std::string text;
  const char* code;
  const char* field;
};

std::string repeat(std::string_view text, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += text;
  return out;
}

std::string items_json(std::size_t n) {
  std::string items;
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) items += ",";
    items += R"({"code": "X", "name": "", "class": "A", "amount": "1.00"})";
  }
  return items;
}

const std::string kAmount = R"("amount": "350.50")";

std::vector<Defect> defects() {
  return {
      {"malformed", kClaim.substr(0, 40), "malformed_json", ""},
      {"not_an_object", "[1, 2]", "wrong_type", ""},
      {"scalar", "\"claim\"", "wrong_type", ""},
      {"duplicate_key", edited(kAmount, kAmount + R"(, "amount": "1.00")"), "duplicate_field",
       "items[1].amount"},
      {"too_many_decimals", edited(kAmount, R"("amount": "12.345")"), "bad_amount",
       "items[1].amount"},
      {"negative", edited(kAmount, R"("amount": "-1.00")"), "negative_amount", "items[1].amount"},
      {"number_exponent", edited(kAmount, R"("amount": 1e3)"), "wrong_type", "items[1].amount"},
      {"number_decimal", edited(kAmount, R"("amount": 12.5)"), "wrong_type", "items[1].amount"},
      {"exponent_string", edited(kAmount, R"("amount": "1e3")"), "bad_amount", "items[1].amount"},
      {"no_decimals", edited(kAmount, R"("amount": "12")"), "bad_amount", "items[1].amount"},
      {"leading_space", edited(kAmount, R"("amount": " 1.00")"), "bad_amount", "items[1].amount"},
      {"too_large", edited(kAmount, R"("amount": "10000000.01")"), "amount_too_large",
       "items[1].amount"},
      {"huge", edited(kAmount, R"("amount": "99999999999999999999.00")"), "amount_too_large",
       "items[1].amount"},
      {"null_over_limit", edited(R"("over_limit": "20.00")", R"("over_limit": null)"), "wrong_type",
       "items[1].over_limit"},
      {"over_limit_exceeds_amount", edited(R"("over_limit": "20.00")", R"("over_limit": "350.51")"),
       "over_limit_exceeds_amount", "items[1].over_limit"},
      {"unknown_class", edited(R"("class": "B")", R"("class": "D")"), "unknown_class",
       "items[1].class"},
      {"unknown_item_key", edited(kAmount, kAmount + R"(, "colour": "red")"), "unknown_field",
       "items[1].colour"},
      {"unknown_root_key", edited(R"("referral")", R"("note": 1, "referral")"), "unknown_field",
       "note"},
      {"unknown_before_missing", edited(R"("code": "X002")", R"("cod": "X002")"), "unknown_field",
       "items[1].cod"},
      {"missing_code", edited(R"("code": "X002", )", ""), "missing_field", "items[1].code"},
      {"missing_referral", edited(R"("referral": false, )", ""), "missing_field", "referral"},
      {"missing_category", edited(R"(, "category": "poor")", ""), "missing_field",
       "patient.category"},
      {"discharge_before_admission",
       edited(R"("discharged_on": "2020-03-12")", R"("discharged_on": "2020-03-01")"),
       "discharge_before_admission", "discharged_on"},
      {"empty_items", with_items(""), "empty", "items"},
      {"too_many_items", with_items(items_json(limits::kItemsPerClaim + 1)), "too_many", "items"},
      {"item_not_object", with_items(R"("X")"), "wrong_type", "items[0]"},
      {"too_long_name", edited(R"("name": "CT")", R"("name": ")" + std::string(201, 'n') + "\""),
       "too_long", "items[1].name"},
      {"too_long_name_bytes", edited(R"("name": "CT")", R"("name": ")" + repeat("药", 67) + "\""),
       "too_long", "items[1].name"},  // 201 bytes of UTF-8, 67 characters
      {"too_long_code", edited(R"("code": "X002")", R"("code": ")" + std::string(65, 'c') + "\""),
       "too_long", "items[1].code"},
      {"empty_code", edited(R"("code": "X002")", R"("code": "")"), "empty", "items[1].code"},
      {"bad_date", edited(R"("admitted_on": "2020-03-02")", R"("admitted_on": "2020-02-30")"),
       "bad_date", "admitted_on"},
      {"bad_date_format", edited(R"("admitted_on": "2020-03-02")", R"("admitted_on": "2020-3-2")"),
       "bad_date", "admitted_on"},
      {"date_number", edited(R"("admitted_on": "2020-03-02")", R"("admitted_on": 20200302)"),
       "wrong_type", "admitted_on"},
      {"unknown_level", edited(R"("level": "city")", R"("level": "clinic")"), "unknown_level",
       "hospital.level"},
      {"in_region_string", edited(R"("in_region": true)", R"("in_region": "true")"), "wrong_type",
       "hospital.in_region"},
      {"referral_number", edited(R"("referral": false)", R"("referral": 0)"), "wrong_type",
       "referral"},
      {"patient_not_object", edited(R"({"id": "P0001", "category": "poor"})", R"("P0001")"),
       "wrong_type", "patient"},
      {"empty_bill_no", edited(R"("bill_no": "ZY2020-000123")", R"("bill_no": "")"), "empty",
       "bill_no"},
      {"too_long_bill_no",
       edited(R"("bill_no": "ZY2020-000123")", R"("bill_no": ")" + std::string(65, 'B') + "\""),
       "too_long", "bill_no"},
      {"empty_category", edited(R"("category": "poor")", R"("category": "")"), "empty",
       "patient.category"},
      {"diagnosis_number", edited(R"(["J62.8"])", R"(["J62.8", 62])"), "wrong_type",
       "diagnoses[1]"},
      {"diagnosis_too_long", edited(R"(["J62.8"])", R"(["J62.8", "J62.8J62.8J62.8J62"])"),
       "bad_diagnosis", "diagnoses[1]"},
      {"too_many_diagnoses",
       edited(R"(["J62.8"])",
              R"(["J62.8")" + repeat(R"(, "J62.8")", limits::kDiagnosesPerClaim) + "]"),
       "too_many", "diagnoses"},
      {"first_defect_wins",
       edit(edited(R"("amount": "1200.00")", R"("amount": "1200")"), kAmount, R"("amount": 1)"),
       "bad_amount", "items[0].amount"},
      {"structure_before_semantics",
       edit(edited(R"("discharged_on": "2020-03-12")", R"("discharged_on": "2020-03-01")"), kAmount,
            R"("amount": "1")"),
       "bad_amount", "items[1].amount"},
  };
}

TEST(DecodeClaim, EachDefectHasItsCodeAndPath) {
  for (const Defect& d : defects()) {
    auto c = decode_claim(d.text);
    ASSERT_FALSE(c.ok()) << d.name;
    EXPECT_EQ(c.error().code, d.code) << d.name << ": " << c.error().message;
    EXPECT_EQ(c.error().field, d.field) << d.name << ": " << c.error().message;
    EXPECT_FALSE(c.error().message.empty()) << d.name;
  }
}

TEST(DecodeClaim, BoundariesAreAccepted) {
  auto c = decode_claim(edited(kAmount, R"("amount": "10000000.00")"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  c = decode_claim(edited(R"("name": "CT")", R"("name": ")" + std::string(200, 'n') + "\""));
  ASSERT_TRUE(c.ok()) << c.error().message;
  c = decode_claim(edited(R"("name": "CT")", R"("name": "")"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  c = decode_claim(edited(R"("over_limit": "20.00")", R"("over_limit": "350.50")"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  c = decode_claim(with_items(items_json(limits::kItemsPerClaim)));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->items.size(), limits::kItemsPerClaim);
  c = decode_claim(edited(R"("code": "X002")", R"("code": ")" + std::string(64, 'c') + "\""));
  ASSERT_TRUE(c.ok()) << c.error().message;
  c = decode_claim(edited(R"("id": "P0001")", R"("id": ")" + std::string(64, 'P') + "\""));
  ASSERT_TRUE(c.ok()) << c.error().message;
  c = decode_claim(edited(R"(["J62.8"])", R"(["J62.8", "J62.8J62.8J62.8J"])"));  // 16 bytes
  ASSERT_TRUE(c.ok()) << c.error().message;
  c = decode_claim(edited(R"(["J62.8"])", R"(["J62.8")" +
                                              repeat(R"(, "J62.8")", limits::kDiagnosesPerClaim - 1) +
                                              "]"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->diagnoses.size(), limits::kDiagnosesPerClaim);
}

// Limits as an operator may configure them (onestop.limits.*), set so that kClaim sits exactly
// at every one: bill_no has 13 bytes, "X001" 4, "青霉素" 9, "J62.8" 5, one diagnosis, and
// items[0] costs 1200.00.
ClaimLimits tight_limits() {
  ClaimLimits l;
  l.items_per_claim = 5;
  l.diagnoses_per_claim = 1;
  l.id_bytes = 13;
  l.item_code_bytes = 4;
  l.item_name_bytes = 9;
  l.diagnosis_bytes = 5;
  l.item_amount_max = Money::from_fen(120000);
  return l;
}

TEST(DecodeClaim, ConfiguredLimitsAcceptTheirValue) {
  const ClaimLimits l = tight_limits();
  auto c = decode_claim(kClaim, l);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->bill_no.size(), 13u);
  c = decode_claim(with_items(items_json(5)), l);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->items.size(), 5u);
}

TEST(DecodeClaim, ConfiguredLimitsRefuseOnePastTheirValueNamingTheField) {
  struct Past {
    std::string text;
    const char* code;
    const char* field;
    const char* says;  // the configured value, in the message
  };
  const std::string long_id = "ZY2020-0001234";  // 14 bytes
  const std::vector<Past> cases = {
      {with_items(items_json(6)), "too_many", "items", "more than 5"},
      {edited(R"(["J62.8"])", R"(["J62.8", "J62.8"])"), "too_many", "diagnoses", "more than 1"},
      {edited(R"("hospital_id": "H430300001")", R"("hospital_id": ")" + long_id + "\""),
       "too_long", "hospital_id", "13 bytes"},
      {edited(R"("bill_no": "ZY2020-000123")", R"("bill_no": ")" + long_id + "\""), "too_long",
       "bill_no", "13 bytes"},
      {edited(R"("id": "P0001")", R"("id": ")" + long_id + "\""), "too_long", "patient.id",
       "13 bytes"},
      {edited(R"("category": "poor")", R"("category": ")" + long_id + "\""), "too_long",
       "patient.category", "13 bytes"},
      {edited(R"("code": "X001")", R"("code": "X0012")"), "too_long", "items[0].code", "4 bytes"},
      {edited(R"("name": "青霉素")", R"("name": "青霉素a")"), "too_long", "items[0].name",
       "9 bytes"},
      {edited(R"(["J62.8"])", R"(["J62.81"])"), "bad_diagnosis", "diagnoses[0]", "1 to 5"},
      {edited(R"("amount": "1200.00")", R"("amount": "1200.01")"), "amount_too_large",
       "items[0].amount", "exceeds 1200.00"},
  };
  for (const Past& p : cases) {
    auto c = decode_claim(p.text, tight_limits());
    ASSERT_FALSE(c.ok()) << p.field;
    EXPECT_EQ(c.error().code, p.code) << p.field << ": " << c.error().message;
    EXPECT_EQ(c.error().field, p.field) << c.error().message;
    EXPECT_NE(c.error().message.find(p.says), std::string::npos) << c.error().message;
    // Under the default limits (the ceilings) the same document is a valid claim.
    EXPECT_TRUE(decode_claim(p.text).ok()) << p.field;
  }
}

TEST(DecodeClaim, DuplicatedItemCodesAreTheEnginesBusiness) {
  auto c = decode_claim(edited(R"("code": "X002")", R"("code": "X001")"));
  ASSERT_TRUE(c.ok()) << c.error().message;
}

TEST(DecodeClaim, HostileDocumentsAreRefusedNotCrashed) {
  const std::string deep_array = std::string(100000, '[') + std::string(100000, ']');
  std::string deep_object;
  for (int i = 0; i < 50000; ++i) deep_object += R"({"a":)";
  const std::vector<std::string> inputs = {"",
                                           " ",
                                           "{",
                                           "}",
                                           "null",
                                           "nul",
                                           "{}",
                                           "{\"a\"}",
                                           "\xff\xfe",
                                           deep_array,
                                           deep_object,
                                           R"({"bill_no": "\u0000"})",
                                           R"({"bill_no": "\ud800"})",
                                           "{\"bill_no\": \"\xc0\x80\"}",
                                           R"({"items": [1e999]})",
                                           R"({"hospital_id": 18446744073709551616})",
                                           kClaim + "x",
                                           kClaim + kClaim};
  for (const std::string& text : inputs) {
    auto c = decode_claim(text);
    ASSERT_FALSE(c.ok()) << text.substr(0, 80);
    EXPECT_FALSE(c.error().code.empty());
    EXPECT_NO_THROW(peek_bill_no(text));
  }
  EXPECT_EQ(decode_claim(deep_array).error().code, "malformed_json");
}

TEST(DecodeClaim, RandomMutationsNeverThrow) {
  // A seeded stand-in for the fuzzer: flip, drop, duplicate and truncate bytes of a valid claim.
  std::mt19937 rng(20200302);
  const std::string alphabet = "{}[]\":,.-0123456789eE \\u\x80\xe4";
  int decoded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = kClaim;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1 + rng() % 8);
          break;
        case 2:
          text.insert(at, text.substr(at, 1 + rng() % 16));
          break;
        default:
          text.resize(at);
          break;
      }
    }
    Result<Claim> c = Error{};
    ASSERT_NO_THROW(c = decode_claim(text)) << text;
    ASSERT_NO_THROW(peek_bill_no(text)) << text;
    if (c.ok()) {
      ++decoded;
      expect_same_claim(*c, decode_claim(encode_claim(*c)).value());
    } else {
      EXPECT_FALSE(c.error().code.empty());
    }
  }
  EXPECT_GT(decoded, 0);
}

TEST(PeekBillNo, FindsTheRootBillNumber) {
  EXPECT_EQ(peek_bill_no(kClaim), "ZY2020-000123");
  EXPECT_EQ(peek_bill_no(edited(kAmount, R"("amount": "x")")), "ZY2020-000123");
  // Cut off after the bill number, or broken after it.
  EXPECT_EQ(peek_bill_no(kClaim.substr(0, 70)), "ZY2020-000123");
  EXPECT_EQ(peek_bill_no(R"({"bill_no": "B1", "items": [}}})"), "B1");
  EXPECT_EQ(peek_bill_no(R"({"bill_no":"B\u0031\"x"})"), "B1\"x");
}

TEST(PeekBillNo, EmptyWhenThereIsNone) {
  EXPECT_EQ(peek_bill_no(""), "");
  EXPECT_EQ(peek_bill_no("[{\"bill_no\": \"B1\"}]"), "");
  EXPECT_EQ(peek_bill_no(R"({"items": [{"bill_no": "nested"}]})"), "");
  EXPECT_EQ(peek_bill_no(R"({"note": "\"bill_no\": \"in a string\""})"), "");
  EXPECT_EQ(peek_bill_no(R"({"a": {"bill_no": "inner"}, "b": 1})"), "");
  EXPECT_EQ(peek_bill_no(R"({"bill_no": 123})"), "");
  EXPECT_EQ(peek_bill_no(R"({"bill_no": "unterminated)"), "");
  EXPECT_EQ(peek_bill_no(R"({"bill_no": ")" + std::string(65, 'B') + "\"}"), "");
  EXPECT_EQ(peek_bill_no(R"({"x": "bill_no", "y": 1})"), "");
  EXPECT_EQ(peek_bill_no(R"({} {"bill_no": "after"})"), "");
}

TEST(ReadItems, PathsFollowThePrefix) {
  // The HTTP adapter reads a request's items under its own prefix.
  auto doc = parse_object(R"({"claim": {"items": [{"code": "X", "name": "", "class": "A",)"
                          R"( "amount": "1.00"}, {"code": "Y", "name": "", "class": "A",)"
                          R"( "amount": "1.001"}]}})");
  ASSERT_TRUE(doc.ok());
  auto items = read_items(*(*doc)->find("claim"), "claim");
  ASSERT_FALSE(items.ok());
  EXPECT_EQ(items.error().field, "claim.items[1].amount");
  EXPECT_EQ(items.error().code, "bad_amount");
}

TEST(ReadAdmission, ReadsTheSharedPart) {
  auto doc = parse_object(kClaim);
  ASSERT_TRUE(doc.ok());
  Claim c;
  ASSERT_EQ(read_admission(**doc, "", c), std::nullopt);
  EXPECT_EQ(c.items.size(), 2u);
  EXPECT_EQ(c.discharged_on.to_string(), "2020-03-12");
}

}  // namespace
}  // namespace onestop::codec
