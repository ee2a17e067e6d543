// Issue 5's soak: `onestop serve` killed with SIGKILL at random moments during a mixed load of
// settlements and cancellations, restarted on the same ledger each time, with clients that
// resend each request (the very same body) until it is acknowledged. Each client thread owns
// its patients, so it knows each one's latest live settlement and every cancel it sends is
// valid whatever the other threads do. In the end, read with the SQLite C API (not through
// the code under test): every acknowledged settlement and cancellation is in the ledger exactly
// once under the id its acknowledgement named; nothing else is; no settlement is cancelled
// twice and exactly the ones the clients cancelled are; no bill is paid twice and the fund
// totals are those of the live settlements; the accumulators and person-years are a
// recomputation from the records; and `onestop verify` passes.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/NetException.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sqlite/open.hpp"
#include "crash_fixture.hpp"
#include "http_fixture.hpp"

namespace onestop::testing {
namespace {

using namespace crash;  // NOLINT: the crash tests' shared harness
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kClients = 6;
constexpr int kPatientsPerClient = 6;      // P0010000.. : 36 of the roster's 40 all-2020 patients
constexpr int kMinKills = 5;               // the requirement, whatever the time
constexpr int kKills = 20;                 // while kLoadSeconds allow
constexpr int kMaxKills = 60;              // until a committed request's answer was lost
constexpr int kMaxOpsPerClient = 3000;     // bounds the ledger whatever the machine's speed
constexpr int kCancelPercent = 30;         // of the operations on a patient with a live settlement
constexpr int kLoadSeconds = 25;           // past it, only the requirements start kills
constexpr std::uint32_t kSeed = 20200305;  // kill moments and each client's script; printed

enum class Kind { settle, cancel };

// One request a client sends until it is acknowledged.
struct Op {
  Kind kind = Kind::settle;
  std::string patient;
  std::string bill_no;  // settle: its bill; cancel: the bill of the settlement cancelled
  std::string path;
  std::string body;         // built once: a retry must resend the very same request
  std::string reason;       // cancel: the reason sent
  std::int64_t target = 0;  // cancel: the settlement cancelled
  int attempts = 0;
  bool acked = false;
  bool refused = false;        // an answer other than 201/200/503 (already a failure)
  std::int64_t record_id = 0;  // the acknowledged record (settlement or cancellation)
};

struct Tally {
  std::atomic<int> requests{0};  // attempts, retries included
  std::atomic<int> retries{0};
  std::atomic<int> refused_connections{0};  // the server was down: nothing was sent
  std::atomic<int> broken_in_flight{0};     // connected, then lost: the server died meanwhile
  std::atomic<int> unavailable{0};          // 503
  std::atomic<int> created[2] = {0, 0};     // 201, by Kind
  std::atomic<int> replayed[2] = {0, 0};    // 200: committed before a crash, its answer lost
};

struct Shared {
  std::atomic<std::uint16_t> port{0};  // 0 while the server is down; re-read at every attempt
  std::atomic<bool> stop{false};
  Tally tally;
  std::string key;  // the hospital client's credential
};

enum class Outcome { acknowledged, not_yet, refused };

int kind_index(Kind kind) { return kind == Kind::settle ? 0 : 1; }

// Whether an answer's record is the one `op` asked for; a failure names what differs.
bool answer_matches(const Poco::JSON::Object& doc, const Op& op, bool replayed) {
  const bool is_settle = op.kind == Kind::settle;
  const std::string kind = doc.getValue<std::string>("kind");
  EXPECT_EQ(kind, is_settle ? "settlement" : "cancellation") << op.path << " " << op.body;
  EXPECT_EQ(doc.getValue<bool>("replayed"), replayed) << op.path << " " << op.body;
  EXPECT_EQ(doc.getValue<std::string>("bill_no"), op.bill_no) << op.path;
  EXPECT_EQ(doc.getValue<std::string>("patient_id"), op.patient) << op.path;
  if (is_settle) return kind == "settlement";
  EXPECT_EQ(doc.getValue<Poco::Int64>("cancels"), op.target) << op.path;
  EXPECT_EQ(doc.getValue<std::string>("reason"), op.reason) << op.path;
  return kind == "cancellation" && doc.getValue<Poco::Int64>("cancels") == op.target;
}

// What a response means for `op`. A body cut short by the kill is a lost answer, not an ack.
Outcome judge(const Reply& reply, Op& op, Tally& tally) {
  if (reply.status == 503) {
    ++tally.unavailable;
    return Outcome::not_yet;
  }
  if (reply.status != 201 && reply.status != 200) {
    ADD_FAILURE() << op.path << " " << op.body << ": " << reply.status << " " << reply.body;
    op.refused = true;
    return Outcome::refused;
  }
  Poco::JSON::Object::Ptr doc;
  try {
    doc = parse_json(reply.body);
  } catch (const std::exception&) {
    ++tally.broken_in_flight;
    return Outcome::not_yet;
  }
  try {
    const bool matches = answer_matches(*doc, op, reply.status == 200);
    op.record_id = doc->getValue<Poco::Int64>("settlement_id");
    if (!matches) throw std::runtime_error("another record");
  } catch (const std::exception& e) {  // a whole answer, but not the record asked for
    ADD_FAILURE() << op.path << " " << op.body << ": " << e.what() << ": " << reply.body;
    op.refused = true;
    return Outcome::refused;
  }
  op.acked = true;
  ++(reply.status == 201 ? tally.created : tally.replayed)[kind_index(op.kind)];
  return Outcome::acknowledged;
}

// One POST of `op` on a fresh connection: a connection of its own tells whether the server was
// down (refused) or died with the request in flight (broken after connecting).
Outcome attempt(std::uint16_t port, Op& op, const std::string& key, Tally& tally) {
  ++tally.requests;
  if (++op.attempts > 1) ++tally.retries;
  Reply reply;
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(5, 0));
    reply = send_request(session, "POST", op.path, op.body, "application/json", key);
  } catch (const Poco::Net::ConnectionRefusedException&) {
    ++tally.refused_connections;
    return Outcome::not_yet;
  } catch (const Poco::Exception&) {
    ++tally.broken_in_flight;
    return Outcome::not_yet;
  }
  return judge(reply, op, tally);
}

