// The wiring of `onestop serve`: typed config in, running objects out. Nothing here decides
// anything about settlements; it opens, connects and closes.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>

#include "adapters/catalogue/catalogue.hpp"
#include "adapters/http/api.hpp"
#include "adapters/http/http_server.hpp"
#include "adapters/http/metrics.hpp"
#include "adapters/http/server_config.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "adapters/service/hospital_registry.hpp"
#include "adapters/service/settlement_service.hpp"
#include "adapters/store/access_log.hpp"
#include "adapters/store/clients.hpp"
#include "adapters/store/ledger.hpp"
#include "adapters/store/roster.hpp"
#include "engine/error.hpp"

namespace onestop::http {

class Application {
 public:
  // Loads the hospital registry and the policies, opens the ledger and the roster (creating
  // the database's directory), and binds the listening socket. Errors name what failed:
  // the loaders' codes, ledger_unavailable, file_error, bind_failed.
  static Result<std::unique_ptr<Application>> build(const ServerConfig& config);
  ~Application();

  void start();
  // Stops the HTTP server (requests in progress finish); the ledger stays open until the
  // application is destroyed. Idempotent.
  void stop();

  std::uint16_t port() const { return server_->port(); }
  store::Ledger& ledger() { return *ledger_; }
  store::Roster& roster() { return *roster_; }
  store::Clients& clients() { return *clients_; }
  store::AccessLog& access_log() { return *access_log_; }
  const service::SettlementService& service() const { return *service_; }
  const Metrics& metrics() const { return metrics_; }

 private:
  Application() = default;

  ServerConfig config_;
  service::HospitalRegistry hospitals_;
  std::unique_ptr<policy::PolicySet> policies_;
  std::unique_ptr<catalogue::Catalogue> catalogue_;  // nullptr: none configured
  std::unique_ptr<store::Ledger> ledger_;
  std::unique_ptr<store::Roster> roster_;
  std::unique_ptr<service::SettlementService> service_;
  std::unique_ptr<store::Clients> clients_;
  std::unique_ptr<store::AccessLog> access_log_;
  std::unique_ptr<RateLimiter> limiter_;
  Metrics metrics_;
  std::unique_ptr<national::Gateway> national_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> server_;
};

// Blocks SIGINT, SIGTERM and SIGQUIT in the calling thread (so every thread started later
// inherits the mask and the signal waits for sigwait), builds and starts the application,
// prints the URL and a curl example to `out`, waits for one of those signals, stops, and
// returns the exit code: 0 after a clean stop, 1 when the start failed (message on `err`).
int run_server(const ServerConfig& config, std::ostream& out, std::ostream& err);

}  // namespace onestop::http
