// The access_log table and its batching writer (access_log.hpp).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/record_store.hpp"
#include "adapters/sqlite/schema.hpp"
#include "adapters/sqlite/types.hpp"

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
      : options_(options), writer_db_(std::move(writer)), reader_db_(std::move(reader)) {
    // The log's own commits need not wait for the disk: losing the last moments in a power
    // failure is the stated price (access_log.hpp), and the ledger's commits stay FULL.
    writer_db_->exec("PRAGMA synchronous = NORMAL");
    thread_ = std::thread([this] { run(); });
  }

  ~SqliteAccessLog() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  void append(AccessEntry entry) override {
    if (entry.at.empty()) entry.at = detail::utc_now();
    {
      std::lock_guard lock(mutex_);
      if (queue_.size() >= options_.max_queued) {
        ++dropped_;
        return;
      }
      queue_.push_back(std::move(entry));
    }
    wake_.notify_all();
  }

  void flush() override {
    std::unique_lock lock(mutex_);
    // A round of writing empties the queue (or meets a failure); the round after this call
    // has seen every entry appended before it.
    const std::uint64_t round = rounds_;
    flush_wanted_ = true;
    wake_.notify_all();
    done_.wait(lock, [&] { return rounds_ > round || stopped_; });
  }

  std::uint64_t dropped() const override {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

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
  // The writer thread: waits for entries (or the interval, or a flush), writes them in
  // batches until the queue is empty or the database fails, and on stopping writes what is
  // left.
  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait_for(lock, std::chrono::milliseconds(options_.flush_interval_ms), [&] {
        return stopping_ || flush_wanted_ || queue_.size() >= options_.max_batch;
      });
      flush_wanted_ = false;
      while (!queue_.empty()) {
        std::vector<AccessEntry> batch;
        while (!queue_.empty() && batch.size() < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        lock.unlock();
        const bool written = write(batch);
        lock.lock();
        if (written) continue;
        // Back to the front of the queue for the next round, as far as the queue holds them.
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
          if (queue_.size() >= options_.max_queued) {
            ++dropped_;
          } else {
            queue_.push_front(std::move(*it));
          }
        }
        break;
      }
      ++rounds_;
      if (stopping_) {
        stopped_ = true;
        done_.notify_all();
        return;
      }
      done_.notify_all();
    }
  }

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

  AccessLogOptions options_;
  std::unique_ptr<Connection> writer_db_;  // the writer thread's only
  std::unique_ptr<Connection> reader_db_;  // list()'s, in turns
  std::mutex reader_mutex_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;  // the writer: entries, a flush or the stop
  std::condition_variable done_;  // flush(): a round of writing ended
  std::deque<AccessEntry> queue_;
  std::uint64_t rounds_ = 0;  // rounds of writing ended
  std::uint64_t dropped_ = 0;
  bool flush_wanted_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
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
    auto reader = std::make_unique<Connection>(detail::ConnectionOptions{path, false, 5000, ""});
    return std::unique_ptr<AccessLog>(
        std::make_unique<SqliteAccessLog>(options, std::move(writer), std::move(reader)));
  } catch (const DbError& e) {
    return database_failed(e);
  }
}

}  // namespace onestop::sqlite
