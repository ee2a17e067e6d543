#include "support/pg_cluster.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

extern char** environ;

namespace onestop::testing {
namespace {

namespace fs = std::filesystem;

// The environment of the commands the harness runs: ours without libpq's PG* variables (a
// developer's PGDATA or PGPORT must not steer them) and with English messages, which the
// start reads ("Address already in use").
std::vector<std::string> command_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view v(*e);
    if (v.starts_with("PG") || v.starts_with("LC_") || v.starts_with("LANG")) continue;
    env.emplace_back(v);
  }
  env.emplace_back("LC_ALL=C");
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// Starts argv[0] (searched in PATH when it has no '/') with stdin from `in_fd` and stdout and
// stderr to `out_fd`, in `cwd`, no other descriptor inherited. Returns the pid, or -1 with errno.
pid_t spawn(std::vector<std::string> argv, int in_fd, int out_fd, const char* cwd,
            bool new_session) {
  auto env = command_environment();
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  // Nothing else leaks into the server, which outlives its pg_ctl: not the watcher's pipe,
  // whose EOF must come when this program ends, nor a test's descriptors.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawn_file_actions_addchdir_np(&actions, cwd);
  if (new_session) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, c_strings(argv).data(),
                              c_strings(env).data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

struct Run {
  bool ok = false;
  std::string output;  // stdout and stderr together
};

// Runs a command to its end, its output captured for error messages.
Run run(const std::vector<std::string>& argv, const char* cwd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return {false, errno_text("pipe")};
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t pid = spawn(argv, null_fd, fds[1], cwd, false);
  const int spawn_errno = errno;
  close(null_fd);
  close(fds[1]);
  Run r;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n > 0) r.output.append(buf, static_cast<size_t>(n));
    if (n < 0 && errno != EINTR) break;
  }
  close(fds[0]);
  if (pid < 0) {
    errno = spawn_errno;
    return {false, errno_text("cannot run " + argv[0])};
  }
  const int status = wait_for(pid);
  r.ok = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return r;
}

// Quotes a word for /bin/sh: pg_ctl hands the server's options to a shell.
std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    s += (s.empty() ? "" : " ") + (a.find(' ') == std::string::npos ? a : sh_quote(a));
  }
  return s;
}

bool executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// The directory of initdb, pg_ctl and postgres 15, or PgUnavailable saying why there is none.
std::string find_bin_dir() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("ONESTOP_PG_BINDIR")) {
    candidates.emplace_back(env);  // only there: the override is also how tests lose PostgreSQL
  } else {
    candidates.emplace_back("/usr/lib/postgresql/15/bin");
    if (Run r = run({"pg_config", "--bindir"}, "/"); r.ok) {
      while (!r.output.empty() && std::isspace(static_cast<unsigned char>(r.output.back()))) {
        r.output.pop_back();
      }
      candidates.push_back(r.output);
    }
  }
  std::string tried;
  for (const auto& dir : candidates) {
    if (!executable(dir + "/initdb") || !executable(dir + "/pg_ctl") ||
        !executable(dir + "/postgres")) {
      tried += (tried.empty() ? "" : "; ") + dir + " (no initdb, pg_ctl or postgres there)";
      continue;
    }
    const Run v = run({dir + "/postgres", "-V"}, "/");
    if (v.ok && v.output.find("(PostgreSQL) 15.") != std::string::npos) return dir;
    tried += (tried.empty() ? "" : "; ") + dir + " (" + v.output.substr(0, v.output.find('\n')) +
             ", not 15)";
  }
  throw PgUnavailable("no PostgreSQL 15 server binaries in " + tried +
                      ". ONESTOP_PG_BINDIR names their directory; Debian: apt-get install "
                      "postgresql-15");
}

std::string find_runuser() {
  for (const char* p : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"}) {
    if (executable(p)) return p;
  }
  throw PgUnavailable("running as root, where the server must run as `postgres`, and no runuser");
}

// A TCP port of 127.0.0.1 free a moment ago (the kernel's choice); start() retries when another
// process takes it first.
int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) throw PgUnavailable(errno_text("socket"));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  const int saved = errno;
  close(s);
  errno = saved;
  if (!ok) throw PgUnavailable(errno_text("cannot pick a free port on 127.0.0.1"));
  return ntohs(a.sin_port);
}

