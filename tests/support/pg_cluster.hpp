// A throwaway PostgreSQL 15 cluster for tests: initdb into a fresh directory under /tmp, a
// server on a free port of 127.0.0.1 and on a Unix socket of its own, trust authentication for
// the role `onestop`, and at the end an immediate stop and the directory removed.
//
// One cluster per test program (PgCluster::shared()), started by the first test that asks for
// it; a program that never asks starts nothing. gtest_discover_tests runs each test in a process
// of its own, so under ctest each test that asks gets its own cluster (about a second to start).
// Tests keep apart by database: fresh_database() makes one per call.
//
// Tests reach it through ONESTOP_REQUIRE_PG, which carries the failure policy: when the server
// cannot start (binaries missing, initdb or pg_ctl failing), the test FAILS if the environment
// variable CI is "true" (CI must run these tests) and is SKIPPED with the reason otherwise. A
// test never passes without the server.
//
//   TEST(LedgerPg, Settles) {
//     onestop::testing::PgCluster* pg = nullptr;
//     ONESTOP_REQUIRE_PG(pg);
//     PGconn* c = PQconnectdb(pg->fresh_database().c_str());
//     ...
//
// The server binaries are found in $ONESTOP_PG_BINDIR when set (and only there; point it at a
// missing directory to see the failure policy at work), else /usr/lib/postgresql/15/bin, else
// `pg_config --bindir`. As root (containers, CI) the server and its tools run as the `postgres`
// system user through runuser: PostgreSQL refuses to run as root.
//
// Cleanup does not depend on the test program ending well: a watcher process, started with the
// cluster, stops the server and removes the directory when the program dies (a crash, a
// SIGKILL, a ctest timeout) without doing it itself.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace onestop::testing {

// Why a cluster could not start, with the failing command's output and the server log's tail.
struct PgUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class PgCluster {
 public:
  // Starts a cluster; throws PgUnavailable when it cannot.
  PgCluster();
  // Stops the server (immediately: nothing of a throwaway cluster needs a clean shutdown) and
  // removes the directory.
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // The program's cluster, started on the first call and stopped at exit; throws PgUnavailable
  // (the same reason on every call: the start is tried once) when it cannot start.
  static PgCluster& shared();
  // The same, or nullptr with the reason in *why. What ONESTOP_REQUIRE_PG calls.
  static PgCluster* try_shared(std::string* why);

  // Creates database `name` (letters, digits and '_', at most 63) and returns its uri().
  // Throws std::runtime_error when PostgreSQL refuses, std::invalid_argument on a bad name.
  std::string create_database(const std::string& name);
  // Creates a database of a name no other call makes: "t_", the pid, a counter and the current
  // GoogleTest test's name, so a leftover is easy to trace to its test. Returns its uri().
  std::string fresh_database();
  // The libpq URI of database `db`, over the Unix socket, as the role `onestop`.
  std::string uri(const std::string& db) const;

  // A fast restart (pg_ctl restart -m fast), same options: connections are dropped, committed
  // data stays. Throws std::runtime_error when the server does not come back.
  void restart_fast();
  // An immediate stop (pg_ctl stop -m immediate), as a crash would; does nothing when stopped.
  // The shared cluster stays stopped for the rest of the program unless restart_fast() is called.
  void stop();

  const std::string& socket_dir() const { return socket_dir_; }
  int port() const { return port_; }
  // The last `lines` lines of the server log, for failure messages.
  std::string log_tail(int lines = 30) const;

 private:
  void start_watcher();
  void init_and_start();
  void pg_ctl_start(const char* action, const char* mode);
  void clean_up() noexcept;
  std::vector<std::string> as_server_user(std::vector<std::string> argv) const;

  std::string bin_dir_;
  std::string dir_;  // the temporary directory: data/, socket/, log
  std::string data_dir_;
  std::string socket_dir_;
  std::string log_path_;
  int port_ = 0;
  bool as_postgres_ = false;  // running as root: the server's commands run as `postgres`
  std::string runuser_;       // as root, how they do
  uid_t pg_uid_ = 0;
  gid_t pg_gid_ = 0;
  int watcher_fd_ = -1;  // the write end of the watcher's pipe: its EOF means we are gone
};

// True when a test that needs PostgreSQL must fail rather than skip without it: CI=true.
bool pg_required();

}  // namespace onestop::testing

// For a test body or a fixture's SetUp() (it returns from the function when PostgreSQL is
// missing): sets `ptr`, a PgCluster*, to the shared cluster, or ends the test: a failure when CI
// is "true", a skip elsewhere, with the reason either way.
#define ONESTOP_REQUIRE_PG(ptr)                                                                   \
  do {                                                                                            \
    std::string onestop_pg_why;                                                                   \
    (ptr) = ::onestop::testing::PgCluster::try_shared(&onestop_pg_why);                           \
    if ((ptr) == nullptr) {                                                                       \
      if (::onestop::testing::pg_required()) {                                                    \
        FAIL() << "PostgreSQL is required (CI=true) but unavailable: " << onestop_pg_why;         \
      }                                                                                           \
      GTEST_SKIP() << "PostgreSQL unavailable (set CI=true to fail instead): " << onestop_pg_why; \
    }                                                                                             \
  } while (false)
