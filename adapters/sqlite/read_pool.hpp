// A small pool of read connections to one database, so reads run side by side (WAL) and beside
// the writer. A connection that failed is closed and opened again on its next use, so one
// fault does not leave a broken connection behind. Internal to adapters/sqlite.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "adapters/sqlite/db.hpp"

namespace onestop::sqlite::detail {

class ReadPool {
 public:
  // `size` connections (at least one) opened lazily with `options`.
  ReadPool(ConnectionOptions options, std::size_t size);

  // Runs `read` on a free connection (waiting for one), inside one read transaction so it sees
  // one snapshot. Throws DbError; the connection is then discarded.
  template <typename F>
  auto with_connection(F&& read) {
    Lease lease(*this);
    try {
      Connection& db = connection(lease.slot);
      ReadTransaction tx(db);
      auto result = read(db);
      tx.commit();
      return result;
    } catch (const DbError&) {
      lease.broken = true;
      throw;
    }
  }

  // The pool's connections now (for health checks and metrics): `in_use` lent to a read,
  // `open` opened and not discarded at their last release, or lent (a lent one holds a
  // connection or is opening one), `max` the pool's size.
  struct Counts {
    std::size_t open = 0;
    std::size_t in_use = 0;
    std::size_t max = 0;
  };
  Counts counts() const;

 private:
  using Slot = std::size_t;
  // A connection slot held for one read; given back (closed first when broken) on scope exit.
  struct Lease {
    explicit Lease(ReadPool& pool) : pool(pool), slot(pool.acquire()) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool.release(slot, broken); }
    ReadPool& pool;
    Slot slot;
    bool broken = false;
  };

  // A free slot, waiting until one is given back.
  Slot acquire();
  // The slot's connection, opened now when it has none. Throws DbError.
  Connection& connection(Slot slot);
  // Gives the slot back; a broken connection is closed and reopened on next use.
  void release(Slot slot, bool broken);

  ConnectionOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable free_cv_;
  // A lent slot's connection is touched by its holder alone, without the mutex; `open_` is
  // what counts() reads instead, set under the mutex when the slot is given back.
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Slot> free_;
  std::vector<bool> open_;
};

}  // namespace onestop::sqlite::detail
