#include "adapters/sqlite/derive.hpp"

#include <map>
#include <mutex>
#include <utility>

#include "adapters/codec/result_codec.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "engine/settle.hpp"

namespace onestop::sqlite::detail {
namespace {

[[noreturn]] void corrupt(const StoredRecord& r, const std::string& what) {
  throw DbError(SQLITE_CORRUPT, "record " + std::to_string(r.id) + " " + what);
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
  if (s.layers.size() != r.layer_paid.size()) return "layers";
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    if (s.layers[i].id != r.layer_paid[i].first || !(s.layers[i].paid == r.layer_paid[i].second) ||
        s.layers[i].fund != r.layer_fund.at(i)) {
      return "layer " + s.layers[i].id;
    }
  }
  if (!(s.after - s.before == r.movement)) return "movement";
  return {};
}

}  // namespace

std::shared_ptr<const Policy> stored_policy(Connection& db, const std::string& sha256) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Policy>> cache;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(sha256); it != cache.end()) return it->second;
  }
  auto loaded = load_stored_policy(db, sha256);
  std::lock_guard lock(mutex);
  return cache.emplace(sha256, std::move(loaded)).first->second;
}

std::shared_ptr<const Policy> load_stored_policy(Connection& db, const std::string& sha256) {
  Query q = db.query("SELECT text FROM policies WHERE sha256 = ?1");
  q.bind_all(sha256);
  if (!q.step()) throw DbError(SQLITE_CORRUPT, "the ledger holds no policy " + sha256);
  Result<Policy> policy = policy::parse_policy(q.text(0));
  if (!policy || policy->sha256 != sha256) {
    throw DbError(SQLITE_CORRUPT, "the ledger's policy " + sha256 + " does not load" +
                                      (policy ? " to its hash" : ": " + policy.error().message));
  }
  return std::make_shared<const Policy>(std::move(policy).value());
}

std::string derive_result(Connection& db, const StoredRecord& r, const Claim& claim) {
  if (r.kind == RecordKind::cancellation) return cancellation_json(r);
  return codec::encode_settlement(derive_settlement(db, r, claim));
}

Settlement derive_settlement(Connection& db, const StoredRecord& r, const Claim& claim) {
  const std::shared_ptr<const Policy> policy = stored_policy(db, r.policy_sha256);
  Result<Settlement> s = Error{"internal", "", ""};
  try {
    s = onestop::settle(*policy, claim, r.before);
  } catch (const std::exception& e) {
    corrupt(r, std::string("does not settle again: ") + e.what());
  }
  if (!s) corrupt(r, "does not settle again: " + s.error().code + ": " + s.error().message);
  if (auto d = difference(r, *s); !d.empty()) {
    corrupt(r, "settles again to other figures (" + d + ") than were stored");
  }
  return std::move(s).value();
}

void keep_policy(Connection& db, const std::string& id, const std::string& sha256,
                 const std::string& text) {
  Query q = db.query(
      "INSERT INTO policies (sha256, id, text) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (sha256) DO NOTHING");
  q.bind_all(sha256, id, text);
  q.run();
}

bool holds_policy(Connection& db, const std::string& sha256) {
  Query q = db.query("SELECT 1 FROM policies WHERE sha256 = ?1");
  q.bind_all(sha256);
  return q.step();
}

}  // namespace onestop::sqlite::detail
