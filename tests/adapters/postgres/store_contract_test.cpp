// The storage contract (adapters/store), run against every engine: the embedded SQLite file and
// a real PostgreSQL 15 (a throwaway cluster, tests/support/pg_cluster.hpp). Each test opens its
// storage through adapters/backend from a ledger URL, as the server and the commands do, so
// neither engine can drift from the other (issue 11).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "adapters/backend/backend.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "support/engine_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace onestop::testing {
namespace {

using store::Certification;
using store::Role;
using store::RosterEntry;

Date day(const char* text) { return *Date::parse(text); }

RosterEntry entry(const std::string& id, const std::string& category, const char* from,
                  std::optional<const char*> to = std::nullopt) {
  RosterEntry e;
  e.patient_id = id;
  e.name = "name of " + id;
  e.id_number = "43030219800101001X";
  e.category = category;
  e.valid_from = day(from);
  if (to) e.valid_to = day(*to);
  return e;
}

class StoreContract : public EngineTest {
 protected:
  std::unique_ptr<store::Roster> roster() {
    auto r = backend::open_roster(url_);
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r).value();
  }
  std::unique_ptr<store::Clients> clients() {
    auto c = backend::open_clients(url_);
    if (!c) throw std::runtime_error(c.error().message);
    return std::move(c).value();
  }

  std::unique_ptr<store::AccessLog> access_log(const store::AccessLogOptions& options) {
    auto l = backend::open_access_log(url_, options);
    if (!l) throw std::runtime_error(l.error().message);
    return std::move(l).value();
  }
};

TEST_P(StoreContract, TheRosterAnswersTheCategoryHeldOnADateAcrossAChange) {
  auto r = roster();
  ASSERT_FALSE(r->replace_all({entry("P1", "poor", "2020-01-01", "2020-06-30"),
                               entry("P1", "low_income", "2020-07-01"),
                               entry("P2", "extreme_poor", "2019-01-01", "2019-12-31")}));
  EXPECT_EQ(r->size(), 3u);
  EXPECT_EQ(r->lookup("P1", day("2020-03-01"))->category, "poor");
  EXPECT_EQ(r->lookup("P1", day("2020-06-30"))->category, "poor");
  EXPECT_EQ(r->lookup("P1", day("2020-07-01"))->category, "low_income");
  EXPECT_EQ(r->lookup("P1", day("2031-01-01"))->category, "low_income");
  EXPECT_EQ(r->lookup("P1", day("2020-07-01"))->name, "name of P1");
  EXPECT_FALSE(r->lookup("P1", day("2019-12-31")));
  EXPECT_FALSE(r->lookup("P2", day("2020-01-01")));
  EXPECT_FALSE(r->lookup("P9", day("2020-01-01")));
  EXPECT_TRUE(r->knows("P2"));
  EXPECT_FALSE(r->knows("P9"));
  // Another connection (a second server) reads the same rows.
  EXPECT_EQ(roster()->lookup("P1", day("2020-03-01"))->category, "poor");
}

TEST_P(StoreContract, ARosterImportIsAllOrNothing) {
  auto r = roster();
  ASSERT_FALSE(r->replace_all({entry("P1", "poor", "2020-01-01")}));
  const auto overlap = r->replace_all({entry("P3", "poor", "2020-01-01"),
                                       entry("P4", "poor", "2020-01-01", "2020-12-31"),
                                       entry("P4", "low_income", "2020-06-01")});
  ASSERT_TRUE(overlap);
  EXPECT_EQ(overlap->code, "roster_overlap");
  EXPECT_EQ(overlap->field, "patient_id");
  const auto empty = r->replace_all({entry("", "poor", "2020-01-01")});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->code, "roster_invalid");
  // Nothing of either refused import was written; the first roster stands.
  EXPECT_EQ(r->size(), 1u);
  EXPECT_TRUE(r->knows("P1"));
  EXPECT_FALSE(r->knows("P3"));
  // A large import goes in whole and replaces the old rows.
  std::vector<RosterEntry> many;
  for (int i = 0; i < 1234; ++i)
    many.push_back(entry("Q" + std::to_string(i), "poor", "2020-01-01"));
  ASSERT_FALSE(r->replace_all(many));
  EXPECT_EQ(r->size(), 1234u);
  EXPECT_FALSE(r->knows("P1"));
  EXPECT_EQ(r->lookup("Q1233", day("2020-05-05"))->category, "poor");
}

