// `onestop serve` as a process: settings file and options, the URL it prints, a request, a
// clean stop on SIGTERM; and a start refused for an unknown setting or a bad value.
#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "http_fixture.hpp"

namespace onestop::testing {
namespace {

// A settings file for a test server on a free port.
std::string write_settings(const std::string& dir, const std::string& extra = "") {
  const std::string path = dir + "/onestop.properties";
  std::ofstream out(path);
  out << "onestop.http.port = 0\n"
      << "onestop.http.bind_address = 127.0.0.1\n"
      << "onestop.ledger.path = " << dir << "/var/ledger.db\n"
      << "onestop.policy.dir = " << source_path("config/policies") << "\n"
      << "onestop.hospitals.file = " << source_path("config/hospitals.json") << "\n"
      << "onestop.log.level = warning\n"
      << extra;
  return path;
}

TEST(ServeProcess, StartsOnTheSettingsServesAndStopsCleanlyOnSigterm) {
  const std::string dir = service_test_dir("serve");
  const std::string settings = write_settings(dir);
  Poco::Pipe out_pipe;
  Poco::ProcessHandle ph =
      Poco::Process::launch(ONESTOP_BINARY, {"serve", "--config", settings, "--threads", "8"},
                            nullptr, &out_pipe, nullptr);
  const std::string first = read_line(out_pipe.readHandle(), 20000);
  const std::string prefix = "onestop serve: listening on http://127.0.0.1:";
  ASSERT_EQ(first.rfind(prefix, 0), 0u) << first;
  const auto port = static_cast<std::uint16_t>(std::stoi(first.substr(prefix.size())));
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(10, 0));
  const Reply health = send_request(session, "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(parse_json(health.body)->getValue<Poco::Int64>("ledger_records"), 0);
  ::kill(ph.id(), SIGTERM);
  EXPECT_EQ(wait_exit(ph, 15000), 0);
}

// Runs serve with `args`, expecting it to refuse to start; returns what it wrote to stderr.
std::string refused_start(const std::vector<std::string>& args, int expected_rc) {
  Poco::Pipe err_pipe;
  Poco::ProcessHandle ph = Poco::Process::launch(ONESTOP_BINARY, args, nullptr, nullptr, &err_pipe);
  const std::string text = read_pipe(err_pipe.readHandle(), 15000);
  EXPECT_EQ(wait_exit(ph, 15000), expected_rc) << text;
  return text;
}

TEST(ServeProcess, AnUnknownSettingStopsTheStart) {
  const std::string dir = service_test_dir("serve");
  const std::string settings = write_settings(dir, "onestop.http.prot = 8081\n");
  const std::string err = refused_start({"serve", "--config", settings}, 2);
  EXPECT_NE(err.find("unknown setting 'onestop.http.prot'"), std::string::npos) << err;
}

TEST(ServeProcess, ABadValueStopsTheStart) {
  const std::string dir = service_test_dir("serve");
  const std::string settings = write_settings(dir);
  std::string err = refused_start({"serve", "--config", settings, "--port", "70000"}, 2);
  EXPECT_NE(err.find("onestop.http.port"), std::string::npos) << err;
  err = refused_start({"serve", "--config", settings, "--keep-alive", "yes"}, 2);
  EXPECT_NE(err.find("expected true or false"), std::string::npos) << err;
  err = refused_start({"serve", "--config", dir + "/missing.properties"}, 2);
  EXPECT_NE(err.find("cannot read"), std::string::npos) << err;
}

TEST(ServeProcess, AMissingRegistryFailsTheStartWithItsPath) {
  const std::string dir = service_test_dir("serve");
  const std::string settings = write_settings(dir);
  const std::string err =
      refused_start({"serve", "--config", settings, "--hospitals", dir + "/none.json"}, 1);
  EXPECT_NE(err.find("none.json"), std::string::npos) << err;
}

}  // namespace
}  // namespace onestop::testing
