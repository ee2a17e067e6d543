// The HTTP adapter's pure parts without a network: settings, routing, the status mapping,
// problem documents, metrics text and HTML escaping.
#include <Poco/Exception.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "adapters/http/api.hpp"
#include "adapters/http/metrics.hpp"
#include "adapters/http/problem.hpp"
#include "adapters/http/rate_limiter.hpp"
#include "adapters/http/routes.hpp"
#include "adapters/http/server_config.hpp"
#include "adapters/http/slip_html.hpp"
#include "engine/limits.hpp"
#include "http_fixture.hpp"

namespace onestop::http {
namespace {

using onestop::testing::parse_json;
using onestop::testing::source_path;

std::string shipped_settings() {
  std::ifstream in(source_path("config/onestop.properties"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ServerConfig, TheShippedFileStatesTheBuiltInDefaults) {
  auto c = parse_server_config(shipped_settings(), {});
  ASSERT_TRUE(c) << c.error().message;
  const ServerConfig d;
  EXPECT_EQ(c->bind_address, "127.0.0.1");
  EXPECT_EQ(c->port, d.port);
  EXPECT_EQ(c->threads, d.threads);
  EXPECT_EQ(c->max_queued, d.max_queued);
  EXPECT_EQ(c->keep_alive, d.keep_alive);
  EXPECT_EQ(c->keep_alive_max_requests, d.keep_alive_max_requests);
  EXPECT_EQ(c->keep_alive_timeout_ms, d.keep_alive_timeout_ms);
  EXPECT_EQ(c->receive_timeout_ms, d.receive_timeout_ms);
  EXPECT_EQ(c->send_timeout_ms, d.send_timeout_ms);
  EXPECT_EQ(c->body_limit_bytes, d.body_limit_bytes);
  EXPECT_EQ(c->claim_limits.items_per_claim, d.claim_limits.items_per_claim);
  EXPECT_EQ(c->claim_limits.diagnoses_per_claim, d.claim_limits.diagnoses_per_claim);
  EXPECT_EQ(c->claim_limits.id_bytes, d.claim_limits.id_bytes);
  EXPECT_EQ(c->claim_limits.item_code_bytes, d.claim_limits.item_code_bytes);
  EXPECT_EQ(c->claim_limits.item_name_bytes, d.claim_limits.item_name_bytes);
  EXPECT_EQ(c->claim_limits.diagnosis_bytes, d.claim_limits.diagnosis_bytes);
  EXPECT_EQ(c->claim_limits.item_amount_max, d.claim_limits.item_amount_max);
  EXPECT_EQ(c->requests_per_second, d.requests_per_second);
  EXPECT_EQ(c->burst, d.burst);
  EXPECT_EQ(c->ledger.text, "sqlite:var/onestop.db");
  EXPECT_EQ(c->ledger_max_batch, d.ledger_max_batch);
  EXPECT_EQ(c->policy_dir, d.policy_dir);
  EXPECT_EQ(c->hospitals_file, d.hospitals_file);
  EXPECT_EQ(c->no_deposit_categories, d.no_deposit_categories);
  EXPECT_EQ(c->log_level, d.log_level);
}

TEST(ServerConfig, EverySettingIsInTheShippedFileAndHasAnOption) {
  const std::string text = shipped_settings();
  for (const Setting& s : settings()) {
    EXPECT_NE(text.find(std::string(s.key) + " ="), std::string::npos) << s.key;
    EXPECT_EQ(setting_for_option(s.option), &s) << s.option;
  }
}

// The ledger's URL: sqlite:PATH or a bare path is the SQLite file; a PostgreSQL URI is kept whole
// for libpq, its password masked wherever it is shown; onestop.ledger.path is sqlite:PATH.
TEST(LedgerUrl, NamesTheEngineAndWhereItLives) {
  using backend::Engine;
  const auto sqlite = backend::parse_ledger_url("sqlite:var/x.db", "--ledger");
  ASSERT_TRUE(sqlite) << sqlite.error().message;
  EXPECT_EQ(sqlite->engine, Engine::sqlite);
  EXPECT_EQ(sqlite->location, "var/x.db");
  EXPECT_EQ(sqlite->setting, "--ledger");
  const auto bare = backend::parse_ledger_url("/srv/onestop/ledger.db", "--ledger");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->engine, Engine::sqlite);
  EXPECT_EQ(bare->location, "/srv/onestop/ledger.db");
  const auto pg = backend::parse_ledger_url("postgresql://onestop:s3cret@db1:5433/ledger", "x");
  ASSERT_TRUE(pg);
  EXPECT_EQ(pg->engine, Engine::postgresql);
  EXPECT_EQ(pg->location, "postgresql://onestop:s3cret@db1:5433/ledger");
  EXPECT_EQ(pg->text, "postgresql://onestop:***@db1:5433/ledger");
  const auto socket = backend::parse_ledger_url("postgresql:///ledger?host=/tmp/pg&port=5999", "x");
  ASSERT_TRUE(socket);
  EXPECT_EQ(socket->engine, Engine::postgresql);
  EXPECT_EQ(socket->text, "postgresql:///ledger?host=/tmp/pg&port=5999");
  EXPECT_EQ(backend::masked("postgresql:///l?user=u&password=pw&port=1"),
            "postgresql:///l?user=u&password=***&port=1");
  EXPECT_EQ(backend::masked("postgresql://u:p@h/l?password=pw"),
            "postgresql://u:***@h/l?password=***");
  for (const char* bad : {"", "sqlite:", "mysql://h/db", "postgresql:ledger", "postgres:/x"}) {
    const auto refused = backend::parse_ledger_url(bad, "onestop.ledger.url");
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, "bad_ledger_url") << bad;
    EXPECT_EQ(refused.error().field, "onestop.ledger.url") << bad;
  }
  auto config = parse_server_config("onestop.ledger.path = a/b.db\n", {});
  ASSERT_TRUE(config);
  EXPECT_EQ(config->ledger.text, "sqlite:a/b.db");
  config = parse_server_config("onestop.ledger.url = postgresql://u@h/db\n", {});
  ASSERT_TRUE(config);
  EXPECT_EQ(config->ledger.engine, Engine::postgresql);
}

TEST(ServerConfig, OverridesWinAndAreChecked) {
  auto c = parse_server_config("onestop.http.port = 9000\n",
                               {{"onestop.http.port", "9100"}, {"onestop.http.threads", "8"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 9100);
  EXPECT_EQ(c->threads, 8);
  auto bad = parse_server_config("", {{"onestop.http.threads", "1"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_setting");
  EXPECT_EQ(bad.error().field, "onestop.http.threads");
}

struct BadSetting {
  std::string text;
  std::string code;
  std::string field;
  // Names the case in test listings (gtest would dump the bytes).
  friend void PrintTo(const BadSetting& b, std::ostream* os) { *os << b.code << " " << b.field; }
};

class ServerConfigRefuses : public ::testing::TestWithParam<BadSetting> {};

TEST_P(ServerConfigRefuses, NamingTheKey) {
  auto c = parse_server_config(GetParam().text, {}, "test.properties");
  ASSERT_FALSE(c) << GetParam().text;
  EXPECT_EQ(c.error().code, GetParam().code) << c.error().message;
  EXPECT_EQ(c.error().field, GetParam().field);
  EXPECT_EQ(c.error().message.rfind("test.properties: ", 0), 0u) << c.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ServerConfigRefuses,
    ::testing::Values(
        BadSetting{"onestop.http.prot = 1\n", "unknown_setting", "onestop.http.prot"},
        BadSetting{"logging.loggers.root.level = debug\n", "unknown_setting",
                   "logging.loggers.root.level"},
        BadSetting{"onestop.http.port = 80x\n", "bad_setting", "onestop.http.port"},
        BadSetting{"onestop.http.port = -1\n", "bad_setting", "onestop.http.port"},
        BadSetting{"onestop.http.bind_address = localhost\n", "bad_setting",
                   "onestop.http.bind_address"},
        BadSetting{"onestop.http.keep_alive = 1\n", "bad_setting", "onestop.http.keep_alive"},
        BadSetting{"onestop.limits.body_bytes = 1023\n", "bad_setting",
                   "onestop.limits.body_bytes"},
        // The key's name before the limits section: a file that still says it stops the start.
        BadSetting{"onestop.http.body_limit_bytes = 1048576\n", "unknown_setting",
                   "onestop.http.body_limit_bytes"},
        BadSetting{"onestop.limits.items_per_claim = 0\n", "bad_setting",
                   "onestop.limits.items_per_claim"},
        BadSetting{"onestop.limits.requests_per_second = -1\n", "bad_setting",
                   "onestop.limits.requests_per_second"},
        BadSetting{"onestop.limits.burst = 0\n", "bad_setting", "onestop.limits.burst"},
        BadSetting{"onestop.ledger.path =\n", "bad_setting", "onestop.ledger.path"},
        BadSetting{"onestop.ledger.url =\n", "bad_setting", "onestop.ledger.url"},
        BadSetting{"onestop.ledger.url = sqlite:\n", "bad_setting", "onestop.ledger.url"},
        BadSetting{"onestop.ledger.url = mysql://u@h/db\n", "bad_setting", "onestop.ledger.url"},
        BadSetting{"onestop.ledger.url = postgresql:db\n", "bad_setting", "onestop.ledger.url"},
        BadSetting{"onestop.admission.no_deposit_categories = poor,,x\n", "bad_setting",
                   "onestop.admission.no_deposit_categories"},
        BadSetting{"onestop.log.level = loud\n", "bad_setting", "onestop.log.level"}));

// Each claim limit may be set up to its ceiling in engine/limits.hpp and not one past it; the
// refusal names the key and the ceiling.
TEST(ServerConfig, ClaimLimitsStopAtTheEnginesCeilings) {
  struct Ceiling {
    std::string key;
    std::size_t ceiling;
    std::size_t codec::ClaimLimits::*field;
  };
  const std::vector<Ceiling> ceilings = {
      {"onestop.limits.items_per_claim", limits::kItemsPerClaim,
       &codec::ClaimLimits::items_per_claim},
      {"onestop.limits.diagnoses_per_claim", limits::kDiagnosesPerClaim,
       &codec::ClaimLimits::diagnoses_per_claim},
      {"onestop.limits.id_bytes", limits::kIdLength, &codec::ClaimLimits::id_bytes},
      {"onestop.limits.item_code_bytes", limits::kItemCodeLength,
       &codec::ClaimLimits::item_code_bytes},
      {"onestop.limits.item_name_bytes", limits::kItemNameLength,
       &codec::ClaimLimits::item_name_bytes},
      {"onestop.limits.diagnosis_bytes", limits::kDiagnosisLength,
       &codec::ClaimLimits::diagnosis_bytes},
  };
  for (const Ceiling& c : ceilings) {
    auto lowered = parse_server_config(c.key + " = 5\n", {});
    ASSERT_TRUE(lowered) << lowered.error().message;
    EXPECT_EQ(lowered->claim_limits.*c.field, 5u) << c.key;
    auto at = parse_server_config(c.key + " = " + std::to_string(c.ceiling) + "\n", {});
    ASSERT_TRUE(at) << at.error().message;
    EXPECT_EQ(at->claim_limits.*c.field, c.ceiling) << c.key;
    auto past = parse_server_config(c.key + " = " + std::to_string(c.ceiling + 1) + "\n", {});
    ASSERT_FALSE(past) << c.key;
    EXPECT_EQ(past.error().code, "bad_setting");
    EXPECT_EQ(past.error().field, c.key);
    EXPECT_NE(past.error().message.find("from 1 to " + std::to_string(c.ceiling)),
              std::string::npos)
        << past.error().message;
    EXPECT_NE(past.error().message.find("engine/limits.hpp"), std::string::npos);
  }
}

TEST(ServerConfig, TheItemAmountMaxIsExactYuanUpToTheCeiling) {
  const std::string key = "onestop.limits.item_amount_max";
  auto c = parse_server_config(key + " = 1234.56\n", {});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->claim_limits.item_amount_max, Money::from_fen(123456));
  c = parse_server_config(key + " = 10000000.00\n", {});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->claim_limits.item_amount_max, Money::from_fen(limits::kItemAmountFen));
  c = parse_server_config("", {{key, "0.01"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->claim_limits.item_amount_max, Money::from_fen(1));
  // Past the ceiling, zero, and anything but yuan with two decimals (no rounding, no doubles).
  for (const char* bad : {"10000000.01", "0.00", "-1.00", "1e7", "10000000", "0.015", "1.5",
                          " 1.00", "9999999999999999999999.00"}) {
    auto refused = parse_server_config("", {{key, bad}});
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, "bad_setting") << bad;
    EXPECT_EQ(refused.error().field, key) << bad;
    EXPECT_NE(refused.error().message.find("10000000.00"), std::string::npos)
        << refused.error().message;
  }
}

TEST(ServerConfig, TheRateLimitIsConfigurableAndZeroTurnsItOff) {
  auto c = parse_server_config(
      "onestop.limits.requests_per_second = 0\nonestop.limits.burst = 1000000\n", {});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->requests_per_second, 0);
  EXPECT_EQ(c->burst, RateLimiter::kMaxBurst);
  c = parse_server_config("", {{"onestop.limits.requests_per_second", "1000000"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->requests_per_second, RateLimiter::kMaxRate);
  EXPECT_FALSE(parse_server_config("", {{"onestop.limits.requests_per_second", "1000001"}}));
  EXPECT_FALSE(parse_server_config("", {{"onestop.limits.burst", "1000001"}}));
  EXPECT_FALSE(parse_server_config("", {{"onestop.limits.requests_per_second", "2.5"}}));
}

TEST(Routes, MatchTemplatesAndListTheAllowedMethods) {
  auto m = match_route("GET", "/v1/settlements/42/slip");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->op, Operation::slip);
  EXPECT_EQ(m.params, std::vector<std::string>{"42"});
  m = match_route("POST", "/v1/settlements/trial");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->op, Operation::trial);
  m = match_route("PUT", "/v1/settlements/7");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, std::vector<std::string>{"GET"});
  m = match_route("GET", "/v1/settlements//slip");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allowed.empty());
  EXPECT_EQ(match_route("GET", "/v1/patients/P1/ledger").params, std::vector<std::string>{"P1"});
  EXPECT_EQ(match_route("GET", "healthz").route, nullptr);
}

TEST(Problem, OneFunctionMapsCodesToStatuses) {
  const std::vector<std::pair<std::string, int>> table = {
      {"malformed_json", 400},   {"duplicate_field", 400},
      {"missing_field", 422},    {"bad_amount", 422},
      {"unknown_hospital", 422}, {"unknown_patient", 422},
      {"not_found", 404},        {"method_not_allowed", 405},
      {"request_timeout", 408},  {"idempotency_conflict", 409},
      {"not_latest", 409},       {"already_cancelled", 409},
      {"body_too_large", 413},   {"unsupported_media_type", 415},
      {"internal", 500},         {"ledger_unavailable", 503},
  };
  for (const auto& [code, status] : table) {
    EXPECT_EQ(status_for(Error{code, "", ""}), status) << code;
  }
}

TEST(Problem, ExceptionsBecomeErrorsAndInternalCausesStayInTheLog) {
  EXPECT_EQ(error_from_exception(Poco::TimeoutException("slow")).code, "request_timeout");
  EXPECT_EQ(error_from_exception(std::runtime_error("boom")).code, "internal");
  EXPECT_EQ(error_from_exception(
                store::LedgerUnavailable(Error{"ledger_unavailable", "", "disk I/O error"}))
                .code,
            "ledger_unavailable");
  ApiRequest request;
  request.path = "/v1/settlements";
  request.correlation_id = "abc-7";
  const ApiResponse r = Api::failure(std::runtime_error("secret cause P0001"), request);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  const auto doc = parse_json(r.body);
  EXPECT_EQ(doc->getValue<std::string>("code"), "internal");
  EXPECT_NE(doc->getValue<std::string>("detail").find("abc-7"), std::string::npos);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->message, "secret cause P0001");  // for the log line only
  const ApiResponse unavailable = Api::problem(Error{"ledger_unavailable", "", "busy"}, request);
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.headers.at(0).first, "Retry-After");
}

TEST(Metrics, RendersPrometheusText) {
  Metrics m;
  m.observe_request("POST", "/v1/settlements", 201, 0.004);
  m.observe_request("POST", "/v1/settlements", 201, 0.2);
  m.observe_settle("created", 0.003);
  m.add_gauge({"onestop_ledger_records", "Records.", [] { return 12.0; }});
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE onestop_http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("onestop_http_requests_total{route=\"/v1/settlements\",method=\"POST\","
                      "status=\"201\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("onestop_http_request_duration_seconds_bucket{route=\"/v1/settlements\","
                      "le=\"0.005000\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("onestop_http_request_duration_seconds_bucket{route=\"/v1/settlements\","
                      "le=\"+Inf\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("onestop_settle_duration_seconds_count{result=\"created\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("onestop_ledger_records 12"), std::string::npos);
}

// A group's samples follow their metric's header, each name once, whatever order read() gives
// them in; a sample of a name the group does not declare is dropped.
TEST(Metrics, RendersAGaugeGroupUnderOneHeaderPerMetric) {
  Metrics m;
  int reads = 0;
  m.add_gauges({{{"pool_connections", "Connections."}, {"pool_max", "At most."}}, [&reads] {
                  ++reads;
                  return std::vector<Metrics::Sample>{{"pool_connections", "state=\"open\"", 2},
                                                      {"pool_max", "", 5},
                                                      {"pool_connections", "state=\"in_use\"", 1},
                                                      {"undeclared", "", 9}};
                }});
  const std::string text = m.render();
  EXPECT_EQ(reads, 1);
  EXPECT_NE(text.find("# HELP pool_connections Connections.\n# TYPE pool_connections gauge\n"
                      "pool_connections{state=\"open\"} 2.000000\n"
                      "pool_connections{state=\"in_use\"} 1.000000\n"
                      "# HELP pool_max At most.\n# TYPE pool_max gauge\npool_max 5.000000\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("undeclared"), std::string::npos);
}

TEST(SlipHtml, EscapesMarkup) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("湘潭市第三人民医院"), "湘潭市第三人民医院");
}

}  // namespace
}  // namespace onestop::http
