// A fault-injecting SQLite VFS for tests: the LevelDB lesson's fault injector at the one seam
// between SQLite and the OS. It wraps the VFS that was the default when it was installed and
// passes every call through, except that while a fault is armed the chosen kind of operation
// (read, write or sync) fails with the chosen SQLite code, optionally only on one kind of file
// (main database, WAL, rollback journal) and only after a number of such operations passed.
//
// Two ways to use it:
//   - by name: LedgerOptions::vfs = fault_vfs(), for a ledger under test;
//   - as the process default (FaultVfsAsDefault), so that connections opened without a VFS
//     name, such as those of a whole http::Application, go through it with no product setting.
//     gtest_discover_tests runs each test in a process of its own, and the scope restores the
//     previous default at its end anyway.
// Files opened while it is installed keep its methods; disarmed, it is a plain pass-through.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <ostream>
#include <stdexcept>

namespace onestop::testing {

// The kind of file operation a fault hits.
enum class FaultOn { read, write, sync };

// The files a fault hits, told apart by the flags SQLite opens them with.
enum class FaultFile { any, main_db, wal, journal };

struct FaultPlan {
  FaultOn on = FaultOn::write;
  int code = SQLITE_IOERR_WRITE;  // what the failing operation returns
  FaultFile file = FaultFile::any;
  int after = 0;  // operations of this kind on matching files that still pass first
};

// "write fault 13 on wal after 3", for GoogleTest's messages.
inline void PrintTo(const FaultPlan& p, std::ostream* os) {
  const char* on[] = {"read", "write", "sync"};
  const char* file[] = {"any file", "main db", "wal", "journal"};
  *os << on[static_cast<int>(p.on)] << " fault " << p.code << " on "
      << file[static_cast<int>(p.file)] << " after " << p.after;
}

// The faults of the brief: an I/O error on write or read, a full disk (writes fail with
// SQLITE_FULL, as the unix VFS reports ENOSPC), an fsync that fails (the frames are written,
// making them durable fails).
inline FaultPlan io_error_on_write() { return {FaultOn::write, SQLITE_IOERR_WRITE}; }
inline FaultPlan io_error_on_read() { return {FaultOn::read, SQLITE_IOERR_READ}; }
inline FaultPlan disk_full() { return {FaultOn::write, SQLITE_FULL}; }
inline FaultPlan fsync_failure() { return {FaultOn::sync, SQLITE_IOERR_FSYNC}; }

namespace fault_vfs_detail {

// The armed plan and its counters. `armed` is read on every operation without the lock; the
// plan itself is read and counted under it (tests are not hot paths).
struct State {
  std::atomic<bool> armed{false};
  std::mutex mutex;
  FaultPlan plan;
  int passed = 0;              // matching operations let through since arm()
  std::atomic<int> failed{0};  // operations failed since arm()
  sqlite3_vfs* real = nullptr;
  sqlite3_vfs vfs{};
  sqlite3_io_methods methods{};
};

inline State& state() {
  static State s;
  return s;
}

struct File {
  sqlite3_file base;
  sqlite3_file* real;  // the wrapped VFS's file, allocated right after this struct
  FaultFile kind;
};

inline sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

inline FaultFile kind_of(int open_flags) {
  if ((open_flags & SQLITE_OPEN_MAIN_DB) != 0) return FaultFile::main_db;
  if ((open_flags & SQLITE_OPEN_WAL) != 0) return FaultFile::wal;
  if ((open_flags & SQLITE_OPEN_MAIN_JOURNAL) != 0) return FaultFile::journal;
  return FaultFile::any;  // temporary files and the like: hit only by FaultFile::any plans
}

// SQLITE_OK to let the operation through, else the code it fails with.
inline int fault_for(sqlite3_file* f, FaultOn on) {
  State& s = state();
  if (!s.armed.load()) return SQLITE_OK;
  std::lock_guard lock(s.mutex);
  if (!s.armed.load() || s.plan.on != on) return SQLITE_OK;
  const FaultFile kind = reinterpret_cast<File*>(f)->kind;
  if (s.plan.file != FaultFile::any && s.plan.file != kind) return SQLITE_OK;
  if (s.passed < s.plan.after) {
    ++s.passed;
    return SQLITE_OK;
  }
  ++s.failed;
  return s.plan.code;
}

inline int x_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
inline int x_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
  if (const int rc = fault_for(f, FaultOn::read); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xRead(real(f), b, n, o);
}
inline int x_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  if (const int rc = fault_for(f, FaultOn::write); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xWrite(real(f), b, n, o);
}
inline int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real(f)->pMethods->xTruncate(real(f), size);
}
inline int x_sync(sqlite3_file* f, int flags) {
  if (const int rc = fault_for(f, FaultOn::sync); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xSync(real(f), flags);
}
inline int x_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
inline int x_lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
inline int x_unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
inline int x_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
inline int x_control(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
inline int x_sector(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
inline int x_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
inline int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
}
inline int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
inline void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
inline int x_shm_unmap(sqlite3_file* f, int del) {
  return real(f)->pMethods->xShmUnmap(real(f), del);
}
// While a read fault is armed, no page is memory-mapped (allowed: *p = nullptr makes SQLite
// read with xRead), so a read cannot bypass the fault when mmap_size is set.
inline int x_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
  State& s = state();
  if (s.armed.load()) {
    std::lock_guard lock(s.mutex);
    if (s.armed.load() && s.plan.on == FaultOn::read) {
      *p = nullptr;
      return SQLITE_OK;
    }
  }
  return real(f)->pMethods->xFetch(real(f), o, n, p);
}
inline int x_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
  return real(f)->pMethods->xUnfetch(real(f), o, p);
}

inline int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out) {
  sqlite3_vfs* under = state().real;
  auto* ff = reinterpret_cast<File*>(file);
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  ff->kind = kind_of(flags);
  const int rc = under->xOpen(under, name, ff->real, flags, out);
  file->pMethods = rc == SQLITE_OK && ff->real->pMethods != nullptr ? &state().methods : nullptr;
  return rc;
}
inline int x_delete(sqlite3_vfs*, const char* name, int sync) {
  return state().real->xDelete(state().real, name, sync);
}
inline int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return state().real->xAccess(state().real, name, flags, out);
}
inline int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return state().real->xFullPathname(state().real, name, n, out);
}

}  // namespace fault_vfs_detail

