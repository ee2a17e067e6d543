#include "tools/onestop/cli.hpp"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>

#include "adapters/http/server_config.hpp"
#include "adapters/reports/utc_offset.hpp"

namespace onestop::cli {
namespace {

void print_help(const std::string& command, const std::string& usage,
                const std::string& description, const Poco::Util::OptionSet& options,
                std::ostream& out) {
  Poco::Util::HelpFormatter help(options);
  help.setCommand("onestop " + command);
  help.setUsage(usage);
  help.setHeader(description);
  help.setUnixStyle(true);
  help.setWidth(100);
  help.format(out);
}

}  // namespace

std::optional<Parsed> parse(const std::string& command, const std::string& usage,
                            const std::string& description, Poco::Util::OptionSet options,
                            const std::vector<std::string>& args, std::ostream& out,
                            std::ostream& err) {
  options.addOption(Poco::Util::Option("help", "h", "print this help and exit"));
  Parsed parsed;
  try {
    Poco::Util::OptionProcessor processor(options);
    processor.setUnixStyle(true);
    for (const auto& arg : args) {
      std::string name;
      std::string value;
      if (processor.process(arg, name, value)) {
        if (!name.empty()) parsed.options[name] = value;
      } else {
        parsed.positional.push_back(arg);
      }
    }
    if (parsed.options.contains("help")) {
      print_help(command, usage, description, options, out);
      parsed.help = true;
      return parsed;
    }
    processor.checkRequired();
  } catch (const Poco::Util::OptionException& e) {
    err << "onestop " << command << ": " << e.displayText() << "\n";
    print_help(command, usage, description, options, err);
    return std::nullopt;
  }
  return parsed;
}

std::string option_or(const Parsed& parsed, const std::string& name, const std::string& fallback) {
  const auto it = parsed.options.find(name);
  return it == parsed.options.end() ? fallback : it->second;
}

std::optional<std::string> read_file(const std::string& command, const std::string& path,
                                     std::uintmax_t max_bytes, std::ostream& err) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > max_bytes) {
    err << "onestop " << command << ": " << path
        << (ec ? ": cannot read: " + ec.message()
               : ": larger than " + std::to_string(max_bytes >> 20) + " MiB")
        << "\n";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    err << "onestop " << command << ": " << path << ": cannot read\n";
    return std::nullopt;
  }
  return text.str();
}

std::optional<http::ServerConfig> server_settings(
    const Parsed& parsed, const std::string& command, std::ostream& err,
    const std::map<std::string, std::string>& overrides) {
  constexpr const char* kDefault = "config/onestop.properties";
  std::string file = option_or(parsed, "config", "");
  if (file.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(kDefault, ec)) file = kDefault;
  }
  auto config = file.empty() ? http::parse_server_config("", overrides)
                             : http::load_server_config(file, overrides);
  if (!config) {
    err << "onestop " << command << ": " << config.error().message << "\n";  // names the file
    return std::nullopt;
  }
  return std::move(config).value();
}

void add_ledger_options(Poco::Util::OptionSet& options, bool config) {
  using Poco::Util::Option;
  options.addOption(Option("ledger", "",
                           "the ledger: sqlite:PATH or postgresql://USER@HOST:PORT/DB (default "
                           "onestop.ledger.url of --config, else sqlite:var/onestop.db)")
                        .argument("URL"));
  options.addOption(Option("db", "d", "the SQLite ledger file: the same as --ledger sqlite:FILE")
                        .argument("FILE"));
  if (config) {
    options.addOption(
        Option("config", "", "the settings file (default config/onestop.properties)")
            .argument("FILE"));
  }
}

std::optional<backend::LedgerUrl> ledger_url(const Parsed& parsed, const std::string& command,
                                             std::ostream& err) {
  const auto ledger = parsed.options.find("ledger");
  const auto db = parsed.options.find("db");
  if (ledger != parsed.options.end() && db != parsed.options.end()) {
    err << "onestop " << command << ": --ledger and --db both name the ledger; give one\n";
    return std::nullopt;
  }
  if (ledger != parsed.options.end()) {
    auto url = backend::parse_ledger_url(ledger->second, "--ledger");
    if (!url) {
      err << "onestop " << command << ": --ledger: " << url.error().message << "\n";
      return std::nullopt;
    }
    return std::move(url).value();
  }
  if (db != parsed.options.end()) {
    if (db->second.empty()) {
      err << "onestop " << command << ": --db: the ledger's file name is empty\n";
      return std::nullopt;
    }
    return backend::sqlite_url(db->second, "--db");
  }
  const auto config = server_settings(parsed, command, err);
  if (!config) return std::nullopt;
  return config->ledger;
}

std::unique_ptr<store::Ledger> open_existing_ledger(const backend::LedgerUrl& url,
                                                    const std::string& command, std::ostream& err) {
  if (!backend::exists(url)) {
    err << "onestop " << command << ": " << url.setting << ": no ledger database at " << url.text
        << "\n";
    return nullptr;
  }
  auto ledger = backend::open_ledger(url, {});
  if (!ledger) {
    err << "onestop " << command << ": " << url.text << ": " << ledger.error().message << "\n";
    return nullptr;
  }
  return std::move(ledger).value();
}

void add_region_options(Poco::Util::OptionSet& options) {
  using Poco::Util::Option;
  options.addOption(Option("utc-offset", "",
                           "the district's offset from UTC, e.g. +08:00: days are its local days "
                           "(default: onestop.region.utc_offset of --config)")
                        .argument("+HH:MM"));
  options.addOption(
      Option("config", "", "the settings file (default config/onestop.properties)")
          .argument("FILE"));
}

std::optional<int> utc_offset(const Parsed& parsed, const std::string& command,
                              std::ostream& err) {
  if (const auto it = parsed.options.find("utc-offset"); it != parsed.options.end()) {
    const auto minutes = reports::parse_utc_offset(it->second);
    if (!minutes) {
      err << "onestop " << command << ": --utc-offset '" << it->second
          << "' is not an offset like +08:00, -03:30 or Z\n";
    }
    return minutes;
  }
  const std::string file = option_or(parsed, "config", "config/onestop.properties");
  auto config = http::load_server_config(file, {});
  if (!config) {
    err << "onestop " << command << ": " << file << ": " << config.error().message
        << " (or give --utc-offset)\n";
    return std::nullopt;
  }
  return config->utc_offset_minutes;
}

}  // namespace onestop::cli
