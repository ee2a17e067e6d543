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

// Whether `socket` is still open and silent: the server neither answered nor closed it.
bool still_waiting(Poco::Net::StreamSocket& socket) {
  return !socket.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ);
}

const std::string kHalfRequest =
    "POST /v1/settlements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    "Content-Type: application/json\r\nContent-Length: 400\r\n\r\n"
    "{\"hospital_id\":";

// Others are served while the slow client still holds its connection: with a receive timeout
// far beyond the test, they could not have waited for it to be dropped.
TEST(Starvation, ASlowClientDoesNotBlockOthers) {
  TestServer server([](http::ServerConfig& c) { c.receive_timeout_ms = 120000; });
  Poco::Net::StreamSocket slow = raw_connection(server.port());
  slow.sendBytes(kHalfRequest.data(), static_cast<int>(kHalfRequest.size()));
  for (int i = 0; i < 10; ++i) {
    const Reply r =
        server.post("/v1/settlements", RequestBuilder().bill("S" + std::to_string(i)).json());
    ASSERT_EQ(r.status, 201) << r.body;
  }
  EXPECT_TRUE(still_waiting(slow)) << "the slow request was answered or dropped meanwhile";
  EXPECT_EQ(parse_json(server.get("/healthz").body)->getValue<Poco::Int64>("ledger_records"), 10);
}

// Past the receive timeout the server stops waiting for the rest of the body: it answers 408
// and closes the connection (the read allows far longer than the 1 s timeout).
TEST(Starvation, ASlowClientIsDroppedWith408AfterTheReceiveTimeout) {
  TestServer server([](http::ServerConfig& c) { c.receive_timeout_ms = 1000; });
  Poco::Net::StreamSocket slow = raw_connection(server.port());
  const auto start = Clock::now();
  slow.sendBytes(kHalfRequest.data(), static_cast<int>(kHalfRequest.size()));
  bool closed = false;
  const std::string answer = read_until_closed(slow, 60000, &closed);
  EXPECT_TRUE(closed) << answer;
  EXPECT_GE(seconds_since(start), 0.9);  // not before the timeout (a lower bound load cannot break)
  EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
  EXPECT_NE(answer.find("request_timeout"), std::string::npos);
  EXPECT_EQ(server.get("/healthz").status, 200);
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
  // Starved, the new client would wait for an idle one's 30 s keep-alive to end: its session
  // gives up after 20 s (TestServer::session), so an answer at all shows it was not.
  EXPECT_EQ(server.get("/healthz").status, 200);
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
  // Wait until the server has it queued (an event, not a guess at how long that takes).
  const auto queued = [&] {
    return server.app().metrics().render().find("onestop_http_connections_queued 1.000000\n") !=
           std::string::npos;
  };
  for (int i = 0; i < 6000 && !queued(); ++i) {  // a minute at most, so a bug cannot hang
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(queued());
  // A kept-alive client asks again: while others wait, its answer closes its connection.
  const Reply r = send_request(*holders.front(), "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Poco::toLower(r.connection), "close");
  waiting.join();
  // Served at all: its session gives up after 20 s, below the holders' 30 s keep-alive.
  EXPECT_EQ(waiting_status.load(), 200);
}

}  // namespace
}  // namespace onestop::testing