inline constexpr const char* kFaultVfsName = "onestop-fault";

// Registers the VFS once per process (not as the default) and returns its name. Throws when
// SQLite refuses it.
inline const char* fault_vfs() {
  namespace d = fault_vfs_detail;
  static const bool registered = [] {
    d::State& s = d::state();
    s.real = sqlite3_vfs_find(nullptr);
    if (s.real == nullptr) return false;
    s.methods = sqlite3_io_methods{
        3,           d::x_close,   d::x_read,     d::x_write,       d::x_truncate,  d::x_sync,
        d::x_size,   d::x_lock,    d::x_unlock,   d::x_reserved,    d::x_control,   d::x_sector,
        d::x_device, d::x_shm_map, d::x_shm_lock, d::x_shm_barrier, d::x_shm_unmap, d::x_fetch,
        d::x_unfetch};
    s.vfs = *s.real;
    s.vfs.zName = kFaultVfsName;
    s.vfs.szOsFile = static_cast<int>(sizeof(d::File)) + s.real->szOsFile;
    s.vfs.pNext = nullptr;
    s.vfs.xOpen = d::x_open;
    s.vfs.xDelete = d::x_delete;
    s.vfs.xAccess = d::x_access;
    s.vfs.xFullPathname = d::x_full_pathname;
    return sqlite3_vfs_register(&s.vfs, 0) == SQLITE_OK;
  }();
  if (!registered) throw std::runtime_error("cannot register the SQLite VFS onestop-fault");
  return kFaultVfsName;
}

// Arms `plan` (replacing an armed one) and clears the counters.
inline void arm_fault(const FaultPlan& plan) {
  fault_vfs();
  auto& s = fault_vfs_detail::state();
  std::lock_guard lock(s.mutex);
  s.plan = plan;
  s.passed = 0;
  s.failed = 0;
  s.armed = true;
}

// Lets every operation through again. The count of failed operations stays readable.
inline void disarm_fault() {
  auto& s = fault_vfs_detail::state();
  std::lock_guard lock(s.mutex);
  s.armed = false;
}

// Operations failed since the last arm_fault(): a test checks it to know the fault was hit.
inline int faults_injected() { return fault_vfs_detail::state().failed.load(); }

// Arms a plan for a scope and disarms it at the end.
class ScopedFault {
 public:
  explicit ScopedFault(const FaultPlan& plan) { arm_fault(plan); }
  ~ScopedFault() { disarm_fault(); }
  ScopedFault(const ScopedFault&) = delete;
  ScopedFault& operator=(const ScopedFault&) = delete;
};

// Makes the fault VFS the process's default VFS for a scope (connections opened without a VFS
// name use it), then gives the previous default its place back. Connections opened meanwhile
// keep using the fault VFS, which stays registered (disarmed, it only passes through).
class FaultVfsAsDefault {
 public:
  FaultVfsAsDefault() {
    fault_vfs();
    previous_ = sqlite3_vfs_find(nullptr);
    if (sqlite3_vfs_register(&fault_vfs_detail::state().vfs, 1) != SQLITE_OK) {
      throw std::runtime_error("cannot make onestop-fault the default SQLite VFS");
    }
  }
  ~FaultVfsAsDefault() {
    disarm_fault();
    sqlite3_vfs_register(previous_, 1);
  }
  FaultVfsAsDefault(const FaultVfsAsDefault&) = delete;
  FaultVfsAsDefault& operator=(const FaultVfsAsDefault&) = delete;

 private:
  sqlite3_vfs* previous_ = nullptr;
};

}  // namespace onestop::testing
