// Database failures: a writer locked out (SQLITE_BUSY), write and sync errors (SQLITE_IOERR),
// a full disk (SQLITE_FULL). The jobs of the failed batch are answered unavailable, nothing of
// them is written, and once the fault clears the writer goes on.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "adapters/sqlite/open.hpp"
#include "ledger_fixtures.hpp"
#include "support/fault_vfs.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)
using store::Outcome;

std::unique_ptr<store::Ledger> open_faulty(const std::string& path, int busy_timeout_ms = 5000) {
  sqlite::LedgerOptions options;
  options.path = path;
  options.vfs = fault_vfs();
  options.busy_timeout_ms = busy_timeout_ms;
  auto ledger = sqlite::open_ledger(options);
  EXPECT_TRUE(ledger.ok()) << ledger.error().message;
  return std::move(ledger).value();
}

void expect_unavailable(const store::WriteResult& r) {
  EXPECT_EQ(r.outcome, Outcome::unavailable);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, "ledger_unavailable");
  EXPECT_FALSE(r.record.has_value());
}

// The writer keeps its connection after a failed batch (rolled back), so even frames of a
// commit whose fsync failed stay beyond the WAL index and are overwritten by the next batch:
// while the process runs, a job answered unavailable is never written. (After a crash, SQLite
// rebuilds the index from the WAL file and such a commit may count after all: whole, and the
// client's retry replays it.)
class LedgerFault : public ::testing::TestWithParam<FaultPlan> {};

TEST_P(LedgerFault, ABatchThatCannotCommitIsAnsweredUnavailableAndTheWriterGoesOn) {
  const std::string path = temp_db();
  auto ledger = open_faulty(path);
  const auto& all = claims_2020();
  settle_now(*ledger, all[0]);
  {
    ScopedFault fault(GetParam());
    expect_unavailable(ledger->settle(settle_job(all[1])).get());
    expect_unavailable(ledger->cancel(cancel_job(1)).get());
    EXPECT_GT(faults_injected(), 0);
  }
  EXPECT_EQ(ledger->record_count(), 1);
  EXPECT_EQ(ledger->accumulators(all[1].patient_id, 2020).second, 0);
  EXPECT_FALSE(ledger->get(1)->cancelled_by.has_value());
  // The clients retry once the fault is gone.
  const auto retried = settle_now(*ledger, all[1]).record;
  EXPECT_EQ(retried->id, 2);  // the failed batch left no id or chain place behind
  EXPECT_EQ(retried->person_seq, all[1].patient_id == all[0].patient_id ? 2 : 1);
  EXPECT_EQ(ledger->cancel(cancel_job(1)).get().outcome, Outcome::created);
  EXPECT_EQ(ledger->record_count(), 3);
  EXPECT_EQ(ledger->accumulators(all[0].patient_id, 2020).first, Accumulators{});
  ledger.reset();
  const auto v = verify(path);
  EXPECT_EQ(v.summary.records, 3);
  EXPECT_EQ(v.summary.differences, 0) << v.text();
}

// Reads go on while the writer fails.
TEST(LedgerFaultBatch, ReadsGoOnBesideAFailingWriter) {
  auto ledger = open_faulty(temp_db());
  settle_now(*ledger, claims_2020()[0]);
  ScopedFault fault(io_error_on_write());
  expect_unavailable(ledger->settle(settle_job(claims_2020()[1])).get());
  EXPECT_EQ(ledger->record_count(), 1);
  EXPECT_TRUE(ledger->get(1).has_value());
}

// A write I/O error, a full disk, a failed fsync; and a disk that fills half-way through the
// commit's WAL frames (each frame is two writes: its header, then the page).
const FaultPlan kPlans[] = {io_error_on_write(),
                            disk_full(),
                            fsync_failure(),
                            {FaultOn::write, SQLITE_FULL, FaultFile::wal, 3}};
const char* const kPlanNames[] = {"WriteError", "DiskFull", "FsyncFailure", "DiskFullMidCommit"};

std::string plan_name(const ::testing::TestParamInfo<FaultPlan>& info) {
  return kPlanNames[info.index];
}

INSTANTIATE_TEST_SUITE_P(Faults, LedgerFault, ::testing::ValuesIn(kPlans), plan_name);

// Every job of a batch whose COMMIT failed is unavailable, also those that would have been
// replays or refusals: nothing of the batch is acknowledged.
TEST(LedgerFaultBatch, EveryJobOfAFailedBatchIsUnavailable) {
  const std::string path = temp_db();
  auto ledger = open_faulty(path);
  const auto& all = claims_2020();
  settle_now(*ledger, all[0]);
  WriterGate gate;
  auto held = ledger->settle(gate.job(all[1]));
  gate.wait_until_holding();
  std::vector<std::future<store::WriteResult>> batch;
  batch.push_back(ledger->settle(settle_job(all[0])));  // a replay
  for (std::size_t i = 2; i < 6; ++i) batch.push_back(ledger->settle(settle_job(all[i])));
  {
    ScopedFault fault(io_error_on_write());
    gate.release();
    expect_unavailable(held.get());
    for (auto& f : batch) expect_unavailable(f.get());
  }
  EXPECT_EQ(ledger->record_count(), 1);
  for (std::size_t i = 1; i < 6; ++i) settle_now(*ledger, all[i]);
  ledger.reset();
  EXPECT_EQ(verify(path).summary.differences, 0);
}

