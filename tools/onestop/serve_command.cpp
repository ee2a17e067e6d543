// onestop serve: the HTTP settlement service on the ledger (SQLite or PostgreSQL). This file
// only turns the command line into a typed ServerConfig; adapters/http wires and runs it.
#include <Poco/Util/OptionSet.h>

#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "adapters/http/application.hpp"
#include "adapters/http/server_config.hpp"
#include "tools/onestop/commands.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;

constexpr const char* kDefaultConfig = "config/onestop.properties";

// --config, then one long option per setting of config/onestop.properties.
Poco::Util::OptionSet serve_options() {
  Poco::Util::OptionSet options;
  options.addOption(Option("config", "c",
                           std::string("the settings file (default ") + kDefaultConfig +
                               "; built-in defaults when that file does not exist)")
                        .argument("FILE"));
  for (const http::Setting& s : http::settings()) {
    options.addOption(
        Option(std::string(s.option), "", std::string(s.help) + " [" + std::string(s.key) + "]")
            .argument(std::string(s.argument)));
  }
  return options;
}

}  // namespace

int serve_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed =
      parse("serve", "[--config FILE] [--port N] [--bind ADDRESS] [--ledger URL] ...",
            "Runs the HTTP settlement service on the ledger until SIGINT or SIGTERM. "
            "Settings come from the settings file; each option below overrides one of them.",
            serve_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  if (!parsed->positional.empty()) {
    err << "onestop serve: unexpected argument '" << parsed->positional.front() << "'\n";
    return kUsage;
  }
  std::map<std::string, std::string> overrides;
  for (const auto& [name, value] : parsed->options) {
    if (const http::Setting* s = http::setting_for_option(name)) {
      overrides[std::string(s->key)] = value;
    }
  }
  const auto config = server_settings(*parsed, "serve", err, overrides);
  if (!config) return kUsage;
  return http::run_server(*config, out, err) == 0 ? kOk : kFailed;
}

}  // namespace onestop::cli