std::string patient_of(int client, int k) {
  const std::string n = std::to_string(client * kPatientsPerClient + k);
  return "P00100" + std::string(2 - n.size(), '0') + n;
}

Op make_settle(int client, int n, const std::string& patient) {
  Op op;
  op.kind = Kind::settle;
  op.patient = patient;
  op.bill_no = "SOAK-" + std::to_string(client) + "-" + std::to_string(n);
  op.path = "/v1/settlements";
  op.body = RequestBuilder().patient(patient).bill(op.bill_no).json();
  return op;
}

// A live settlement a client knows of: acknowledged, not (yet) cancelled.
struct Live {
  std::int64_t id = 0;
  std::string bill_no;
};

Op make_cancel(int client, int n, const std::string& patient, const Live& latest) {
  Op op;
  op.kind = Kind::cancel;
  op.patient = patient;
  op.bill_no = latest.bill_no;
  op.target = latest.id;
  op.reason = "soak " + std::to_string(client) + "-" + std::to_string(n);
  op.path = "/v1/settlements/" + std::to_string(latest.id) + "/cancel";
  op.body = R"({"reason":")" + op.reason + R"("})";
  return op;
}

// A hospital's client following its own seeded script over its own patients: settle a new
// bill, or cancel the patient's latest live settlement (the only one that may be). Each
// request is resent until acknowledged, then the next one; on stop the current one is left as
// it is (the final phase acknowledges it). A refused request ends the script: the client's
// picture of its patients may be wrong after it.
void client(int id, Shared& shared, std::vector<Op>& ops) {
  std::mt19937 rng(kSeed + static_cast<std::uint32_t>(id) + 1);
  std::uniform_int_distribution<int> pick_patient(0, kPatientsPerClient - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  std::map<std::string, std::vector<Live>> live;  // patient → live settlements, oldest first
  int bills = 0;
  for (int n = 0; n < kMaxOpsPerClient && !shared.stop; ++n) {
    const std::string patient = patient_of(id, pick_patient(rng));
    std::vector<Live>& mine = live[patient];
    const bool cancel = !mine.empty() && percent(rng) < kCancelPercent;
    Op op = cancel ? make_cancel(id, n, patient, mine.back()) : make_settle(id, bills++, patient);
    while (!shared.stop && !op.acked && !op.refused) {
      const std::uint16_t port = shared.port.load();
      // Backing off while the server is down keeps the 2 cores for its restart.
      if (port == 0 || attempt(port, op, shared.key, shared.tally) == Outcome::not_yet) {
        std::this_thread::sleep_for(milliseconds(20));
      }
    }
    if (op.acked && cancel) mine.pop_back();
    if (op.acked && !cancel) mine.push_back({op.record_id, op.bill_no});
    const bool refused = op.refused;
    if (op.attempts > 0) ops.push_back(std::move(op));  // only what may have been sent
    if (refused) break;
  }
}

// The client threads. Stopping and joining them on scope exit keeps an early return (a failed
// ASSERT) from destroying joinable threads.
class Load {
 public:
  Load(Shared& shared, std::vector<std::vector<Op>>& ops) : shared_(shared) {
    for (int t = 0; t < kClients; ++t) {
      threads_.emplace_back([&shared, &ops, t] { client(t, shared, ops[t]); });
    }
  }
  ~Load() {
    shared_.stop = true;
    for (auto& th : threads_) th.join();
  }
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

 private:
  Shared& shared_;
  std::vector<std::thread> threads_;
};

// Resends every request not yet acknowledged (at most one per client: its last) to the final
// server until it is (bounded); returns how many were pending.
int acknowledge_rest(std::vector<std::vector<Op>>& ops, std::uint16_t port, Shared& shared) {
  int pending = 0;
  for (auto& client_ops : ops) {
    for (Op& op : client_ops) {
      if (op.acked || op.refused) continue;
      ++pending;
      for (int i = 0; i < 50 && !op.acked && !op.refused; ++i) {
        if (attempt(port, op, shared.key, shared.tally) == Outcome::not_yet) {
          std::this_thread::sleep_for(milliseconds(50));
        }
      }
    }
  }
  return pending;
}

// (hospital_id, bill_no) settled more than once: a bill paid twice.
constexpr const char* kDoubleSettled = R"sql(
SELECT COUNT(*) FROM (SELECT 1 FROM records WHERE kind = 'settlement'
                      GROUP BY hospital_id, bill_no HAVING COUNT(*) > 1)
)sql";

