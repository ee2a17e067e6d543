#include "adapters/store/derive.hpp"

#include <map>
#include <mutex>
#include <utility>

#include "adapters/codec/result_codec.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "engine/settle.hpp"

namespace onestop::store {
namespace {

[[noreturn]] void corrupt(const StoredRecord& r, const std::string& what) {
  throw CorruptRecord("record " + std::to_string(r.id) + " " + what);
}

// The stored record's figures against the engine's settlement of its claim, first difference
// described; empty when they agree.
std::string difference(const StoredRecord& r, const Settlement& s) {
  if (s.hospital_id != r.hospital_id || s.bill_no != r.bill_no || s.patient_id != r.patient_id ||
      s.year != r.year) {
    return "keys";
  }
  if (s.policy_id != r.policy_id || s.policy_sha256 != r.policy_sha256) return "policy";
  if (!(s.split.total == r.total) || !(s.fund_paid == r.fund_paid) ||
      !(s.patient_pays == r.patient_pays)) {
    return "amounts";
  }
  if (s.layers.size() != r.layer_paid.size() || r.layer_fund.size() != r.layer_paid.size()) {
    return "layers";
  }
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    if (s.layers[i].id != r.layer_paid[i].first || !(s.layers[i].paid == r.layer_paid[i].second) ||
        s.layers[i].fund != r.layer_fund[i]) {
      return "layer " + s.layers[i].id;
    }
  }
  if (!(s.after - s.before == r.movement)) return "movement";
  return {};
}

}  // namespace

std::shared_ptr<const Policy> policy_from_text(const std::string& sha256, const std::string& text) {
  Result<Policy> policy = policy::parse_policy(text);
  if (!policy || policy->sha256 != sha256) {
    throw CorruptRecord("the ledger's policy " + sha256 + " does not load" +
                        (policy ? " to its hash" : ": " + policy.error().message));
  }
  return std::make_shared<const Policy>(std::move(policy).value());
}

std::shared_ptr<const Policy> cached_policy(const std::string& sha256,
                                            const std::function<std::string()>& text) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Policy>> cache;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(sha256); it != cache.end()) return it->second;
  }
  auto loaded = policy_from_text(sha256, text());
  std::lock_guard lock(mutex);
  return cache.emplace(sha256, std::move(loaded)).first->second;
}

Settlement derive_settlement(const Policy& policy, const StoredRecord& r, const Claim& claim) {
  Result<Settlement> s = Error{"internal", "", ""};
  try {
    s = onestop::settle(policy, claim, r.before);
  } catch (const std::exception& e) {
    corrupt(r, std::string("does not settle again: ") + e.what());
  }
  if (!s) corrupt(r, "does not settle again: " + s.error().code + ": " + s.error().message);
  if (auto d = difference(r, *s); !d.empty()) {
    corrupt(r, "settles again to other figures (" + d + ") than were stored");
  }
  return std::move(s).value();
}

std::string derive_result(const Policy* policy, const StoredRecord& r, const Claim& claim) {
  if (r.kind == RecordKind::cancellation) return cancellation_json(r);
  if (policy == nullptr) corrupt(r, "has no policy to settle again under");
  return codec::encode_settlement(derive_settlement(*policy, r, claim));
}

}  // namespace onestop::store
