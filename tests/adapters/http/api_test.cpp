// The HTTP API end to end over loopback: settle, replay, conflict, trial, cancel, the
// registries' refusals, malformed bodies field by field, oversized bodies, the slip, the
// patient ledger, the admission check, health, metrics and routing.
#include <Poco/Net/HTTPClientSession.h>
#include <gtest/gtest.h>

#include "http_fixture.hpp"

namespace onestop::testing {
namespace {

class HttpApi : public ::testing::Test {
 protected:
  TestServer server_;
};

std::int64_t id_of(const Reply& r) {
  return parse_json(r.body)->getValue<Poco::Int64>("settlement_id");
}

std::string ledger_text(TestServer& server, const std::string& patient) {
  const Reply r = server.get("/v1/patients/" + patient + "/ledger?year=2020");
  EXPECT_EQ(r.status, 200) << r.body;
  return r.body;
}

// The "accumulators" member of a patient ledger, as the server wrote it.
std::string accumulators_text(TestServer& server, const std::string& patient) {
  const std::string body = ledger_text(server, patient);
  const auto from = body.find("\"accumulators\":");
  const auto to = body.find(",\"records\":");
  return from == std::string::npos || to == std::string::npos ? "" : body.substr(from, to - from);
}

TEST_F(HttpApi, SettleIsCreatedThenReplayedThenAConflict) {
  const Reply created = server_.post("/v1/settlements", RequestBuilder().json());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.content_type, "application/json; charset=utf-8");
  const auto doc = parse_json(created.body);
  const std::int64_t id = doc->getValue<Poco::Int64>("settlement_id");
  EXPECT_EQ(created.location, "/v1/settlements/" + std::to_string(id));
  EXPECT_FALSE(doc->getValue<bool>("replayed"));
  EXPECT_EQ(doc->getValue<std::string>("status"), "settled");
  const auto result = doc->getObject("result");
  EXPECT_EQ(result->getValue<std::string>("bill_no"), "B1");
  EXPECT_TRUE(result->getObject("national")->getObject("setlinfo")->has("psn_cash_pay"));

  // The same request, other whitespace: the original answer, marked as a replay.
  std::string spaced = RequestBuilder().json();
  spaced.insert(1, "\n  ");
  const Reply replayed = server_.post("/v1/settlements", spaced);
  ASSERT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_TRUE(parse_json(replayed.body)->getValue<bool>("replayed"));
  EXPECT_EQ(id_of(replayed), id);

  const Reply conflict = server_.post(
      "/v1/settlements", RequestBuilder()
                             .with_items(R"([{"code":"X","name":"n","class":"A","amount":"5.00"}])")
                             .json());
  ASSERT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(conflict.content_type, "application/problem+json");
  const auto problem = parse_json(conflict.body);
  EXPECT_EQ(problem->getValue<std::string>("code"), "idempotency_conflict");
  EXPECT_EQ(problem->getValue<std::string>("field"), "bill_no");
  EXPECT_EQ(problem->getObject("key")->getValue<std::string>("hospital_id"), "H2");
  EXPECT_EQ(problem->getObject("key")->getValue<std::string>("bill_no"), "B1");
  EXPECT_EQ(problem->getValue<Poco::Int64>("settlement_id"), id);

