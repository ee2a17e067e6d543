#include "adapters/http/application.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/Exception.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <pthread.h>

#include <csignal>
#include <filesystem>
#include <ostream>

namespace onestop::http {
namespace {

// The request log on standard error: one line per request, UTC timestamps.
void configure_logging(const std::string& level) {
  Poco::AutoPtr<Poco::PatternFormatter> formatter(
      new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t"));
  Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel);
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, console));
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::get("onestop.http").setChannel(channel);
  Poco::Logger::get("onestop.http").setLevel(level);
}

// A hospital request for the banner's curl example.
constexpr const char* kSampleRequest =
    R"({"hospital_id":"H2","bill_no":"ZY2020-000123","patient":{"id":"P0010000"},)"
    R"("referral":false,"admitted_on":"2020-03-02","discharged_on":"2020-03-12",)"
    R"("diagnoses":["J62.8"],"items":[{"code":"X001","name":"床位费","class":"A",)"
    R"("amount":"1200.00"},{"code":"X002","name":"药品","class":"B","amount":"350.50",)"
    R"("over_limit":"20.00"}]})";

// SIGINT, SIGTERM and SIGQUIT: the signals that stop the server.
sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGQUIT);
  return set;
}

// The URL and a curl example, for the person who started the server.
void print_banner(const ServerConfig& c, std::uint16_t port, std::ostream& out) {
  const std::string url = "http://" + c.bind_address + ":" + std::to_string(port);
  out << "onestop serve: listening on " << url << "\n"
      << "  ledger " << c.ledger.text << ", policies " << c.policy_dir << ", hospitals "
      << c.hospitals_file << "\n"
      << "  health: curl -s " << url << "/healthz\n"
      << "  every other route needs a client's key; one for a billing desk of H2:\n"
      << "    KEY=$(onestop clients add NAME --role hospital --hospital H2 --ledger "
      << c.ledger.text << ")\n"
      << "  settle a sample claim (patient P0010000 of config/roster.sample.csv at H2):\n"
      << "    curl -s -X POST " << url << "/v1/settlements -H \"Authorization: Bearer $KEY\" "
      << "-H 'Content-Type: application/json' -d '" << kSampleRequest << "'\n"
      << "  stop with Ctrl-C (SIGINT) or SIGTERM\n";
  out.flush();
}

// The ledger's records and health as gauges, the health labelled with its engine: whether its
// database answers, and its connections. One ledger_status() per scrape, so the counts agree
// with each other. A scrape never fails for the database: while it does not answer, the
// scrape shows onestop_ledger_up 0 and no record count.
Metrics::GaugeGroup ledger_gauges(store::Ledger& ledger) {
  Metrics::GaugeGroup group;
  group.metrics = {
      {"onestop_ledger_records", "Records in the ledger."},
      {"onestop_ledger_up", "Whether the ledger's database answered a probe read (1) or not (0)."},
      {"onestop_ledger_connections",
       "The ledger's database connections: open, and in use by a read, a write or a seal."},
      {"onestop_ledger_connections_max",
       "The ledger's connections at most: its read pool and its writers."}};
  group.read = [&ledger] {
    const auto [h, records] = ledger_status(ledger);
    const std::string engine = "engine=\"" + h.engine + "\"";
    const auto count = [](std::size_t n) { return static_cast<double>(n); };
    std::vector<Metrics::Sample> samples{
        {"onestop_ledger_up", engine, h.answers ? 1.0 : 0.0},
        {"onestop_ledger_connections", engine + ",state=\"open\"", count(h.connections_open)},
        {"onestop_ledger_connections", engine + ",state=\"in_use\"", count(h.connections_in_use)},
        {"onestop_ledger_connections_max", engine, count(h.connections_max)}};
    if (records) samples.push_back({"onestop_ledger_records", "", static_cast<double>(*records)});
    return samples;
  };
  return group;
}

}  // namespace

