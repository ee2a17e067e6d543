// The commands on a PostgreSQL ledger URL (issue 11): the roster, the clients, ledger migrate,
// verify and `onestop serve` itself work through --ledger postgresql://...; a server that cannot
// be reached is an error naming the URL, with any password masked.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/backend/backend.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace onestop::testing {
namespace {

// The URI as one shell word ('&' and '?' are shell syntax).
std::string quoted(const std::string& uri) { return "'" + uri + "'"; }

struct Reply {
  int status = 0;  // 0: no answer (nothing listening yet, or the connection broke)
  std::string body;
};

// One HTTP/1.1 exchange with 127.0.0.1:`port` on a connection of its own (Connection: close,
// so the answer ends where the connection does).
Reply http(int port, const std::string& method, const std::string& target,
           const std::string& key = "", const std::string& body = "") {
  Reply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return reply;
  }
  std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "Connection: close\r\n";
  if (!key.empty()) request += "Authorization: Bearer " + key + "\r\n";
  if (!body.empty()) {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) text.append(buffer, n);
  ::close(fd);
  const std::size_t head_end = text.find("\r\n\r\n");
  if (text.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return reply;
  reply.status = std::stoi(text.substr(9, 3));
  const std::string head = text.substr(0, head_end);
  std::string rest = text.substr(head_end + 4);
  if (head.find("Transfer-Encoding: chunked") == std::string::npos) {
    reply.body = rest;
    return reply;
  }
  for (std::size_t at = 0;;) {
    const std::size_t line_end = rest.find("\r\n", at);
    if (line_end == std::string::npos) break;
    const std::size_t size = std::stoul(rest.substr(at, line_end - at), nullptr, 16);
    if (size == 0) break;
    reply.body += rest.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
  return reply;
}

// `onestop serve` as a process of its own, its stdout on a pipe.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv{const_cast<char*>(ONESTOP_BINARY)};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(ONESTOP_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }

  // The first line it writes ("" when it ends without one: a refused start).
  std::string first_line() {
    std::string line;
    char c = 0;
    while (::read(out_, &c, 1) == 1 && c != '\n') line += c;
    return line;
  }

  // SIGTERM, then its exit status.
  int stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

// The settings of a server on the ledger at `uri` (a free port, the shipped policies and
// registry), written to the test's directory; returns their path.
std::string serve_settings(const std::string& uri) {
  const std::string settings = test_dir() + "/onestop.properties";
  std::ofstream out(settings);
  out << "onestop.http.port = 0\n"
      << "onestop.http.bind_address = 127.0.0.1\n"
      << "onestop.ledger.url = " << uri << "\n"
      << "onestop.policy.dir = " << source_path("config/policies") << "\n"
      << "onestop.hospitals.file = " << source_path("config/hospitals.json") << "\n"
      << "onestop.log.level = warning\n";
  return settings;
}

// The port `server` listens on once its /healthz answers 200 (polled, at most ten seconds); 0
// when it does not start or does not answer (the failure is reported).
int serving_port(ServeProcess& server) {
  const std::string first = server.first_line();
  const std::string prefix = "onestop serve: listening on http://127.0.0.1:";
  if (first.rfind(prefix, 0) != 0) {
    ADD_FAILURE() << "the server did not start: " << first;
    return 0;
  }
  const int port = std::stoi(first.substr(prefix.size()));
  Reply health;
  for (int attempt = 0; attempt < 200 && health.status != 200; ++attempt) {
    health = http(port, "GET", "/healthz");
    if (health.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (health.status != 200) {
    ADD_FAILURE() << "the server does not answer /healthz: " << health.status << " " << health.body;
    return 0;
  }
  return port;
}

// The settlement request of the case's first claim: the API's request names the patient by id
// and the hospital by its registry id only (the registry supplies the rest).
std::string first_case_request() {
  std::ifstream in(source_path("tests/cases/zhaoshan-2020.claims.jsonl"));
  std::string claim;
  std::getline(in, claim);
  claim = std::regex_replace(claim, std::regex(R"(, "category": "[^"]*")"), "");
  return std::regex_replace(claim, std::regex(R"("hospital": \{[^}]*\}, )"), "");
}

TEST(PgCommands, TheRosterAndTheClientsLiveInPostgreSql) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string uri = pg->fresh_database();
  const std::string ledger = " --ledger " + quoted(uri);
  const auto imported = run_onestop("roster import " + source_path("config/roster.sample.csv") +
                                    ledger + " --policy-dir " + source_path("config/policies"));
  ASSERT_EQ(imported.status, 0) << imported.output;
  EXPECT_NE(imported.output.find("imported"), std::string::npos) << imported.output;
  auto roster = backend::open_roster(*backend::parse_ledger_url(uri, "test"));
  ASSERT_TRUE(roster) << roster.error().message;
  EXPECT_TRUE((*roster)->knows("P0010000"));

  const auto added = run_onestop("clients add desk --role auditor" + ledger);
  ASSERT_EQ(added.status, 0) << added.output;
  const std::string key = added.output.substr(0, added.output.find('\n'));
  auto clients = backend::open_clients(*backend::parse_ledger_url(uri, "test"));
  ASSERT_TRUE(clients);
  const auto who = (*clients)->authenticate(key);
  ASSERT_TRUE(who) << added.output;
  EXPECT_EQ(who->client, "desk");
  const auto listed = run_onestop("clients list --format csv" + ledger);
  EXPECT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find("desk,auditor"), std::string::npos) << listed.output;
}

TEST(PgCommands, LedgerMigrateRunsOnPostgreSqlAndAnUnreachableServerIsNamed) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string uri = pg->fresh_database();
  const auto migrate = run_onestop("ledger migrate --ledger " + quoted(uri) + " --policy-dir " +
                                   source_path("config/policies"));
  EXPECT_EQ(migrate.status, 0) << migrate.output;
  EXPECT_NE(migrate.output.find("is at the current schema (0 records); policy texts added: 0"),
            std::string::npos)
      << migrate.output;
  const auto unreachable =
      run_onestop("clients list --ledger 'postgresql://onestop:hunter2@127.0.0.1:1/none'");
  EXPECT_EQ(unreachable.status, 2) << unreachable.output;
  EXPECT_NE(unreachable.output.find("postgresql://onestop:***@127.0.0.1:1/none"), std::string::npos)
      << unreachable.output;
  EXPECT_NE(unreachable.output.find("cannot connect"), std::string::npos) << unreachable.output;
  EXPECT_EQ(unreachable.output.find("hunter2"), std::string::npos) << unreachable.output;
}

// A server on the PostgreSQL ledger: it starts (the national tables are there), settles a
// hospital's claim, answers it back as it answered the POST, and the ledger it leaves verifies.
TEST(PgCommands, ServeSettlesOnPostgreSqlAndTheLedgerVerifies) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string uri = pg->fresh_database();
  const std::string ledger = " --ledger " + quoted(uri);
  const auto imported = run_onestop("roster import " + source_path("config/roster.sample.csv") +
                                    ledger + " --policy-dir " + source_path("config/policies"));
  ASSERT_EQ(imported.status, 0) << imported.output;
  // The registry (H5) comes from the settings, for `clients add` as for the server.
  const std::string settings = serve_settings(uri);
  const auto added =
      run_onestop("clients add his --role hospital --hospital H5 --config " + settings + ledger);
  ASSERT_EQ(added.status, 0) << added.output;
  const std::string key = added.output.substr(0, added.output.find('\n'));

  ServeProcess server({"serve", "--config", settings});
  const int port = serving_port(server);
  ASSERT_GT(port, 0);

  const Reply settled = http(port, "POST", "/v1/settlements", key, first_case_request());
  ASSERT_EQ(settled.status, 201) << settled.body;
  const std::smatch id = [&] {
    std::smatch m;
    std::regex_search(settled.body, m, std::regex(R"("settlement_id":(\d+))"));
    return m;
  }();
  ASSERT_FALSE(id.empty()) << settled.body;
  const Reply read = http(port, "GET", "/v1/settlements/" + id[1].str(), key);
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.body, settled.body);
  EXPECT_EQ(server.stop(), 0);

  const auto verified =
      run_onestop("verify" + ledger + " --policy-dir " + source_path("config/policies"));
  EXPECT_EQ(verified.status, 0) << verified.output;
}

// /metrics while the database is down answers 200 with onestop_ledger_up 0 (and no record
// count) to a monitoring system whose key read it before: the outage shows instead of a failed
// scrape, although the key cannot be checked meanwhile.
TEST(PgCommands, MetricsShowTheDatabaseDownInsteadOfFailing) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string uri = pg->fresh_database();
  const auto added = run_onestop("clients add prometheus --role auditor --ledger " + quoted(uri));
  ASSERT_EQ(added.status, 0) << added.output;
  const std::string key = added.output.substr(0, added.output.find('\n'));
  ServeProcess server({"serve", "--config", serve_settings(uri)});
  const int port = serving_port(server);
  ASSERT_GT(port, 0);
  const std::string up = "\nonestop_ledger_up{engine=\"postgresql\"} ";
  const Reply before = http(port, "GET", "/metrics", key);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_NE(before.body.find(up + "1"), std::string::npos) << before.body;
  EXPECT_NE(before.body.find("\nonestop_ledger_records 0"), std::string::npos) << before.body;

