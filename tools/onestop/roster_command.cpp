// Placeholder until the roster command lands; it refuses to run rather than pretend.
#include <ostream>

#include "tools/onestop/commands.hpp"

namespace onestop::cli {

int roster_command(const std::vector<std::string>&, std::ostream&, std::ostream& err) {
  err << "onestop roster: not available in this build\n";
  return kUsage;
}

}  // namespace onestop::cli