  const Reply got = server_.get("/v1/settlements/" + std::to_string(id));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(parse_json(got.body)->getObject("result")->getValue<std::string>("total"),
            result->getValue<std::string>("total"));
}

TEST_F(HttpApi, TrialWritesNothing) {
  const std::string before = ledger_text(server_, "P1");
  const Reply trial = server_.post("/v1/settlements/trial", RequestBuilder().json());
  ASSERT_EQ(trial.status, 200) << trial.body;
  const auto doc = parse_json(trial.body);
  EXPECT_TRUE(doc->getValue<bool>("trial"));
  EXPECT_EQ(doc->getValue<Poco::Int64>("snapshot_id"), 0);
  EXPECT_EQ(ledger_text(server_, "P1"), before);
  EXPECT_EQ(parse_json(server_.get("/healthz").body)->getValue<Poco::Int64>("ledger_records"), 0);
  const Reply settled = server_.post("/v1/settlements", RequestBuilder().json());
  ASSERT_EQ(settled.status, 201);
  EXPECT_EQ(parse_json(settled.body)->getObject("result")->getValue<std::string>("patient_pays"),
            doc->getObject("result")->getValue<std::string>("patient_pays"));
  const Reply next = server_.post("/v1/settlements/trial", RequestBuilder().bill("B2").json());
  EXPECT_EQ(parse_json(next.body)->getValue<Poco::Int64>("snapshot_id"), id_of(settled));
}

TEST_F(HttpApi, CancelRestoresAccumulatorsAndOnlyTheLatestMayBeCancelled) {
  const Reply a = server_.post("/v1/settlements", RequestBuilder().json());
  ASSERT_EQ(a.status, 201);
  const std::string after_a = accumulators_text(server_, "P1");
  const Reply b = server_.post(
      "/v1/settlements", RequestBuilder().bill("B2").dates("2020-04-01", "2020-04-09").json());
  ASSERT_EQ(b.status, 201);
  EXPECT_NE(accumulators_text(server_, "P1"), after_a);

  const std::string cancel_a = "/v1/settlements/" + std::to_string(id_of(a)) + "/cancel";
  const std::string cancel_b = "/v1/settlements/" + std::to_string(id_of(b)) + "/cancel";
  const Reply blocked = server_.post(cancel_a, R"({"reason":"x"})");
  ASSERT_EQ(blocked.status, 409) << blocked.body;
  const auto problem = parse_json(blocked.body);
  EXPECT_EQ(problem->getValue<std::string>("code"), "not_latest");
  ASSERT_EQ(problem->getArray("blocking")->size(), 1u);
  EXPECT_EQ(problem->getArray("blocking")->getElement<Poco::Int64>(0), id_of(b));

  const Reply no_reason = server_.post(cancel_b, "{}");
  EXPECT_EQ(no_reason.status, 422);
  EXPECT_EQ(parse_json(no_reason.body)->getValue<std::string>("field"), "reason");

  const Reply cancelled_b = server_.post(cancel_b, R"({"reason":"退费"})");
  ASSERT_EQ(cancelled_b.status, 201) << cancelled_b.body;
  EXPECT_EQ(parse_json(cancelled_b.body)->getValue<std::string>("kind"), "cancellation");
  EXPECT_EQ(parse_json(cancelled_b.body)->getValue<Poco::Int64>("cancels"), id_of(b));
  EXPECT_EQ(cancelled_b.location, "/v1/settlements/" + std::to_string(id_of(cancelled_b)));
  EXPECT_EQ(accumulators_text(server_, "P1"), after_a);
  const Reply again = server_.post(cancel_b, R"({"reason":"退费"})");
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(parse_json(again.body)->getValue<bool>("replayed"));
  ASSERT_EQ(server_.post(cancel_a, R"({"reason":"退费"})").status, 201);
  const auto ledger = parse_json(ledger_text(server_, "P1"));
  EXPECT_EQ(ledger->getObject("accumulators")->getValue<Poco::Int64>("admissions"), 0);
  EXPECT_EQ(ledger->getArray("records")->size(), 4u);
  EXPECT_EQ(parse_json(server_.get("/v1/settlements/" + std::to_string(id_of(a))).body)
                ->getValue<std::string>("status"),
            "cancelled");
  EXPECT_EQ(server_.post("/v1/settlements/999/cancel", R"({"reason":"x"})").status, 404);
}

struct Refused {
  std::string body;
  int status;
  std::string code;
  std::string field;
};

void expect_refused(TestServer& server, const std::string& path, const Refused& c) {
  const Reply r = server.post(path, c.body);
  EXPECT_EQ(r.status, c.status) << c.body << "\n" << r.body;
  EXPECT_EQ(r.content_type, "application/problem+json") << c.body;
  const auto p = parse_json(r.body);
  EXPECT_EQ(p->getValue<std::string>("code"), c.code) << c.body;
  EXPECT_EQ(p->getValue<std::string>("field"), c.field) << c.body;
  EXPECT_EQ(p->getValue<int>("status"), c.status);
  EXPECT_EQ(p->getValue<std::string>("type"), "urn:onestop:problem:" + c.code);
  EXPECT_FALSE(p->getValue<std::string>("title").empty());
  EXPECT_FALSE(p->getValue<std::string>("detail").empty());
}

// `json` with the first occurrence of `from` replaced by `to`.
std::string with(std::string json, const std::string& from, const std::string& to) {
  const auto at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? json : json.replace(at, from.size(), to);
}

TEST_F(HttpApi, MalformedBodiesNameTheirField) {
  const std::string ok = RequestBuilder().json();
  const std::vector<Refused> cases = {
      {"{\"hospital_id\":", 400, "malformed_json", ""},
      {"[1,2]", 422, "wrong_type", ""},
      {"{\"bill_no\":\"a\",\"bill_no\":\"b\"}", 400, "duplicate_field", "bill_no"},
      {with(ok, "\"hospital_id\":\"H2\",", ""), 422, "missing_field", "hospital_id"},
      {with(ok, "\"B1\"", "1"), 422, "wrong_type", "bill_no"},
      {with(ok, "{\"id\":\"P1\"}", "{}"), 422, "missing_field", "patient.id"},
      {with(ok, "{\"id\":\"P1\"}", "{\"id\":\"P1\",\"category\":\"poor\"}"), 422, "unknown_field",
       "patient.category"},
      {with(ok, "\"referral\"", "\"hospital\":{\"level\":\"city\"},\"referral\""), 422,
       "unknown_field", "hospital"},
      {with(ok, "\"referral\":false", "\"referral\":\"no\""), 422, "wrong_type", "referral"},
      {with(ok, "2020-03-02", "2020-02-30"), 422, "bad_date", "admitted_on"},
      {with(ok, "2020-03-12", "2020-03-01"), 422, "discharge_before_admission", "discharged_on"},
      {with(ok, "[\"J18.9\"]", "[1]"), 422, "wrong_type", "diagnoses[0]"},
      {RequestBuilder().with_items("[]").json(), 422, "empty", "items"},
      {with(ok, "\"12000.00\"", "12000.00"), 422, "wrong_type", "items[0].amount"},
      {with(ok, "\"3500.50\"", "\"3500.5\""), 422, "bad_amount", "items[1].amount"},
      {with(ok, "\"3500.50\"", "\"-3500.50\""), 422, "negative_amount", "items[1].amount"},
      {with(ok, "\"class\":\"A\"", "\"class\":\"D\""), 422, "unknown_class", "items[0].class"},
      {with(ok, "\"20.00\"", "\"9999.00\""), 422, "over_limit_exceeds_amount",
       "items[1].over_limit"},
      {with(ok, "\"code\":\"X1\",", ""), 422, "missing_field", "items[0].code"},
      {with(ok, "{\"hospital_id\"", "{\"foo\":1,\"hospital_id\""), 422, "unknown_field", "foo"},
  };
  for (const Refused& c : cases) {
    expect_refused(server_, "/v1/settlements", c);
    expect_refused(server_, "/v1/settlements/trial", c);
  }
  EXPECT_EQ(parse_json(server_.get("/healthz").body)->getValue<Poco::Int64>("ledger_records"), 0);
}

TEST_F(HttpApi, UnknownPatientOrHospitalIsRefused) {
  expect_refused(server_, "/v1/settlements",
                 {RequestBuilder().patient("P99").json(), 422, "unknown_patient", "patient.id"});
  expect_refused(server_, "/v1/settlements",
                 {RequestBuilder().hospital("H99").json(), 422, "unknown_hospital", "hospital_id"});
  expect_refused(
      server_, "/v1/settlements",
      {RequestBuilder().hospital("H9").json(), 422, "hospital_not_designated", "hospital_id"});
  expect_refused(server_, "/v1/settlements",
                 {RequestBuilder().patient("P5").json(), 422, "not_on_roster", "patient.id"});
}

TEST_F(HttpApi, AnOversizedBodyIsRefusedBeforeItIsRead) {
  const std::size_t limit = server_.config().body_limit_bytes;
  // Declared too large: answered from the headers alone, nothing of the body sent.
  Poco::Net::StreamSocket socket = raw_connection(server_.port());
  const std::string head =
      "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(limit + 1) + "\r\n\r\n";
  socket.sendBytes(head.data(), static_cast<int>(head.size()));
  const std::string answer = read_until_closed(socket, 5000);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("body_too_large"), std::string::npos);

