#include "adapters/postgres/pg.hpp"

#include <charconv>
#include <cstdlib>
#include <utility>

namespace onestop::postgres::detail {
namespace {

std::string trimmed(const char* message) {
  std::string m = message == nullptr ? "" : message;
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

Error unavailable(const std::string& message) { return Error{"ledger_unavailable", "", message}; }

Error database_failed(const PgError& e) {
  return unavailable(std::string("the ledger's database failed: ") + e.what());
}

Params& Params::add(std::string_view text) {
  values_.emplace_back(std::string(text));
  return *this;
}

Params& Params::add(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

Params& Params::add(const std::optional<std::string>& text) {
  values_.push_back(text);
  return *this;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

Params& Params::add_null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::string Rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t Rows::int64(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  const std::size_t length = static_cast<std::size_t>(PQgetlength(result_.get(), row, column));
  std::int64_t out = 0;
  const auto [end, ec] = std::from_chars(value, value + length, out);
  if (ec != std::errc() || end != value + length) {
    throw PgError("XX000", "column " + std::to_string(column) + " is not an integer: '" +
                               std::string(value, length) + "'");
  }
  return out;
}

std::optional<std::string> Rows::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return text(row, column);
}

std::int64_t Rows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n == nullptr || *n == '\0' ? 0 : std::stoll(n);
}

Connection::Connection(const std::string& uri) {
  // Entries before the expanded URI are overridden by the URI's own parameters (libpq's
  // PQconnectdbParams), so a connect_timeout or a keepalive setting in the URI wins; an empty
  // value is ignored, which leaves PGCONNECT_TIMEOUT in force when it is set.
  const std::string timeout =
      std::getenv("PGCONNECT_TIMEOUT") != nullptr ? "" : std::to_string(kConnectTimeoutSeconds);
  const std::pair<const char*, std::string> parameters[] = {{"connect_timeout", timeout},
                                                            {"keepalives", "1"},
                                                            {"keepalives_idle", "10"},
                                                            {"keepalives_interval", "5"},
                                                            {"keepalives_count", "3"},
                                                            {"tcp_user_timeout", "30000"},
                                                            {"dbname", uri}};
  std::vector<const char*> keywords;
  std::vector<const char*> values;
  for (const auto& [keyword, value] : parameters) {
    keywords.push_back(keyword);
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("", "cannot connect: " + message);
  }
  // Notices (e.g. "relation already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

std::string Connection::option(const std::string& keyword) const {
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> options(PQconninfo(conn_),
                                                                         &PQconninfoFree);
  for (const PQconninfoOption* o = options.get(); o != nullptr && o->keyword != nullptr; ++o) {
    if (keyword == o->keyword) return o->val == nullptr ? "" : o->val;
  }
  return "";
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

// A connection a failed send() left in pipeline mode is not usable either: the pool drops it.
bool Connection::ok() const {
  return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK &&
         PQpipelineStatus(conn_) == PQ_PIPELINE_OFF;
}

Rows Connection::check(PGresult* result) {
  if (result == nullptr) throw PgError("", trimmed(PQerrorMessage(conn_)));
  const ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  PgError error(state == nullptr ? "" : state, trimmed(PQresultErrorMessage(result)));
  PQclear(result);
  throw error;
}

void Connection::exec(const std::string& sql) { check(PQexec(conn_, sql.c_str())); }

const std::string& Connection::prepared(const std::string& sql) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    const std::string name = "s" + std::to_string(prepared_.size());
    check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
    it = prepared_.emplace(sql, name).first;
  }
  return it->second;
}

Rows Connection::run(const std::string& sql, const Params& params) {
  const std::string& name = prepared(sql);
  const std::vector<const char*> values = params.pointers();
  return check(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                              nullptr, nullptr, 0));
}

std::size_t Batch::add(std::string sql, Params params, bool prepare) {
  statements_.push_back({std::move(sql), std::move(params), prepare, ""});
  return statements_.size() - 1;
}

std::size_t Batch::add_one_row(std::string sql, Params params, std::string otherwise) {
  statements_.push_back({std::move(sql), std::move(params), true, std::move(otherwise)});
  return statements_.size() - 1;
}

// Pipeline mode: the statements are sent with one Sync; the server runs them in order and
// answers each (a result, then NULL from PQgetResult), skipping those after a failure
// (PGRES_PIPELINE_ABORTED), then the Sync (PGRES_PIPELINE_SYNC, not followed by NULL). Every
// answer is read before the mode is left; the statements are prepared before it is entered
// (PQprepare is not allowed in it). A small batch in blocking mode cannot deadlock: what it
// sends fits the socket's buffers.
std::vector<Rows> Connection::send(const Batch& batch) {
  std::vector<const std::string*> names;
  for (const Batch::Statement& s : batch.statements_) {
    names.push_back(s.prepare ? &prepared(s.sql) : nullptr);
  }
  const auto lost = [this] { return PgError("", trimmed(PQerrorMessage(conn_))); };
  if (PQenterPipelineMode(conn_) != 1) throw lost();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Batch::Statement& s = batch.statements_[i];
    const std::vector<const char*> values = s.params.pointers();
    const int n = static_cast<int>(values.size());
    const int sent = names[i] != nullptr ? PQsendQueryPrepared(conn_, names[i]->c_str(), n,
                                                               values.data(), nullptr, nullptr, 0)
                                         : PQsendQueryParams(conn_, s.sql.c_str(), n, nullptr,
                                                             values.data(), nullptr, nullptr, 0);
    if (sent != 1) throw lost();  // the connection failed: the pool drops it
  }
  if (PQpipelineSync(conn_) != 1) throw lost();
  std::vector<Rows> rows;
  std::optional<PgError> first_error;
  for (std::size_t i = 0; i < names.size(); ++i) {
    PGresult* result = PQgetResult(conn_);
    if (result == nullptr) throw lost();
    if (PGresult* extra = PQgetResult(conn_); extra != nullptr) {
      PQclear(extra);
      PQclear(result);
      throw PgError("", "a statement of a batch answered twice");
    }
    if (PQresultStatus(result) == PGRES_PIPELINE_ABORTED) {
      PQclear(result);
      rows.emplace_back(nullptr);
      continue;
    }
    try {
      rows.push_back(check(result));
      const std::string& otherwise = batch.statements_[i].unless_one_row;
      if (!otherwise.empty() && rows.back().affected() != 1 && !first_error) {
        first_error = PgError("XX000", otherwise);
      }
    } catch (const PgError& e) {
      if (!first_error) first_error = e;
      rows.emplace_back(nullptr);
    }
  }
  PGresult* sync = PQgetResult(conn_);
  const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync != nullptr) PQclear(sync);
  if (!synced || PQexitPipelineMode(conn_) != 1) throw lost();
  if (first_error) throw *first_error;
  return rows;
}

