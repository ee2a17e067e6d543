// The access_log table and its batching writer (access_log.hpp).
#include <mutex>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/record_store.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"
#include "adapters/store/access_log_queue.hpp"

namespace onestop::sqlite {
namespace {

using detail::Connection;
using detail::DbError;
using detail::Query;

using detail::database_failed;

class SqliteAccessLog final : public AccessLog {
 public:
  SqliteAccessLog(const AccessLogOptions& options, std::unique_ptr<Connection> writer,
                  std::unique_ptr<Connection> reader)
      : writer_db_(std::move(writer)),
        reader_db_(std::move(reader)),
        queue_(options, [this](const std::vector<AccessEntry>& batch) { return write(batch); }) {}

  void append(AccessEntry entry) override { queue_.append(std::move(entry)); }
  void flush() override { queue_.flush(); }
  std::uint64_t dropped() const override { return queue_.dropped(); }

  Result<std::vector<AccessEntry>> list(const AccessQuery& query) override {
    std::lock_guard lock(reader_mutex_);
    try {
      Query q = reader_db_->query(
          "SELECT id, at, client, role, method, route, target, status, remote, correlation_id "
          "FROM access_log WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2) "
          "AND (?3 IS NULL OR client = ?3) AND (?4 IS NULL OR target = ?4) "
          "ORDER BY id LIMIT ?5");
      q.bind_all(query.from, query.before, query.client, query.target,
                 static_cast<std::int64_t>(query.limit));
      std::vector<AccessEntry> out;
      while (q.step()) {
        AccessEntry e;
        e.id = q.int64(0);
        e.at = q.text(1);
        e.client = q.text(2);
        e.role = q.text(3);
        e.method = q.text(4);
        e.route = q.text(5);
        e.target = q.text(6);
        e.status = static_cast<int>(q.int64(7));
        e.remote = q.text(8);
        e.correlation_id = q.text(9);
        out.push_back(std::move(e));
      }
      return out;
    } catch (const DbError& e) {
      return database_failed(e);
    }
  }

 private:
  // One transaction for the batch; false when the database failed (nothing written).
  bool write(const std::vector<AccessEntry>& batch) {
    try {
      writer_db_->exec("BEGIN IMMEDIATE");
      Query insert = writer_db_->query(
          "INSERT INTO access_log (at, client, role, method, route, target, status, remote, "
          "correlation_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
      for (const AccessEntry& e : batch) {
        insert.bind_all(e.at, e.client, e.role, e.method, e.route, e.target, e.status, e.remote,
                        e.correlation_id);
        insert.run();
        insert.reset();
      }
      writer_db_->exec("COMMIT");
      return true;
    } catch (const DbError&) {
      writer_db_->rollback_quietly();
      return false;
    }
  }

  std::unique_ptr<Connection> writer_db_;  // the queue's thread's only
  std::unique_ptr<Connection> reader_db_;  // list()'s, in turns
  std::mutex reader_mutex_;
  store::AccessLogQueue queue_;  // last: destroyed (its thread joined) before the connections
};

}  // namespace

Result<std::unique_ptr<AccessLog>> open_access_log(const std::string& path,
                                                   const AccessLogOptions& options) {
  if (path.empty() || path == ":memory:") {
    return detail::unavailable("the access log needs a database file, not '" + path + "'");
  }
  try {
    auto writer = std::make_unique<Connection>(detail::ConnectionOptions{path, true, 5000, ""});
    detail::migrate(*writer);
    // The log's own commits need not wait for the disk: losing the last moments in a power
    // failure is the stated price (access_log.hpp), and the ledger's commits stay FULL.
    writer->exec("PRAGMA synchronous = NORMAL");
    auto reader = std::make_unique<Connection>(detail::ConnectionOptions{path, false, 5000, ""});
    return std::unique_ptr<AccessLog>(
        std::make_unique<SqliteAccessLog>(options, std::move(writer), std::move(reader)));
  } catch (const DbError& e) {
    return database_failed(e);
  }
}

}  // namespace onestop::sqlite
