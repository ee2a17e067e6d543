// The policy texts a ledger keeps (schema 6 on; derive.hpp reads them). Records written since
// keep theirs as they are settled; records written before named their policy by content hash
// only, and this fills in the texts of those from a policy directory.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/policy.hpp"

namespace onestop::sqlite {

// Keeps in the ledger at `path` (at the current schema) the text of every policy of `policies`
// that a record names by its content hash and the ledger does not hold yet. Returns how many it
// added; a policy no record names is not added. Error code "ledger_unavailable".
Result<std::size_t> keep_named_policies(const std::string& path,
                                        const std::vector<Policy>& policies);

}  // namespace onestop::sqlite