// Another connection holds the write lock longer than the busy timeout.
TEST(LedgerFaultBatch, ALockedDatabaseIsUnavailableUntilReleased) {
  const std::string path = temp_db();
  auto ledger = open_faulty(path, 50);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto r = ledger->settle(settle_job(claims_2020()[0])).get();
  expect_unavailable(r);
  EXPECT_NE(r.error->message.find("locked"), std::string::npos) << r.error->message;
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  settle_now(*ledger, claims_2020()[0]);
  EXPECT_EQ(ledger->record_count(), 1);
}

// A read that fails throws LedgerUnavailable (not "not found"); the broken read connection is
// replaced, so reads work again once the fault clears.
TEST(LedgerFaultBatch, AFailedReadThrowsLedgerUnavailable) {
  const std::string path = temp_db();
  auto ledger = open_faulty(path);
  settle_now(*ledger, claims_2020()[0]);
  ledger.reset();
  ledger = open_faulty(path);  // read connections open lazily: the next read opens one
  {
    ScopedFault fault(io_error_on_read());
    try {
      (void)ledger->get(1);
      ADD_FAILURE() << "a failed read answered";
    } catch (const store::LedgerUnavailable& e) {
      EXPECT_EQ(e.error().code, "ledger_unavailable");
    }
    EXPECT_GT(faults_injected(), 0);
  }
  ASSERT_TRUE(ledger->get(1).has_value());
}

// The writer writes a person's year whole from what it holds in memory; a row changed behind its
// back since (here: by a raw connection, which moves no chain head) is refused, not overwritten,
// and the batch is answered unavailable with nothing written.
TEST(LedgerFaultBatch, APersonYearChangedBehindTheWriterIsNotOverwritten) {
  const std::string path = temp_db();
  auto ledger = open_ledger(path);
  const Claim& first = claims_2020()[0];
  settle_now(*ledger, first);
  ASSERT_EQ(raw_exec(path, "UPDATE person_years SET last_record_id = 0, admissions = 5"),
            SQLITE_OK);
  Claim again = first;
  again.bill_no += "-2";
  const auto r = ledger->settle(settle_job(again)).get();
  expect_unavailable(r);
  EXPECT_NE(r.error->message.find("moved since record 1"), std::string::npos) << r.error->message;
  EXPECT_EQ(ledger->record_count(), 1);
  EXPECT_EQ(raw_value(path, "SELECT admissions || ' ' || last_record_id FROM person_years"), "5 0");
}

// LedgerOptions::sync_commits false (onestop demo-data): no commit syncs, so syncs that would
// fail do not touch the writes; close() syncs them all, says so when it cannot, and leaves the
// WAL empty when it can (checked with a connection of the test's open, which keeps SQLite's own
// checkpoint at the last close from doing it instead).
TEST(LedgerUnsynced, CommitsReachTheDiskWhenTheLedgerCloses) {
  const std::string path = temp_db();
  sqlite::LedgerOptions options;
  options.path = path;
  options.vfs = fault_vfs();
  options.sync_commits = false;
  const auto& all = claims_2020();
  {
    auto ledger = sqlite::open_ledger(options).value();
    ScopedFault fault(fsync_failure());
    for (std::size_t i = 0; i < 4; ++i) settle_now(*ledger, all[i]);
    EXPECT_EQ(ledger->cancel(cancel_job(1)).get().outcome, Outcome::created);
    EXPECT_EQ(faults_injected(), 0);
    const auto closed = ledger->close();
    ASSERT_TRUE(closed.has_value());
    EXPECT_EQ(closed->code, "ledger_unavailable");
    EXPECT_GT(faults_injected(), 0);
    EXPECT_EQ(ledger->close(), std::nullopt);  // once
    EXPECT_EQ(ledger->record_count(), 5);      // reads go on
    expect_unavailable(ledger->settle(settle_job(all[4])).get());
  }
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "SELECT count(*) FROM records", nullptr, nullptr, nullptr),
            SQLITE_OK);  // opened now, and not reading
  {
    auto ledger = sqlite::open_ledger(options).value();
    settle_now(*ledger, all[4]);
    EXPECT_EQ(ledger->close(), std::nullopt);
  }
  EXPECT_EQ(std::filesystem::file_size(path + "-wal"), 0u);
  sqlite3_close(other);
  const auto v = verify(path);
  EXPECT_EQ(v.summary.records, 6);
  EXPECT_EQ(v.summary.differences, 0) << v.text();
}

}  // namespace
}  // namespace onestop
