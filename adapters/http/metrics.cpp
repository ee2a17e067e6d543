#include "adapters/http/metrics.hpp"

#include <cstdio>

namespace onestop::http {
namespace {

// A number as Prometheus reads it, without locale or exponent surprises for our ranges.
std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// The # HELP and # TYPE lines of a metric.
void header(std::string& out, const std::string& name, const std::string& help,
            const std::string& type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++counts_[i];
  sum_ += seconds;
  ++count_;
}

void Histogram::write(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket{" + labels + sep + "le=\"" + number_text(kBounds[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + number_text(sum_) + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_) + "\n";
}

void Metrics::observe_request(const std::string& method, const std::string& route, int status,
                              double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, method, status}];
  durations_[route].observe(seconds);
}

void Metrics::observe_settle(const std::string& result, double seconds) {
  std::lock_guard lock(mutex_);
  settles_[result].observe(seconds);
}

void Metrics::add_gauge(Gauge gauge) {
  std::lock_guard lock(mutex_);
  gauges_.push_back(std::move(gauge));
}

void Metrics::add_gauges(GaugeGroup group) {
  std::lock_guard lock(mutex_);
  groups_.push_back(std::move(group));
}

std::string Metrics::render() const {
  std::vector<Gauge> gauges;
  std::vector<GaugeGroup> groups;
  std::string out;
  {
    std::lock_guard lock(mutex_);
    gauges = gauges_;
    groups = groups_;
    header(out, "onestop_http_requests_total", "HTTP requests by route, method and status.",
           "counter");
    for (const auto& [key, count] : requests_) {
      const auto& [route, method, status] = key;
      out += "onestop_http_requests_total{route=\"" + route + "\",method=\"" + method +
             "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(count) + "\n";
    }
    header(out, "onestop_http_request_duration_seconds", "Time from request to response by route.",
           "histogram");
    for (const auto& [route, h] : durations_) {
      h.write(out, "onestop_http_request_duration_seconds", "route=\"" + route + "\"");
    }
    header(out, "onestop_settle_duration_seconds",
           "Service time of a settle, including the ledger's group commit, by result.",
           "histogram");
    for (const auto& [result, h] : settles_) {
      h.write(out, "onestop_settle_duration_seconds", "result=\"" + result + "\"");
    }
  }
  // Gauges read outside the lock: they may touch the database.
  for (const Gauge& g : gauges) {
    header(out, g.name, g.help, "gauge");
    out += g.name + " " + number_text(g.read()) + "\n";
  }
  for (const GaugeGroup& group : groups) {
    const std::vector<Sample> samples = group.read();
    // Each metric's samples follow its header, as the text format requires.
    for (const auto& [name, help] : group.metrics) {
      header(out, name, help, "gauge");
      for (const Sample& s : samples) {
        if (s.name != name) continue;
        const std::string braces = s.labels.empty() ? "" : "{" + s.labels + "}";
        out += name + braces + " " + number_text(s.value) + "\n";
      }
    }
  }
  return out;
}

}  // namespace onestop::http
