#include "adapters/sqlite/derive.hpp"

#include <utility>

#include "adapters/store/derive.hpp"

namespace onestop::sqlite::detail {
namespace {

// The ledger's text of the policy with this hash. Throws DbError (SQLITE_CORRUPT) when none.
std::string policy_text(Connection& db, const std::string& sha256) {
  Query q = db.query("SELECT text FROM policies WHERE sha256 = ?1");
  q.bind_all(sha256);
  if (!q.step()) throw DbError(SQLITE_CORRUPT, "the ledger holds no policy " + sha256);
  return q.text(0);
}

// Runs `f`, a CorruptRecord becoming the DbError (SQLITE_CORRUPT) the readers expect.
template <typename F>
auto corrupt_as_db_error(F&& f) {
  try {
    return f();
  } catch (const store::CorruptRecord& e) {
    throw DbError(SQLITE_CORRUPT, e.what());
  }
}

}  // namespace

std::shared_ptr<const Policy> stored_policy(Connection& db, const std::string& sha256) {
  return corrupt_as_db_error(
      [&] { return store::cached_policy(sha256, [&] { return policy_text(db, sha256); }); });
}

std::shared_ptr<const Policy> load_stored_policy(Connection& db, const std::string& sha256) {
  return corrupt_as_db_error(
      [&] { return store::policy_from_text(sha256, policy_text(db, sha256)); });
}

std::string derive_result(Connection& db, const StoredRecord& r, const Claim& claim) {
  if (r.kind == RecordKind::cancellation) return cancellation_json(r);
  return corrupt_as_db_error(
      [&] { return store::derive_result(stored_policy(db, r.policy_sha256).get(), r, claim); });
}

Settlement derive_settlement(Connection& db, const StoredRecord& r, const Claim& claim) {
  return corrupt_as_db_error(
      [&] { return store::derive_settlement(*stored_policy(db, r.policy_sha256), r, claim); });
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
