// Requests per client per second (issue 5, onestop.limits.requests_per_second and .burst): one
// token bucket per client key. A bucket holds at most `burst` tokens and refills at
// `requests_per_second` tokens a second; a request takes one token or is refused with the
// whole seconds after which one will be there (the 429's Retry-After).
//
// The caller passes the time in, so tests drive the clock and nothing here reads one. Token
// arithmetic is in integers (billionths of a token), so a run of checks counts exactly.
// Memory is bounded: a bucket that has refilled to full is the same as no bucket and is
// dropped, and at most `max_keys` buckets are kept; when that many clients are all still
// refilling, a new one is refused (Retry-After 1) rather than let in unlimited — keys are
// authenticated clients, so the cap only bites when something is badly wrong.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace onestop::http {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr std::size_t kDefaultMaxKeys = 100'000;
  // The settings' bounds (server_config.cpp checks them), which keep the arithmetic in 64 bits.
  static constexpr int kMaxRate = 1'000'000;
  static constexpr int kMaxBurst = 1'000'000;

  struct Decision {
    bool allowed = true;
    int retry_after_s = 0;  // when refused: ≥ 1, the whole seconds until a token is there
  };

  // requests_per_second 0 means no limit (every check is allowed, nothing is kept);
  // otherwise 1 ≤ requests_per_second ≤ kMaxRate and 1 ≤ burst ≤ kMaxBurst (asserted).
  // `clock` is where now() reads the time; empty: the steady clock (tests pass their own).
  RateLimiter(int requests_per_second, int burst, std::size_t max_keys = kDefaultMaxKeys,
              std::function<Clock::time_point()> clock = {});

  // The time of the limiter's clock, for check().
  Clock::time_point now() const { return clock_ ? clock_() : Clock::now(); }

  // Takes one token from `key`'s bucket at time `now`. Thread-safe. Times may arrive slightly
  // out of order from several threads: a `now` before the bucket's last update refills nothing.
  Decision check(std::string_view key, Clock::time_point now);

  // Buckets held now (not yet refilled to full when last swept).
  std::size_t keys() const;

 private:
  struct Bucket {
    std::int64_t nano_tokens = 0;  // billionths of a token
    Clock::time_point updated;
  };

  // The bucket's tokens at `now` (capped at the burst); moves its time forward.
  void refill(Bucket& b, Clock::time_point now) const;
  // Drops every bucket that is full again at `now`. Caller holds mutex_.
  void sweep(Clock::time_point now);

  const std::int64_t rate_;                // tokens per second; 0: no limit
  const std::int64_t capacity_nano_;       // burst × 10⁹
  const std::chrono::nanoseconds full_after_;  // an empty bucket is full again after this
  const std::size_t max_keys_;
  const std::function<Clock::time_point()> clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::size_t checks_since_sweep_ = 0;
};

}  // namespace onestop::http
