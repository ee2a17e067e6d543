// A real `onestop serve` stack in the test process, listening on a free loopback port with a
// database of its own, and small HTTP clients (Poco's and a raw socket) to talk to it.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "adapters/http/application.hpp"
#include "adapters/service/service_fixture.hpp"

namespace onestop::testing {

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string location;
  std::string connection;  // the Connection header ("close" when the server ends it)
  std::string allow;
  std::string retry_after;
};

inline Poco::JSON::Object::Ptr parse_json(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

// One request on an open session (kept alive between calls), with `key` as its bearer
// credential when it is not empty.
inline Reply send_request(Poco::Net::HTTPClientSession& session, const std::string& method,
                          const std::string& path, const std::string& body = "",
                          const std::string& content_type = "application/json",
                          const std::string& key = "") {
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setKeepAlive(true);
  if (!key.empty()) request.set("Authorization", "Bearer " + key);
  if (!body.empty() || method == "POST") {
    if (!content_type.empty()) request.setContentType(content_type);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Reply reply;
  reply.status = static_cast<int>(response.getStatus());
  Poco::StreamCopier::copyToString(in, reply.body);
  reply.content_type = response.getContentType();
  reply.location = response.get("Location", "");
  reply.connection = response.get("Connection", "");
  reply.allow = response.get("Allow", "");
  reply.retry_after = response.get("Retry-After", "");
  return reply;
}

// One request to the server on 127.0.0.1:`port` on a connection of its own, given up after
// `timeout_seconds`; Poco's exceptions (refused, broken, timed out) propagate.
inline Reply request_once(std::uint16_t port, const std::string& method, const std::string& path,
                          const std::string& body = "", const std::string& key = "",
                          int timeout_seconds = 30) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(timeout_seconds, 0));
  return send_request(session, method, path, body, "application/json", key);
}

class TestServer {
 public:
  // The defaults of a test server; `tweak` changes them before the start.
  explicit TestServer(const std::function<void(http::ServerConfig&)>& tweak = {}) {
    dir_ = service_test_dir("http");
    config_.bind_address = "127.0.0.1";
    config_.port = 0;
    config_.ledger = backend::sqlite_url(dir_ + "/ledger.db");
    config_.policy_dir = source_path("config/policies");
    config_.hospitals_file = source_path("config/hospitals.json");
    config_.threads = 32;
    config_.receive_timeout_ms = 1000;
    config_.keep_alive_timeout_ms = 3000;
    config_.body_limit_bytes = 64 * 1024;
    config_.log_level = "warning";
    config_.requests_per_second = 0;  // tests that are not about the rate limit send in bursts
    if (tweak) tweak(config_);
    auto app = http::Application::build(config_);
    if (!app) throw std::runtime_error("cannot build the server: " + app.error().message);
    app_ = std::move(app).value();
    if (auto e = app_->roster().replace_all(test_roster())) throw std::runtime_error(e->message);
    if (auto e = app_->roster().replace_certifications(test_certifications())) {
      throw std::runtime_error(e->message);
    }
    app_->start();
  }

  std::uint16_t port() const { return app_->port(); }
  http::Application& app() { return *app_; }
  const http::ServerConfig& config() const { return config_; }
  const std::string& dir() const { return dir_; }
  // Stops serving and closes the ledger (the database can then be verified).
  void shut_down() { app_.reset(); }