bool valid_database_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;  // NAMEDATALEN - 1
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// "t_<pid>_<n>_<suite>_<test>", lower case, at most 63 characters; the prefix keeps it unique
// when the test's name is cut.
std::string fresh_name() {
  static std::atomic<int> counter{0};
  std::string name = "t_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    name += std::string("_") + info->test_suite_name() + "_" + info->name();
  }
  for (char& c : name) {
    c = std::isalnum(static_cast<unsigned char>(c))
            ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
            : '_';
  }
  return name.substr(0, 63);
}

struct Shared {
  std::unique_ptr<PgCluster> cluster;
  std::string why;  // when the cluster could not start
};

// Started once, on the first call; destroyed, and so stopped, at exit.
Shared& shared_state() {
  static Shared s = [] {
    Shared started;
    try {
      started.cluster = std::make_unique<PgCluster>();
    } catch (const PgUnavailable& e) {
      started.why = e.what();
    }
    return started;
  }();
  return s;
}

}  // namespace

bool pg_required() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

PgCluster& PgCluster::shared() {
  Shared& s = shared_state();
  if (!s.cluster) throw PgUnavailable(s.why);
  return *s.cluster;
}

PgCluster* PgCluster::try_shared(std::string* why) {
  Shared& s = shared_state();
  if (!s.cluster && why != nullptr) *why = s.why;
  return s.cluster.get();
}

PgCluster::PgCluster() {
  try {
    init_and_start();
  } catch (...) {
    clean_up();  // no destructor runs for a constructor that throws
    throw;
  }
}

PgCluster::~PgCluster() { clean_up(); }

void PgCluster::init_and_start() {
  bin_dir_ = find_bin_dir();
  if (geteuid() == 0) {
    runuser_ = find_runuser();
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) throw PgUnavailable("running as root and there is no `postgres` user");
    as_postgres_ = true;
    pg_uid_ = pw->pw_uid;
    pg_gid_ = pw->pw_gid;
  }
  // Under /tmp whatever TMPDIR says: the socket's path must stay under 108 bytes.
  char dir[] = "/tmp/onestop-pg.XXXXXX";
  if (mkdtemp(dir) == nullptr) throw PgUnavailable(errno_text("mkdtemp /tmp/onestop-pg.XXXXXX"));
  dir_ = dir;
  data_dir_ = dir_ + "/data";
  socket_dir_ = dir_ + "/socket";
  log_path_ = dir_ + "/log";
  start_watcher();
  if (mkdir(socket_dir_.c_str(), 0700) != 0) throw PgUnavailable(errno_text("mkdir socket"));
  if (as_postgres_ && (chown(dir_.c_str(), pg_uid_, pg_gid_) != 0 ||
                       chown(socket_dir_.c_str(), pg_uid_, pg_gid_) != 0)) {
    throw PgUnavailable(errno_text("chown " + dir_ + " to postgres"));
  }
  // --no-sync: initdb's own files need no fsync in a directory that is gone at the end; the
  // server keeps fsync=on.
  const auto initdb =
      as_server_user({bin_dir_ + "/initdb", "-D", data_dir_, "-U", "onestop", "--auth=trust", "-E",
                      "UTF8", "--locale=C.UTF-8", "--no-instructions", "--no-sync"});
  if (const Run r = run(initdb, dir_.c_str()); !r.ok) {
    throw PgUnavailable("initdb failed: " + command_line(initdb) + "\n" + r.output);
  }
  // Another process may take the free port before the server binds it: then another port.
  for (int attempt = 1;; ++attempt) {
    port_ = free_port();
    try {
      pg_ctl_start("start", nullptr);
      return;
    } catch (const std::runtime_error& e) {
      if (attempt == 3 || log_tail(5).find("Address already in use") == std::string::npos) {
        throw PgUnavailable(e.what());
      }
    }
  }
}

// As root, the command runs as `postgres`: the server refuses to run as root, and initdb and
// pg_ctl refuse too.
std::vector<std::string> PgCluster::as_server_user(std::vector<std::string> argv) const {
  if (as_postgres_) argv.insert(argv.begin(), {runuser_, "-u", "postgres", "--"});
  return argv;
}

