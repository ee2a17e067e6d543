// Database failures: a writer locked out (SQLITE_BUSY), write and sync errors (SQLITE_IOERR),
// a full disk (SQLITE_FULL). The jobs of the failed batch are answered unavailable, nothing of
// them is written, and once the fault clears the writer goes on.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>

#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)
using sqlite::Outcome;

// A VFS over SQLite's default one whose writes, syncs or reads fail with the code set here
// while it is set: the fault injector of the LevelDB lesson, at the one seam between SQLite and
// the OS.
std::atomic<int> g_write_fault{SQLITE_OK};
std::atomic<int> g_sync_fault{SQLITE_OK};
std::atomic<int> g_read_fault{SQLITE_OK};
sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs;
sqlite3_io_methods g_methods;

struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;  // the default VFS's file, allocated right after this struct
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }

int fault_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int fault_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
  if (const int rc = g_read_fault.load(); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xRead(real(f), b, n, o);
}
int fault_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  if (const int rc = g_write_fault.load(); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xWrite(real(f), b, n, o);
}
int fault_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real(f)->pMethods->xTruncate(real(f), size);
}
int fault_sync(sqlite3_file* f, int flags) {
  if (const int rc = g_sync_fault.load(); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xSync(real(f), flags);
}
int fault_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int fault_lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
int fault_unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int fault_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int fault_control(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int fault_sector(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int fault_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
int fault_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
}
int fault_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void fault_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int fault_shm_unmap(sqlite3_file* f, int del) { return real(f)->pMethods->xShmUnmap(real(f), del); }
int fault_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
  return real(f)->pMethods->xFetch(real(f), o, n, p);
}
int fault_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
  return real(f)->pMethods->xUnfetch(real(f), o, p);
}

int fault_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out) {
  auto* ff = reinterpret_cast<FaultFile*>(file);
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  const int rc = g_real->xOpen(g_real, name, ff->real, flags, out);
  file->pMethods = rc == SQLITE_OK && ff->real->pMethods != nullptr ? &g_methods : nullptr;
  return rc;
}
int fault_delete(sqlite3_vfs*, const char* name, int sync) {
  return g_real->xDelete(g_real, name, sync);
}
int fault_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int fault_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}

// Registers the VFS "onestop-fault" once (not as the default).
const char* fault_vfs() {
  static const bool registered = [] {
    g_real = sqlite3_vfs_find(nullptr);
    g_methods = sqlite3_io_methods{3,
                                   fault_close,
                                   fault_read,
                                   fault_write,
                                   fault_truncate,
                                   fault_sync,
                                   fault_size,
                                   fault_lock,
                                   fault_unlock,
                                   fault_reserved,
                                   fault_control,
                                   fault_sector,
                                   fault_device,
                                   fault_shm_map,
                                   fault_shm_lock,
                                   fault_shm_barrier,
                                   fault_shm_unmap,
                                   fault_fetch,
                                   fault_unfetch};
    g_vfs = *g_real;
    g_vfs.zName = "onestop-fault";
    g_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_real->szOsFile;
    g_vfs.pNext = nullptr;
    g_vfs.xOpen = fault_open;
    g_vfs.xDelete = fault_delete;
    g_vfs.xAccess = fault_access;
    g_vfs.xFullPathname = fault_full_pathname;
    return sqlite3_vfs_register(&g_vfs, 0) == SQLITE_OK;
  }();
  EXPECT_TRUE(registered);
  return "onestop-fault";
}

// Sets the fault for the scope of a test step and clears it at the end: a write fault for the
// codes of a failed write, a sync fault for SQLITE_IOERR_FSYNC (the frames are written, the
// sync that makes them durable fails).
class Fault {
 public:
  explicit Fault(int rc) { (rc == SQLITE_IOERR_FSYNC ? g_sync_fault : g_write_fault) = rc; }
  ~Fault() {
    g_write_fault = SQLITE_OK;
    g_sync_fault = SQLITE_OK;
  }
  Fault(const Fault&) = delete;
  Fault& operator=(const Fault&) = delete;
};

std::unique_ptr<sqlite::Ledger> open_faulty(const std::string& path, int busy_timeout_ms = 5000) {
  sqlite::LedgerOptions options;
  options.path = path;
  options.vfs = fault_vfs();
  options.busy_timeout_ms = busy_timeout_ms;
  auto ledger = sqlite::Ledger::open(options);
  EXPECT_TRUE(ledger.ok()) << ledger.error().message;
  return std::move(ledger).value();
}

void expect_unavailable(const sqlite::WriteResult& r) {
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
class LedgerFault : public ::testing::TestWithParam<int> {};

TEST_P(LedgerFault, ABatchThatCannotCommitIsAnsweredUnavailableAndTheWriterGoesOn) {
  const std::string path = temp_db();
  auto ledger = open_faulty(path);
  const auto& all = claims_2020();
  settle_now(*ledger, all[0]);
  {
    Fault fault(GetParam());
    expect_unavailable(ledger->settle(settle_job(all[1])).get());
    expect_unavailable(ledger->cancel(cancel_job(1)).get());
  }
  EXPECT_EQ(ledger->record_count(), 1);
  EXPECT_EQ(ledger->accumulators(all[1].patient_id, 2020).second, 0);
  EXPECT_FALSE(ledger->get(1)->cancelled_by.has_value());
  // The clients retry once the fault is gone.
  EXPECT_EQ(settle_now(*ledger, all[1]).record->prev_hash, ledger->get(1)->hash);
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
  Fault fault(SQLITE_IOERR_WRITE);
  expect_unavailable(ledger->settle(settle_job(claims_2020()[1])).get());
  EXPECT_EQ(ledger->record_count(), 1);
  EXPECT_TRUE(ledger->get(1).has_value());
}

INSTANTIATE_TEST_SUITE_P(Codes, LedgerFault,
                         ::testing::Values(SQLITE_IOERR_WRITE, SQLITE_FULL, SQLITE_IOERR_FSYNC));

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
  std::vector<std::future<sqlite::WriteResult>> batch;
  batch.push_back(ledger->settle(settle_job(all[0])));  // a replay
  for (std::size_t i = 2; i < 6; ++i) batch.push_back(ledger->settle(settle_job(all[i])));
  {
    Fault fault(SQLITE_IOERR_WRITE);
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
    g_read_fault = SQLITE_IOERR_READ;
    try {
      (void)ledger->get(1);
      ADD_FAILURE() << "a failed read answered";
    } catch (const sqlite::LedgerUnavailable& e) {
      EXPECT_EQ(e.error().code, "ledger_unavailable");
    }
    g_read_fault = SQLITE_OK;
  }
  ASSERT_TRUE(ledger->get(1).has_value());
}

}  // namespace
}  // namespace onestop
