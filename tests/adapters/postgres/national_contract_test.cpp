// The national interface's tables (national_store.hpp) on both engines, opened through
// adapters/backend from a ledger URL as the server opens them: acknowledged messages replayed,
// visits registered and moved through their states, fee lines, reversals and files, and the
// refusals of a change another writer overtook. On PostgreSQL, two stores (two servers) racing
// for one msgid, one mdtrt_id or one person's admission: one wins, the other is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "adapters/backend/backend.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "support/engine_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace onestop::testing {
namespace {

using national::Change;
using national::FeeLine;
using national::Visit;

constexpr const char* kHospital = "H43030200005";

Visit admitted(std::int64_t id, const std::string& psn_no = "P0010038") {
  Visit v;
  v.id = id;
  v.mdtrt_id = "430302" + std::to_string(100000 + id);
  v.fixmedins_code = kHospital;
  v.hospital_id = "H5";
  v.psn_no = psn_no;
  v.insutype = "310";
  v.med_type = "21";
  v.mdtrt_cert_type = "02";
  v.begntime = "2020-03-02 08:00:00";
  v.diagnoses = {"J18.9", "E11.9"};
  v.state = "admitted";
  return v;
}

// The change of one message, its answer "answer of <msgid>".
Change message(const std::string& msgid, const std::string& infno, const std::string& mdtrt_id) {
  Change c;
  c.fixmedins_code = kHospital;
  c.msgid = msgid;
  c.infno = infno;
  c.input_sha256 = "sha of " + msgid;
  c.answer = "answer of " + msgid;
  c.mdtrt_id = mdtrt_id;
  return c;
}

Change admission(const std::string& msgid, const Visit& v) {
  Change c = message(msgid, "2401", v.mdtrt_id);
  c.insert_visit = v;
  return c;
}

FeeLine line(const std::string& sn, const std::string& msgid) {
  return FeeLine{sn, "", "XB01", "2020-03-03 10:00:00", "2.0000", "13.500000", msgid};
}

std::vector<std::string> serials(const std::vector<FeeLine>& lines) {
  std::vector<std::string> out;
  for (const FeeLine& l : lines) out.push_back(l.feedetl_sn);
  return out;
}

class NationalContract : public EngineTest {
 protected:
  std::unique_ptr<national::Store> store() {
    auto s = backend::open_national_store(url_);
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(s).value();
  }
};

TEST_P(NationalContract, AnAcknowledgedMessageIsKeptWithItsVisitAndReadByAnotherServer) {
  auto s = store();
  EXPECT_EQ(*s->next_visit_id(), 1);
  EXPECT_FALSE(*s->message(kHospital, "M1"));
  const Visit v = admitted(*s->next_visit_id());
  ASSERT_FALSE(s->commit(admission("M1", v)));

  auto other = store();  // a second server on the same tables
  const auto m = *other->message(kHospital, "M1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->infno, "2401");
  EXPECT_EQ(m->input_sha256, "sha of M1");
  EXPECT_EQ(m->answer, "answer of M1");
  EXPECT_EQ(m->mdtrt_id, v.mdtrt_id);
  EXPECT_FALSE(m->reversed);
  EXPECT_FALSE(*other->message("H43010000001", "M1"));  // msgids are per hospital

  const auto read = *other->visit(v.mdtrt_id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->id, 1);
  EXPECT_EQ(read->hospital_id, "H5");
  EXPECT_EQ(read->psn_no, "P0010038");
  EXPECT_EQ(read->begntime, "2020-03-02 08:00:00");
  EXPECT_EQ(read->endtime, "");
  EXPECT_EQ(read->diagnoses, (std::vector<std::string>{"J18.9", "E11.9"}));
  EXPECT_EQ(read->state, "admitted");
  EXPECT_EQ(read->settle_seq, 0);
  EXPECT_FALSE(read->setl_id);
  EXPECT_EQ(*other->next_visit_id(), 2);

  ASSERT_FALSE(s->commit(admission("M2", admitted(2, "P0010001"))));
  const auto visits = *other->visits_of(kHospital);
  ASSERT_EQ(visits.size(), 2u);
  EXPECT_EQ(visits[0].id, 1);
  EXPECT_EQ(visits[1].id, 2);
  EXPECT_TRUE(other->visits_of("H43010000001")->empty());
  // A message without a visit (a query, a sign-in) is acknowledged all the same.
  ASSERT_FALSE(s->commit(message("M3", "9001", "")));
  EXPECT_EQ((*other->message(kHospital, "M3"))->answer, "answer of M3");
}

TEST_P(NationalContract, AMessageAcknowledgedOnceIsADuplicateAndItsSecondChangeIsNotWritten) {
  auto s = store();
  ASSERT_FALSE(s->commit(admission("M1", admitted(1))));
  const auto again = s->commit(admission("M1", admitted(2, "P0010001")));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->code, "duplicate");
  EXPECT_EQ(again->field, "msgid");
  EXPECT_FALSE(*s->visit(admitted(2).mdtrt_id));
  EXPECT_EQ((*s->message(kHospital, "M1"))->mdtrt_id, admitted(1).mdtrt_id);
  // The same visit under another msgid: the visit's key is taken, the message not kept.
  const auto visit_again = s->commit(admission("M2", admitted(1)));
  ASSERT_TRUE(visit_again);
  EXPECT_EQ(visit_again->code, "duplicate");
  EXPECT_EQ(visit_again->field, "mdtrt_id");
  EXPECT_FALSE(*s->message(kHospital, "M2"));
}

TEST_P(NationalContract, FeeLinesAreKeptInTheirOrderRemovedAndNeverTwice) {
  auto s = store();
  const Visit v = admitted(1);
  ASSERT_FALSE(s->commit(admission("M1", v)));
  Change upload = message("M2", "2301", v.mdtrt_id);
  upload.add_lines = {line("F3", "M2"), line("F1", "M2"), line("F2", "M2")};
  ASSERT_FALSE(s->commit(upload));
  auto lines = *s->lines(v.mdtrt_id);
  EXPECT_EQ(serials(lines), (std::vector<std::string>{"F3", "F1", "F2"}));
  EXPECT_EQ(lines[0].cnt, "2.0000");
  EXPECT_EQ(lines[0].pric, "13.500000");
  EXPECT_EQ(lines[0].med_list_codg, "XB01");
  EXPECT_EQ(lines[0].msgid, "M2");

  Change twice = message("M3", "2301", v.mdtrt_id);
  twice.add_lines = {line("F4", "M3"), line("F1", "M3")};
  const auto refused = s->commit(twice);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, "duplicate");
  EXPECT_EQ(refused->field, "feedetl_sn");
  EXPECT_EQ(serials(*s->lines(v.mdtrt_id)), (std::vector<std::string>{"F3", "F1", "F2"}));
  EXPECT_FALSE(*s->message(kHospital, "M3"));