// Cancellations that are not their settlement negated: other keys or person, amounts not the
// opposite, written before it, or cancelling what is not a settlement (or nothing).
constexpr const char* kUnnegatedCancellations = R"sql(
SELECT COUNT(*) FROM records c LEFT JOIN records s ON s.id = c.cancels
WHERE c.kind = 'cancellation' AND (s.id IS NULL OR s.kind <> 'settlement' OR c.id < s.id
  OR c.hospital_id <> s.hospital_id OR c.bill_no <> s.bill_no OR c.patient_id <> s.patient_id
  OR c.total <> -s.total OR c.fund_paid <> -s.fund_paid OR c.patient_pays <> -s.patient_pays)
)sql";

// Funds whose net payment over every record differs from the sum over the live settlements
// (those no cancellation names), plus 1 when the records' fund_paid totals differ likewise.
constexpr const char* kFundMismatches = R"sql(
WITH live AS (SELECT id FROM records WHERE kind = 'settlement'
              AND id NOT IN (SELECT cancels FROM records WHERE cancels IS NOT NULL)),
net AS (SELECT fund, SUM(paid) AS paid FROM record_layers GROUP BY fund),
owed AS (SELECT fund, SUM(paid) AS paid FROM record_layers
         WHERE record_id IN (SELECT id FROM live) GROUP BY fund),
