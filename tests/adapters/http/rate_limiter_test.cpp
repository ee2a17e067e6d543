// The per-client token bucket with an injected clock: at the burst allowed, one past refused
// with an honest Retry-After, refills at the rate, keys independent, memory bounded, and an
// exact count under threads.
#include "adapters/http/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace onestop::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = RateLimiter::Clock;

const Clock::time_point kT0 = Clock::time_point(seconds(1000));

// How many of `n` checks of `key` at `now` are allowed.
int allowed_of(RateLimiter& limiter, const std::string& key, int n, Clock::time_point now) {
  int allowed = 0;
  for (int i = 0; i < n; ++i) allowed += limiter.check(key, now).allowed ? 1 : 0;
  return allowed;
}

TEST(RateLimiter, TheBurstIsAllowedAndTheNextIsRefusedWithRetryAfter) {
  RateLimiter limiter(/*requests_per_second=*/10, /*burst=*/20);
  EXPECT_EQ(allowed_of(limiter, "H1", 20, kT0), 20);
  const RateLimiter::Decision past = limiter.check("H1", kT0);
  EXPECT_FALSE(past.allowed);
  EXPECT_EQ(past.retry_after_s, 1);  // a token comes back after 0.1 s: rounded up to 1 s
  // A refused request takes nothing: after 100 ms exactly one token is back.
  EXPECT_TRUE(limiter.check("H1", kT0 + milliseconds(100)).allowed);
  EXPECT_FALSE(limiter.check("H1", kT0 + milliseconds(100)).allowed);
  EXPECT_FALSE(limiter.check("H1", kT0 + milliseconds(199)).allowed);
  EXPECT_TRUE(limiter.check("H1", kT0 + milliseconds(200)).allowed);
}

TEST(RateLimiter, RetryAfterIsHonest) {
  // One request a second, no burst beyond it: the wait is a whole second, and a retry after
  // exactly that long is allowed.
  RateLimiter limiter(1, 1);
  ASSERT_TRUE(limiter.check("H1", kT0).allowed);
  const RateLimiter::Decision refused = limiter.check("H1", kT0 + milliseconds(1));
  ASSERT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_s, 1);
  EXPECT_FALSE(limiter.check("H1", kT0 + milliseconds(999)).allowed);
  EXPECT_TRUE(limiter.check("H1", kT0 + seconds(refused.retry_after_s)).allowed);
}

TEST(RateLimiter, RefillsAtTheRateUpToTheBurst) {
  RateLimiter limiter(5, 10);
  EXPECT_EQ(allowed_of(limiter, "H1", 10, kT0), 10);
  // One second later: 5 tokens, not more.
  EXPECT_EQ(allowed_of(limiter, "H1", 8, kT0 + seconds(1)), 5);
  // Long idle: the bucket is full again, but never beyond the burst.
  EXPECT_EQ(allowed_of(limiter, "H1", 15, kT0 + seconds(3600)), 10);
  // A sustained client gets exactly the rate: 5 a second over 10 seconds, sent every 10 ms.
  RateLimiter steady(5, 1);
  int allowed = 0;
  for (int ms = 0; ms < 10'000; ms += 10) {
    allowed += steady.check("H2", kT0 + milliseconds(ms)).allowed ? 1 : 0;
  }
  EXPECT_EQ(allowed, 50);
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter limiter(1, 3);
  EXPECT_EQ(allowed_of(limiter, "H1", 5, kT0), 3);
  EXPECT_EQ(allowed_of(limiter, "H2", 5, kT0), 3);
  EXPECT_FALSE(limiter.check("H1", kT0).allowed);
  EXPECT_EQ(limiter.keys(), 2u);
}

TEST(RateLimiter, ZeroRequestsPerSecondIsNoLimitAndKeepsNothing) {
  RateLimiter limiter(0, 1);
  EXPECT_EQ(allowed_of(limiter, "H1", 10'000, kT0), 10'000);
  EXPECT_EQ(limiter.keys(), 0u);
}

TEST(RateLimiter, AnEarlierClockReadingRefillsNothing) {
  // Threads read the clock before taking the lock, so times can arrive slightly out of order.
  RateLimiter limiter(1, 2);
  EXPECT_EQ(allowed_of(limiter, "H1", 2, kT0 + seconds(5)), 2);
  EXPECT_FALSE(limiter.check("H1", kT0 + seconds(4)).allowed);
  EXPECT_TRUE(limiter.check("H1", kT0 + seconds(6)).allowed);
}

TEST(RateLimiter, MemoryIsBounded) {
  RateLimiter limiter(1, 2, /*max_keys=*/3);
  for (const char* key : {"A", "B", "C"}) EXPECT_TRUE(limiter.check(key, kT0).allowed);
  EXPECT_EQ(limiter.keys(), 3u);
  // All three are still refilling: a fourth client is refused rather than let in unlimited.
  const RateLimiter::Decision fourth = limiter.check("D", kT0);
  EXPECT_FALSE(fourth.allowed);
  EXPECT_EQ(fourth.retry_after_s, 1);
  EXPECT_EQ(limiter.keys(), 3u);
  // Once they are full again their buckets are dropped and the new client has room; a known
  // client still counts from its own bucket.
  EXPECT_TRUE(limiter.check("D", kT0 + seconds(1)).allowed);
  EXPECT_EQ(limiter.keys(), 1u);
  // Idle buckets also go without reaching the cap: a periodic sweep drops the full ones.
  RateLimiter wide(1000, 1);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(wide.check("K" + std::to_string(i), kT0).allowed);
  EXPECT_EQ(wide.keys(), 100u);
  for (int i = 0; i < 5000; ++i) wide.check("busy", kT0 + seconds(1) + milliseconds(i));
  EXPECT_EQ(wide.keys(), 1u);  // only "busy" is still refilling
}

TEST(RateLimiter, ConcurrentChecksCountExactly) {
  // 8 threads × 5000 checks of two keys at one instant: exactly the burst of each is allowed.
  RateLimiter limiter(1000, 3000);
  std::atomic<int> allowed_a{0};
  std::atomic<int> allowed_b{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        const bool a = (i + t) % 2 == 0;
        if (limiter.check(a ? "A" : "B", kT0).allowed) ++(a ? allowed_a : allowed_b);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed_a.load(), 3000);
  EXPECT_EQ(allowed_b.load(), 3000);
  // And over time: after 1.5 s each has exactly 1500 more.
  EXPECT_EQ(allowed_of(limiter, "A", 2000, kT0 + milliseconds(1500)), 1500);
}

}  // namespace
}  // namespace onestop::http