  Change cancel = message("M4", "2302", v.mdtrt_id);
  cancel.remove_lines = {"F1"};
  ASSERT_FALSE(s->commit(cancel));
  Change refund = message("M5", "2301", v.mdtrt_id);
  refund.add_lines = {line("F5", "M5")};
  refund.add_lines[0].init_feedetl_sn = "F3";
  ASSERT_FALSE(s->commit(refund));
  lines = *s->lines(v.mdtrt_id);
  EXPECT_EQ(serials(lines), (std::vector<std::string>{"F3", "F2", "F5"}));
  EXPECT_EQ(lines[2].init_feedetl_sn, "F3");
  Change all = message("M6", "2302", v.mdtrt_id);
  all.remove_all_lines = true;
  ASSERT_FALSE(s->commit(all));
  EXPECT_TRUE(s->lines(v.mdtrt_id)->empty());
}

TEST_P(NationalContract, AVisitMovesThroughItsStatesAndAnOvertakenChangeIsRefused) {
  auto s = store();
  Visit v = admitted(1);
  ASSERT_FALSE(s->commit(admission("M1", v)));
  Change fees = message("M2", "2301", v.mdtrt_id);
  fees.add_lines = {line("F1", "M2")};
  ASSERT_FALSE(s->commit(fees));

  Visit discharged = v;
  discharged.state = "discharged";
  discharged.endtime = "2020-03-12 09:00:00";
  discharged.diagnoses = {"J18.9"};
  Change discharge = message("M3", "2402", v.mdtrt_id);
  discharge.update_visit = discharged;
  ASSERT_FALSE(s->commit(discharge));
  // The same discharge decided on the admitted visit under another msgid (another server
  // read it before M3 committed): the visit is discharged already.
  Change stale = message("M4", "2402", v.mdtrt_id);
  stale.update_visit = discharged;
  auto refused = s->commit(stale);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, "visit_changed");
  EXPECT_EQ(refused->field, "mdtrt_id");
  EXPECT_FALSE(*s->message(kHospital, "M4"));

  Visit settled = discharged;
  settled.state = "settled";
  settled.settle_seq = 1;
  settled.setl_id = 42;
  Change settle = message("M5", "2304", v.mdtrt_id);
  settle.update_visit = settled;
  ASSERT_FALSE(s->commit(settle));
  auto read = *s->visit(v.mdtrt_id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->state, "settled");
  EXPECT_EQ(read->settle_seq, 1);
  EXPECT_EQ(read->setl_id, 42);
  EXPECT_EQ(read->endtime, "2020-03-12 09:00:00");
  EXPECT_EQ(read->diagnoses, (std::vector<std::string>{"J18.9"}));
  // A second settlement of the same number, and fee lines of a settled visit: refused.
  Change twice = message("M6", "2304", v.mdtrt_id);
  twice.update_visit = settled;
  EXPECT_EQ(s->commit(twice)->code, "visit_changed");
  Change late_fees = message("M7", "2301", v.mdtrt_id);
  late_fees.add_lines = {line("F2", "M7")};
  EXPECT_EQ(s->commit(late_fees)->code, "visit_changed");

  // Cancelling the settlement (2305) and then reversing that settlement's message (2601).
  Visit unsettled = settled;
  unsettled.state = "discharged";
  unsettled.setl_id.reset();
  Change cancel = message("M8", "2601", v.mdtrt_id);
  cancel.update_visit = unsettled;
  cancel.reversed_msgid = "M5";
  ASSERT_FALSE(s->commit(cancel));
  EXPECT_TRUE((*s->message(kHospital, "M5"))->reversed);
  read = *s->visit(v.mdtrt_id);
  EXPECT_EQ(read->state, "discharged");
  EXPECT_EQ(read->settle_seq, 1);
  EXPECT_FALSE(read->setl_id);
  Change reverse_again = message("M9", "2601", v.mdtrt_id);
  reverse_again.reversed_msgid = "M5";
  refused = s->commit(reverse_again);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, "duplicate");
  EXPECT_EQ(refused->field, "omsgid");

  // Back to admitted; a visit with fee lines is not cancelled.
  Visit readmitted = unsettled;
  readmitted.state = "admitted";
  readmitted.endtime.clear();
  Change undo = message("M10", "2405", v.mdtrt_id);
  undo.update_visit = readmitted;
  ASSERT_FALSE(s->commit(undo));
  Visit cancelled = readmitted;
  cancelled.state = "cancelled";
  Change cancel_admission = message("M11", "2404", v.mdtrt_id);
  cancel_admission.update_visit = cancelled;
  EXPECT_EQ(s->commit(cancel_admission)->code, "visit_changed");
  EXPECT_EQ((*s->visit(v.mdtrt_id))->state, "admitted");
  // No visit at all.
  Change nowhere = message("M12", "2402", "430302999999");
  nowhere.update_visit = admitted(99);
  EXPECT_EQ(s->commit(nowhere)->code, "visit_changed");
}

