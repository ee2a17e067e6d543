// Keeping the texts of policies that records name by hash only (sqlite::keep_named_policies'
// contract), for `onestop ledger migrate` on PostgreSQL.
#include <string>
#include <vector>

#include "adapters/postgres/open.hpp"
#include "adapters/postgres/pg.hpp"
#include "adapters/postgres/schema.hpp"

namespace onestop::postgres {

Result<std::size_t> keep_named_policies(const std::string& uri,
                                        const std::vector<Policy>& policies) {
  try {
    detail::Connection db(uri);
    const int version = detail::schema_version(db);
    if (version != detail::kSchemaVersion) {
      return detail::unavailable("the ledger's schema is version " + std::to_string(version) +
                                 ", not this build's " + std::to_string(detail::kSchemaVersion) +
                                 ": open the ledger first to migrate it");
    }
    return detail::in_transaction(db, [&](detail::Connection& c) {
      std::size_t added = 0;
      for (const Policy& policy : policies) {
        // ON CONFLICT: a server settling under the policy may have kept its text meanwhile.
        const detail::Rows inserted = c.run(
            "INSERT INTO policies (sha256, id, text) SELECT $1, $2, $3 "
            "WHERE EXISTS (SELECT 1 FROM records WHERE policy_sha256 = $1) "
            "ON CONFLICT DO NOTHING",
            detail::Params::of(policy.sha256, policy.id, policy.text));
        added += static_cast<std::size_t>(inserted.affected());
      }
      return added;
    });
  } catch (const detail::PgError& e) {
    return detail::database_failed(e);
  }
}

}  // namespace onestop::postgres
