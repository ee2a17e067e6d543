// Clients and their keys (issue 5, access): issued keys authenticate, only their salted hash
// is stored, rotation keeps two keys valid, revocation ends them; the access log's batching
// writer keeps every entry and lists them by client, target and time.
#include "adapters/store/clients.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "adapters/sqlite/open.hpp"
#include "adapters/store/access_log.hpp"
#include "ledger_fixtures.hpp"

namespace onestop::testing {
namespace {

using store::AccessEntry;
using store::AccessLog;
using store::Clients;
using store::Role;

std::unique_ptr<Clients> open_clients(const std::string& path) {
  auto clients = sqlite::open_clients(path);
  if (!clients) throw std::runtime_error(clients.error().message);
  return std::move(clients).value();
}

// Every value of `column` of table `table`, read with the C API (not the code under test).
std::vector<std::string> column_values(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(stmt, 0);
        out.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

TEST(Clients, AnIssuedKeyAuthenticatesAsItsClientAndOnlyItsSaltedHashIsStored) {
  const std::string path = test_dir() + "/ledger.db";
  auto clients = open_clients(path);
  auto key = clients->add("no3-billing", Role::hospital, "H01");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_TRUE(key->key.starts_with("osk_" + key->key_id + "_"));
  EXPECT_EQ(key->key.size(), 4u + 16 + 1 + 64);

  const auto who = clients->authenticate(key->key);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->client, "no3-billing");
  EXPECT_EQ(who->role, Role::hospital);
  EXPECT_EQ(who->hospital_id, "H01");

  // Neither the key nor its secret is anywhere in the database; the hash is not the secret's
  // plain SHA-256 either (salted).
  const std::string secret = key->key.substr(key->key.rfind('_') + 1);
  for (const auto& row : column_values(path, "SELECT key_id || salt || hash FROM client_keys")) {
    EXPECT_EQ(row.find(secret), std::string::npos);
  }
  const auto salts = column_values(path, "SELECT salt FROM client_keys");
  ASSERT_EQ(salts.size(), 1u);
  EXPECT_EQ(salts[0].size(), 32u);
}

TEST(Clients, WrongMalformedAndForeignKeysAreRefusedAlike) {
  auto clients = open_clients(test_dir() + "/ledger.db");
  auto key = clients->add("auditor-1", Role::auditor, "");
  ASSERT_TRUE(key);
  std::string wrong_secret = key->key;
  wrong_secret.back() = wrong_secret.back() == '0' ? '1' : '0';
  std::string other_id = key->key;
  other_id[4] = other_id[4] == '0' ? '1' : '0';
  for (const std::string& k :
       {wrong_secret, other_id, std::string(""), std::string("osk_"), key->key + "0",
        key->key.substr(0, key->key.size() - 1), std::string("Bearer ") + key->key,
        std::string("osk_' OR 1=1 --"), std::string(85, 'a')}) {
    EXPECT_FALSE(clients->authenticate(k).has_value()) << k;
  }
  EXPECT_TRUE(clients->authenticate(key->key).has_value());
}

TEST(Clients, RotationKeepsTheNewAndThePreviousKeyUntilTheNextRotationOrRevocation) {
  auto clients = open_clients(test_dir() + "/ledger.db");
  auto first = clients->add("recon", Role::reconciler, "");
  ASSERT_TRUE(first);
  auto second = clients->rotate("recon");
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(clients->authenticate(first->key).has_value());  // no downtime
  EXPECT_TRUE(clients->authenticate(second->key).has_value());

  auto third = clients->rotate("recon");
  ASSERT_TRUE(third);
  EXPECT_FALSE(clients->authenticate(first->key).has_value());  // two keys at most
  EXPECT_TRUE(clients->authenticate(second->key).has_value());
  EXPECT_TRUE(clients->authenticate(third->key).has_value());

  EXPECT_FALSE(clients->revoke("recon", /*previous_only=*/true).has_value());
  EXPECT_FALSE(clients->authenticate(second->key).has_value());
  EXPECT_TRUE(clients->authenticate(third->key).has_value());

  auto listed = clients->list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().key_ids, std::vector<std::string>{third->key_id});
}

TEST(Clients, ARevokedClientLosesEveryKeyAndItsNameStaysTaken) {
  auto clients = open_clients(test_dir() + "/ledger.db");
  auto key = clients->add("old-desk", Role::hospital, "H02");
  ASSERT_TRUE(key);
  auto next = clients->rotate("old-desk");
  ASSERT_TRUE(next);
  EXPECT_FALSE(clients->revoke("old-desk", false).has_value());
  EXPECT_FALSE(clients->authenticate(key->key).has_value());
  EXPECT_FALSE(clients->authenticate(next->key).has_value());

  EXPECT_EQ(clients->rotate("old-desk").error().code, "client_revoked");
  EXPECT_EQ(clients->revoke("old-desk", false)->code, "client_revoked");
  EXPECT_EQ(clients->add("old-desk", Role::hospital, "H02").error().code, "client_exists");
  auto listed = clients->list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE(listed->front().revoked_at.has_value());
  EXPECT_TRUE(listed->front().key_ids.empty());
}

TEST(Clients, BadRequestsNameTheirFieldAndWriteNothing) {
  const std::string path = test_dir() + "/ledger.db";
  auto clients = open_clients(path);
  struct Case {
    std::string name;
    Role role;
    std::string hospital;
    std::string code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"", Role::admin, "", "bad_client_name", "name"},
      {"Upper", Role::admin, "", "bad_client_name", "name"},
      {"-dash-first", Role::admin, "", "bad_client_name", "name"},
      {std::string(33, 'a'), Role::admin, "", "bad_client_name", "name"},
      {"x'; DROP TABLE clients; --", Role::admin, "", "bad_client_name", "name"},
      {"desk", Role::hospital, "", "hospital_required", "hospital"},
      {"recon", Role::reconciler, "H01", "hospital_not_allowed", "hospital"},
  };
  for (const Case& c : cases) {
    auto r = clients->add(c.name, c.role, c.hospital);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name;
    EXPECT_EQ(r.error().field, c.field) << c.name;
  }
  EXPECT_TRUE(clients->add(std::string(32, 'a'), Role::admin, ""));  // at the length limit
  EXPECT_EQ(clients->rotate("nobody").error().code, "unknown_client");
  EXPECT_EQ(clients->revoke("nobody", false)->code, "unknown_client");
  EXPECT_EQ(column_values(path, "SELECT count(*) FROM clients"), std::vector<std::string>{"1"});
  EXPECT_EQ(column_values(path, "SELECT count(*) FROM client_keys"),
            std::vector<std::string>{"1"});
}

