// A thin RAII layer over libpq for the PostgreSQL adapter: one connection, statements prepared
// once per connection and run with text parameters (never SQL assembled from values), results
// read by row and column, and failures as PgError with their SQLSTATE. Internal to
// adapters/postgres.
//
// Why libpq itself: it is the client PostgreSQL ships (Debian's libpq-dev), every feature the
// ledger needs (prepared statements, SQLSTATE codes, connection status for reconnecting) is
// one call, and this layer is about 200 lines. libpqxx would add a dependency for the same
// calls; Poco::Data::PostgreSQL hides the SQLSTATE and the prepared statements behind its own
// session model.
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapters/store/ledger.hpp"
#include "engine/error.hpp"

namespace onestop::postgres::detail {

// A statement or connection failed. `sqlstate` is PostgreSQL's five-character code ("23505"
// unique violation, "40001" serialization failure, "08006" connection failure); "" when libpq
// failed before the server answered (then the connection is lost).
class PgError : public std::runtime_error {
 public:
  PgError(std::string sqlstate, const std::string& message)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  bool unique_violation() const { return sqlstate_ == "23505"; }

 private:
  std::string sqlstate_;
};

// The Error of a database failure for callers: code "ledger_unavailable", no field.
Error unavailable(const std::string& message);
Error database_failed(const PgError& e);

// Parameters of one statement, as text (NULL for nullopt).
class Params {
 public:
  Params& add(std::string_view text);
  Params& add(const char* text) { return add(std::string_view(text)); }
  Params& add(const std::string& text) { return add(std::string_view(text)); }
  Params& add(std::int64_t value);
  Params& add(int value) { return add(static_cast<std::int64_t>(value)); }
  Params& add(const std::optional<std::string>& text);
  Params& add_null();
  template <typename... T>
  static Params of(const T&... values) {
    Params p;
    (p.add(values), ...);
    return p;
  }