TEST_P(StoreContract, CertificationsAreReplacedWholeAndListedByDiseaseAndDate) {
  auto r = roster();
  const std::vector<Certification> certs = {
      {"P1", "severe_mental", day("2020-03-01"), std::nullopt},
      {"P1", "diabetes", day("2020-01-01"), day("2020-01-31")},
      {"P1", "diabetes", day("2020-02-01"), std::nullopt},
      {"P2", "diabetes", day("2020-01-01"), std::nullopt}};
  ASSERT_FALSE(r->replace_certifications(certs));
  const auto p1 = r->certifications("P1");
  ASSERT_EQ(p1.size(), 3u);
  EXPECT_EQ(p1[0].disease, "diabetes");
  EXPECT_EQ(p1[0].valid_to, day("2020-01-31"));
  EXPECT_EQ(p1[1].valid_from, day("2020-02-01"));
  EXPECT_FALSE(p1[1].valid_to);
  EXPECT_EQ(p1[2].disease, "severe_mental");
  const auto overlap =
      r->replace_certifications({{"P3", "diabetes", day("2020-01-01"), std::nullopt},
                                 {"P3", "diabetes", day("2020-05-01"), std::nullopt}});
  ASSERT_TRUE(overlap);
  EXPECT_EQ(overlap->code, "roster_overlap");
  EXPECT_EQ(r->certifications("P1").size(), 3u);
  EXPECT_TRUE(r->certifications("P3").empty());
  ASSERT_FALSE(r->replace_certifications({}));
  EXPECT_TRUE(r->certifications("P1").empty());
}

TEST_P(StoreContract, AKeyAuthenticatesAsItsClientAndRotationKeepsThePreviousUntilRevoked) {
  auto c = clients();
  const auto first = c->add("no3-billing", Role::hospital, "H2");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->key.rfind("osk_" + first->key_id + "_", 0), 0u) << first->key;
  const auto who = c->authenticate(first->key);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->client, "no3-billing");
  EXPECT_EQ(who->role, Role::hospital);
  EXPECT_EQ(who->hospital_id, "H2");
  // Wrong secret, malformed, unknown: refused alike.
  std::string wrong = first->key;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_FALSE(c->authenticate(wrong));
  EXPECT_FALSE(c->authenticate("osk_nonsense"));
  EXPECT_FALSE(c->authenticate(""));

  const auto second = c->rotate("no3-billing");
  ASSERT_TRUE(second);
  EXPECT_TRUE(c->authenticate(first->key));
  EXPECT_TRUE(c->authenticate(second->key));
  const auto third = c->rotate("no3-billing");
  ASSERT_TRUE(third);
  EXPECT_FALSE(c->authenticate(first->key)) << "only the newest and the one before stay valid";
  EXPECT_TRUE(c->authenticate(second->key));
  ASSERT_FALSE(c->revoke("no3-billing", /*previous_only=*/true));
  EXPECT_FALSE(c->authenticate(second->key));
  EXPECT_TRUE(c->authenticate(third->key));

  const auto listed = c->list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key_ids, std::vector<std::string>{third->key_id});
  EXPECT_FALSE((*listed)[0].revoked_at);

  ASSERT_FALSE(c->revoke("no3-billing", false));
  EXPECT_FALSE(c->authenticate(third->key));
  // The name stays taken; the revoked client takes no new key.
  const auto again = c->add("no3-billing", Role::auditor, "");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "client_exists");
  const auto rotated = c->rotate("no3-billing");
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().code, "client_revoked");
  const auto after = c->list();
  ASSERT_TRUE(after);
  EXPECT_TRUE((*after)[0].revoked_at);
  EXPECT_TRUE((*after)[0].key_ids.empty());
}