TEST(Clients, RolesRoundTripThroughTheirNames) {
  for (Role r : {Role::hospital, Role::reconciler, Role::auditor, Role::admin}) {
    EXPECT_EQ(store::parse_role(store::role_name(r)), r);
  }
  EXPECT_FALSE(store::parse_role("root").has_value());
  EXPECT_FALSE(store::parse_role("").has_value());
}

AccessEntry entry(std::string client, std::string target, std::string at) {
  AccessEntry e;
  e.at = std::move(at);
  e.client = std::move(client);
  e.role = "hospital";
  e.method = "GET";
  e.route = "/v1/settlements/{id}";
  e.target = std::move(target);
  e.status = 200;
  e.remote = "127.0.0.1:50000";
  e.correlation_id = "c1";
  return e;
}

TEST(AccessLog, EveryAppendedEntryIsWrittenAndListedByClientTargetAndTime) {
  const std::string path = test_dir() + "/ledger.db";
  auto log = sqlite::open_access_log(path, {20, 64, 100'000});
  ASSERT_TRUE(log) << log.error().message;
  constexpr int kThreads = 4;
  constexpr int kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        (*log)->append(entry("c" + std::to_string(t), "settlement:" + std::to_string(i),
                             "2020-03-02T08:00:00.000Z"));
      }
    });
  }
  for (auto& th : threads) th.join();
  (*log)->append(entry("late", "patient:P001", "2020-03-03T08:00:00.000Z"));
  (*log)->flush();
  EXPECT_EQ(column_values(path, "SELECT count(*) FROM access_log"),
            std::vector<std::string>{std::to_string(kThreads * kEach + 1)});
  EXPECT_EQ((*log)->dropped(), 0u);

  store::AccessQuery by_client;
  by_client.client = "c2";
  by_client.limit = 10'000;
  auto listed = (*log)->list(by_client);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), static_cast<std::size_t>(kEach));

  store::AccessQuery by_target;
  by_target.target = "settlement:7";
  listed = (*log)->list(by_target);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), static_cast<std::size_t>(kThreads));

  store::AccessQuery by_time;
  by_time.from = "2020-03-03";
  listed = (*log)->list(by_time);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().client, "late");
  EXPECT_EQ(listed->front().target, "patient:P001");
  EXPECT_EQ(listed->front().remote, "127.0.0.1:50000");
  EXPECT_GT(listed->front().id, 0);
}

TEST(AccessLog, ClosingWritesWhatIsQueuedAndTheTableIsAppendOnly) {
  const std::string path = test_dir() + "/ledger.db";
  {
    auto log = sqlite::open_access_log(path, {60'000, 512, 100'000});  // never by the interval
    ASSERT_TRUE(log);
    for (int i = 0; i < 10; ++i) (*log)->append(entry("c", "", "2020-01-01T00:00:00.000Z"));
  }
  EXPECT_EQ(column_values(path, "SELECT count(*) FROM access_log"),
            std::vector<std::string>{"10"});
  EXPECT_NE(raw_exec(path, "DELETE FROM access_log"), SQLITE_OK);
  EXPECT_NE(raw_exec(path, "UPDATE access_log SET client = 'x'"), SQLITE_OK);
}

}  // namespace
}  // namespace onestop::testing
