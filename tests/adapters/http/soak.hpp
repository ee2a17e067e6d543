// What the soak tests share (the SQLite crash soak, the PostgreSQL servers' soak): hospital
// clients that settle and cancel under a seeded script, each resending a request (the very
// same body) until it is acknowledged, against one server or several; and the check of the
// ledger they leave, read with the engine's own client library (not through the code under
// test): every acknowledged settlement and cancellation is there exactly once under the id its
// acknowledgement named, nothing else is, no bill is paid twice, no settlement is cancelled
// twice, the fund totals are those of the live settlements, and the accumulators and
// person-years are a recomputation from the records.
//
// Each client thread owns its patients, so it knows each one's latest live settlement and
// every cancel it sends is valid whatever the other threads do.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/NetException.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/policy.hpp"
#include "http_fixture.hpp"

namespace onestop::testing::soak {

// The load's shape. The patients are P0010000 onwards, patients_per_client of them per client
// (the roster sample's all-2020 patients are P0010000..P0010039).
struct Script {
  int clients = 6;
  int patients_per_client = 6;
  int max_ops_per_client = 3000;  // bounds the ledger whatever the machine's speed
  int cancel_percent = 30;        // of the operations on a patient with a live settlement
  int twin_percent = 0;           // of first sends, made to two servers at once (with two up)
  int timeout_seconds = 5;
  std::uint32_t seed = 20200305;  // each client's script; printed
  std::string bill_prefix = "SOAK-";
};

enum class Kind { settle, cancel };

inline int kind_index(Kind kind) { return kind == Kind::settle ? 0 : 1; }

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
  std::atomic<int> timeouts{0};             // no answer within Script::timeout_seconds
  std::atomic<int> unavailable{0};          // 503
  std::atomic<int> twins{0};                // requests sent to two servers at once
  std::atomic<int> acknowledged{0};         // operations, each once
  std::atomic<int> created[2] = {0, 0};     // 201, by Kind
  std::atomic<int> replayed[2] = {0, 0};    // 200: committed earlier, its answer lost
};

// The servers the clients send to. A port is 0 while its server is down; it is re-read at
// every attempt.
struct Shared {
  std::array<std::atomic<std::uint16_t>, 2> ports{};
  int servers = 1;
  std::atomic<bool> stop{false};
  Tally tally;
  std::string key;  // the hospital client's credential

  // The server for an operation's next attempt: the n-th operation of a client goes first to
  // server n mod servers and each retry to the next one, skipping servers that are down.
  std::uint16_t port_for(int n, int attempts) const {
    for (int i = 0; i < servers; ++i) {
      const std::uint16_t port = ports[(n + attempts + i) % servers].load();
      if (port != 0) return port;
    }
    return 0;
  }
};

enum class Outcome { acknowledged, not_yet, refused };

