// The limits section of config/onestop.properties over a real socket, each at its value and
// just past it: the claim limits as configured, Poco's fixed request-line and header limits,
// the receive and keep-alive timeouts, and the number of connections held at once. (The body
// limit is in api_test.cpp, a slow body's 408 in starvation_test.cpp.)
//
// Timeouts are asserted so that a loaded machine under ASan cannot break them: "not before most
// of the timeout" (load only makes waits longer), and every upper bound is a read deadline far
// beyond the timeout; what must happen within a timeout runs with one far beyond its pauses.
#include <Poco/Net/Socket.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "http_fixture.hpp"

namespace onestop::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void send_text(Poco::Net::StreamSocket& socket, const std::string& text) {
  socket.sendBytes(text.data(), static_cast<int>(text.size()));
}

// One request on a new raw connection that asks the server to close after answering; the
// whole answer ("" when the server closed without one). Fails the test if the server neither
// answers nor closes within 10 s (a hang).
std::string exchange(std::uint16_t port, const std::string& request) {
  Poco::Net::StreamSocket socket = raw_connection(port);
  send_text(socket, request);
  bool closed = false;
  std::string answer = read_until_closed(socket, 10000, &closed);
  EXPECT_TRUE(closed) << "the server kept the connection: " << answer.substr(0, 200);
  return answer;
}

// The status code of a raw answer, 0 when there is none.
int status_of(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

// GET `target` with `extra` header lines (each ending in CRLF) and Host and Connection.
std::string get_with(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra +
         "\r\n";
}

// `n` header lines "X-Fi: v".
std::string fields(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "X-F" + std::to_string(i) + ": v\r\n";
  return out;
}

// `n` items of 1.00 each, as a request's "items" array.
std::string items(int n) {
  std::string out = "[";
  for (int i = 0; i < n; ++i) {
    out += (i != 0 ? "," : "") + std::string(R"({"code":"X)") + std::to_string(i) +
           R"(","name":"","class":"A","amount":"1.00"})";
  }
  return out + "]";
}

TEST(Limits, ConfiguredClaimLimitsReachTheService) {
  TestServer server([](http::ServerConfig& c) {
    c.claim_limits.items_per_claim = 5;
    c.claim_limits.id_bytes = 8;
  });
  Reply r = server.post("/v1/settlements", RequestBuilder().bill("B5").with_items(items(5)).json());
  EXPECT_EQ(r.status, 201) << r.body;
  r = server.post("/v1/settlements", RequestBuilder().bill("B6").with_items(items(6)).json());
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(parse_json(r.body)->getValue<std::string>("code"), "too_many");
  EXPECT_EQ(parse_json(r.body)->getValue<std::string>("field"), "items");
  r = server.post("/v1/settlements/trial", RequestBuilder().bill("B6").with_items(items(6)).json());
  EXPECT_EQ(r.status, 422) << r.body;
  // An id of 8 bytes is accepted, 9 refused naming the field.
  r = server.post("/v1/settlements", RequestBuilder().bill("B1234567").json());
  EXPECT_EQ(r.status, 201) << r.body;
  r = server.post("/v1/settlements", RequestBuilder().bill("B12345678").json());
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(parse_json(r.body)->getValue<std::string>("code"), "too_long");
  EXPECT_EQ(parse_json(r.body)->getValue<std::string>("field"), "bill_no");
  EXPECT_EQ(parse_json(server.get("/healthz").body)->getValue<Poco::Int64>("ledger_records"), 2);
}

// Poco 1.11 reads the request line and headers before our code runs, with limits it does not
// let the server change: 100 fields, names of 256 bytes, values of 8192, URIs of 16384.
// At each the request is served; one past it is a 400 and a closed connection, not a hang.
TEST(Limits, PocosHeaderLimitsAreServedAtAndRefusedJustPast) {
  TestServer server;
  const std::uint16_t port = server.port();
  const int kFields = 100;  // Host and Connection count too
  struct Case {
    const char* name;
    std::string at;
    std::string past;
  };
  const std::vector<Case> cases = {
      {"fields", get_with("/healthz", fields(kFields - 2)),
       get_with("/healthz", fields(kFields - 1))},
      {"name", get_with("/healthz", std::string(256, 'N') + ": v\r\n"),
       get_with("/healthz", std::string(257, 'N') + ": v\r\n")},
      {"value", get_with("/healthz", "X-V: " + std::string(8192, 'v') + "\r\n"),
       get_with("/healthz", "X-V: " + std::string(8193, 'v') + "\r\n")},
      {"uri", get_with("/healthz?p=" + std::string(16384 - 11, 'u')),
       get_with("/healthz?p=" + std::string(16384 - 10, 'u'))},
  };
  for (const Case& c : cases) {
    const std::string at = exchange(port, c.at);
    EXPECT_EQ(status_of(at), 200) << c.name << ": " << at.substr(0, 200);
    const std::string past = exchange(port, c.past);
    EXPECT_EQ(status_of(past), 400) << c.name << ": " << past.substr(0, 200);
  }
  // The server is still well.
  EXPECT_EQ(server.get("/healthz").status, 200);
}

