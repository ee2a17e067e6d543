// The batching writer behind every engine's access log (access_log.hpp): entries are queued
// without blocking the request and a thread of its own writes them, a batch to a transaction,
// at most `flush_interval_ms` after they came. A batch the database refused goes back to the
// front of the queue for the next round, as far as `max_queued` allows; the rest is counted as
// dropped.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/store/access_log.hpp"

namespace onestop::store {

class AccessLogQueue {
 public:
  // `write` writes one batch in one transaction and returns false when the database failed
  // (then nothing of the batch is written); it runs on the queue's thread only.
  using Write = std::function<bool(const std::vector<AccessEntry>&)>;
  AccessLogQueue(const AccessLogOptions& options, Write write);
  // Writes what is queued, then stops the thread.
  ~AccessLogQueue();
  AccessLogQueue(const AccessLogQueue&) = delete;
  AccessLogQueue& operator=(const AccessLogQueue&) = delete;

  // AccessLog's append(), flush() and dropped().
  void append(AccessEntry entry);
  void flush();
  std::uint64_t dropped() const;

 private:
  void run();

  AccessLogOptions options_;
  Write write_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;  // the writer: entries, a flush or the stop
  std::condition_variable done_;  // flush(): a round of writing ended
  std::deque<AccessEntry> queue_;
  std::uint64_t rounds_ = 0;  // rounds of writing ended
  std::uint64_t dropped_ = 0;
  bool flush_wanted_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;  // last: it starts once everything it uses exists
};

}  // namespace onestop::store
