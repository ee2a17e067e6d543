// The Poco HTTPServer around the Api: a sized thread pool, explicit HTTPServerParams, the body
// limit, one log line and one metrics observation per request.
//
// Starvation: Poco serves a connection on one pool thread for its whole keep-alive life, so
// idle or slow clients hold threads. Three things keep them from starving others: the pool
// and maxThreads are sized by `threads` (not Poco's default pool of 16); idle keep-alive
// connections are closed after keep_alive_timeout_ms and silent senders after
// receive_timeout_ms; and while connections wait in the queue, every response closes its
// connection (Connection: close), so a busy keep-alive client yields its thread to them.
#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "adapters/http/api.hpp"
#include "adapters/http/metrics.hpp"
#include "adapters/http/server_config.hpp"
#include "adapters/store/access_log.hpp"

namespace onestop::http {

class HttpServer {
 public:
  // Binds the listening socket (port 0: a free one); throws Poco::Exception when it cannot
  // (address in use, bad address). Registers the server's gauges with `metrics`. Every request
  // to a /v1 route is appended to `access_log`. `api`, `metrics` and `access_log` must outlive
  // the server.
  HttpServer(const ServerConfig& config, const Api& api, Metrics& metrics,
             store::AccessLog& access_log);
  // Stops if still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  // Stops accepting, lets requests in progress finish, closes idle connections and joins the
  // pool's threads. Idempotent.
  void stop();

  // The port actually bound (useful with port 0).
  std::uint16_t port() const;

  // What the server reads to decide that connections are waiting for a thread.
  struct State {
    std::atomic<Poco::Net::HTTPServer*> server{nullptr};
  };

 private:
  ServerConfig config_;
  Poco::ThreadPool pool_;
  Poco::Net::ServerSocket socket_;
  std::shared_ptr<State> state_;  // shared with the handlers and the gauges
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace onestop::http