  // Chunked, so the length shows only while reading: refused once it passes the limit.
  Poco::Net::HTTPClientSession session("127.0.0.1", server_.port());
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request("POST", "/v1/echo", Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setChunkedTransferEncoding(true);
  session.sendRequest(request) << "\"" << std::string(limit + 10, 'x') << "\"";
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  std::string body;
  Poco::StreamCopier::copyToString(in, body);
  EXPECT_EQ(response.getStatus(), 413);
  EXPECT_EQ(parse_json(body)->getValue<std::string>("code"), "body_too_large");
  // At the limit it is served.
  const std::string largest = "\"" + std::string(limit - 2, 'y') + "\"";
  const Reply echoed = server_.post("/v1/echo", largest);
  EXPECT_EQ(echoed.status, 200);
  EXPECT_EQ(echoed.body, largest);
}

TEST_F(HttpApi, TheSlipIsPrintableEscapedAndMasksTheIdNumber) {
  const Reply settled = server_.post(
      "/v1/settlements",
      RequestBuilder()
          .with_items(R"([{"code":"X1","name":"<script>alert(1)</script> & co","class":"A",
                           "amount":"800.00"}])")
          .json());
  ASSERT_EQ(settled.status, 201) << settled.body;
  const Reply slip = server_.get("/v1/settlements/" + std::to_string(id_of(settled)) + "/slip");
  ASSERT_EQ(slip.status, 200);
  EXPECT_EQ(slip.content_type, "text/html; charset=utf-8");
  const std::string& html = slip.body;
  EXPECT_NE(html.find("@page { size: A4"), std::string::npos);
  EXPECT_NE(html.find("430300********1234"), std::string::npos);
  EXPECT_EQ(html.find("430300199001011234"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
  EXPECT_NE(html.find("测试&lt;P1&gt;"), std::string::npos);
  EXPECT_NE(html.find("湘潭市第三人民医院"), std::string::npos);
  for (const char* label :
       {"medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
        "hifp_pay", "hifmi_pay", "fund_pay_sumamt", "psn_cash_pay", "医疗费总额", "个人现金支付"}) {
    EXPECT_NE(html.find(label), std::string::npos) << label;
  }
  EXPECT_EQ(server_.get("/v1/settlements/999/slip").status, 404);
  EXPECT_EQ(server_.get("/v1/settlements/abc/slip").status, 404);
}

TEST_F(HttpApi, PatientLedgerNeedsAYear) {
  ASSERT_EQ(server_.post("/v1/settlements", RequestBuilder().json()).status, 201);
  const auto doc = parse_json(ledger_text(server_, "P1"));
  EXPECT_EQ(doc->getValue<std::string>("patient_id"), "P1");
  EXPECT_EQ(doc->getArray("records")->size(), 1u);
  EXPECT_EQ(doc->getObject("accumulators")->getValue<Poco::Int64>("admissions"), 1);
  EXPECT_FALSE(doc->getArray("records")->getObject(0)->has("result"));
  EXPECT_EQ(server_.get("/v1/patients/P1/ledger").status, 400);
  EXPECT_EQ(server_.get("/v1/patients/P1/ledger?year=20x0").status, 400);
  EXPECT_EQ(server_.get("/v1/patients/P1/ledger?year=2020&x=1").status, 400);
  EXPECT_EQ(server_.get("/v1/patients/P99/ledger?year=2020").status, 404);
}

TEST_F(HttpApi, AdmissionCheckAnswersWithoutWriting) {
  const Reply r = server_.post(
      "/v1/admissions/check",
      R"({"hospital_id":"H3","patient":{"id":"P1"},"admitted_on":"2020-05-01","referral":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto doc = parse_json(r.body);
  EXPECT_EQ(doc->getValue<std::string>("category"), "poor");
  EXPECT_TRUE(doc->getValue<bool>("without_deposit"));
  EXPECT_EQ(doc->getArray("layers")->size(), 4u);
  EXPECT_EQ(doc->getObject("hospital")->getValue<std::string>("level"), "primary");
  expect_refused(server_, "/v1/admissions/check",
                 {R"({"hospital_id":"H3","patient":{"id":"P1"},"referral":false})", 422,
                  "missing_field", "admitted_on"});
  EXPECT_EQ(parse_json(server_.get("/healthz").body)->getValue<Poco::Int64>("ledger_records"), 0);
}

// The value of the sample `line` ("name{labels}") in the metrics text; nullopt when absent.
std::optional<double> sample(const std::string& text, const std::string& line) {
  const auto at = text.find("\n" + line + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + line.size() + 2));
}

TEST_F(HttpApi, HealthMetricsEchoAndRouting) {
  const Reply health = server_.get("/healthz");
  ASSERT_EQ(health.status, 200);
  const auto health_doc = parse_json(health.body);
  EXPECT_EQ(health_doc->getValue<std::string>("status"), "ok");
  EXPECT_EQ(health_doc->getValue<Poco::Int64>("ledger_records"), 0);
  EXPECT_TRUE(health_doc->has("hospitals") && health_doc->has("policies")) << health.body;
  EXPECT_EQ(health_doc->getObject("ledger")->getValue<std::string>("engine"), "sqlite");
  EXPECT_TRUE(health_doc->getObject("ledger")->getValue<bool>("answers"));
  ASSERT_EQ(server_.post("/v1/settlements", RequestBuilder().json()).status, 201);
  // A request is counted just after its answer is sent: ask until the count shows.
  const std::string counted =
      "onestop_http_requests_total{route=\"/v1/settlements\",method=\"POST\",status=\"201\"} 1";
  Reply metrics = server_.get("/metrics");
  for (int i = 0; i < 100 && metrics.body.find(counted) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    metrics = server_.get("/metrics");
  }
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find(counted), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("onestop_settle_duration_seconds_bucket{result=\"created\""),
            std::string::npos);
  EXPECT_NE(metrics.body.find("onestop_ledger_records 1"), std::string::npos);
  // The ledger's connections: its read pool and its writer, the probe's read among them.
  EXPECT_EQ(sample(metrics.body, "onestop_ledger_up{engine=\"sqlite\"}"), 1.0);
  const auto open =
      sample(metrics.body, "onestop_ledger_connections{engine=\"sqlite\",state=\"open\"}");
  const auto in_use =
      sample(metrics.body, "onestop_ledger_connections{engine=\"sqlite\",state=\"in_use\"}");
  const auto max = sample(metrics.body, "onestop_ledger_connections_max{engine=\"sqlite\"}");
  ASSERT_TRUE(open && in_use && max) << metrics.body;
  EXPECT_GE(*open, 2.0);  // the writer, and the read connection of the probes and the counts
  EXPECT_LE(*in_use, *open);
  EXPECT_LE(*open, *max);
  EXPECT_EQ(*max, 5.0);  // the default four readers and the writer
  EXPECT_NE(metrics.body.find("# TYPE onestop_ledger_connections gauge"), std::string::npos);
  EXPECT_EQ(metrics.body.find("P1"), std::string::npos);  // no patient ids in labels

  const Reply echo = server_.post("/v1/echo", R"({"a": [1, 2, "三"]})");
  EXPECT_EQ(echo.status, 200);
  EXPECT_EQ(echo.body, R"({"a": [1, 2, "三"]})");
  EXPECT_EQ(server_.request("POST", "/v1/echo", "{}", "text/plain").status, 415);
  EXPECT_EQ(server_.get("/v2/nothing").status, 404);
  const Reply wrong_method = server_.request("DELETE", "/v1/settlements/1");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.allow, "GET");
  EXPECT_EQ(server_.get("/v1/settlements/0").status, 404);
}

}  // namespace
}  // namespace onestop::testing