n AS (SELECT * FROM net WHERE paid <> 0),
o AS (SELECT * FROM owed WHERE paid <> 0)
SELECT (SELECT COUNT(*) FROM (SELECT * FROM n EXCEPT SELECT * FROM o)) +
       (SELECT COUNT(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM n)) +
       ((SELECT IFNULL(SUM(fund_paid), 0) FROM records) <>
        (SELECT IFNULL(SUM(fund_paid), 0) FROM records WHERE id IN (SELECT id FROM live)))
)sql";

struct LedgerRecord {
  std::int64_t id = 0;
  std::string hospital_id;
  std::string patient_id;
  std::string reason;
};

struct LedgerView {
  std::map<std::string, std::vector<LedgerRecord>> settlements;     // bill number → records
  std::map<std::int64_t, std::vector<LedgerRecord>> cancellations;  // id cancelled → records
  std::int64_t settlement_rows = -1;
  std::int64_t cancellation_rows = -1;
  std::int64_t double_settled = -1;
  std::int64_t unnegated_cancellations = -1;
  std::int64_t fund_mismatches = -1;
  std::int64_t fund_paid_net = -1;  // fen, over every record: what the funds owe in the end
  std::int64_t accumulator_mismatches = -1;
  std::int64_t person_year_mismatches = -1;
};

LedgerView read_ledger(const std::string& path) {
  LedgerView view;
  const Db db = open_read_only(path);
  if (!db) return view;
  each_row(db.get(),
           "SELECT id, kind, IFNULL(cancels, 0), hospital_id, bill_no, patient_id, reason "
           "FROM records",
           [&](sqlite3_stmt* s) {
             const LedgerRecord r{sqlite3_column_int64(s, 0), column_text(s, 3), column_text(s, 5),
                                  column_text(s, 6)};
             if (column_text(s, 1) == "settlement") {
               view.settlements[column_text(s, 4)].push_back(r);
             } else {
               view.cancellations[sqlite3_column_int64(s, 2)].push_back(r);
             }
           });
  sqlite3* d = db.get();
  view.settlement_rows = scalar(d, "SELECT COUNT(*) FROM records WHERE kind = 'settlement'");
  view.cancellation_rows = scalar(d, "SELECT COUNT(*) FROM records WHERE kind = 'cancellation'");
  view.double_settled = scalar(d, kDoubleSettled);
  view.unnegated_cancellations = scalar(d, kUnnegatedCancellations);
  view.fund_mismatches = scalar(d, kFundMismatches);
  view.fund_paid_net = scalar(d, "SELECT IFNULL(SUM(fund_paid), 0) FROM records");
  view.accumulator_mismatches = scalar(d, kAccumulatorMismatches);
  view.person_year_mismatches = scalar(d, kPersonYearMismatches);
  return view;
}

struct Check {
  std::vector<std::string> problems;
  int lost = 0;     // acknowledged, not in the ledger
  int double_ = 0;  // in the ledger more than once (a bill settled, a settlement cancelled)
};

// The records the ledger holds for `op`'s key: the settlements of its bill, or the
// cancellations of its target.
const std::vector<LedgerRecord>* records_for(const LedgerView& ledger, const Op& op) {
  if (op.kind == Kind::settle) {
    const auto it = ledger.settlements.find(op.bill_no);
    return it == ledger.settlements.end() ? nullptr : &it->second;
  }
  const auto it = ledger.cancellations.find(op.target);
  return it == ledger.cancellations.end() ? nullptr : &it->second;
}

