// What the crash tests share: an `onestop serve` child process killed with SIGKILL and
// restarted on the same ledger, the `onestop` command line run to its end, and reads of the
// ledger with the SQLite C API directly (not through the code under test).
#pragma once

#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "http_fixture.hpp"

namespace onestop::testing::crash {

constexpr int kStartTimeoutMs = 15000;

// The settings of the server under test: its own ledger (a file's path or a ledger URL), a free
// loopback port, quiet logs (every kill makes clients' connections fail, which is expected
// here).
inline std::string write_settings(const std::string& dir, const std::string& ledger) {
  const std::string path = dir + "/onestop.properties";
  std::ofstream out(path);
  out << "onestop.http.port = 0\n"
      << "onestop.http.bind_address = 127.0.0.1\n"
      << "onestop.ledger.url = " << ledger << "\n"
      << "onestop.policy.dir = " << source_path("config/policies") << "\n"
      << "onestop.hospitals.file = " << source_path("config/hospitals.json") << "\n"
      << "onestop.log.level = error\n"
      << "onestop.limits.requests_per_second = 0\n";  // the clients retry in bursts
  return path;
}

// One `onestop serve` child. The destructor kills it, so that no failed assertion can leave a
// server running after the test.
class ServeProcess {
 public:
  explicit ServeProcess(std::string settings) : settings_(std::move(settings)) {}
  ~ServeProcess() { kill_hard(); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Starts the server and returns the port it printed; 0 (and a failure) when it did not start.
  std::uint16_t start() {
    kill_hard();  // one child at a time: a second one would be left running
    pipe_ = std::make_unique<Poco::Pipe>();
    handle_.emplace(Poco::Process::launch(ONESTOP_BINARY,
                                          {"serve", "--config", settings_, "--threads", "16"},
                                          nullptr, pipe_.get(), nullptr));
    const std::string line = read_line(pipe_->readHandle(), kStartTimeoutMs);
    const std::string prefix = "onestop serve: listening on http://127.0.0.1:";
    if (line.rfind(prefix, 0) != 0) {
      ADD_FAILURE() << "onestop serve did not start: '" << line << "'";
      kill_hard();
      return 0;
    }
    return static_cast<std::uint16_t>(std::stoi(line.substr(prefix.size())));
  }

  // SIGKILL, then reap: the crash under test (no handler runs, nothing is flushed).
  void kill_hard() {
    if (!handle_) return;
    ::kill(handle_->id(), SIGKILL);
    try {
      handle_->wait();
    } catch (const Poco::Exception&) {  // already reaped: nothing left to wait for
    }
    handle_.reset();
    pipe_.reset();  // kept until now: the server may still write its banner to stdout
  }

  // SIGTERM: the exit code of the clean stop, or -1 when it had to be killed.
  int terminate() {
    if (!handle_) return -1;
    ::kill(handle_->id(), SIGTERM);
    const int rc = wait_exit(*handle_, 15000);
    if (rc == -1) kill_hard();  // wait_exit sent SIGKILL; reap it
    handle_.reset();
    pipe_.reset();
    return rc;
  }

 private:
  std::string settings_;
  std::unique_ptr<Poco::Pipe> pipe_;
  std::optional<Poco::ProcessHandle> handle_;
};

// When and how often the server is killed.
struct KillPlan {
  int min_kills = 5;   // always done, however long they take
  int kills = 5;       // done while the deadline allows
  int max_kills = 5;   // never more: the bound that keeps a run finite when `wanted` never holds
  int min_delay_ms = 150;  // from a (re)start to the next kill
  int max_delay_ms = 600;
  std::chrono::steady_clock::time_point deadline;  // past it, only min_kills and `wanted` count
  std::function<bool()> wanted;  // what the kills must have produced (empty: nothing)
};

// Whether another kill is due after `kills` of them. Time never cuts the run short of what the
// test requires (min_kills and `wanted`), so a slow machine makes it longer, never failing.
inline bool another_kill(const KillPlan& plan, int kills) {
  if (kills >= plan.max_kills) return false;
  if (kills < plan.min_kills || (plan.wanted && !plan.wanted())) return true;
  return kills < plan.kills && std::chrono::steady_clock::now() < plan.deadline;
}

// Kills the server while another_kill() says so, each at a random moment after its (re)start,
// restarting it on the same ledger in between; `port` is 0 while it is down. Returns the number
// of kills done. The server is left down after the last kill, so that the load ends with
// requests whose answers the crash lost.
inline int crash_repeatedly(ServeProcess& server, std::atomic<std::uint16_t>& port,
                            std::mt19937& rng, const KillPlan& plan) {
  std::uniform_int_distribution<int> delay_ms(plan.min_delay_ms, plan.max_delay_ms);
  int kills = 0;
  while (another_kill(plan, kills)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    server.kill_hard();
    port = 0;  // after the kill: requests keep going to the dying server until then
    if (!another_kill(plan, ++kills)) break;
    const std::uint16_t started = server.start();
    if (started == 0) break;
    port = started;
  }
  return kills;
}

using Db = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;

// The ledger at `path`, read-only; a null handle (and a failure) when it cannot be opened.
inline Db open_read_only(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Db db(raw, &sqlite3_close);
  if (rc != SQLITE_OK) {
    ADD_FAILURE() << path << ": " << sqlite3_errstr(rc);
    db.reset();
  }
  return db;
}

inline std::string column_text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  return text == nullptr ? "" : reinterpret_cast<const char*>(text);
}

// Runs `sql` on `db`, calling `row` for each result row.
inline void each_row(sqlite3* db, const char* sql, const std::function<void(sqlite3_stmt*)>& row) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db) << "\n" << sql;
    return;
  }
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
  if (rc != SQLITE_DONE) ADD_FAILURE() << sqlite3_errmsg(db) << "\n" << sql;
  sqlite3_finalize(stmt);
}

inline std::int64_t scalar(sqlite3* db, const char* sql) {
  std::int64_t value = -1;
  each_row(db, sql, [&](sqlite3_stmt* s) { value = sqlite3_column_int64(s, 0); });
  return value;
}

}  // namespace onestop::testing::crash
