#include "adapters/http/http_server.hpp"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <istream>
#include <ostream>

namespace onestop::http {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// After refusing a body we did not read, read and drop at most this much (for at most
// kLingerMs) so that the client sees our answer instead of a connection reset.
constexpr std::size_t kLingerBytes = 1 << 20;
constexpr int kLingerMs = 250;

// Milliseconds as a Poco::Timespan.
Poco::Timespan millis(int ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms) * 1000);
}

// The request body, at most `limit` bytes; body_too_large before reading anything when the
// declared length exceeds it, or as soon as a chunked body does; request_timeout when the
// body stops short (the client fell silent for receive_timeout_ms, hung up, or sent a broken
// chunk: Poco's stream reports all three alike).
Result<std::string> read_body(HTTPServerRequest& request, std::size_t limit) {
  const auto too_large = [limit](const std::string& what) {
    return Error{"body_too_large", "", what + "; the limit is " + std::to_string(limit) + " bytes"};
  };
  if (request.hasContentLength()) {
    const auto declared = request.getContentLength64();
    if (declared < 0) {
      return Error{"malformed_request", "Content-Length",
                   "the body declares " + std::to_string(declared) + " bytes"};
    }
    if (static_cast<std::uint64_t>(declared) > limit) {
      return too_large("the body declares " + std::to_string(declared) + " bytes");
    }
  } else if (!request.getChunkedTransferEncoding()) {
    return std::string();  // no body (RFC 9112 §6.3)
  }
  std::string body;
  if (request.hasContentLength()) {
    body.reserve(static_cast<std::size_t>(request.getContentLength64()));
  }
  std::istream& in = request.stream();
  char buffer[4096];
  while (in && body.size() <= limit) {
    const std::size_t want = std::min(sizeof buffer, limit + 1 - body.size());
    in.read(buffer, static_cast<std::streamsize>(want));
    body.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (in.gcount() == 0) break;
  }
  if (body.size() > limit) return too_large("the body is longer");
  // The stream swallows the socket's timeout and marks itself bad: a client that stopped
  // sending mid-body gets 408, never a parse error about the half it sent.
  const bool short_body = request.hasContentLength() &&
                          static_cast<std::uint64_t>(request.getContentLength64()) > body.size();
  if (in.bad() || short_body) {
    return Error{"request_timeout", "",
                 "the body stopped after " + std::to_string(body.size()) +
                     " bytes (the client fell silent, hung up or broke the chunked encoding)"};
  }
  return body;
}

// What every handler of one server shares.
struct HandlerContext {
  const Api& api;
  Metrics& metrics;
  store::AccessLog& access_log;
  const ServerConfig& config;
  std::shared_ptr<HttpServer::State> state;
  std::string id_prefix;  // distinguishes this server's correlation ids from a restart's
  std::atomic<std::uint64_t> next_id{1};
};

// Connections are waiting for a thread: then kept-alive connections yield theirs.
bool busy(const HttpServer::State& state) {
  const Poco::Net::HTTPServer* server = state.server.load();
  return server != nullptr && server->queuedConnections() > 0;
}

// Writes the response and flushes it to the socket now (sendBuffer() would leave it in the
// session's buffer until the handler returns, after linger() has half-closed the socket).
// A streamed body goes out in chunks as r.stream writes it; when the writer fails half-way the
// connection is shut down before the last chunk, so the client cannot take a truncated report
// for a whole one.
void send(HTTPServerRequest& request, HTTPServerResponse& response, const ApiResponse& r) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
  response.setContentType(r.content_type);
  for (const auto& [name, value] : r.headers) response.set(name, value);
  if (!r.stream) {
    response.setContentLength64(static_cast<Poco::Int64>(r.body.size()));
    std::ostream& out = response.send();
    out.write(r.body.data(), static_cast<std::streamsize>(r.body.size()));
    out.flush();
    return;
  }
  response.setChunkedTransferEncoding(true);
  response.setKeepAlive(false);
  std::ostream& out = response.send();
  try {
    r.stream(out);
    out.flush();
  } catch (const Poco::Exception&) {
    throw;  // the client went away: nothing more to do
  } catch (const std::exception& e) {
    if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
      impl->socket().shutdown();
    }
    throw Poco::IOException(std::string("streamed response aborted: ") + e.what());
  }
}