  std::unique_ptr<Poco::Net::HTTPClientSession> session() const {
    auto s = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port());
    s->setTimeout(Poco::Timespan(20, 0));
    s->setKeepAlive(true);
    return s;
  }

  // One request on a fresh connection.
  // One request on a fresh connection, with the credential key_for() picks for it.
  Reply request(const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& content_type = "application/json") {
    return request_as(key_for(method, path, body), method, path, body, content_type);
  }

  // The same with `key` ("" sends no Authorization header).
  Reply request_as(const std::string& key, const std::string& method, const std::string& path,
                   const std::string& body = "",
                   const std::string& content_type = "application/json") const {
    auto s = session();
    return send_request(*s, method, path, body, content_type, key);
  }

  // The key of a client of `role` (for role hospital: of `hospital_id`), created on first use.
  std::string key(store::Role role, const std::string& hospital_id = "") {
    std::lock_guard lock(keys_mutex_);
    std::string name = std::string(store::role_name(role));
    for (char c : hospital_id) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = keys_.find(name);
    if (it != keys_.end()) return it->second;
    auto issued = app_->clients().add(name, role, hospital_id);
    if (!issued) throw std::runtime_error("cannot add client " + name + ": " + issued.error().message);
    return keys_.emplace(name, issued->key).first->second;
  }
  std::string hospital_key(const std::string& hospital_id) {
    return key(store::Role::hospital, hospital_id);
  }

  // The credential a test's request needs to be allowed, so that tests of other things need
  // not name one: a hospital's writes go with the key of the hospital of the body (or of the
  // settlement cancelled; H1 when there is none, as for a malformed body), reconciliation with
  // a reconciler's, the roster with an admin's, every other read with an auditor's.
  std::string key_for(const std::string& method, const std::string& path,
                      const std::string& body) {
    using store::Role;
    if (method == "PUT" && path.starts_with("/v1/roster")) return key(Role::admin);
    if (path.starts_with("/v1/reconciliation/")) return key(Role::reconciler);
    if (method != "POST" || path.starts_with("/v1/echo")) return key(Role::auditor);
    std::string hospital = "H1";
    const std::string prefix = "/v1/settlements/";
    if (path.starts_with(prefix) && path.ends_with("/cancel")) {
      std::int64_t id = 0;
      const std::string digits = path.substr(prefix.size(), path.size() - prefix.size() - 7);
      std::from_chars(digits.data(), digits.data() + digits.size(), id);
      if (auto record = app_->ledger().get(id)) hospital = record->hospital_id;
    } else {
      try {
        const auto object = parse_json(body);
        if (object->has("hospital_id") && object->get("hospital_id").isString()) {
          hospital = object->getValue<std::string>("hospital_id");
        }
      } catch (const std::exception&) {
        // not a JSON object: the request is refused for its body whatever the key
      }
    }
    if (hospital.empty() || hospital.size() > 32 ||
        hospital.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") !=
            std::string::npos) {
      hospital = "H1";
    }
    return hospital_key(hospital);
  }

  Reply post(const std::string& path, const std::string& body) {
    return request("POST", path, body);
  }
  Reply get(const std::string& path) { return request("GET", path); }


 private:
  std::string dir_;
  http::ServerConfig config_;
  std::unique_ptr<http::Application> app_;
  std::mutex keys_mutex_;
  std::map<std::string, std::string> keys_;  // client name → key
};

// A raw TCP connection for what Poco's client will not do: half requests, lying lengths.
inline Poco::Net::StreamSocket raw_connection(std::uint16_t port) {
  Poco::Net::StreamSocket socket;
  socket.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(5, 0));
  return socket;
}

// Everything the peer sends until it closes or stays silent for `timeout_ms`; `closed` tells
// which (a reset counts as closed).
inline std::string read_until_closed(Poco::Net::StreamSocket& socket, int timeout_ms,
                                     bool* closed = nullptr) {
  if (closed != nullptr) *closed = false;
  socket.setReceiveTimeout(Poco::Timespan(static_cast<long>(timeout_ms) * 1000));
  std::string out;
  char buffer[4096];
  for (int i = 0; i < 1024; ++i) {  // bounded: at most 4 MiB
    int n = 0;
    try {
      n = socket.receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::TimeoutException&) {
      break;  // silent: the caller looks at what came
    } catch (const Poco::Net::NetException&) {
      n = 0;  // reset: as good as closed here
    }
    if (n <= 0) {
      if (closed != nullptr) *closed = true;
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

// The next line the process writes to `fd`, waiting at most `timeout_ms`; "" on timeout/EOF.
inline std::string read_line(int fd, int timeout_ms) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline && line.size() < 4096) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c = 0;
    if (read(fd, &c, 1) != 1) break;
    if (c == '\n') return line;
    line += c;
  }
  return "";
}

// Everything written to the pipe end `fd` until its writers close it, waiting at most
// `timeout_ms` in all.
inline std::string read_pipe(int fd, int timeout_ms) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline && out.size() < (16u << 20)) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buffer[4096];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

// The exit code, waiting at most `timeout_ms` (then the process is killed and -1 returned).
inline int wait_exit(const Poco::ProcessHandle& ph, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 50) {
    const int rc = ph.tryWait();
    if (rc != -1) return rc;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Poco::Process::kill(ph.id());
  return -1;
}

// Runs the onestop binary with `args` to its end; returns the exit code, failing with its
// output when it is not 0.
inline int run_onestop(const std::vector<std::string>& args) {
  Poco::Pipe out_pipe;
  Poco::ProcessHandle ph =
      Poco::Process::launch(ONESTOP_BINARY, args, nullptr, &out_pipe, &out_pipe);
  const std::string text = read_pipe(out_pipe.readHandle(), 120000);
  const int rc = wait_exit(ph, 10000);
  if (rc != 0) ADD_FAILURE() << "onestop " << args.front() << ": " << text;
  return rc;
}

// `onestop verify` of the ledger at `db` with the shipped policies; its exit code.
inline int run_verify(const std::string& db) {
  return run_onestop({"verify", "--db", db, "--policy-dir", source_path("config/policies")});
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace onestop::testing
