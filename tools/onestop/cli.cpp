#include "tools/onestop/cli.hpp"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>

#include <optional>
#include <ostream>

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

}  // namespace onestop::cli
