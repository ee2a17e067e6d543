// The documents of a compact record, derived again when it is read, whatever engine keeps it:
// the result by settling its claim under the policy text the ledger keeps, on the
// accumulators it settled on, checked against the stored figures to the fen.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "adapters/store/ledger.hpp"
#include "engine/claim.hpp"
#include "engine/policy.hpp"

namespace onestop::store {

// A record that cannot be read as it was first answered; what() names it and why.
class CorruptRecord : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The policy a ledger keeps under `sha256`, loaded from its `text`. Throws CorruptRecord when
// the text does not load or does not hash to `sha256`.
std::shared_ptr<const Policy> policy_from_text(const std::string& sha256, const std::string& text);
// The same through a cache for the process (a content hash names one text forever): `text` is
// called only the first time a hash is asked for, and returns the text or throws.
std::shared_ptr<const Policy> cached_policy(const std::string& sha256,
                                            const std::function<std::string()>& text);

// The engine's settlement of compact settlement `r` (its layers and movement loaded; `claim`
// decoded from its body) under `policy`, checked to be the stored one to the fen (keys,
// policy, amounts, layers, movement). Throws CorruptRecord when it is not.
Settlement derive_settlement(const Policy& policy, const StoredRecord& r, const Claim& claim);
// Its result_json: cancellation_json(r) for a cancellation (`policy` unused, may be null),
// the encoded settlement otherwise.
std::string derive_result(const Policy* policy, const StoredRecord& r, const Claim& claim);

}  // namespace onestop::store
