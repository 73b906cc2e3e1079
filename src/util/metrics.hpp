#pragma once
// Prometheus-style metrics: counters and gauges with labels, rendered in the text exposition
// format for GET /metrics. Lock-free updates on a found series; registration takes a lock.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace junction {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }
 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double d);
  double value() const { return value_.load(std::memory_order_relaxed); }
 private:
  std::atomic<double> value_{0};
};

class Metrics {
 public:
  // The same name+labels always returns the same series; the reference stays valid for the
  // life of the Metrics object. `help` is taken from the first registration of a name.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  std::string render() const;  // Prometheus text format 0.0.4

 private:
  struct Family {
    std::string help;
    bool is_counter = true;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

}  // namespace junction