TEST_P(StoreContract, BadClientRequestsNameTheirFieldAndWriteNothing) {
  auto c = clients();
  ASSERT_TRUE(c->add("auditor-1", Role::auditor, ""));
  struct Bad {
    std::string name;
    Role role;
    std::string hospital;
    std::string code;
    std::string field;
  };
  for (const Bad& b :
       std::vector<Bad>{{"Bad Name", Role::auditor, "", "bad_client_name", "name"},
                        {"", Role::auditor, "", "bad_client_name", "name"},
                        {"desk", Role::hospital, "", "hospital_required", "hospital"},
                        {"office", Role::reconciler, "H2", "hospital_not_allowed", "hospital"},
                        {"auditor-1", Role::admin, "", "client_exists", "name"}}) {
    const auto r = c->add(b.name, b.role, b.hospital);
    ASSERT_FALSE(r) << b.name;
    EXPECT_EQ(r.error().code, b.code) << b.name;
    EXPECT_EQ(r.error().field, b.field) << b.name;
  }
  const auto unknown = c->rotate("nobody");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "unknown_client");
  ASSERT_TRUE(c->revoke("nobody", false));
  const auto listed = c->list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "auditor-1");
  EXPECT_EQ((*listed)[0].key_ids.size(), 1u);
}

// Keys are checked from many threads at once (every request checks one), beside rotations.
TEST_P(StoreContract, KeysAreCheckedFromManyThreadsBesideRotations) {
  auto c = clients();
  const auto hospital = c->add("desk", Role::hospital, "H1");
  const auto auditor = c->add("audit", Role::auditor, "");
  ASSERT_TRUE(hospital && auditor && c->add("rotating", Role::reconciler, ""));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const auto p = c->authenticate(t % 2 == 0 ? hospital->key : auditor->key);
        if (!p || p->client != (t % 2 == 0 ? "desk" : "audit")) ++wrong;
      }
    });
  }
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c->rotate("rotating"));
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  const auto listed = c->list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[2].name, "rotating");
  EXPECT_EQ((*listed)[2].key_ids.size(), 2u);
}

store::AccessEntry access(const std::string& at, const std::string& client,
                          const std::string& target, int status) {
  store::AccessEntry e;
  e.at = at;
  e.client = client;
  e.role = client.empty() ? "" : "hospital";
  e.method = "POST";
  e.route = "/v1/settlements";
  e.target = target;
  e.status = status;
  e.remote = "127.0.0.1:5000";
  e.correlation_id = "c-" + at;
  return e;
}

TEST_P(StoreContract, TheAccessLogKeepsEveryEntryAndListsThemByClientTargetAndTime) {
  {
    auto log = access_log({20, 64, 100'000});
    for (int i = 0; i < 150; ++i) {
      char at[32];
      std::snprintf(at, sizeof at, "2020-03-02T08:%02d:%02d.000Z", i / 60, i % 60);
      log->append(access(at, i % 3 == 0 ? "desk" : "other", "patient:P" + std::to_string(i % 5),
                         i % 7 == 0 ? 409 : 201));
    }
    log->flush();
    const auto all = log->list({});
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->size(), 150u);
    EXPECT_EQ((*all)[0].at, "2020-03-02T08:00:00.000Z");
    EXPECT_EQ((*all)[0].status, 409);
    EXPECT_EQ((*all)[0].correlation_id, "c-2020-03-02T08:00:00.000Z");
    EXPECT_LT((*all)[0].id, (*all)[149].id);
    store::AccessQuery by_client;
    by_client.client = "desk";
    by_client.target = "patient:P0";
    const auto desk = log->list(by_client);
    ASSERT_TRUE(desk);
    ASSERT_EQ(desk->size(), 10u);  // i = 0, 15, 30, ..., 135
    for (const auto& e : *desk) EXPECT_EQ(e.target, "patient:P0");
    store::AccessQuery window;
    window.from = "2020-03-02T08:01:00.000Z";
    window.before = "2020-03-02T08:02:00.000Z";
    window.limit = 25;
    const auto minute = log->list(window);
    ASSERT_TRUE(minute);
    ASSERT_EQ(minute->size(), 25u);
    EXPECT_EQ(minute->front().at, "2020-03-02T08:01:00.000Z");
    EXPECT_EQ(log->dropped(), 0u);
    log->append(access("2020-03-02T09:00:00.000Z", "", "", 401));
  }  // closing writes what is queued, without waiting for the interval
  const auto reopened = access_log({60'000, 512, 100'000})->list({});
  ASSERT_TRUE(reopened);
  ASSERT_EQ(reopened->size(), 151u);
  EXPECT_EQ(reopened->back().status, 401);
  EXPECT_EQ(reopened->back().client, "");
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreContract, kEngines, engine_name);

}  // namespace
}  // namespace onestop::testing