// After answering without reading the whole body: half-close, then read and drop what the
// client still sends for a moment, so it reads our answer instead of a connection reset.
void linger(HTTPServerRequest& request) {
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
  if (impl == nullptr) return;
  Poco::Net::StreamSocket& socket = impl->socket();
  try {
    socket.shutdownSend();
    socket.setReceiveTimeout(millis(kLingerMs));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kLingerMs);
    char buffer[4096];
    std::size_t dropped = 0;
    while (dropped < kLingerBytes && std::chrono::steady_clock::now() < deadline) {
      const int n = socket.receiveBytes(buffer, sizeof buffer);
      if (n <= 0) break;
      dropped += static_cast<std::size_t>(n);
    }
  } catch (const Poco::Exception& e) {
    // Best effort: the client stayed silent or went away; the connection closes either way.
    Poco::Logger::get("onestop.http").debug("linger ended: " + e.displayText());
  }
}

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  RequestHandler(HandlerContext& context, std::string correlation_id)
      : context_(context), correlation_id_(std::move(correlation_id)) {}

  // Answers one request: every outcome, exceptions included, becomes a response here; then
  // one log line and one metrics observation.
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    const auto start = std::chrono::steady_clock::now();
    ApiRequest a;
    a.method = request.getMethod();
    a.content_type = request.get("Content-Type", "");
    a.authorization = request.get("Authorization", "");
    for (const auto& [name, value] : request) {
      if (Poco::icompare(name.substr(0, 6), "x-tif-") == 0) {
        a.tif_headers.emplace_back(Poco::toLower(name), value);
      }
    }
    a.remote = request.clientAddress().toString();
    a.correlation_id = correlation_id_;
    bool body_left = false;
    ApiResponse r;
    try {
      r = answer(request, a, body_left);
    } catch (const std::exception& e) {
      r = Api::failure(e, a, route_label(a));
      body_left = true;  // the stream may be anywhere
    }
    if (body_left || busy(*context_.state)) response.setKeepAlive(false);
    bool delivered = true;
    try {
      if (!response.sent()) send(request, response, r);
      if (body_left) linger(request);
    } catch (const Poco::Exception& e) {
      // The client went away or stopped reading (send timeout): the answer is lost, the
      // connection ends; the request is still counted and logged below.
      delivered = false;
      Poco::Logger::get("onestop.http")
          .warning("response not delivered: " + e.displayText() +
                   " correlation_id=" + a.correlation_id);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int status = delivered ? r.status : 499;
    context_.metrics.observe_request(a.method, r.route, status, seconds);
    if (a.path.starts_with("/v1/") || r.route.starts_with("/v1/") || a.path.starts_with("/fsi/")) {
      record_access(a, r, status);
    }
    log(a, r, seconds);
  }

 private:
  static std::string route_label(const ApiRequest& a) {
    const RouteMatch m = match_route(a.method, a.path);
    return m.route != nullptr ? std::string(m.route->path) : "unmatched";
  }

  ApiResponse answer(HTTPServerRequest& request, ApiRequest& a, bool& body_left) const {
    if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
      impl->socket().setSendTimeout(millis(context_.config.send_timeout_ms));
    }
    try {
      Poco::URI uri(request.getURI());
      a.path = uri.getPath();
      a.query = uri.getQueryParameters();
    } catch (const Poco::SyntaxException& e) {
      body_left = true;
      return Api::problem(Error{"malformed_uri", "", e.displayText()}, a);
    }
    auto body = read_body(request, context_.config.body_limit_bytes);
    if (!body) {
      body_left = true;
      return Api::problem(body.error(), a, route_label(a));
    }
    a.body = std::move(body).value();
    return context_.api.handle(a);
  }

  // The access log's entry: who, what, which record or person, from where.
  void record_access(const ApiRequest& a, const ApiResponse& r, int status) const {
    store::AccessEntry e;
    if (r.principal) {
      e.client = r.principal->client;
      e.role = store::role_name(r.principal->role);
    }
    e.method = a.method;
    e.route = r.route;
    e.target = r.target;
    e.status = status;
    e.remote = a.remote;
    e.correlation_id = a.correlation_id;
    context_.access_log.append(std::move(e));
  }

  // One line per request: no patient ids, diagnoses or names (the route template, never
  // the path; the error code, never its message), except that a 5xx carries its cause for
  // the operator (internal causes name no person).
  void log(const ApiRequest& a, const ApiResponse& r, double seconds) const {
    Poco::Logger& logger = Poco::Logger::get("onestop.http");
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", seconds * 1000);
    std::string line = "method=" + a.method + " route=" + r.route +
                       " status=" + std::to_string(r.status) + " duration_ms=" + duration +
                       " correlation_id=" + a.correlation_id;
    if (r.principal) line += " client=" + r.principal->client;
    if (r.error) line += " code=" + r.error->code;
    if (r.status >= 500) {
      logger.error(line + " cause=" + (r.error ? r.error->message : ""));
    } else if (logger.information()) {
      logger.information(line);
    }
  }

  HandlerContext& context_;
  std::string correlation_id_;
};

class HandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(std::unique_ptr<HandlerContext> context) : context_(std::move(context)) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new RequestHandler(*context_, context_->id_prefix + std::to_string(context_->next_id++));
  }

 private:
  std::unique_ptr<HandlerContext> context_;
};

// The server's parameters, every one explicit (none of Poco's defaults is relied on).
Poco::Net::HTTPServerParams::Ptr make_params(const ServerConfig& c) {
  Poco::Net::HTTPServerParams::Ptr p = new Poco::Net::HTTPServerParams;
  p->setServerName("onestop");
  p->setSoftwareVersion("onestop/0.1");
  p->setMaxThreads(c.threads);
  p->setMaxQueued(c.max_queued);
  p->setThreadIdleTime(Poco::Timespan(60, 0));
  p->setKeepAlive(c.keep_alive);
  p->setMaxKeepAliveRequests(c.keep_alive_max_requests);
  p->setKeepAliveTimeout(millis(c.keep_alive_timeout_ms));
  p->setTimeout(millis(c.receive_timeout_ms));
  return p;
}

// The start time in hex: correlation ids stay unique across restarts.
std::string id_prefix() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx-",
                static_cast<unsigned long long>(
                    std::chrono::duration_cast<std::chrono::seconds>(now).count()));
  return buf;
}

// The pool's and the queue's state for /metrics; 0 once the server is stopped.
void add_gauges(Metrics& metrics, const std::shared_ptr<HttpServer::State>& state, int threads) {
  const auto read = [state](int (Poco::Net::TCPServer::*f)() const) {
    return [state, f]() -> double {
      const Poco::Net::HTTPServer* s = state->server.load();
      return s == nullptr ? 0.0 : static_cast<double>((s->*f)());
    };
  };
  metrics.add_gauge({"onestop_http_threads_busy", "Connection threads serving a connection.",
                     read(&Poco::Net::TCPServer::currentThreads)});
  metrics.add_gauge({"onestop_http_threads_max", "The connection thread pool's size.",
                     [threads] { return static_cast<double>(threads); }});
  metrics.add_gauge({"onestop_http_connections_queued", "Connections waiting for a thread.",
                     read(&Poco::Net::TCPServer::queuedConnections)});
  metrics.add_gauge({"onestop_http_connections_refused", "Connections refused (queue full).",
                     read(&Poco::Net::TCPServer::refusedConnections)});
}

}  // namespace

HttpServer::HttpServer(const ServerConfig& config, const Api& api, Metrics& metrics,
                       store::AccessLog& access_log)
    : config_(config),
      pool_("onestop-http", std::min(2, config.threads), config.threads, 60),
      state_(std::make_shared<State>()) {
  Poco::Logger::get("onestop.http").setLevel(config_.log_level);
  socket_.bind(
      Poco::Net::SocketAddress(config_.bind_address, static_cast<Poco::UInt16>(config_.port)),
      /*reuseAddress=*/true);
  socket_.listen(std::max(64, config_.max_queued));
  // Accepted connections inherit the send timeout on Linux; the handler sets it again.
  socket_.setSendTimeout(millis(config_.send_timeout_ms));
  auto context =
      std::make_unique<HandlerContext>(api, metrics, access_log, config_, state_, id_prefix());
  server_ = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(std::move(context)), pool_,
                                                    socket_, make_params(config_));
  state_->server = server_.get();
  add_gauges(metrics, state_, config_.threads);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  server_->start();
  started_ = true;
}

void HttpServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  state_->server = nullptr;
  if (started_) server_->stopAll(/*abortCurrent=*/false);
  pool_.joinAll();
}

std::uint16_t HttpServer::port() const { return socket_.address().port(); }

}  // namespace onestop::http
