#include "adapters/sqlite/db.hpp"

#include <mutex>
#include <utility>

namespace onestop::sqlite::detail {
namespace {

// "what: message (code name)" for a failed call on `db` (which may be null before open).
std::string describe(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (";
  message += sqlite3_errstr(rc);
  message += ")";
  return message;
}

// The extended code of the last failure on `db`, or `rc` when the handle has none.
int extended(sqlite3* db, int rc) { return db != nullptr ? sqlite3_extended_errcode(db) : rc; }

}  // namespace

Error unavailable(const std::string& message) { return Error{"ledger_unavailable", "", message}; }

Error database_failed(const DbError& e) {
  return unavailable("the ledger database failed: " + std::string(e.what()));
}

void check(sqlite3* db, int rc, std::string_view what) {
  if (rc != SQLITE_OK) throw DbError(extended(db, rc), describe(db, rc, what));
}

Query::~Query() {
  // Reset reports the statement's last error again; it was raised by step() already.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::bind(int index, std::int64_t value) {
  check(db_, sqlite3_bind_int64(stmt_, index, value), "bind");
  return *this;
}

Query& Query::bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }

Query& Query::bind(int index, std::string_view value) {
  check(
      db_,
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      "bind");
  return *this;
}

Query& Query::bind(int index, const std::optional<std::int64_t>& value) {
  if (value) return bind(index, *value);
  check(db_, sqlite3_bind_null(stmt_, index), "bind");
  return *this;
}

Query& Query::bind(int index, const std::optional<std::string>& value) {
  if (value) return bind(index, std::string_view(*value));
  check(db_, sqlite3_bind_null(stmt_, index), "bind");
  return *this;
}

Query& Query::bind(int index, Blob value) {
  check(db_,
        sqlite3_bind_blob64(stmt_, index, value.bytes.data(), value.bytes.size(), SQLITE_TRANSIENT),
        "bind");
  return *this;
}

bool Query::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw DbError(sqlite3_extended_errcode(db_), describe(db_, rc, sqlite3_sql(stmt_)));
}

void Query::run() {
  while (step()) {
  }
}

bool Query::run_unless_duplicate() {
  try {
    run();
  } catch (const DbError& e) {
    if (e.code() == SQLITE_CONSTRAINT_UNIQUE) return false;
    throw;
  }
  return true;
}

std::int64_t Query::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::text(int column) const {
  const auto* bytes = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (bytes == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
}

std::string Query::blob(int column) const {
  const auto* bytes = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (bytes == nullptr) return {};
  return std::string(static_cast<const char*>(bytes), static_cast<std::size_t>(size));
}

bool Query::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

// SQLite counts every allocation of every connection under one process-wide mutex unless told
// not to; the writer and the request threads' reads then queue on it. Nothing here reads those
// counts (sqlite3_memory_used, a soft heap limit), so they are turned off: the durable settle
// route served 12–15 % more requests per second in three alternating pairs of runs. The setting
// only takes before SQLite initializes, which the first open does; if something initialized it
// earlier (a test's own VFS), it stays on and nothing else changes.
namespace {
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}
}  // namespace

Connection::Connection(const ConnectionOptions& options) {
  configure_sqlite_once();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  const char* vfs = options.vfs.empty() ? nullptr : options.vfs.c_str();
  const int rc = sqlite3_open_v2(options.path.c_str(), &db_, flags, vfs);
  try {
    check(db_, rc, "open " + options.path);
    sqlite3_extended_result_codes(db_, 1);
    check(db_, sqlite3_busy_timeout(db_, options.busy_timeout_ms), "busy_timeout");
    exec("PRAGMA foreign_keys = ON");
    exec("PRAGMA synchronous = FULL");
  } catch (const DbError&) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  for (auto& entry : statements_) sqlite3_finalize(entry.second);
  // close_v2 defers the close until nothing uses the handle; its result cannot fail usefully.
  sqlite3_close_v2(db_);
}

void Connection::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return;
  std::string text = std::string(sql) + ": " + (message != nullptr ? message : sqlite3_errstr(rc));
  sqlite3_free(message);
  throw DbError(sqlite3_extended_errcode(db_), text + " (" + sqlite3_errstr(rc) + ")");
}

Query Connection::query(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    check(db_,
          sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1),
                             SQLITE_PREPARE_PERSISTENT, &stmt, nullptr),
          sql);
    it = statements_.emplace(sql, stmt).first;
  }
  return Query(it->second, db_);
}

bool Connection::rollback_quietly() noexcept {
  if (!in_transaction()) return true;
  return sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK && !in_transaction();
}

ReadTransaction::ReadTransaction(Connection& db) : db_(db) { db_.exec("BEGIN"); }

ReadTransaction::~ReadTransaction() {
  // Unwinding from a failed read: nothing was written, so a failed rollback loses nothing;
  // the next BEGIN on this connection reports a connection that is still broken.
  if (open_) db_.rollback_quietly();
}

void ReadTransaction::commit() {
  open_ = false;
  db_.exec("COMMIT");
}

}  // namespace onestop::sqlite::detail
