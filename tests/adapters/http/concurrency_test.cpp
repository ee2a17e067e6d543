// Many clients settling for the same few patients at once, some sending the same bill twice:
// every acknowledged settlement is in the ledger once, the acknowledged settlements of each
// person form one serial chain (each started from the accumulators the previous one left),
// the chain ends at the ledger's accumulators, and `onestop verify` passes.
#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <Poco/String.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "http_fixture.hpp"

namespace onestop::testing {
namespace {

// An accumulators object as name → value, without zero amounts, so that "absent" and "0.00"
// compare equal whichever writer produced them.
std::map<std::string, std::string> flatten(const Poco::JSON::Object::Ptr& acc) {
  std::map<std::string, std::string> out;
  out["admissions"] = std::to_string(acc->getValue<Poco::Int64>("admissions"));
  const auto layers = acc->getObject("layers");
  for (const auto& [layer, totals] : *layers) {
    const auto t = totals.extract<Poco::JSON::Object::Ptr>();
    for (const auto& [name, value] : *t) {
      const std::string v = value.toString();
      if (v != "0.00") out[layer + "." + name] = v;
    }
  }
  return out;
}

struct Acknowledged {
  std::mutex mutex;
  std::map<std::int64_t, Poco::JSON::Object::Ptr> results;  // settlement id → result
  int created = 0;
  int replayed = 0;
};

void client(TestServer& server, int thread, int requests, Acknowledged& acked) {
  auto session = server.session();
  for (int k = 0; k < requests; ++k) {
    const int bill = (thread * requests + k) / 2;  // every bill is sent twice
    const std::string patient = "P" + std::to_string(6 + bill % 4);
    const std::string body =
        RequestBuilder().patient(patient).bill("C" + std::to_string(bill)).json();
    const Reply r = send_request(*session, "POST", "/v1/settlements", body, "application/json",
                                 server.key_for("POST", "/v1/settlements", body));
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.status << " " << r.body;
    const auto doc = parse_json(r.body);
    std::lock_guard lock(acked.mutex);
    acked.results[doc->getValue<Poco::Int64>("settlement_id")] = doc->getObject("result");
    (r.status == 201 ? acked.created : acked.replayed) += 1;
    if (Poco::toLower(r.connection) == "close") session = server.session();
  }
}

TEST(Concurrency, AcknowledgedSettlementsFormOneSerialChainPerPerson) {
  constexpr int kThreads = 12;
  constexpr int kRequests = 16;
  TestServer server([](http::ServerConfig& c) { c.threads = 32; });
  Acknowledged acked;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { client(server, t, kRequests, acked); });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(acked.created + acked.replayed, kThreads * kRequests);
  EXPECT_EQ(acked.created, kThreads * kRequests / 2);
  ASSERT_EQ(acked.results.size(), static_cast<std::size_t>(kThreads * kRequests / 2));

  for (int p = 6; p <= 9; ++p) {
    const std::string patient = "P" + std::to_string(p);
    std::map<std::string, std::string> expected_before;  // empty: the year's start
    expected_before["admissions"] = "0";
    int chained = 0;
    for (const auto& [id, result] : acked.results) {  // in id order: the commit order
      if (result->getValue<std::string>("patient_id") != patient) continue;
      const auto acc = result->getObject("accumulators");
      EXPECT_EQ(flatten(acc->getObject("before")), expected_before) << patient << " #" << id;
      expected_before = flatten(acc->getObject("after"));
      ++chained;
    }
    const auto ledger =
        parse_json(server.get("/v1/patients/" + patient + "/ledger?year=2020").body);
    EXPECT_EQ(flatten(ledger->getObject("accumulators")), expected_before) << patient;
    EXPECT_EQ(static_cast<int>(ledger->getArray("records")->size()), chained) << patient;
  }
  const std::string db = server.config().ledger.location;
  server.shut_down();
  EXPECT_EQ(run_verify(db), 0);
}

}  // namespace
}  // namespace onestop::testing
