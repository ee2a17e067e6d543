// The API's clients and their keys on PostgreSQL (store/clients.hpp, store/client_keys.hpp).
// The key check of every request runs on a pool of connections, so requests do not queue on
// one; a change to a client locks that client's row.
#include <memory>
#include <string>
#include <vector>

#include "adapters/postgres/open.hpp"
#include "adapters/postgres/pg.hpp"
#include "adapters/postgres/schema.hpp"
#include "adapters/store/client_keys.hpp"
#include "adapters/store/reports.hpp"

namespace onestop::postgres {
namespace {

using detail::Connection;
using detail::Params;
using detail::Rows;
using store::ClientInfo;
using store::IssuedKey;
using store::Principal;
using store::Role;

// Raised inside a write to end it with this refusal (rolled back).
struct Refused {
  Error error;
};

class PgClients final : public store::Clients {
 public:
  explicit PgClients(const std::string& uri) : pool_(uri, 4) {}

  Result<IssuedKey> add(const std::string& name, Role role,
                        const std::string& hospital_id) override {
    if (auto e = store::check_new_client(name, role, hospital_id)) return *e;
    const Error exists{"client_exists", "name", "a client named " + name + " exists or existed"};
    try {
      return write([&](Connection& db) {
        const std::string now = store::utc_now();
        const Rows inserted = db.run(
            "INSERT INTO clients (name, role, hospital_id, created_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (name) DO NOTHING",
            Params::of(
                name, std::string(store::role_name(role)),
                role == Role::hospital ? std::optional<std::string>(hospital_id) : std::nullopt,
                now));
        if (inserted.affected() == 0) throw Refused{exists};
        return issue(db, name, now);
      });
    } catch (const Refused& r) {
      return r.error;
    }
  }

  Result<IssuedKey> rotate(const std::string& name) override {
    try {
      return write([&](Connection& db) {
        require_active(db, name);
        IssuedKey key = issue(db, name, store::utc_now());
        drop_older_keys(db, name, store::kKeysKept);
        return key;
      });
    } catch (const Refused& r) {
      return r.error;
    }
  }

  std::optional<Error> revoke(const std::string& name, bool previous_only) override {
    try {
      auto done = write([&](Connection& db) {
        require_active(db, name);
        if (previous_only) {
          drop_older_keys(db, name, 1);
          return true;
        }
        drop_older_keys(db, name, 0);
        db.run("UPDATE clients SET revoked_at = $2 WHERE name = $1",
               Params::of(name, store::utc_now()));
        return true;
      });
      if (!done) return done.error();
      return std::nullopt;
    } catch (const Refused& r) {
      return r.error;
    }
  }

  Result<std::vector<ClientInfo>> list() override {
    return detail::guarded(pool_, [](Connection& db) {
      return detail::in_transaction(db, [](Connection& c) {
        const Rows rows = c.run(
            "SELECT name, role, coalesce(hospital_id, ''), created_at, revoked_at FROM clients "
            "ORDER BY name");
        const Rows keys = c.run(
            "SELECT client, key_id FROM client_keys ORDER BY client, created_at DESC, "
            "serial DESC");
        std::vector<ClientInfo> out;
        int k = 0;
        for (int r = 0; r < rows.size(); ++r) {
          ClientInfo info;
          info.name = rows.text(r, 0);
          info.role = store::parse_role(rows.text(r, 1)).value_or(Role::hospital);
          info.hospital_id = rows.text(r, 2);
          info.created_at = rows.text(r, 3);
          info.revoked_at = rows.optional_text(r, 4);
          while (k < keys.size() && keys.text(k, 0) < info.name) ++k;
          for (; k < keys.size() && keys.text(k, 0) == info.name; ++k) {
            info.key_ids.push_back(keys.text(k, 1));
          }
          out.push_back(std::move(info));
        }
        return out;
      });
    });
  }

  std::optional<Principal> authenticate(std::string_view key) override {
    const auto parts = store::split_key(key);
    if (!parts) return std::nullopt;
    return detail::guarded_or_throw(pool_, [&](Connection& db) -> std::optional<Principal> {
      const Rows rows = db.run(
          "SELECT k.salt, k.hash, c.name, c.role, coalesce(c.hospital_id, '') "
          "FROM client_keys k JOIN clients c ON c.name = k.client "
          "WHERE k.key_id = $1 AND c.revoked_at IS NULL",
          Params::of(std::string(parts->first)));
      if (rows.empty()) return std::nullopt;
      if (!store::same_hash(store::key_hash(rows.text(0, 0), parts->second), rows.text(0, 1))) {
        return std::nullopt;
      }
      const auto role = store::parse_role(rows.text(0, 3));
      if (!role) return std::nullopt;
      return Principal{rows.text(0, 2), *role, rows.text(0, 4)};
    });
  }

 private:
  // Runs `f` in one transaction: committed when it returns, rolled back when it throws (a
  // Refused propagates to the caller; a database failure is ledger_unavailable).
  template <typename F>
  auto write(F&& f) -> Result<decltype(f(std::declval<Connection&>()))> {
    return detail::guarded(pool_, [&](Connection& db) { return detail::in_transaction(db, f); });
  }

  // Throws Refused (unknown_client, client_revoked) unless `name` can take a key; locks the
  // client's row, so two rotations of one client run one after the other.
  static void require_active(Connection& db, const std::string& name) {
    const Rows rows = db.run(
        "SELECT revoked_at IS NOT NULL FROM clients WHERE name = $1 FOR UPDATE", Params::of(name));
    if (rows.empty()) throw Refused{Error{"unknown_client", "name", "no client named " + name}};
    if (rows.text(0, 0) == "t")
      throw Refused{Error{"client_revoked", "name", name + " was revoked"}};
  }

  // A new key of `name`, stored as its salted hash.
  static IssuedKey issue(Connection& db, const std::string& name, const std::string& now) {
    const store::NewKey key = store::new_key();
    db.run(
        "INSERT INTO client_keys (key_id, client, salt, hash, created_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        Params::of(key.key_id, name, key.salt, key.hash, now));
    return IssuedKey{key.key, key.key_id};
  }

  // Removes every key of `name` but the `keep` newest.
  static void drop_older_keys(Connection& db, const std::string& name, std::size_t keep) {
    db.run(
        "DELETE FROM client_keys WHERE client = $1 AND key_id NOT IN (SELECT key_id FROM "
        "client_keys WHERE client = $1 ORDER BY created_at DESC, serial DESC LIMIT $2)",
        Params::of(name, static_cast<std::int64_t>(keep)));
  }

  detail::Pool pool_;
};

}  // namespace

Result<std::unique_ptr<store::Clients>> open_clients(const std::string& uri) {
  return detail::open_migrated<store::Clients, PgClients>(uri);
}

}  // namespace onestop::postgres
