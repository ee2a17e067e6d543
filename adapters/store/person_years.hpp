// The text form of a person's accumulators for a year as every engine's person_years.layers
// column keeps it, so the engines write and read one format (and verify reads either).
#pragma once

#include <string>
#include <string_view>

#include "engine/accumulators.hpp"

namespace onestop::store {

// person_years.layers of `acc`: {"<key>":[paid,deductible_charged,base_cumulative,
// patient_share],…} in fen, keys in order, all-zero ones left out (as Accumulators arithmetic
// drops them). Admissions are a column of their own.
std::string layers_json(const Accumulators& acc);

// The accumulators of a person_years.layers text (admissions 0). Throws std::invalid_argument
// saying what is wrong when the text is not what layers_json() writes (a ledger edited around
// the writer).
Accumulators accumulators_from(std::string_view text);

}  // namespace onestop::store
