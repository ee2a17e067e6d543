// A directory for one test that runs the onestop binary: a ledger path, a settings file naming
// it (and the shipped hospital registry, region +08:00), and a runner that keeps standard
// output apart from standard error (a printed key must be alone on standard output).
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "adapters/sqlite/ledger_fixtures.hpp"

namespace onestop::testing {

struct SplitRun {
  int status = -1;
  std::string out;
  std::string err;
};

class CommandWorkspace {
 public:
  CommandWorkspace() : dir_(test_dir()) {
    std::ofstream(config()) << "onestop.ledger.path = " << db() << "\n"
                            << "onestop.hospitals.file = " << source_path("config/hospitals.json")
                            << "\n"
                            << "onestop.region.utc_offset = +08:00\n";
  }

  const std::string& dir() const { return dir_; }
  std::string db() const { return dir_ + "/ledger.db"; }
  std::string config() const { return dir_ + "/onestop.properties"; }

  // Runs `onestop ARGS` (shell words) with standard output and error captured apart.
  SplitRun run(const std::string& args) const {
    const std::string out = dir_ + "/stdout.txt";
    const std::string err = dir_ + "/stderr.txt";
    const int raw =
        std::system((std::string(ONESTOP_BINARY) + " " + args + " >" + out + " 2>" + err).c_str());
    SplitRun run;
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    run.out = slurp(out);
    run.err = slurp(err);
    return run;
  }

 private:
  static std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string dir_;
};

}  // namespace onestop::testing
