// Counters and histograms for GET /metrics in the Prometheus text format (version 0.0.4).
// Label values are route templates, methods and status codes only: bounded, and free of
// personal data.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace onestop::http {

// A fixed-bucket histogram of durations in seconds.
class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,   0.25,   0.5,   1.0,  2.5,   5.0};
  void observe(double seconds);
  // Appends the _bucket, _sum and _count lines of `name` with `labels` ("" or `k="v",...`).
  void write(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::uint64_t, kBounds.size() + 1> counts_{};  // the last is +Inf only
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

class Metrics {
 public:
  // A value read at scrape time, e.g. the ledger's record count.
  struct Gauge {
    std::string name;
    std::string help;
    std::function<double()> read;
  };
  // Labelled gauges read together at scrape time, from one call that yields them all (e.g. a
  // ledger's connection counts, which must agree with each other).
  struct Sample {
    std::string name;
    std::string labels;  // `k="v",...`, or "" for none
    double value = 0;
  };
  struct GaugeGroup {
    std::vector<std::pair<std::string, std::string>> metrics;  // (name, help), in render order
    std::function<std::vector<Sample>()> read;
  };

  // One finished request: its method, route template ("unmatched" when none), status (499
  // when the answer could not be delivered: the client went away), time.
  void observe_request(const std::string& method, const std::string& route, int status,
                       double seconds);
  // The service time of one settle (POST /v1/settlements) by its result: created, replayed,
  // conflict or error. Includes the wait for the ledger's group commit.
  void observe_settle(const std::string& result, double seconds);
  // Registers a gauge; call before serving.
  void add_gauge(Gauge gauge);
  // Registers a group of gauges; call before serving. Samples of a name not in `metrics` are
  // dropped (every metric needs its # HELP and # TYPE lines).
  void add_gauges(GaugeGroup group);

  // The exposition text.
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> durations_;  // by route
  std::map<std::string, Histogram> settles_;    // by result
  std::vector<Gauge> gauges_;
  std::vector<GaugeGroup> groups_;
};

}  // namespace onestop::http