  pg->stop();
  const Reply down = http(port, "GET", "/metrics", key);
  EXPECT_EQ(down.status, 200) << down.body;
  EXPECT_NE(down.body.find(up + "0"), std::string::npos) << down.body;
  EXPECT_EQ(down.body.find("\nonestop_ledger_records "), std::string::npos) << down.body;
  EXPECT_EQ(http(port, "GET", "/healthz").status, 503);
  pg->restart_fast();
  EXPECT_EQ(server.stop(), 0);
}

// Several servers start at once on a new database: one applies the schema, the others find it.
TEST(PgCommands, ServersStartingTogetherMigrateOnce) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const auto url = *backend::parse_ledger_url(pg->fresh_database(), "test");
  std::vector<std::future<bool>> opened;
  for (int i = 0; i < 6; ++i) {
    opened.push_back(std::async(std::launch::async, [&url, i] {
      return i % 2 == 0 ? static_cast<bool>(backend::open_roster(url))
                        : static_cast<bool>(backend::open_clients(url));
    }));
  }
  for (auto& f : opened) EXPECT_TRUE(f.get());
  auto roster = backend::open_roster(url);
  ASSERT_TRUE(roster);
  EXPECT_EQ((*roster)->size(), 0u);
}

}  // namespace
}  // namespace onestop::testing
