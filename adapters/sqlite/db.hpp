// A thin, checked layer over the SQLite C API for the ledger and the roster: connections with
// a cache of prepared statements, bound parameters only (never SQL built from values), and
// every failure raised as DbError so that one catch at the edge of each operation maps it to
// "ledger_unavailable". Internal to adapters/sqlite.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/error.hpp"

namespace onestop::sqlite::detail {

// A failed SQLite call: the extended result code and what SQLite said.
class DbError : public std::runtime_error {
 public:
  DbError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// The Error for a ledger that cannot take the request: code "ledger_unavailable", no field.
Error unavailable(const std::string& message);
// The same for a failed SQLite call: "the ledger database failed: " and what SQLite said.
Error database_failed(const DbError& e);

// Bytes bound as a BLOB (a std::string_view binds as TEXT).
struct Blob {
  std::string_view bytes;
};

// One use of a cached prepared statement. Bind, step, read columns; the destructor resets it
// and clears its bindings so the next use starts clean. One Query per statement at a time.
class Query {
 public:
  Query(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  Query& bind(int index, std::int64_t value);
  Query& bind(int index, int value);
  Query& bind(int index, std::string_view value);
  Query& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Query& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Query& bind(int index, const std::optional<std::int64_t>& value);
  Query& bind(int index, const std::optional<std::string>& value);
  Query& bind(int index, Blob value);
  // Binds the arguments to ?1, ?2, ... in order.
  template <typename... Args>
  Query& bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  // Makes the statement ready to be bound and run again (bindings are replaced by bind()).
  void reset() { sqlite3_reset(stmt_); }

  // One step: true when a row is ready, false when the statement is done. Throws DbError.
  bool step();
  // Steps to the end (a write). Throws DbError.
  void run();
  // Steps to the end; false when a UNIQUE constraint refused the write (nothing written by
  // this statement), true when it ran. Any other failure throws DbError.
  bool run_unless_duplicate();

  std::int64_t int64(int column) const;
  std::string text(int column) const;
  // A BLOB (or any) column's bytes; empty for NULL.
  std::string blob(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

struct ConnectionOptions {
  std::string path;
  bool create = false;  // create the file when missing
  int busy_timeout_ms = 5000;
  std::string vfs;  // empty: SQLite's default
};

// One SQLite connection with foreign keys on, synchronous=FULL and the busy timeout set.
// Not thread-safe: one thread at a time.
class Connection {
 public:
  // Opens the database; throws DbError (the handle is closed again on failure).
  explicit Connection(const ConnectionOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs static SQL (no values in it: they go through query()). Throws DbError.
  void exec(const char* sql);
  // The prepared statement for `sql`, prepared once and cached. Throws DbError.
  Query query(const std::string& sql);
  // True inside an open transaction (after a failure SQLite may have rolled it back itself).
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  // Rolls back an open transaction without throwing; false when even that failed (the
  // connection should then be closed and opened again).
  bool rollback_quietly() noexcept;
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A read transaction: BEGIN at construction so that every query of one read sees the same
// snapshot; commit() ends it, the destructor rolls back when commit() was not reached.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection& db);
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  ~ReadTransaction();
  void commit();

 private:
  Connection& db_;
  bool open_ = true;
};

// Throws DbError for a result code other than SQLITE_OK, with `what` and SQLite's message.
void check(sqlite3* db, int rc, std::string_view what);

}  // namespace onestop::sqlite::detail