TEST_P(NationalContract, AFileIsKeptForItsHospital) {
  auto s = store();
  Change upload = message("M1", "9101", "");
  upload.add_file = national::StoredFile{"Q1", "fees.zip", "UEsDBA=="};
  ASSERT_FALSE(s->commit(upload));
  const auto file = *store()->file(kHospital, "Q1");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->file_qury_no, "Q1");
  EXPECT_EQ(file->filename, "fees.zip");
  EXPECT_EQ(file->content_base64, "UEsDBA==");
  EXPECT_FALSE(*s->file("H43010000001", "Q1"));
  EXPECT_FALSE(*s->file(kHospital, "Q2"));
  Change again = message("M2", "9101", "");
  again.add_file = national::StoredFile{"Q1", "other.zip", "AA=="};
  const auto refused = s->commit(again);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, "duplicate");
  EXPECT_EQ(refused->field, "file_qury_no");
}

TEST_P(NationalContract, PersonsAndKeysComeFromTheRosterAndTheClients) {
  auto roster = backend::open_roster(url_);
  ASSERT_TRUE(roster) << roster.error().message;
  store::RosterEntry e;
  e.patient_id = "P0010038";
  e.name = "窦海波";
  e.id_number = "43030019900010038X";
  e.category = "low_income";
  e.valid_from = *Date::parse("2020-01-01");
  ASSERT_FALSE((*roster)->replace_all({e}));
  auto clients = backend::open_clients(url_);
  ASSERT_TRUE(clients);
  const auto key = (*clients)->add("desk", store::Role::hospital, "H5");
  ASSERT_TRUE(key) << key.error().message;

  auto s = store();
  const auto by_id = *s->person("P0010038", "2020-03-02");
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->name, "窦海波");
  EXPECT_EQ(by_id->category, "low_income");
  EXPECT_EQ(by_id->valid_from, "2020-01-01");
  EXPECT_EQ(by_id->valid_to, "");
  const auto by_number = *s->person("43030019900010038X", "2020-03-02");
  ASSERT_TRUE(by_number);
  EXPECT_EQ(by_number->psn_no, "P0010038");
  EXPECT_FALSE(*s->person("P0010038", "2019-12-31"));

  const auto client = *s->tif_client(key->key_id);
  ASSERT_TRUE(client) << key->key;
  EXPECT_EQ(client->principal.client, "desk");
  EXPECT_EQ(client->principal.role, store::Role::hospital);
  EXPECT_EQ(client->principal.hospital_id, "H5");
  EXPECT_FALSE(client->token.empty());
  EXPECT_FALSE(*s->tif_client("0000000000000000"));
}

