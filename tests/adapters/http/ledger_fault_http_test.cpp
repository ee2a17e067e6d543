// Faults under the ledger of a real server (design.md §7, issue 5): SQLite I/O errors, a full
// disk and a failed fsync, injected by the fault VFS made the process's default so that every
// connection of the Application goes through it. Each request the fault hits is answered 503,
// a problem with code ledger_unavailable and Retry-After; nothing of it is written (records,
// accumulators, the settlement key, and `onestop verify` afterwards); the server keeps
// answering, and once the fault clears the same request is created (201), then replayed (200).
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http_fixture.hpp"
#include "support/fault_vfs.hpp"

namespace onestop::testing {
namespace {

constexpr const char* kTotals = "/v1/reconciliation/totals?from=2000-01-01&to=2999-12-31";
constexpr const char* kReason = R"({"reason":"录入错误"})";
constexpr const char* kAdmission =
    R"({"hospital_id":"H3","patient":{"id":"P1"},"admitted_on":"2020-05-01","referral":false})";

struct ReadRequest {
  std::string method;
  std::string path;
  std::string body;
};

// One request under a fault, with a key chosen without touching the ledger (the fixture's
// key_for reads it for a cancel, and makes a client on first use): H2's for writes, a
// reconciler's or an auditor's for reads. (H2's and H3's: the hospitals of the bodies below.) The keys are made before any fault is armed
// (made_keys()).
struct Answer {
  Reply reply;
  const std::string& retry_after() const { return reply.retry_after; }
};

void made_keys(TestServer& server) {
  server.hospital_key("H2");
  server.hospital_key("H3");
  server.key(store::Role::reconciler);
  server.key(store::Role::auditor);
}

Answer ask(TestServer& server, const std::string& method, const std::string& path,
           const std::string& body = "") {
  std::string key = server.key(store::Role::auditor);
  if (method == "POST") {
    const std::string marker = "\"hospital_id\":\"";
    const auto at = body.find(marker);
    const auto from = at == std::string::npos ? at : at + marker.size();
    key = server.hospital_key(from == std::string::npos
                                  ? "H2"
                                  : body.substr(from, body.find('"', from) - from));
  }
  if (path.starts_with("/v1/reconciliation/")) key = server.key(store::Role::reconciler);
  return Answer{server.request_as(key, method, path, body)};
}

// 503, a problem+json body with code ledger_unavailable, and Retry-After.
void expect_unavailable(const Answer& a, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(a.reply.status, 503) << a.reply.body;
  EXPECT_EQ(a.reply.content_type, "application/problem+json");
  EXPECT_EQ(parse_json(a.reply.body)->getValue<std::string>("code"), "ledger_unavailable");
  EXPECT_EQ(a.retry_after(), "1");
}

// /healthz: 200 and status ok with the record count while the database answers, else 503
// and status unavailable, the same document; the engine either way, and no cause (the route
// is open to anyone).
void expect_health(TestServer& server, bool answers) {
  SCOPED_TRACE(answers ? "healthz answering" : "healthz not answering");
  const Reply r = server.get("/healthz");
  ASSERT_EQ(r.status, answers ? 200 : 503) << r.body;
  const auto doc = parse_json(r.body);
  EXPECT_EQ(doc->getValue<std::string>("status"), answers ? "ok" : "unavailable");
  EXPECT_EQ(doc->has("ledger_records"), answers);
  EXPECT_EQ(doc->getObject("ledger")->getValue<std::string>("engine"), "sqlite");
  EXPECT_EQ(doc->getObject("ledger")->getValue<bool>("answers"), answers);
  EXPECT_EQ(r.body.find("failed"), std::string::npos) << "a cause in an open answer";
}

// /metrics: 200 whether or not the database answers (a monitoring system must see an outage,
// not a failed scrape), onestop_ledger_up saying which; the record count only while it
// answers. Scraped with the auditor's key, which scraped it before the fault.
void expect_metrics(TestServer& server, bool answers) {
  SCOPED_TRACE(answers ? "metrics answering" : "metrics not answering");
  const Reply r = server.request_as(server.key(store::Role::auditor), "GET", "/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string up =
      std::string("\nonestop_ledger_up{engine=\"sqlite\"} ") + (answers ? "1" : "0");
  EXPECT_NE(r.body.find(up), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("\nonestop_ledger_records ") != std::string::npos, answers) << r.body;
}

std::int64_t id_of(const Reply& r) {
  return parse_json(r.body)->getValue<Poco::Int64>("settlement_id");
}

// What the fault could have half-written, read with the ledger's read API (fault disarmed).
struct LedgerState {
  std::int64_t records = 0;
  std::pair<Accumulators, std::int64_t> p1;  // the person whose settlement is cancelled
  std::pair<Accumulators, std::int64_t> p3;  // the person of the settlement under the fault
  std::optional<std::int64_t> b2;            // the record holding the key (H2, B2)
  std::optional<std::int64_t> cancelled_by;  // of the first settlement
  friend bool operator==(const LedgerState&, const LedgerState&) = default;
};

LedgerState ledger_state(store::Ledger& ledger, std::int64_t first) {
  LedgerState s;
  s.records = ledger.record_count();
  s.p1 = ledger.accumulators("P1", 2020);
  s.p3 = ledger.accumulators("P3", 2020);
  if (auto r = ledger.find("H2", "B2")) s.b2 = r->id;
  if (auto r = ledger.get(first)) s.cancelled_by = r->cancelled_by;
  return s;
}

struct FaultCase {
  const char* name;
  FaultPlan plan;
  bool reads_fail;  // a read fault fails reads too; write faults leave them answering
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.name; }

const FaultCase kCases[] = {
    {"WriteError", io_error_on_write(), false},
    {"DiskFull", disk_full(), false},
    // The disk fills after the commit's first WAL frame and a half (a frame is two writes).
    {"DiskFullMidCommit", {FaultOn::write, SQLITE_FULL, FaultFile::wal, 3}, false},
    {"FsyncFailure", fsync_failure(), false},
    {"ReadError", io_error_on_read(), true},
};

// The fault VFS is the default before the server opens its connections, and stays so until
// the server is gone.
class LedgerFaultHttp : public ::testing::TestWithParam<FaultCase> {
 protected:
  // A connection of the test's own changes a roster row and back in one commit, so the page
  // cache of every connection of the server is stale and its next read goes to the file: a
  // read fault then hits it whatever it read before. (An UPDATE to the same value would not
  // do: SQLite leaves a page whose content does not change clean, and commits nothing.)
  void make_page_caches_stale() {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(server_.config().ledger.location.c_str(), &db), SQLITE_OK);
    const int rc = sqlite3_exec(db,
                                "BEGIN IMMEDIATE;"
                                "UPDATE roster SET name = name || '~' WHERE patient_id = 'P1';"
                                "UPDATE roster SET name = substr(name, 1, length(name) - 1) "
                                "WHERE patient_id = 'P1';"
                                "COMMIT",
                                nullptr, nullptr, nullptr);
    EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  void SetUp() override { made_keys(server_); }

  FaultVfsAsDefault vfs_;
  TestServer server_;
};

TEST_P(LedgerFaultHttp, AnswersUnavailableWritesNothingAndRecoversWhenTheFaultClears) {
  const FaultCase& c = GetParam();
  const Reply first = server_.post("/v1/settlements", RequestBuilder().json());
  ASSERT_EQ(first.status, 201) << first.body;
  const std::int64_t first_id = id_of(first);
  const std::string settle_body = RequestBuilder().bill("B2").patient("P3").json();
  const std::string cancel_path = "/v1/settlements/" + std::to_string(first_id) + "/cancel";
  // The requests that only read: through the read pool, and through the roster's connection
  // (trial, admission check).
  const std::vector<ReadRequest> reads = {
      {"GET", "/v1/settlements/" + std::to_string(first_id), ""},
      {"GET", "/v1/patients/P1/ledger?year=2020", ""},
      {"GET", kTotals, ""},
      {"POST", "/v1/settlements/trial", settle_body},
      {"POST", "/v1/admissions/check", kAdmission}};
  std::vector<std::string> read_bodies;
  for (const auto& read : reads) {
    const Reply r = server_.request(read.method, read.path, read.body);
    ASSERT_EQ(r.status, 200) << read.path << ": " << r.body;
    read_bodies.push_back(r.body);
  }
  const LedgerState before = ledger_state(server_.app().ledger(), first_id);
  expect_metrics(server_, true);
  make_page_caches_stale();
  {
    ScopedFault fault(c.plan);
    expect_unavailable(ask(server_, "POST", "/v1/settlements", settle_body), "settle");
    expect_unavailable(ask(server_, "POST", cancel_path, kReason), "cancel");
    for (std::size_t i = 0; i < reads.size(); ++i) {
      const Answer a = ask(server_, reads[i].method, reads[i].path, reads[i].body);
      if (c.reads_fail) {
        expect_unavailable(a, reads[i].path);
      } else {
        EXPECT_EQ(a.reply.status, 200) << reads[i].path << ": " << a.reply.body;
        EXPECT_EQ(a.reply.body, read_bodies[i]) << reads[i].path;
      }
    }
    // The server keeps answering; when reads fail even the key cannot be checked: 503.
    EXPECT_EQ(server_.post("/v1/echo", "{}").status, c.reads_fail ? 503 : 200);
    // A load balancer's health check sees whether the database still answers reads.
    expect_health(server_, !c.reads_fail);
    expect_metrics(server_, !c.reads_fail);
    // Only a key that read /metrics before: another cannot be checked meanwhile.
    EXPECT_EQ(server_.request_as(server_.key(store::Role::reconciler), "GET", "/metrics").status,
              c.reads_fail ? 503 : 200);
    EXPECT_GT(faults_injected(), 0) << "the fault was never hit";
  }
  EXPECT_TRUE(ledger_state(server_.app().ledger(), first_id) == before) << "half-written";

  // The clients retry the same requests: created once, then replayed.
  const Reply settled = server_.post("/v1/settlements", settle_body);
  ASSERT_EQ(settled.status, 201) << settled.body;
  const Reply replayed = server_.post("/v1/settlements", settle_body);
  ASSERT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_EQ(id_of(replayed), id_of(settled));
  const Reply cancelled = server_.post(cancel_path, kReason);
  ASSERT_EQ(cancelled.status, 201) << cancelled.body;
  const Reply cancel_replayed = server_.post(cancel_path, kReason);
  ASSERT_EQ(cancel_replayed.status, 200) << cancel_replayed.body;
  EXPECT_EQ(id_of(cancel_replayed), id_of(cancelled));
  for (const auto& read : reads) {
    EXPECT_EQ(server_.request(read.method, read.path, read.body).status, 200) << read.path;
  }
  expect_health(server_, true);
  expect_metrics(server_, true);
  const LedgerState after = ledger_state(server_.app().ledger(), first_id);
  EXPECT_EQ(after.records, before.records + 2);
  EXPECT_EQ(after.b2, id_of(settled));
  EXPECT_EQ(after.cancelled_by, id_of(cancelled));
  EXPECT_EQ(after.p1.first, Accumulators{});

  const std::string db = server_.config().ledger.location;
  server_.shut_down();
  EXPECT_EQ(run_verify(db), 0);
}

INSTANTIATE_TEST_SUITE_P(Faults, LedgerFaultHttp, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<FaultCase>& info) {
                           return std::string(info.param.name);
                         });

// Many clients settle at once on a full disk: the writer fails whole batches; every client is
// answered 503, none is written, and each one's retry is created once the disk has room.
TEST(LedgerFaultHttpBatch, ConcurrentSettlesOnAFullDiskAreAllUnavailableThenAllCreated) {
  constexpr int kClients = 8;
  FaultVfsAsDefault vfs;
  TestServer server;
  auto body = [](int i) {
    return RequestBuilder()
        .patient("P" + std::to_string(6 + i % 4))
        .bill("F" + std::to_string(i))
        .json();
  };
  // A request of the same kind before the disk fills: whatever the server or the fixture sets
  // up on first use is written while it still can be.
  ASSERT_EQ(server.post("/v1/settlements/trial", body(0)).status, 200);
  std::vector<int> statuses(kClients, 0);
  {
    ScopedFault fault(disk_full());
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([&, i] {
        const Reply r = server.post("/v1/settlements", body(i));
        statuses[static_cast<std::size_t>(i)] = r.status;
      });
    }
    for (auto& t : clients) t.join();
    EXPECT_GT(faults_injected(), 0);
  }
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(statuses[static_cast<std::size_t>(i)], 503) << i;
  EXPECT_EQ(server.app().ledger().record_count(), 0);
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(server.post("/v1/settlements", body(i)).status, 201) << i;
    EXPECT_EQ(server.post("/v1/settlements", body(i)).status, 200) << i;
  }
  EXPECT_EQ(server.app().ledger().record_count(), kClients);
  const std::string db = server.config().ledger.location;
  server.shut_down();
  EXPECT_EQ(run_verify(db), 0);
}

}  // namespace
}  // namespace onestop::testing
