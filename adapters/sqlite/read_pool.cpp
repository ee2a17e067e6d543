#include "adapters/sqlite/read_pool.hpp"

#include <algorithm>
#include <utility>

namespace onestop::sqlite::detail {

ReadPool::ReadPool(ConnectionOptions options, std::size_t size)
    : options_(std::move(options)), connections_(size == 0 ? 1 : size), open_(connections_.size()) {
  for (Slot slot = 0; slot < connections_.size(); ++slot) free_.push_back(slot);
}

ReadPool::Counts ReadPool::counts() const {
  std::lock_guard lock(mutex_);
  Counts c;
  c.max = connections_.size();
  c.in_use = c.max - free_.size();
  for (Slot slot = 0; slot < open_.size(); ++slot) {
    const bool lent = std::find(free_.begin(), free_.end(), slot) == free_.end();
    if (lent || open_[slot]) ++c.open;
  }
  return c;
}

ReadPool::Slot ReadPool::acquire() {
  std::unique_lock lock(mutex_);
  free_cv_.wait(lock, [this] { return !free_.empty(); });
  const Slot slot = free_.back();
  free_.pop_back();
  return slot;
}

Connection& ReadPool::connection(Slot slot) {
  // Only the holder of the slot touches its connection, so no lock is needed here.
  auto& db = connections_[slot];
  if (!db) {
    db = std::make_unique<Connection>(options_);
    db->exec("PRAGMA query_only = ON");
  }
  return *db;
}

void ReadPool::release(Slot slot, bool broken) {
  if (broken) connections_[slot].reset();
  {
    std::lock_guard lock(mutex_);
    open_[slot] = connections_[slot] != nullptr;
    free_.push_back(slot);
  }
  free_cv_.notify_one();
}

}  // namespace onestop::sqlite::detail