// One person, one open admission at a hospital: a second is refused while the first is
// admitted or discharged, wherever it comes from; another hospital may admit them, and once
// the first is closed (cancelled here) they may be admitted again.
TEST_P(NationalContract, APersonHasOneOpenAdmissionAtAHospital) {
  auto s = store();
  const Visit first = admitted(1);
  ASSERT_FALSE(s->commit(admission("M1", first)));
  auto other = store();
  const auto again = other->commit(admission("M2", admitted(2)));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->code, "duplicate") << again->message;
  EXPECT_EQ(again->field, "psn_no");
  EXPECT_NE(again->message.find("P0010038"), std::string::npos) << again->message;
  EXPECT_FALSE(*s->visit(admitted(2).mdtrt_id));
  EXPECT_FALSE(*s->message(kHospital, "M2"));  // not acknowledged: nothing written

  Visit elsewhere = admitted(3);
  elsewhere.fixmedins_code = "H43010000001";
  Change at_other = admission("M3", elsewhere);
  at_other.fixmedins_code = elsewhere.fixmedins_code;
  EXPECT_FALSE(other->commit(at_other));

  Visit discharged = first;
  discharged.state = "discharged";
  discharged.endtime = "2020-03-12 09:00:00";
  Change discharge = message("M4", "2402", first.mdtrt_id);
  discharge.update_visit = discharged;
  ASSERT_FALSE(s->commit(discharge));
  const auto still_open = other->commit(admission("M5", admitted(5)));
  ASSERT_TRUE(still_open);
  EXPECT_EQ(still_open->field, "psn_no");

  // Discharge undone, then the admission cancelled: closed.
  for (const auto& [msgid, infno, state] :
       {std::tuple{"M6", "2405", "admitted"}, std::tuple{"M7", "2404", "cancelled"}}) {
    Change change = message(msgid, infno, first.mdtrt_id);
    change.update_visit = first;
    change.update_visit->state = state;
    ASSERT_FALSE(s->commit(change)) << msgid;
  }
  EXPECT_FALSE(other->commit(admission("M8", admitted(8))));
}

INSTANTIATE_TEST_SUITE_P(Engines, NationalContract, kEngines, engine_name);

// Two servers (two stores, each with its connections) commit at once. `make(i)` is thread i's
// change; returns the two answers.
std::vector<std::optional<Error>> race(const backend::LedgerUrl& url,
                                       const std::function<Change(int)>& make) {
  auto a = backend::open_national_store(url);
  auto b = backend::open_national_store(url);
  if (!a || !b) throw std::runtime_error("cannot open the national store");
  national::Store* stores[] = {a->get(), b->get()};
  std::vector<std::optional<Error>> answers(2);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      const Change change = make(i);
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();
      answers[static_cast<std::size_t>(i)] = stores[i]->commit(change);
    });
  }
  for (std::thread& t : threads) t.join();
  return answers;
}

