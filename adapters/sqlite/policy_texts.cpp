#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/derive.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"

namespace onestop::sqlite {

Result<std::size_t> keep_named_policies(const std::string& path,
                                        const std::vector<Policy>& policies) {
  try {
    detail::Connection db(detail::ConnectionOptions{path, false, 5000, ""});
    detail::require_current_schema(db);
    db.exec("BEGIN IMMEDIATE");
    std::size_t added = 0;
    for (const Policy& policy : policies) {
      detail::Query named = db.query("SELECT 1 FROM records WHERE policy_sha256 = ?1 LIMIT 1");
      named.bind_all(policy.sha256);
      if (!named.step() || detail::holds_policy(db, policy.sha256)) continue;
      detail::keep_policy(db, policy.id, policy.sha256, policy.text);
      ++added;
    }
    db.exec("COMMIT");
    return added;
  } catch (const detail::DbError& e) {
    return detail::database_failed(e);
  }
}

}  // namespace onestop::sqlite