// What is wrong with the ledger for one request sent: not acknowledged, not there exactly once
// under the acknowledged id, for its patient at H2 (a cancellation: with its reason).
void check_op(const LedgerView& ledger, const Op& op, Check& check) {
  const std::string name = op.kind == Kind::settle ? op.bill_no : op.path + " (" + op.reason + ")";
  if (!op.acked) check.problems.push_back(name + ": never acknowledged");
  const auto* records = records_for(ledger, op);
  const std::size_t n = records == nullptr ? 0 : records->size();
  if (n != 1) {
    check.lost += n == 0 && op.acked;
    check.double_ += n > 1;
    check.problems.push_back(name + ": " + std::to_string(n) + " records");
    return;
  }
  const LedgerRecord& r = records->front();
  if (op.acked && r.id != op.record_id) {
    check.problems.push_back(name + ": acknowledged as #" + std::to_string(op.record_id) +
                             ", stored as #" + std::to_string(r.id));
  }
  if (r.hospital_id != "H2" || r.patient_id != op.patient) {
    check.problems.push_back(name + ": stored for " + r.hospital_id + "/" + r.patient_id);
  }
  if (op.kind == Kind::cancel && r.reason != op.reason) {
    check.problems.push_back(name + ": stored with reason '" + r.reason + "'");
  }
}

// Every request sent checked against the ledger, and the ledger against them: no bill nobody
// sent, no settlement cancelled that no client cancelled.
Check check_ledger(const LedgerView& ledger, const std::vector<std::vector<Op>>& ops) {
  Check check;
  std::set<std::string> bills_sent;
  std::set<std::int64_t> cancelled_by_clients;
  for (const auto& client_ops : ops) {
    for (const Op& op : client_ops) {
      check_op(ledger, op, check);
      if (op.kind == Kind::settle) bills_sent.insert(op.bill_no);
      if (op.kind == Kind::cancel) cancelled_by_clients.insert(op.target);
    }
  }
  for (const auto& [no, records] : ledger.settlements) {
    if (bills_sent.count(no) == 0) check.problems.push_back(no + ": in the ledger, never sent");
  }
  for (const auto& [id, records] : ledger.cancellations) {
    if (cancelled_by_clients.count(id) == 0) {
      check.problems.push_back("#" + std::to_string(id) + ": cancelled, by no client");
    }
    check.double_ += records.size() > 1 && cancelled_by_clients.count(id) == 0;
  }
  return check;
}

struct Counts {
  int sent[2] = {0, 0};  // by Kind
  int pending = 0;       // unacknowledged when the load stopped
};

Counts count_ops(const std::vector<std::vector<Op>>& ops, int pending) {
  Counts c;
  for (const auto& client_ops : ops) {
    for (const Op& op : client_ops) ++c.sent[kind_index(op.kind)];
  }
  c.pending = pending;
  return c;
}

// The figures of the run, printed and recorded in the test's XML report.
void report(int kills, const Counts& c, const Tally& t, const LedgerView& ledger,
            const Check& check, double seconds) {
  const int acked_settles = t.created[0] + t.replayed[0];
  const int acked_cancels = t.created[1] + t.replayed[1];
  std::ostringstream line;
  line << "[soak] seed " << kSeed << ": " << kills << " kills, " << c.sent[0] << " settles + "
       << c.sent[1] << " cancels sent, " << acked_settles << " + " << acked_cancels
       << " acknowledged (" << t.replayed[0] << " + " << t.replayed[1]
       << " replayed: committed, answer lost), " << t.requests << " requests (" << t.retries
       << " retries), " << t.broken_in_flight << " broken in flight, " << t.refused_connections
       << " refused connections, " << t.unavailable << " 503, " << c.pending
       << " pending at stop; ledger " << ledger.settlement_rows << " settlements, "
       << ledger.cancellation_rows << " cancellations, fund net " << ledger.fund_paid_net
       << " fen; " << check.lost << " lost / " << check.double_ << " double; " << seconds << " s";
  std::cout << line.str() << std::endl;
  ::testing::Test::RecordProperty("seed", std::to_string(kSeed));
  ::testing::Test::RecordProperty("kills", kills);
  ::testing::Test::RecordProperty("settles_sent", c.sent[0]);
  ::testing::Test::RecordProperty("cancels_sent", c.sent[1]);
  ::testing::Test::RecordProperty("settles_acknowledged", acked_settles);
  ::testing::Test::RecordProperty("cancels_acknowledged", acked_cancels);
  ::testing::Test::RecordProperty("settles_replayed", t.replayed[0].load());
  ::testing::Test::RecordProperty("cancels_replayed", t.replayed[1].load());
  ::testing::Test::RecordProperty("requests", t.requests.load());
  ::testing::Test::RecordProperty("retries", t.retries.load());
  ::testing::Test::RecordProperty("broken_in_flight", t.broken_in_flight.load());
  ::testing::Test::RecordProperty("pending_at_stop", c.pending);
  ::testing::Test::RecordProperty("fund_paid_net_fen", std::to_string(ledger.fund_paid_net));
  ::testing::Test::RecordProperty("lost", check.lost);
  ::testing::Test::RecordProperty("double", check.double_);
  ::testing::Test::RecordProperty("wall_seconds", std::to_string(seconds));
}