Rows Connection::run_once(const std::string& sql, const Params& params) {
  const std::vector<const char*> values = params.pointers();
  return check(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
}

bool Connection::rollback_quietly() {
  if (!ok()) return false;
  PGresult* r = PQexec(conn_, "ROLLBACK");
  if (r != nullptr) PQclear(r);
  return ok();
}

Pool::Pool(std::string uri, std::size_t size, std::size_t max_waiting)
    : uri_(std::move(uri)),
      max_waiting_(max_waiting),
      connections_(size == 0 ? 1 : size),
      busy_(connections_.size()),
      open_(connections_.size()) {}

Pool::Counts Pool::counts() const {
  std::lock_guard lock(mutex_);
  Counts c;
  c.max = busy_.size();
  for (std::size_t i = 0; i < busy_.size(); ++i) {
    if (busy_[i]) ++c.in_use;
    if (busy_[i] || open_[i]) ++c.open;
  }
  return c;
}

// The limit is checked once, on arrival: a caller already waiting keeps its place.
Pool::Lease::Lease(Pool& pool) : pool_(pool) {
  std::unique_lock lock(pool_.mutex_);
  for (bool arrived = true;; arrived = false) {
    for (std::size_t i = 0; i < pool_.busy_.size(); ++i) {
      if (!pool_.busy_[i]) {
        pool_.busy_[i] = true;
        slot_ = i;
        return;
      }
    }
    if (arrived && pool_.waiting_ >= pool_.max_waiting_) {
      throw PoolFull("all " + std::to_string(pool_.busy_.size()) + " connections are in use and " +
                     std::to_string(pool_.waiting_) + " callers wait for one");
    }
    ++pool_.waiting_;
    pool_.freed_.wait(lock);
    --pool_.waiting_;
  }
}

Pool::Lease::~Lease() {
  {
    std::lock_guard lock(pool_.mutex_);
    pool_.busy_[slot_] = false;
    pool_.open_[slot_] = pool_.connections_[slot_] != nullptr;
  }
  pool_.freed_.notify_one();
}

Connection& Pool::Lease::connection() {
  auto& c = pool_.connections_[slot_];
  if (c && !c->ok()) c.reset();
  if (!c) c = std::make_unique<Connection>(pool_.uri_);
  return *c;
}

void Pool::Lease::check() {
  auto& c = pool_.connections_[slot_];
  if (c && !c->rollback_quietly()) c.reset();
}

}  // namespace onestop::postgres::detail
