// The HTTP clients of OneStop and their API keys, kept beside the ledger.
//
// A key is `osk_<key id>_<secret>`: 16 hex digits naming the key, 64 hex digits of secret
// (256 random bits from the operating system). Only the key id, a random salt and
// SHA-256(salt ‖ secret) are stored; the key itself is shown once, when it is issued. A salted
// fast hash is enough here: the secret is random and long, so there is nothing to guess (a
// slow password hash guards human-chosen passwords, which these are not).
//
// A client holds at most two keys, so that a key can be rotated without downtime: `rotate`
// issues a new key and keeps the previous one valid until the next rotation or until it is
// revoked (`revoke(name, previous_only = true)`). Revoking a client removes its keys; the
// client's row stays (revoked_at set), so the access log keeps naming who it was.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/error.hpp"

namespace onestop::store {

// What a client may do (the HTTP API maps each route to the roles allowed on it):
//   hospital    trial, settle, cancel, admission check; read its own hospital's bills and slips
//   reconciler  reconciliation totals and details of every hospital; no writes
//   auditor     every read, audits included; no writes
//   admin       roster import
enum class Role { hospital, reconciler, auditor, admin };

std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view text);

// Whether `name` is a well-formed client name (1 to 32 of [a-z0-9._-], starting with a letter
// or digit): nullopt, or the bad_client_name error (field name) add() would return. Lets a
// caller refuse a name before it opens or creates a database.
std::optional<Error> check_client_name(std::string_view name);

// What Clients::add refuses before it touches the database (see there): a bad name, a hospital
// client without its hospital, another role naming one. nullopt when the request is sound.
std::optional<Error> check_new_client(std::string_view name, Role role,
                                      const std::string& hospital_id);

// An authenticated caller: the client's name, role and, for role hospital, its hospital.
struct Principal {
  std::string client;
  Role role = Role::hospital;
  std::string hospital_id;  // role hospital only; "" otherwise
};

struct ClientInfo {
  std::string name;
  Role role = Role::hospital;
  std::string hospital_id;
  std::string created_at;                 // UTC, ISO 8601
  std::optional<std::string> revoked_at;  // nullopt: active
  std::vector<std::string> key_ids;       // its valid keys, newest first (0 to 2)
};

// A key just issued: the whole key (shown once, never stored) and its id.
struct IssuedKey {
  std::string key;
  std::string key_id;
};

// Thread-safe; every call is one short statement or transaction. Failures of the database are
// ledger_unavailable errors, or LedgerUnavailable thrown from authenticate().
class Clients {
 public:
  virtual ~Clients() = default;

  // A new client with its first key. Errors: bad_client_name (field name: 1 to 32 of
  // [a-z0-9._-], starting with a letter or digit), hospital_required / hospital_not_allowed
  // (field hospital: role hospital names exactly one hospital, the others none),
  // client_exists (field name; also for a revoked name: names are never reused).
  virtual Result<IssuedKey> add(const std::string& name, Role role,
                                const std::string& hospital_id) = 0;

  // A new key for an active client; its newest key stays valid beside it, older ones are
  // removed. Errors: unknown_client, client_revoked (field name).
  virtual Result<IssuedKey> rotate(const std::string& name) = 0;

  // Revokes the client (every key; the name stays taken), or with `previous_only` only the
  // keys older than its newest (ending a rotation). Errors: unknown_client, client_revoked.
  virtual std::optional<Error> revoke(const std::string& name, bool previous_only) = 0;

  // Every client, by name.
  virtual Result<std::vector<ClientInfo>> list() = 0;

  // The principal of a presented key, or nullopt when the key is malformed, unknown, revoked
  // or wrong (the reasons are not told apart to the caller). The comparison of the hashes
  // takes the same time whatever they hold. Throws LedgerUnavailable when the database fails.
  virtual std::optional<Principal> authenticate(std::string_view key) = 0;
};

}  // namespace onestop::store