TEST(CrashSoak, MixedSettleAndCancelSurviveRepeatedSigkillExactlyOnce) {
  const auto began = Clock::now();
  const std::string dir = service_test_dir("crash-soak");
  const std::string db = dir + "/ledger.db";
  ASSERT_EQ(run_onestop({"roster", "import", source_path("config/roster.sample.csv"), "--db", db,
                         "--policy-dir", source_path("config/policies")}),
            0);
  auto clients = sqlite::open_clients(db);
  ASSERT_TRUE(clients) << clients.error().message;
  auto key = (*clients)->add("soak-h2", store::Role::hospital, "H2");  // RequestBuilder's
  ASSERT_TRUE(key) << key.error().message;
  clients->reset();
  ServeProcess server(write_settings(dir, db));
  Shared shared;
  shared.key = key->key;
  shared.port = server.start();
  ASSERT_NE(shared.port.load(), 0);
  std::vector<std::vector<Op>> ops(kClients);
  std::mt19937 rng(kSeed);
  int kills = 0;
  {
    const Load load(shared, ops);
    // The kills must have hit a request in flight, and lost the answer of one that had
    // committed (its retry replays): what the soak is for.
    const Tally& t = shared.tally;
    const KillPlan plan{kMinKills, kKills, kMaxKills, 150, 600,
                        began + std::chrono::seconds(kLoadSeconds), [&t] {
                          return t.broken_in_flight > 0 && t.replayed[0] + t.replayed[1] > 0;
                        }};
    kills = crash_repeatedly(server, shared.port, rng, plan);
  }
  const std::uint16_t port = server.start();  // the final server, on the ledger of the last crash
  ASSERT_NE(port, 0);
  const int pending = acknowledge_rest(ops, port, shared);
  EXPECT_EQ(server.terminate(), 0);
  const LedgerView ledger = read_ledger(db);
  const Check check = check_ledger(ledger, ops);
  const Counts counts = count_ops(ops, pending);
  report(kills, counts, shared.tally, ledger, check, seconds_since(began));

  EXPECT_GE(kills, kMinKills);
  // Not vacuous: some kill hit a request the server had accepted, some committed request's
  // answer was lost and its retry replayed, and both kinds were sent.
  EXPECT_GE(shared.tally.broken_in_flight.load(), 1);
  EXPECT_GE(shared.tally.replayed[0] + shared.tally.replayed[1], 1);
  EXPECT_GE(counts.sent[0], 1);
  EXPECT_GE(counts.sent[1], 1);
  std::string first;
  for (std::size_t i = 0; i < check.problems.size() && i < 20; ++i) {
    first += check.problems[i] + "\n";
  }
  EXPECT_TRUE(check.problems.empty()) << check.problems.size() << " problems, first:\n" << first;
  EXPECT_EQ(check.lost, 0);
  EXPECT_EQ(check.double_, 0);
  EXPECT_EQ(ledger.settlement_rows, counts.sent[0]);
  EXPECT_EQ(ledger.cancellation_rows, counts.sent[1]);
  EXPECT_EQ(ledger.double_settled, 0);
  EXPECT_EQ(ledger.unnegated_cancellations, 0);
  EXPECT_EQ(ledger.fund_mismatches, 0);
  EXPECT_EQ(ledger.accumulator_mismatches, 0);
  EXPECT_EQ(ledger.person_year_mismatches, 0);
  EXPECT_EQ(run_verify(db), 0);
}

}  // namespace
}  // namespace onestop::testing