Result<std::unique_ptr<Application>> Application::build(const ServerConfig& config) {
  std::unique_ptr<Application> app(new Application());
  app->config_ = config;
  auto hospitals = service::HospitalRegistry::load_file(config.hospitals_file);
  if (!hospitals) return hospitals.error();
  app->hospitals_ = std::move(hospitals).value();
  auto policies = policy::PolicySet::load_dir(config.policy_dir);
  if (!policies) return policies.error();
  app->policies_ = std::make_unique<policy::PolicySet>(std::move(policies).value());
  if (!config.catalogue_dir.empty()) {
    auto catalogue = catalogue::Catalogue::load_dir(config.catalogue_dir);
    if (!catalogue) return catalogue.error();
    app->catalogue_ = std::make_unique<catalogue::Catalogue>(std::move(catalogue).value());
  }
  if (auto e = backend::make_directory(config.ledger)) return *e;
  store::LedgerOptions options;
  options.max_batch = config.ledger_max_batch;
  options.busy_timeout_ms = config.ledger_busy_timeout_ms;
  auto ledger = backend::open_ledger(config.ledger, options);
  if (!ledger) return ledger.error();
  app->ledger_ = std::move(ledger).value();
  auto roster = backend::open_roster(config.ledger);
  if (!roster) return roster.error();
  app->roster_ = std::move(roster).value();
  app->service_ = std::make_unique<service::SettlementService>(
      app->hospitals_, *app->policies_, *app->ledger_, *app->roster_,
      service::ServiceOptions{config.no_deposit_categories, config.claim_limits,
                              app->catalogue_.get()});
  auto clients = backend::open_clients(config.ledger);
  if (!clients) return clients.error();
  app->clients_ = std::move(clients).value();
  auto access_log = backend::open_access_log(config.ledger, {});
  if (!access_log) return access_log.error();
  app->access_log_ = std::move(access_log).value();
  app->limiter_ = std::make_unique<RateLimiter>(
      config.requests_per_second, config.burst, RateLimiter::kDefaultMaxKeys, config.rate_clock);
  app->api_ = std::make_unique<Api>(*app->service_, app->metrics_, *app->clients_,
                                    *app->limiter_, config.utc_offset_minutes);
  auto national_store = backend::open_national_store(config.ledger);
  if (!national_store) return national_store.error();
  app->national_ = std::make_unique<national::Gateway>(
      *app->service_, app->catalogue_.get(), std::move(national_store).value(),
      national::GatewayOptions{config.utc_offset_minutes, {}});
  app->api_->set_national(app->national_.get());
  app->metrics_.add_gauges(ledger_gauges(*app->ledger_));
  try {
    app->server_ = std::make_unique<HttpServer>(app->config_, *app->api_, app->metrics_,
                                                *app->access_log_);
  } catch (const Poco::Exception& e) {
    return Error{"bind_failed", "onestop.http.port",
                 config.bind_address + ":" + std::to_string(config.port) + ": " + e.displayText()};
  }
  return app;
}

// Members go in reverse order: the server (joining its threads) before the service and the
// ledger it calls.
Application::~Application() { stop(); }

void Application::start() { server_->start(); }

void Application::stop() {
  if (server_) server_->stop();
}

int run_server(const ServerConfig& config, std::ostream& out, std::ostream& err) {
  const sigset_t signals = termination_signals();
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the process
  configure_logging(config.log_level);
  auto app = Application::build(config);
  if (!app) {
    err << "onestop serve: cannot start: " << app.error().code << ": "
        << (app.error().field.empty() ? "" : app.error().field + ": ") << app.error().message
        << "\n";
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return 1;
  }
  (*app)->start();
  print_banner(config, (*app)->port(), out);
  int received = 0;
  sigwait(&signals, &received);
  Poco::Logger::get("onestop.http").information("stopping on signal " + std::to_string(received));
  (*app)->stop();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return 0;
}

}  // namespace onestop::http
