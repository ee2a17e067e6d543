// Placeholder until the serve command lands; it refuses to run rather than pretend.
#include <ostream>

#include "tools/onestop/commands.hpp"

namespace onestop::cli {

int serve_command(const std::vector<std::string>&, std::ostream&, std::ostream& err) {
  err << "onestop serve: not available in this build\n";
  return kUsage;
}

}  // namespace onestop::cli
