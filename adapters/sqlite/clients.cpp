// The clients and keys tables of the ledger database (clients.hpp).
#include <mutex>
#include <stdexcept>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/read_pool.hpp"
#include "adapters/sqlite/record_store.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"
#include "adapters/store/client_keys.hpp"

namespace onestop::sqlite {
namespace {

using detail::Connection;
using detail::DbError;
using detail::Query;

using store::key_hash;
using store::kKeysKept;
using store::same_hash;
using store::split_key;

using detail::database_failed;

// Changes run on one connection in turns; the key check of every request runs on a pool of
// read connections beside them, so requests do not queue on one connection and its lock.
class SqliteClients final : public Clients {
 public:
  SqliteClients(std::unique_ptr<Connection> db, const std::string& path)
      : db_(std::move(db)), readers_(detail::ConnectionOptions{path, false, 5000, ""}, 4) {}

  Result<IssuedKey> add(const std::string& name, Role role,
                        const std::string& hospital_id) override {
    if (auto e = store::check_new_client(name, role, hospital_id)) return *e;
    return write([&]() -> Result<IssuedKey> {
      Query exists = db_->query("SELECT 1 FROM clients WHERE name = ?1");
      exists.bind_all(name);
      if (exists.step()) {
        return Error{"client_exists", "name", "a client named " + name + " exists or existed"};
      }
      const std::string now = detail::utc_now();
      Query insert = db_->query(
          "INSERT INTO clients (name, role, hospital_id, created_at) VALUES (?1, ?2, ?3, ?4)");
      const std::optional<std::string> hospital =
          role == Role::hospital ? std::optional<std::string>(hospital_id) : std::nullopt;
      insert.bind_all(name, std::string(role_name(role)), hospital, now);
      insert.run();
      return issue(name, now);
    });
  }

  Result<IssuedKey> rotate(const std::string& name) override {
    return write([&]() -> Result<IssuedKey> {
      if (auto e = require_active(name)) return *e;
      const std::string now = detail::utc_now();
      IssuedKey key = issue(name, now);
      drop_older_keys(name, kKeysKept);
      return key;
    });
  }

  std::optional<Error> revoke(const std::string& name, bool previous_only) override {
    auto done = write([&]() -> Result<bool> {
      if (auto e = require_active(name)) return *e;
      if (previous_only) {
        drop_older_keys(name, 1);
        return true;
      }
      drop_older_keys(name, 0);
      Query q = db_->query("UPDATE clients SET revoked_at = ?2 WHERE name = ?1");
      q.bind_all(name, detail::utc_now());
      q.run();
      return true;
    });
    if (!done) return done.error();
    return std::nullopt;
  }

  Result<std::vector<ClientInfo>> list() override {
    std::lock_guard lock(mutex_);
    try {
      detail::ReadTransaction tx(*db_);
      std::vector<ClientInfo> out;
      Query q = db_->query(
          "SELECT name, role, coalesce(hospital_id, ''), created_at, revoked_at FROM clients "
          "ORDER BY name");
      while (q.step()) {
        ClientInfo c;
        c.name = q.text(0);
        c.role = parse_role(q.text(1)).value_or(Role::hospital);
        c.hospital_id = q.text(2);
        c.created_at = q.text(3);
        if (!q.is_null(4)) c.revoked_at = q.text(4);
        out.push_back(std::move(c));
      }
      for (ClientInfo& c : out) c.key_ids = key_ids(c.name);
      tx.commit();
      return out;
    } catch (const DbError& e) {
      return database_failed(e);
    }
  }

  std::optional<Principal> authenticate(std::string_view key) override {
    const auto parts = split_key(key);
    if (!parts) return std::nullopt;
    try {
      return readers_.with_connection([&](Connection& db) -> std::optional<Principal> {
        Query q = db.query(
            "SELECT k.salt, k.hash, c.name, c.role, coalesce(c.hospital_id, '') "
            "FROM client_keys k JOIN clients c ON c.name = k.client "
            "WHERE k.key_id = ?1 AND c.revoked_at IS NULL");
        q.bind_all(std::string(parts->first));
        if (!q.step()) return std::nullopt;
        if (!same_hash(key_hash(q.text(0), parts->second), q.text(1))) return std::nullopt;
        const auto role = parse_role(q.text(3));
        if (!role) return std::nullopt;
        return Principal{q.text(2), *role, q.text(4)};
      });
    } catch (const DbError& e) {
      throw LedgerUnavailable(database_failed(e));
    }
  }

 private:
  // Runs `f` in one IMMEDIATE transaction under the lock: committed when it returns a value,
  // rolled back when it returns an error or the database fails.
  template <typename F>
  auto write(F&& f) -> decltype(f()) {
    std::lock_guard lock(mutex_);
    try {
      db_->exec("BEGIN IMMEDIATE");
      auto result = f();
      if (result) {
        db_->exec("COMMIT");
      } else {
        db_->rollback_quietly();
      }
      return result;
    } catch (const DbError& e) {
      db_->rollback_quietly();
      return database_failed(e);
    }
  }

  // unknown_client or client_revoked for a name that cannot take a key.
  std::optional<Error> require_active(const std::string& name) {
    Query q = db_->query("SELECT revoked_at IS NOT NULL FROM clients WHERE name = ?1");
    q.bind_all(name);
    if (!q.step()) return Error{"unknown_client", "name", "no client named " + name};
    if (q.int64(0) != 0) return Error{"client_revoked", "name", name + " was revoked"};
    return std::nullopt;
  }

  // A new key of `name`, stored as its salted hash.
  IssuedKey issue(const std::string& name, const std::string& now) {
    const store::NewKey key = store::new_key();
    Query q = db_->query(
        "INSERT INTO client_keys (key_id, client, salt, hash, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    q.bind_all(key.key_id, name, key.salt, key.hash, now);
    q.run();
    return IssuedKey{key.key, key.key_id};
  }

  // Removes every key of `name` but the `keep` newest.
  void drop_older_keys(const std::string& name, std::size_t keep) {
    Query q = db_->query(
        "DELETE FROM client_keys WHERE client = ?1 AND key_id NOT IN (SELECT key_id FROM "
        "client_keys WHERE client = ?1 ORDER BY created_at DESC, rowid DESC LIMIT ?2)");
    q.bind_all(name, static_cast<std::int64_t>(keep));
    q.run();
  }

  std::vector<std::string> key_ids(const std::string& name) {
    std::vector<std::string> ids;
    Query q = db_->query(
        "SELECT key_id FROM client_keys WHERE client = ?1 ORDER BY created_at DESC, rowid DESC");
    q.bind_all(name);
    while (q.step()) ids.push_back(q.text(0));
    return ids;
  }

  std::mutex mutex_;  // db_'s
  std::unique_ptr<Connection> db_;
  detail::ReadPool readers_;
};

}  // namespace

Result<std::unique_ptr<Clients>> open_clients(const std::string& path) {
  if (path.empty() || path == ":memory:") {
    return detail::unavailable("the clients need a database file, not '" + path + "'");
  }
  try {
    auto db = std::make_unique<Connection>(detail::ConnectionOptions{path, true, 5000, ""});
    detail::migrate(*db);
    return std::unique_ptr<Clients>(std::make_unique<SqliteClients>(std::move(db), path));
  } catch (const DbError& e) {
    return database_failed(e);
  }
}

}  // namespace onestop::sqlite