TEST(NationalPg, TwoServersRacingForOneMsgidOneVisitOrOnePersonOneWinsTheOtherIsRefused) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const auto url = *backend::parse_ledger_url(pg->fresh_database(), "test");
  auto reader = backend::open_national_store(url);
  ASSERT_TRUE(reader);
  for (int round = 0; round < 10; ++round) {
    // The same msgid, each server with a visit of its own.
    const std::string msgid = "M" + std::to_string(round);
    const std::int64_t base = 1000 + round * 10;
    // A person per round: each round's winner stays admitted.
    const std::string person = "P00100" + std::to_string(10 + round);
    auto answers = race(url, [&](int i) { return admission(msgid, admitted(base + i, person)); });
    const int won = (answers[0] ? 0 : 1) + (answers[1] ? 0 : 1);
    ASSERT_EQ(won, 1) << "round " << round;
    const std::optional<Error>& lost = answers[0] ? answers[0] : answers[1];
    EXPECT_EQ(lost->code, "duplicate") << lost->message;
    EXPECT_EQ(lost->field, "msgid");
    const int winner = answers[0] ? 1 : 0;
    const auto kept = *(*reader)->message(kHospital, msgid);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->mdtrt_id, admitted(base + winner).mdtrt_id);
    EXPECT_FALSE(*(*reader)->visit(admitted(base + 1 - winner).mdtrt_id));

    // The same visit (both read the same next id), each under a msgid of its own.
    const std::int64_t id = base + 5;
    answers = race(url, [&](int i) {
      return admission(msgid + "-" + std::to_string(i),
                       admitted(id, person + "-" + std::to_string(i)));
    });
    ASSERT_EQ((answers[0] ? 0 : 1) + (answers[1] ? 0 : 1), 1) << "round " << round;
    const std::optional<Error>& second = answers[0] ? answers[0] : answers[1];
    EXPECT_EQ(second->code, "duplicate") << second->message;
    EXPECT_EQ(second->field, "mdtrt_id");
    const int first = answers[0] ? 1 : 0;
    EXPECT_EQ((*(*reader)->visit(admitted(id).mdtrt_id))->psn_no,
              person + "-" + std::to_string(first));
    EXPECT_FALSE(*(*reader)->message(kHospital, msgid + "-" + std::to_string(1 - first)));

    // One person (with no open admission), each server with a visit and a msgid of its own:
    // one admits, the other is refused, and the person has one open admission.
    const std::string newcomer = "P00200" + std::to_string(10 + round);
    answers = race(url, [&](int i) {
      return admission(msgid + "-p" + std::to_string(i), admitted(base + 7 + i, newcomer));
    });
    ASSERT_EQ((answers[0] ? 0 : 1) + (answers[1] ? 0 : 1), 1) << "round " << round;
    const std::optional<Error>& again = answers[0] ? answers[0] : answers[1];
    EXPECT_EQ(again->code, "duplicate") << again->message;
    EXPECT_EQ(again->field, "psn_no");
    const auto visits = (*reader)->visits_of(kHospital);
    ASSERT_TRUE(visits);
    EXPECT_EQ(std::count_if(visits->begin(), visits->end(),
                            [&](const Visit& v) { return v.psn_no == newcomer; }),
              1)
        << "round " << round;
  }
}

// Two servers discharging one visit at once (each read it admitted): one discharges it, the
// other is refused by the state machine on the locked row.
TEST(NationalPg, TwoServersChangingOneVisitAtOnceTakeTurns) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const auto url = *backend::parse_ledger_url(pg->fresh_database(), "test");
  auto reader = backend::open_national_store(url);
  ASSERT_TRUE(reader);
  for (int round = 0; round < 10; ++round) {
    const Visit v = admitted(100 + round, "P00100" + std::to_string(10 + round));
    ASSERT_FALSE((*reader)->commit(admission("A" + std::to_string(round), v)));
    const auto answers = race(url, [&](int i) {
      Change c = message("D" + std::to_string(round) + "-" + std::to_string(i), "2402", v.mdtrt_id);
      Visit discharged = v;
      discharged.state = "discharged";
      discharged.endtime = "2020-03-1" + std::to_string(i) + " 09:00:00";
      c.update_visit = discharged;
      return c;
    });
    ASSERT_EQ((answers[0] ? 0 : 1) + (answers[1] ? 0 : 1), 1) << "round " << round;
    const std::optional<Error>& lost = answers[0] ? answers[0] : answers[1];
    EXPECT_EQ(lost->code, "visit_changed") << lost->message;
    const int winner = answers[0] ? 1 : 0;
    EXPECT_EQ((*(*reader)->visit(v.mdtrt_id))->endtime,
              "2020-03-1" + std::to_string(winner) + " 09:00:00");
  }
}

}  // namespace
}  // namespace onestop::testing