// Whether an answer's record is the one `op` asked for; a failure names what differs.
inline bool answer_matches(const Poco::JSON::Object& doc, const Op& op, bool replayed) {
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

// What a response means for `op`. A body cut short by a kill is a lost answer, not an ack.
// Any status but 201, 200 and 503 (a 500 above all) is a failure.
inline Outcome judge(const Reply& reply, Op& op, Tally& tally) {
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
inline Outcome attempt(std::uint16_t port, Op& op, Shared& shared, int timeout_seconds) {
  Tally& tally = shared.tally;
  ++tally.requests;
  if (++op.attempts > 1) ++tally.retries;
  Reply reply;
  try {
    reply = request_once(port, "POST", op.path, op.body, shared.key, timeout_seconds);
  } catch (const Poco::Net::ConnectionRefusedException&) {
    ++tally.refused_connections;
    return Outcome::not_yet;
  } catch (const Poco::TimeoutException&) {
    ++tally.timeouts;
    return Outcome::not_yet;
  } catch (const Poco::Exception&) {
    ++tally.broken_in_flight;
    return Outcome::not_yet;
  }
  return judge(reply, op, tally);
}

// `op` sent to both servers at once, as a desk that resends through another window would: at
// most one answer may be 201, and both answers name one record.
inline Outcome attempt_twice(std::uint16_t first, std::uint16_t second, Op& op, Shared& shared,
                             int timeout_seconds) {
  ++shared.tally.twins;
  Op twin = op;
  Outcome twin_outcome = Outcome::not_yet;
  std::thread other([&] { twin_outcome = attempt(second, twin, shared, timeout_seconds); });
  const Outcome outcome = attempt(first, op, shared, timeout_seconds);
  other.join();
  op.attempts += twin.attempts;
  if (twin_outcome == Outcome::refused || outcome == Outcome::refused) {
    op.refused = true;
    return Outcome::refused;
  }
  if (twin_outcome != Outcome::acknowledged) return outcome;
  if (outcome == Outcome::acknowledged) {
    EXPECT_EQ(op.record_id, twin.record_id) << op.path << " " << op.body << ": two records";
    return outcome;
  }
  op.acked = true;
  op.record_id = twin.record_id;
  return Outcome::acknowledged;
}

inline std::string patient_of(const Script& script, int client, int k) {
  const std::string n = std::to_string(client * script.patients_per_client + k);
  return "P00100" + std::string(2 - n.size(), '0') + n;
}

inline Op make_settle(const Script& script, int client, int n, const std::string& patient) {
  Op op;
  op.kind = Kind::settle;
  op.patient = patient;
  op.bill_no = script.bill_prefix + std::to_string(client) + "-" + std::to_string(n);
  op.path = "/v1/settlements";
  op.body = RequestBuilder().patient(patient).bill(op.bill_no).json();
  return op;
}

// A live settlement a client knows of: acknowledged, not (yet) cancelled.
struct Live {
  std::int64_t id = 0;
  std::string bill_no;
};

inline Op make_cancel(int client, int n, const std::string& patient, const Live& latest) {
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
inline void client(int id, const Script& script, Shared& shared, std::vector<Op>& ops) {
  using std::chrono::milliseconds;
  std::mt19937 rng(script.seed + static_cast<std::uint32_t>(id) + 1);
  std::uniform_int_distribution<int> pick_patient(0, script.patients_per_client - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  std::map<std::string, std::vector<Live>> live;  // patient → live settlements, oldest first
  int bills = 0;
  for (int n = 0; n < script.max_ops_per_client && !shared.stop; ++n) {
    const std::string patient = patient_of(script, id, pick_patient(rng));
    std::vector<Live>& mine = live[patient];
    const bool cancel = !mine.empty() && percent(rng) < script.cancel_percent;
    const bool twin = percent(rng) < script.twin_percent;
    Op op = cancel ? make_cancel(id, n, patient, mine.back())
                   : make_settle(script, id, bills++, patient);
    while (!shared.stop && !op.acked && !op.refused) {
      const std::uint16_t port = shared.port_for(n, op.attempts);
      const std::uint16_t other = shared.port_for(n, op.attempts + 1);
      Outcome outcome = Outcome::not_yet;
      if (twin && op.attempts == 0 && port != 0 && other != 0 && other != port) {
        outcome = attempt_twice(port, other, op, shared, script.timeout_seconds);
      } else if (port != 0) {
        outcome = attempt(port, op, shared, script.timeout_seconds);
      }
      // Backing off while a server is down keeps the 2 cores for its restart.
      if (outcome == Outcome::not_yet) std::this_thread::sleep_for(milliseconds(20));
    }
    if (op.acked) ++shared.tally.acknowledged;
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
  Load(const Script& script, Shared& shared, std::vector<std::vector<Op>>& ops) : shared_(shared) {
    ops.resize(static_cast<std::size_t>(script.clients));
    for (int t = 0; t < script.clients; ++t) {
      threads_.emplace_back([&script, &shared, &ops, t] { client(t, script, shared, ops[t]); });
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

// Resends every request not yet acknowledged (at most one per client: its last) to the server
// on `port` until it is (bounded); returns how many were pending.
inline int acknowledge_rest(std::vector<std::vector<Op>>& ops, std::uint16_t port, Shared& shared,
                            int timeout_seconds) {
  int pending = 0;
  for (auto& client_ops : ops) {
    for (Op& op : client_ops) {
      if (op.acked || op.refused) continue;
      ++pending;
      for (int i = 0; i < 50 && !op.acked && !op.refused; ++i) {
        if (attempt(port, op, shared, timeout_seconds) == Outcome::not_yet) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    }
  }
  return pending;
}

// The ledger's checks in SQL that both engines run as written. Each answers one count, 0 when
// the ledger is sound.

// (hospital_id, bill_no) settled more than once: a bill paid twice.
constexpr const char* kDoubleSettled = R"sql(
SELECT COUNT(*) FROM (SELECT 1 FROM records WHERE kind = 'settlement'
                      GROUP BY hospital_id, bill_no HAVING COUNT(*) > 1) AS twice
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
SELECT (SELECT COUNT(*) FROM (SELECT * FROM n EXCEPT SELECT * FROM o) AS a) +
       (SELECT COUNT(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM n) AS b) +
       CASE WHEN (SELECT COALESCE(SUM(fund_paid), 0) FROM records) =
                 (SELECT COALESCE(SUM(fund_paid), 0) FROM records
                  WHERE id IN (SELECT id FROM live)) THEN 0 ELSE 1 END
)sql";

// (patient, year) whose admissions or last record differ from what the records imply.
constexpr const char* kPersonYearMismatches = R"sql(
WITH implied AS (SELECT patient_id, year, SUM(admissions_delta), MAX(id) FROM records
                 GROUP BY patient_id, year),
stored AS (SELECT patient_id, year, admissions, last_record_id FROM person_years)
SELECT (SELECT COUNT(*) FROM (SELECT * FROM implied EXCEPT SELECT * FROM stored) AS a) +
       (SELECT COUNT(*) FROM (SELECT * FROM stored EXCEPT SELECT * FROM implied) AS b)
)sql";

// (patient, year, layer) whose accumulators (person_years.layers, a JSON object of
// [paid, deductible charged, base cumulative, patient share] by layer) differ from the sum of
// the records' movements, in either direction; all-zero sums mean "nothing moved", as the
// layers text leaves them out. `layers` is the engine's JSON expression of the column, and
// `figure(i)` its i-th number as an integer.
inline std::string accumulator_mismatches(const std::string& layers,
                                          const std::function<std::string(int)>& figure) {
  return R"sql(
WITH moved AS (
  SELECT r.patient_id, r.year, l.layer_id, SUM(l.moved_paid) AS paid,
         SUM(l.deductible_charged) AS dc, SUM(l.base_cumulative) AS bc,
         SUM(l.patient_share) AS ps
  FROM records r JOIN record_layers l ON l.record_id = r.id
  GROUP BY r.patient_id, r.year, l.layer_id),
m AS (SELECT * FROM moved WHERE paid <> 0 OR dc <> 0 OR bc <> 0 OR ps <> 0),
a AS (SELECT p.patient_id, p.year, j.key, )sql" +
         figure(0) + ", " + figure(1) + ", " + figure(2) + ", " + figure(3) +
         " FROM person_years p, json_each(" + layers + R"sql() j)
SELECT (SELECT COUNT(*) FROM (SELECT * FROM m EXCEPT SELECT * FROM a) AS x) +
       (SELECT COUNT(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM m) AS y)
)sql";
}

// accumulator_mismatches() of each engine: SQLite's JSON functions, PostgreSQL's.
inline std::string sqlite_accumulator_mismatches() {
  return accumulator_mismatches("p.layers",
                                [](int i) { return "j.value ->> " + std::to_string(i); });
}
inline std::string postgres_accumulator_mismatches() {
  return accumulator_mismatches(
      "p.layers::json", [](int i) { return "(j.value ->> " + std::to_string(i) + ")::bigint"; });
}

// Each person-year's layers with their net payment (live settlements, cancellations netted),
// in fen, and the person's category: what the layers' annual caps bound.
constexpr const char* kNetPaidByLayer = R"sql(
SELECT r.patient_id, r.year, l.layer_id, SUM(l.paid),
       (SELECT category FROM roster o WHERE o.patient_id = r.patient_id
        ORDER BY valid_from DESC LIMIT 1)
FROM records r JOIN record_layers l ON l.record_id = r.id
GROUP BY r.patient_id, r.year, l.layer_id
)sql";

// A query on the ledger under check: runs `sql`, calling `row` with each row's columns as text
// ("" for NULL).
using Query = std::function<void(const std::string& sql,
                                 const std::function<void(const std::vector<std::string>&)>& row)>;

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
  std::vector<std::string> over_cap;  // "patient year layer: paid > cap", fen
  int at_cap = 0;                     // person-year layers that paid exactly their cap
};

inline std::int64_t scalar(const Query& query, const std::string& sql) {
  std::int64_t value = -1;
  query(sql, [&](const std::vector<std::string>& row) { value = std::stoll(row.at(0)); });
  return value;
}

// The ledger as the checks see it; `accumulators` is accumulator_mismatches() for the engine,
// `policy` the one every settlement was made under.
inline LedgerView read_ledger(const Query& query, const std::string& accumulators,
                              const Policy& policy) {
  LedgerView view;
  query(
      "SELECT id, kind, COALESCE(cancels, 0), hospital_id, bill_no, patient_id, reason "
      "FROM records",
      [&](const std::vector<std::string>& c) {
        const LedgerRecord r{std::stoll(c[0]), c[3], c[5], c[6]};
        if (c[1] == "settlement") {
          view.settlements[c[4]].push_back(r);
        } else {
          view.cancellations[std::stoll(c[2])].push_back(r);
        }
      });
  view.settlement_rows = scalar(query, "SELECT COUNT(*) FROM records WHERE kind = 'settlement'");
  view.cancellation_rows =
      scalar(query, "SELECT COUNT(*) FROM records WHERE kind = 'cancellation'");
  view.double_settled = scalar(query, kDoubleSettled);
  view.unnegated_cancellations = scalar(query, kUnnegatedCancellations);
  view.fund_mismatches = scalar(query, kFundMismatches);
  view.fund_paid_net = scalar(query, "SELECT COALESCE(SUM(fund_paid), 0) FROM records");
  view.accumulator_mismatches = scalar(query, accumulators);
  view.person_year_mismatches = scalar(query, kPersonYearMismatches);
  query(kNetPaidByLayer, [&](const std::vector<std::string>& c) {
    for (const Layer& layer : policy.layers) {
      if (layer.id != c[2]) continue;
      const std::optional<Money> cap = cap_annual(layer, c[4]);
      if (!cap) continue;
      const std::int64_t paid = std::stoll(c[3]);
      view.at_cap += paid == cap->fen_i64();
      if (paid <= cap->fen_i64()) continue;
      view.over_cap.push_back(c[0] + " " + c[1] + " " + c[2] + ": " + c[3] + " > " +
                              std::to_string(cap->fen_i64()));
    }
  });
  return view;
}

struct Check {
  std::vector<std::string> problems;
  int lost = 0;     // acknowledged, not in the ledger
  int double_ = 0;  // in the ledger more than once (a bill settled, a settlement cancelled)
};

// The records the ledger holds for `op`'s key: the settlements of its bill, or the
// cancellations of its target.
inline const std::vector<LedgerRecord>* records_for(const LedgerView& ledger, const Op& op) {
  if (op.kind == Kind::settle) {
    const auto it = ledger.settlements.find(op.bill_no);
    return it == ledger.settlements.end() ? nullptr : &it->second;
  }
  const auto it = ledger.cancellations.find(op.target);
  return it == ledger.cancellations.end() ? nullptr : &it->second;
}

// What is wrong with the ledger for one request sent: not acknowledged, not there exactly once
// under the acknowledged id, for its patient at H2 (a cancellation: with its reason).
inline void check_op(const LedgerView& ledger, const Op& op, Check& check) {
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
inline Check check_ledger(const LedgerView& ledger, const std::vector<std::vector<Op>>& ops) {
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

inline Counts count_ops(const std::vector<std::vector<Op>>& ops, int pending) {
  Counts c;
  for (const auto& client_ops : ops) {
    for (const Op& op : client_ops) ++c.sent[kind_index(op.kind)];
  }
  c.pending = pending;
  return c;
}

// The figures of the run, printed after `what` (e.g. "5 kills") and recorded in the test's
// XML report.
inline void report(const std::string& what, const Script& script, const Counts& c, const Tally& t,
                   const LedgerView& ledger, const Check& check, double seconds) {
  const int acked_settles = t.created[0] + t.replayed[0];
  const int acked_cancels = t.created[1] + t.replayed[1];
  std::ostringstream line;
  line << "[soak] seed " << script.seed << ": " << what << ", " << c.sent[0] << " settles + "
       << c.sent[1] << " cancels sent, " << acked_settles << " + " << acked_cancels
       << " acknowledged (" << t.replayed[0] << " + " << t.replayed[1]
       << " replayed: committed, answer lost), " << t.requests << " requests (" << t.retries
       << " retries, " << t.twins << " sent twice at once), " << t.broken_in_flight
       << " broken in flight, " << t.refused_connections << " refused connections, "
       << t.unavailable << " 503, " << t.timeouts << " timeouts, " << c.pending
       << " pending at stop; ledger " << ledger.settlement_rows << " settlements, "
       << ledger.cancellation_rows << " cancellations, fund net " << ledger.fund_paid_net
       << " fen, " << ledger.at_cap << " person-year layers at their cap; " << check.lost
       << " lost / " << check.double_ << " double; " << seconds << " s";
  std::cout << line.str() << std::endl;
  ::testing::Test::RecordProperty("seed", std::to_string(script.seed));
  ::testing::Test::RecordProperty("settles_sent", c.sent[0]);
  ::testing::Test::RecordProperty("cancels_sent", c.sent[1]);
  ::testing::Test::RecordProperty("settles_acknowledged", acked_settles);
  ::testing::Test::RecordProperty("cancels_acknowledged", acked_cancels);
  ::testing::Test::RecordProperty("settles_replayed", t.replayed[0].load());
  ::testing::Test::RecordProperty("cancels_replayed", t.replayed[1].load());
  ::testing::Test::RecordProperty("requests", t.requests.load());
  ::testing::Test::RecordProperty("retries", t.retries.load());
  ::testing::Test::RecordProperty("broken_in_flight", t.broken_in_flight.load());
  ::testing::Test::RecordProperty("unavailable", t.unavailable.load());
  ::testing::Test::RecordProperty("timeouts", t.timeouts.load());
  ::testing::Test::RecordProperty("pending_at_stop", c.pending);
  ::testing::Test::RecordProperty("fund_paid_net_fen", std::to_string(ledger.fund_paid_net));
  ::testing::Test::RecordProperty("lost", check.lost);
  ::testing::Test::RecordProperty("double", check.double_);
  ::testing::Test::RecordProperty("wall_seconds", std::to_string(seconds));
}

// What every soak requires of the ledger it leaves.
inline void expect_sound(const LedgerView& ledger, const Check& check, const Counts& counts) {
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
  EXPECT_GE(ledger.at_cap, 1) << "no layer reached its cap: the caps went untested";
  EXPECT_TRUE(ledger.over_cap.empty())
      << ledger.over_cap.size()
      << " over the cap, first: " << (ledger.over_cap.empty() ? "" : ledger.over_cap[0]);
}

}  // namespace onestop::testing::soak