 private:
  friend class Connection;
  std::vector<const char*> pointers() const;  // libpq's view: nullptr for NULL
  std::vector<std::optional<std::string>> values_;
};

// The rows a statement returned.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}
  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string text(int row, int column) const;
  std::int64_t int64(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class Connection;

// Statements that go to the server together, in one round trip (libpq's pipeline mode), and
// run there one after the other as if sent one by one: for the statements of a transaction
// whose results are needed only once the last of them has run.
class Batch {
 public:
  // Queues `sql` with `params`; its index in the batch is returned, for its result. Prepared
  // on the connection as Connection::run() prepares (prepare=false: as run_once()).
  std::size_t add(std::string sql, Params params, bool prepare = true);
  // The same for a statement that must change exactly one row: when it changes another number,
  // the batch fails with PgError(XX000, `otherwise`) (an internal error: nothing commits).
  std::size_t add_one_row(std::string sql, Params params, std::string otherwise);
  bool empty() const { return statements_.empty(); }

 private:
  friend class Connection;
  struct Statement {
    std::string sql;
    Params params;
    bool prepare;
    std::string unless_one_row;  // add_one_row()'s error; "" for add()
  };
  std::vector<Statement> statements_;
};

// One connection. Not thread-safe: one thread at a time.
class Connection {
 public:
  // Connects to the libpq URI; throws PgError when the server cannot be reached. Unless the
  // URI or PGCONNECT_TIMEOUT sets one, the attempt gives up after kConnectTimeoutSeconds:
  // libpq's default is to wait for ever, and a server that vanished from the network would
  // hang every read, write and health check that needs a new connection. For the same reason
  // on a connection already made, TCP keepalives probe a silent peer (keepalives=1,
  // keepalives_idle=10, keepalives_interval=5, keepalives_count=3: a dead peer found within
  // about 25 s) and tcp_user_timeout=30000 ms drops a connection whose sent data stays
  // unacknowledged, each unless the URI sets it (over a Unix socket libpq ignores them).
  explicit Connection(const std::string& uri);
  static constexpr int kConnectTimeoutSeconds = 5;
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters (DDL, BEGIN, COMMIT). Throws PgError.
  void exec(const std::string& sql);
  // Runs `sql` with `params`; the statement is prepared on this connection the first time.
  // Throws PgError.
  Rows run(const std::string& sql, const Params& params = {});
  // The same without preparing: for statements whose text varies (a multi-row INSERT sized to
  // its batch), which would otherwise fill the connection with one-use prepared statements.
  Rows run_once(const std::string& sql, const Params& params);
  // Sends `batch` in one round trip and returns each statement's rows, in order. When one
  // fails, those after it do not run, and its PgError is thrown once every answer is read.
  std::vector<Rows> send(const Batch& batch);
  // Rolls back an open transaction, swallowing errors; false when the connection is lost.
  bool rollback_quietly();
  // Whether the connection still works (libpq's status; a lost server shows here) and no
  // failed send() left it in pipeline mode.
  bool ok() const;
  // The value of connection parameter `keyword` this connection was made with ("" unset).
  std::string option(const std::string& keyword) const;

 private:
  Rows check(PGresult* result);
  // The name of `sql` prepared on this connection, preparing it the first time.
  const std::string& prepared(const std::string& sql);
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

// Runs `f(connection)` in a transaction (READ COMMITTED): committed when it returns without
// throwing, rolled back when it throws (the exception propagates).
template <typename F>
auto in_transaction(Connection& db, F&& f) {
  db.exec("BEGIN");
  try {
    if constexpr (std::is_void_v<decltype(f(db))>) {
      f(db);
      db.exec("COMMIT");
    } else {
      auto result = f(db);
      db.exec("COMMIT");
      return result;
    }
  } catch (...) {
    db.rollback_quietly();
    throw;
  }
}

inline constexpr std::size_t kRowsPerInsert = 500;

// Queues the INSERTs of `count` rows of `columns` values each, `kRowsPerInsert` to a
// statement; `add(i, p)` adds row i's values to the parameters. The statement's text depends
// only on the counts: `prepare` it when they repeat (a record's few layers), not when they
// vary (a roster import's batches), which would fill the connection with one-use statements.
template <typename Add>
void insert_rows(Batch& batch, const std::string& head, std::size_t columns, std::size_t count,
                 Add add, bool prepare) {
  for (std::size_t start = 0; start < count; start += kRowsPerInsert) {
    const std::size_t n = std::min(kRowsPerInsert, count - start);
    std::string sql = head + " VALUES ";
    Params params;
    for (std::size_t i = 0; i < n; ++i) {
      sql += i == 0 ? "(" : ", (";
      for (std::size_t c = 0; c < columns; ++c) {
        sql += (c == 0 ? "$" : ", $") + std::to_string(i * columns + c + 1);
      }
      sql += ")";
      add(start + i, params);
    }
    batch.add(std::move(sql), std::move(params), prepare);
  }
}

// The same, run at once on `db`, unprepared.
template <typename Add>
void insert_rows(Connection& db, const std::string& head, std::size_t columns, std::size_t count,
                 Add add) {
  Batch batch;
  insert_rows(batch, head, columns, count, std::move(add), false);
  if (!batch.empty()) db.send(batch);
}

// Thrown by Pool::with() when every connection is in use and as many callers as the pool lets
// wait are waiting already: the caller is answered at once instead of queueing without bound.
class PoolFull : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A few connections to one database, opened when first needed; a connection found broken is
// dropped and replaced at its next use, so the pool reconnects by itself after a restart of
// the server. Thread-safe.
class Pool {
 public:
  static constexpr std::size_t kUnbounded = static_cast<std::size_t>(-1);
  // At most `max_waiting` callers wait for a connection while all `size` are in use.
  Pool(std::string uri, std::size_t size, std::size_t max_waiting = kUnbounded);

  // The pool's connections now (for health checks and metrics): `in_use` leased, `open` made
  // and not found broken at their last release, or leased (a leased one holds a connection or
  // is making one), `max` the pool's size.
  struct Counts {
    std::size_t open = 0;
    std::size_t in_use = 0;
    std::size_t max = 0;
  };
  Counts counts() const;

  // Runs `f(connection)` on a free connection (waiting for one, or throwing PoolFull when
  // max_waiting callers wait already). A PgError propagates; the connection is then kept only
  // if it still works.
  template <typename F>
  auto with(F&& f) {
    Lease lease(*this);
    try {
      return f(lease.connection());
    } catch (const PgError&) {
      lease.check();
      throw;
    }
  }

 private:
  class Lease {
   public:
    explicit Lease(Pool& pool);
    ~Lease();
    Connection& connection();
    void check();  // drops the connection when it no longer works

   private:
    Pool& pool_;
    std::size_t slot_;
  };

  std::string uri_;
  std::size_t max_waiting_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::size_t waiting_ = 0;  // callers waiting for a connection
  // A leased slot's connection is touched by its holder alone, without the mutex; `open_` is
  // what counts() reads instead, set under the mutex when the slot is given back.
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<bool> busy_;
  std::vector<bool> open_;
};

// What guarded() answers for `f` returning R: R itself when it is a Result, else Result<R>.
template <typename R>
struct Guarded {
  using type = Result<R>;
};
template <typename T>
struct Guarded<Result<T>> {
  using type = Result<T>;
};

// Runs `f(connection)` on a connection of `pool` (Pool::with: a connection found broken is
// dropped) and answers a database failure as database_failed(e), the ledger_unavailable error
// of the storage interfaces. `f` returns a value or a Result (answered as a Result), or
// nothing (answered as std::optional<Error>, empty when it succeeded). Other exceptions
// propagate.
template <typename F>
auto guarded(Pool& pool, F&& f) {
  using R = decltype(f(std::declval<Connection&>()));
  if constexpr (std::is_void_v<R>) {
    try {
      pool.with(std::forward<F>(f));
      return std::optional<Error>();
    } catch (const PgError& e) {
      return std::optional<Error>(database_failed(e));
    }
  } else {
    using Answer = typename Guarded<R>::type;
    try {
      return Answer(pool.with(std::forward<F>(f)));
    } catch (const PgError& e) {
      return Answer(database_failed(e));
    }
  }
}

// The same for the interfaces whose reads throw: a database failure throws
// store::LedgerUnavailable with database_failed(e).
template <typename F>
auto guarded_or_throw(Pool& pool, F&& f) {
  try {
    return pool.with(std::forward<F>(f));
  } catch (const PgError& e) {
    throw store::LedgerUnavailable(database_failed(e));
  }
}

}  // namespace onestop::postgres::detail
