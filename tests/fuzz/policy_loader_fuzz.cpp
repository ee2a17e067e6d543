// libFuzzer target for the policy loader (issue 5): policy::parse_policy over arbitrary text.
// Bad input must come back as an Error value, never as an exception or a crash. Alongside, the
// canonical form that policies are hashed over must be a fixed point (canonicalising it again
// changes nothing), and an accepted policy's sha256 must be the hash of that form.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/policy/policy_loader.hpp"
#include "engine/limits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The loader refuses more than this itself (too_large); a little past it exercises that check.
  if (size > onestop::limits::kPolicyFileBytes + 16) return -1;  // -1: not added to the corpus
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto canonical = onestop::policy::canonical_form(text);
  if (canonical) {
    const auto twice = onestop::policy::canonical_form(*canonical);
    if (!twice || *twice != *canonical) __builtin_trap();
  }

  const auto policy = onestop::policy::parse_policy(text);
  if (!policy) {
    if (policy.error().code.empty()) __builtin_trap();  // every refusal names its code
    return 0;
  }
  if (!canonical) __builtin_trap();  // accepted, yet not one well-formed JSON document
  if (policy->sha256 != onestop::policy::sha256_hex(*canonical)) __builtin_trap();
  if (policy->layers.empty() || policy->layers.size() > onestop::limits::kLayersPerPolicy) {
    __builtin_trap();
  }
  return 0;
}
