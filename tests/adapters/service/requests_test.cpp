// Decoding a hospital's requests and the canonical form that fingerprints them.
#include "adapters/service/requests.hpp"

#include <gtest/gtest.h>

#include "adapters/service/settlement_service.hpp"
#include "service_fixture.hpp"

namespace onestop::service {
namespace {

using onestop::testing::RequestBuilder;

TEST(SettleRequest, DecodesTheHospitalsTerms) {
  auto c = decode_settle_request(RequestBuilder().json());
  ASSERT_TRUE(c) << c.error().field << ": " << c.error().message;
  EXPECT_EQ(c->hospital_id, "H2");
  EXPECT_EQ(c->bill_no, "B1");
  EXPECT_EQ(c->patient_id, "P1");
  EXPECT_EQ(c->category, "");  // the roster's business
  ASSERT_EQ(c->items.size(), 2u);
  EXPECT_EQ(c->items[1].over_limit.to_string(), "20.00");
}

TEST(SettleRequest, RefusesWhatTheRegistriesSupply) {
  std::string body = RequestBuilder().json();
  const std::string with_category =
      std::string(body).replace(body.find("\"P1\"}"), 5, "\"P1\",\"category\":\"poor\"}");
  auto c = decode_settle_request(with_category);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "unknown_field");
  EXPECT_EQ(c.error().field, "patient.category");
  EXPECT_NE(c.error().message.find("roster"), std::string::npos);

  const std::string with_hospital =
      "{\"hospital\":{\"level\":\"city\",\"in_region\":true}," + body.substr(1);
  c = decode_settle_request(with_hospital);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "unknown_field");
  EXPECT_EQ(c.error().field, "hospital");
  EXPECT_NE(c.error().message.find("registry"), std::string::npos);
}

TEST(SettleRequest, RunsTheEnginesChecksAfterTheStructure) {
  auto c = decode_settle_request(RequestBuilder().dates("2020-03-12", "2020-03-02").json());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "discharge_before_admission");
  EXPECT_EQ(c.error().field, "discharged_on");
}

TEST(CanonicalRequest, IgnoresWhitespaceOrderAndZeroOverLimit) {
  const std::string a = RequestBuilder()
                            .with_items(R"([{"code":"X1","name":"n","class":"A","amount":"1.00"}])")
                            .json();
  const std::string b =
      "{ \"items\" : [ {\"over_limit\": \"0.00\", \"amount\": \"1.00\", \"class\": \"A\", "
      "\"name\": \"n\", \"code\": \"X1\"} ],\n \"diagnoses\": [\"J18.9\"], \"discharged_on\": "
      "\"2020-03-12\", \"admitted_on\": \"2020-03-02\", \"referral\": false, \"patient\": "
      "{\"id\": \"P1\"}, \"bill_no\": \"B1\", \"hospital_id\": \"H2\" }";
  auto ca = decode_settle_request(a);
  auto cb = decode_settle_request(b);
  ASSERT_TRUE(ca && cb);
  EXPECT_EQ(canonical_request(*ca), canonical_request(*cb));
  EXPECT_EQ(request_sha256(*ca), request_sha256(*cb));
  EXPECT_EQ(request_sha256(*ca).size(), 64u);
  auto cc = decode_settle_request(RequestBuilder().with_referral(true).json());
  auto cd = decode_settle_request(RequestBuilder().json());
  EXPECT_NE(request_sha256(*cc), request_sha256(*cd));
}

TEST(AdmissionQuery, DiagnosesAreOptional) {
  auto q = decode_admission_query(
      R"({"hospital_id":"H2","patient":{"id":"P1"},"admitted_on":"2020-05-01","referral":false})");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_FALSE(q->diagnoses.has_value());
  q = decode_admission_query(R"({"hospital_id":"H2","patient":{"id":"P1"},
      "admitted_on":"2020-05-01","referral":false,"diagnoses":[""]})");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().field, "diagnoses[0]");
  q = decode_admission_query(R"({"hospital_id":"H2","patient":{"id":"P1"},"referral":false})");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, "missing_field");
  EXPECT_EQ(q.error().field, "admitted_on");
}

TEST(CancelReason, IsRequiredAndBounded) {
  EXPECT_EQ(*decode_cancel_reason(R"({"reason":"重复结算"})"), "重复结算");
  EXPECT_EQ(decode_cancel_reason("{}").error().code, "missing_field");
  EXPECT_EQ(decode_cancel_reason(R"({"reason":""})").error().code, "empty");
  EXPECT_EQ(decode_cancel_reason(R"({"reason":1})").error().code, "wrong_type");
  EXPECT_EQ(decode_cancel_reason("{\"reason\":\"" + std::string(501, 'x') + "\"}").error().code,
            "too_long");
  EXPECT_EQ(decode_cancel_reason(R"({"reason":"x","by":"me"})").error().field, "by");
}

TEST(MaskIdNumber, KeepsTheFirstSixAndTheLastFour) {
  EXPECT_EQ(mask_id_number("430300199001011234"), "430300********1234");
  EXPECT_EQ(mask_id_number("43030019900101123X"), "430300********123X");
  EXPECT_EQ(mask_id_number("430300900101123"), "430300*****1123");
  EXPECT_EQ(mask_id_number("12345678"), "****5678");
  EXPECT_EQ(mask_id_number("1234"), "****");
  EXPECT_EQ(mask_id_number(""), "");
  EXPECT_EQ(mask_id_number("张三丰"), std::string(9, '*'));
}

}  // namespace
}  // namespace onestop::service