// Within the receive timeout a pause mid-headers, then the rest, is served. The timeout is far
// beyond the pause, so no scheduling delay of a loaded machine can reach it.
TEST(Limits, AClientPausingMidHeadersWithinTheReceiveTimeoutIsServed) {
  TestServer server([&](http::ServerConfig& c) { c.receive_timeout_ms = 60000; });
  Poco::Net::StreamSocket socket = raw_connection(server.port());
  send_text(socket, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  std::this_thread::sleep_for(milliseconds(300));
  send_text(socket, "Connection: close\r\n\r\n");
  const std::string answer = read_until_closed(socket, 60000);
  EXPECT_EQ(status_of(answer), 200) << answer.substr(0, 200);
}

// Past it: dropped without an answer (a slow body gets 408: starvation_test.cpp), not before
// most of the timeout (a lower bound, which load cannot break) and within the read's minute.
TEST(Limits, AClientSilentMidHeadersPastTheReceiveTimeoutIsDropped) {
  const int timeout_ms = 1500;
  TestServer server([&](http::ServerConfig& c) { c.receive_timeout_ms = timeout_ms; });
  Poco::Net::StreamSocket socket = raw_connection(server.port());
  const auto start = Clock::now();
  send_text(socket, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  bool closed = false;
  const std::string answer = read_until_closed(socket, 60000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer, "") << "before the headers are in there is no request to answer";
  EXPECT_GE(seconds_since(start), 0.8 * timeout_ms / 1000.0);
}

// Reads one response with a Content-Length from `socket` (at most 10 s); "" if the connection
// ends first.
std::string read_response(Poco::Net::StreamSocket& socket) {
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  std::string in;
  char buffer[4096];
  while (true) {
    const auto head_end = in.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const auto at = in.find("Content-Length: ");
      if (at == std::string::npos || at > head_end) return in;
      const std::size_t length = std::stoul(in.substr(at + 16));
      if (in.size() >= head_end + 4 + length) return in;
    }
    const int n = socket.receiveBytes(buffer, sizeof buffer);
    if (n <= 0) return "";
    in.append(buffer, static_cast<std::size_t>(n));
  }
}

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// Within the keep-alive timeout (far beyond the pause) the same connection serves another
// request.
TEST(Limits, AKeptAliveConnectionServesAgainWithinTheKeepAliveTimeout) {
  TestServer server([&](http::ServerConfig& c) { c.keep_alive_timeout_ms = 60000; });
  Poco::Net::StreamSocket socket = raw_connection(server.port());
  send_text(socket, kHealthz);
  ASSERT_EQ(status_of(read_response(socket)), 200);
  std::this_thread::sleep_for(milliseconds(300));
  send_text(socket, kHealthz);
  EXPECT_EQ(status_of(read_response(socket)), 200);
}

// Left idle, it is closed after the timeout: not before most of it, and within the minute the
// read allows.
TEST(Limits, AnIdleKeptAliveConnectionIsClosedAfterTheKeepAliveTimeout) {
  const int timeout_ms = 1500;
  TestServer server([&](http::ServerConfig& c) { c.keep_alive_timeout_ms = timeout_ms; });
  Poco::Net::StreamSocket socket = raw_connection(server.port());
  send_text(socket, kHealthz);
  ASSERT_EQ(status_of(read_response(socket)), 200);
  const auto idle_since = Clock::now();
  bool closed = false;
  const std::string more = read_until_closed(socket, 60000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(more, "");
  EXPECT_GE(seconds_since(idle_since), 0.8 * timeout_ms / 1000.0);
}

// Whether the server closed `socket` within `wait_ms` (a connection it refused is closed at
// once; one it holds stays open and silent).
bool closed_within(Poco::Net::StreamSocket& socket, int wait_ms) {
  if (!socket.poll(Poco::Timespan(static_cast<long>(wait_ms) * 1000),
                   Poco::Net::Socket::SELECT_READ)) {
    return false;
  }
  char c = 0;
  try {
    return socket.receiveBytes(&c, 1) <= 0;
  } catch (const Poco::Exception&) {
    return true;  // reset
  }
}

// With T threads and Q places in the queue, T + Q connections are held at once (T served, Q
// waiting), and the next is closed without an answer; once they go, a request is served.
TEST(Limits, ConnectionsBeyondThreadsPlusQueueAreRefused) {
  const int threads = 2;
  const int queued = 1;
  TestServer server([&](http::ServerConfig& c) {
    c.threads = threads;
    c.max_queued = queued;
    c.receive_timeout_ms = 60000;  // the silent connections stay for the whole test
  });
  std::vector<Poco::Net::StreamSocket> held;
  // A connection is handed to a thread asynchronously: one that arrives before the previous
  // left the queue is refused early. So each is checked to be held, and retried if not.
  for (int attempt = 0; attempt < 50 && static_cast<int>(held.size()) < threads + queued;
       ++attempt) {
    Poco::Net::StreamSocket socket = raw_connection(server.port());
    if (!closed_within(socket, 300)) held.push_back(std::move(socket));
  }
  ASSERT_EQ(static_cast<int>(held.size()), threads + queued);
  for (int i = 0; i < 3; ++i) {
    Poco::Net::StreamSocket next = raw_connection(server.port());
    send_text(next, get_with("/healthz"));
    // Closed within the read's 30 s: at once, not after the held ones' 60 s receive timeout.
    bool closed = false;
    const std::string answer = read_until_closed(next, 30000, &closed);
    EXPECT_TRUE(closed);
    EXPECT_EQ(answer, "") << "refused without an answer";
  }
  for (auto& s : held) EXPECT_FALSE(closed_within(s, 0)) << "still held";
  for (auto& s : held) s.close();
  // The server notices the closed ones and frees their places; then a request is served.
  int status = 0;
  const auto start = Clock::now();
  while (status != 200 && seconds_since(start) < 60.0) {
    try {
      status = server.get("/healthz").status;
    } catch (const Poco::Exception&) {
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace onestop::testing
