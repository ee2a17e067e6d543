#include "adapters/store/access_log_queue.hpp"

#include <chrono>
#include <utility>

#include "adapters/store/reports.hpp"

namespace onestop::store {

AccessLogQueue::AccessLogQueue(const AccessLogOptions& options, Write write)
    : options_(options), write_(std::move(write)), thread_([this] { run(); }) {}

AccessLogQueue::~AccessLogQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void AccessLogQueue::append(AccessEntry entry) {
  if (entry.at.empty()) entry.at = utc_now();
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

void AccessLogQueue::flush() {
  std::unique_lock lock(mutex_);
  // A round of writing empties the queue (or meets a failure); the round after this call has
  // seen every entry appended before it.
  const std::uint64_t round = rounds_;
  flush_wanted_ = true;
  wake_.notify_all();
  done_.wait(lock, [&] { return rounds_ > round || stopped_; });
}

std::uint64_t AccessLogQueue::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

// Waits for entries (or the interval, or a flush), writes them in batches until the queue is
// empty or the database fails, and on stopping writes what is left.
void AccessLogQueue::run() {
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
      const bool written = write_(batch);
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

}  // namespace onestop::store
