// The settlement slip (结算单) as plain text for a terminal or a receipt printer.
#pragma once

#include <string>

#include "engine/policy.hpp"
#include "engine/settlement.hpp"

namespace onestop::cli {

// A table a billing clerk reads: the bill split, each fund's payment, what the patient pays,
// and the flags. Labels carry the national-platform field names.
std::string format_slip(const Policy& policy, const Settlement& s);

}  // namespace onestop::cli
