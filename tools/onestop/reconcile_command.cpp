// Placeholder until the command lands (issue 4); replaced by its implementation.
#include <ostream>

#include "tools/onestop/commands.hpp"

namespace onestop::cli {

int reconcile_command(const std::vector<std::string>& /*args*/, std::ostream& /*out*/,
                 std::ostream& err) {
  err << "onestop: not built yet\n";
  return kFailed;
}

}  // namespace onestop::cli
