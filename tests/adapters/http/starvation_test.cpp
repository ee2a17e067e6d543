// Slow and idle clients must not starve the others: a half-sent request, many idle kept-alive
// connections (more than Poco's default pool of 16), and a full pool.
#include <Poco/String.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "http_fixture.hpp"

namespace onestop::testing {
namespace {

using Clock = std::chrono::steady_clock;

TEST(Starvation, ASlowClientDoesNotBlockOthersAndIsDropped) {
  TestServer server([](http::ServerConfig& c) { c.receive_timeout_ms = 1000; });
  Poco::Net::StreamSocket slow = raw_connection(server.port());
  const std::string half =
      "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: 400\r\n\r\n"
      "{\"hospital_id\":";
  slow.sendBytes(half.data(), static_cast<int>(half.size()));
  const auto start = Clock::now();
  for (int i = 0; i < 10; ++i) {
    const Reply r =
        server.post("/v1/settlements", RequestBuilder().bill("S" + std::to_string(i)).json());
    ASSERT_EQ(r.status, 201) << r.body;
  }
  EXPECT_LT(seconds_since(start), 5.0);
  // The server stops waiting for the rest after receive_timeout_ms (1 s), answers 408 and
  // closes the connection; the whole wait, since the half request was sent, stays bounded.
  bool closed = false;
  const std::string answer = read_until_closed(slow, 8000, &closed);
  EXPECT_TRUE(closed) << answer;
  EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
  EXPECT_NE(answer.find("request_timeout"), std::string::npos);
  EXPECT_LT(seconds_since(start), 4.0);
  EXPECT_EQ(parse_json(server.get("/healthz").body)->getValue<Poco::Int64>("ledger_records"), 10);
}

TEST(Starvation, IdleKeptAliveClientsBeyondSixteenDoNotStarveANewOne) {
  TestServer server([](http::ServerConfig& c) {
    c.threads = 64;
    c.keep_alive_timeout_ms = 30000;  // they stay idle for the whole test
  });
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> idle;
  for (int i = 0; i < 40; ++i) {
    idle.push_back(server.session());
    ASSERT_EQ(send_request(*idle.back(), "GET", "/healthz").status, 200);
  }
  const auto start = Clock::now();
  EXPECT_EQ(server.get("/healthz").status, 200);
  EXPECT_LT(seconds_since(start), 2.0);
  // The idle ones are still served on their own connections.
  EXPECT_EQ(send_request(*idle.front(), "GET", "/healthz").status, 200);
}

TEST(Starvation, WithThePoolFullAWaitingClientIsServedWhenABusyOneAsksAgain) {
  TestServer server([](http::ServerConfig& c) {
    c.threads = 4;
    c.keep_alive_timeout_ms = 30000;  // idle connections would hold their threads this long
  });
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> holders;
  for (int i = 0; i < 4; ++i) {
    holders.push_back(server.session());
    ASSERT_EQ(send_request(*holders.back(), "GET", "/healthz").status, 200);
  }
  std::atomic<int> waiting_status{0};
  std::thread waiting([&] {
    try {
      waiting_status = server.get("/healthz").status;
    } catch (const Poco::Exception& e) {
      ADD_FAILURE() << "the waiting client was not served: " << e.displayText();
      waiting_status = -1;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // it is queued by now
  const auto start = Clock::now();
  // A kept-alive client asks again: while others wait, its answer closes its connection.
  const Reply r = send_request(*holders.front(), "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Poco::toLower(r.connection), "close");
  waiting.join();
  EXPECT_EQ(waiting_status.load(), 200);
  EXPECT_LT(seconds_since(start), 10.0);  // far below the 30 s keep-alive timeout
}

}  // namespace
}  // namespace onestop::testing