// A process that waits for this program's end (EOF on a pipe only this program holds, so
// however it ends) and then stops the server and removes the directory, unless the destructor
// did. Its own session, and its parent the shell that exits at once, so that neither a Ctrl-C
// to the test's process group nor ctest's kill of the test's process tree reaches it.
void PgCluster::start_watcher() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw PgUnavailable(errno_text("pipe"));
  const char* script =
      "trap '' INT HUP; exec 3<&0; ("
      " exec <&3 3<&-; cat >/dev/null; dir=$1; shift;"
      " if [ -f \"$dir/data/postmaster.pid\" ]; then \"$@\"; fi; rm -rf -- \"$dir\""
      ") >/dev/null 2>&1 &";
  std::vector<std::string> argv = {"/bin/sh", "-c", script, "onestop-pg-watcher", dir_};
  const auto stop_server =
      as_server_user({bin_dir_ + "/pg_ctl", "stop", "-D", data_dir_, "-m", "immediate"});
  argv.insert(argv.end(), stop_server.begin(), stop_server.end());
  const int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  const pid_t pid = spawn(argv, fds[0], null_fd, "/", true);
  const int spawn_errno = errno;
  close(null_fd);
  close(fds[0]);
  if (pid < 0) {
    close(fds[1]);
    errno = spawn_errno;
    throw PgUnavailable(errno_text("cannot start the cleanup watcher /bin/sh"));
  }
  wait_for(pid);  // the shell that started the watcher in the background
  watcher_fd_ = fds[1];
}

// pg_ctl start or restart with the cluster's options, waiting (60 s at most) until the server
// accepts connections. Throws std::runtime_error with pg_ctl's output and the log's tail.
void PgCluster::pg_ctl_start(const char* action, const char* mode) {
  const std::string options = "-k " + sh_quote(socket_dir_) + " -p " + std::to_string(port_) +
                              " -c listen_addresses=127.0.0.1 -c max_connections=200"
                              " -c fsync=on -c shared_buffers=32MB";
  std::vector<std::string> argv = {bin_dir_ + "/pg_ctl", action};
  if (mode != nullptr) argv.insert(argv.end(), {"-m", mode});
  argv.insert(argv.end(), {"-D", data_dir_, "-w", "-t", "60", "-l", log_path_, "-o", options});
  argv = as_server_user(std::move(argv));
  if (const Run r = run(argv, dir_.c_str()); !r.ok) {
    throw std::runtime_error("pg_ctl " + std::string(action) + " failed: " + command_line(argv) +
                             "\n" + r.output + "server log:\n" + log_tail());
  }
}

void PgCluster::restart_fast() { pg_ctl_start("restart", "fast"); }

void PgCluster::stop() {
  if (data_dir_.empty() || !fs::exists(data_dir_ + "/postmaster.pid")) return;
  const auto argv = as_server_user(
      {bin_dir_ + "/pg_ctl", "stop", "-D", data_dir_, "-m", "immediate", "-w", "-t", "60"});
  if (const Run r = run(argv, dir_.c_str()); !r.ok) {
    throw std::runtime_error("pg_ctl stop failed: " + command_line(argv) + "\n" + r.output);
  }
}

void PgCluster::clean_up() noexcept {
  try {
    stop();
  } catch (const std::exception& e) {
    // The postmaster's pid heads postmaster.pid; SIGQUIT is what an immediate stop sends.
    std::cerr << "PgCluster: " << e.what() << "; sending SIGQUIT to the postmaster\n";
    std::ifstream pid_file(data_dir_ + "/postmaster.pid");
    if (pid_t pid = 0; pid_file >> pid && pid > 0) {
      kill(pid, SIGQUIT);
      for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    if (ec) std::cerr << "PgCluster: cannot remove " << dir_ << ": " << ec.message() << "\n";
    dir_.clear();
  }
  if (watcher_fd_ >= 0) close(watcher_fd_);  // the watcher finds nothing left and ends
  watcher_fd_ = -1;
}

std::string PgCluster::log_tail(int lines) const {
  std::ifstream in(log_path_);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(std::move(line));
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += l + "\n";
  return out;
}

std::string PgCluster::uri(const std::string& db) const {
  return "postgresql:///" + db + "?host=" + socket_dir_ + "&port=" + std::to_string(port_) +
         "&user=onestop";
}

std::string PgCluster::create_database(const std::string& name) {
  if (!valid_database_name(name)) {
    throw std::invalid_argument("database name '" + name + "': letters, digits, '_', at most 63");
  }
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(uri("postgres").c_str()),
                                                    &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to create " + name + ": " +
                             PQerrorMessage(conn.get()) + log_tail(10));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexec(conn.get(), ("CREATE DATABASE \"" + name + "\"").c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    throw std::runtime_error("CREATE DATABASE " + name + ": " + PQerrorMessage(conn.get()));
  }
  return uri(name);
}

std::string PgCluster::fresh_database() { return create_database(fresh_name()); }

}  // namespace onestop::testing
