// Placeholder until the verify command lands; it refuses to run rather than pretend.
#include <ostream>

#include "tools/onestop/commands.hpp"

namespace onestop::cli {

int verify_command(const std::vector<std::string>&, std::ostream&, std::ostream& err) {
  err << "onestop verify: not available in this build\n";
  return kUsage;
}

}  // namespace onestop::cli
