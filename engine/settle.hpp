// The settlement core: a pure function of policy, claim and the person's accumulators for the
// claim's policy year.
#pragma once

#include "engine/accumulators.hpp"
#include "engine/claim.hpp"
#include "engine/error.hpp"
#include "engine/policy.hpp"
#include "engine/settlement.hpp"

namespace onestop {

// The item split of domain.md §2 for one item, rounding pre-self-pay with `rounding`. A class B
// item's pay-first share is its own self_pay_ratio when it has one, else `b_share`.
Split split_item(const Item& item, const Rate& b_share, Rounding rounding);

// Settles `claim` under `policy` on `before` (the person's accumulators for claim.year()).
// Errors: the claim's own defects (validate()), "unknown_category" (patient.category),
// "policy_not_effective" (discharged_on outside the policy's dates), and "internal" when an
// invariant of design.md §3 breaks — a bug; then no settlement is returned.
// Deterministic: the same inputs give the same settlement.
Result<Settlement> settle(const Policy& policy, const Claim& claim, const Accumulators& before);

// Checks the invariants of design.md §3 on a computed settlement; nullopt when they all hold.
std::optional<Error> check_invariants(const Policy& policy, const Settlement& s);

}  // namespace onestop
