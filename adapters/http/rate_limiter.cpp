#include "adapters/http/rate_limiter.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace onestop::http {
namespace {

constexpr std::int64_t kNano = 1'000'000'000;  // billionths of a token per token; ns per second

// Sweeping every so many checks drops idle clients' buckets even when the cap is far away,
// at an amortized cost of O(1) per check.
constexpr std::size_t kSweepEvery = 4096;

}  // namespace

RateLimiter::RateLimiter(int requests_per_second, int burst, std::size_t max_keys,
                         std::function<Clock::time_point()> clock)
    : rate_(requests_per_second),
      capacity_nano_(static_cast<std::int64_t>(burst) * kNano),
      // The bucket gains `rate_` billionths of a token per nanosecond: an empty one is full
      // again after capacity / rate nanoseconds, rounded up.
      full_after_(requests_per_second == 0
                      ? 0
                      : (capacity_nano_ + requests_per_second - 1) / requests_per_second),
      max_keys_(max_keys),
      clock_(std::move(clock)) {
  assert(requests_per_second >= 0 && requests_per_second <= kMaxRate);
  assert(requests_per_second == 0 || (burst >= 1 && burst <= kMaxBurst));
  assert(max_keys >= 1);
}

void RateLimiter::refill(Bucket& b, Clock::time_point now) const {
  if (now <= b.updated) return;  // an earlier reading of the clock: nothing to add
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - b.updated);
  // Capping the elapsed time first keeps elapsed × rate below the capacity (no overflow).
  b.nano_tokens = elapsed >= full_after_
                      ? capacity_nano_
                      : std::min(capacity_nano_, b.nano_tokens + elapsed.count() * rate_);
  b.updated = now;
}

void RateLimiter::sweep(Clock::time_point now) {
  checks_since_sweep_ = 0;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.nano_tokens == capacity_nano_ ? buckets_.erase(it) : std::next(it);
  }
}

RateLimiter::Decision RateLimiter::check(std::string_view key, Clock::time_point now) {
  if (rate_ == 0) return {};
  const std::lock_guard lock(mutex_);
  if (++checks_since_sweep_ >= kSweepEvery) sweep(now);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) sweep(now);
    if (buckets_.size() >= max_keys_) return {false, 1};
    it = buckets_.emplace(std::string(key), Bucket{capacity_nano_, now}).first;
  } else {
    refill(it->second, now);
  }
  Bucket& b = it->second;
  if (b.nano_tokens >= kNano) {
    b.nano_tokens -= kNano;
    return {};
  }
  // A refused request takes nothing; the next token is there after missing / rate ns.
  const std::int64_t wait_ns = (kNano - b.nano_tokens + rate_ - 1) / rate_;
  const std::int64_t wait_s = (wait_ns + kNano - 1) / kNano;
  return {false, static_cast<int>(std::max<std::int64_t>(1, wait_s))};
}

std::size_t RateLimiter::keys() const {
  const std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace onestop::http
