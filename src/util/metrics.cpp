#include "util/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <system_error>

namespace junction {
namespace {

bool valid_name(const std::string& name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Series are keyed by their labels in name order, so {a,b} and {b,a} are one series, as
// Prometheus sees them. Names are fixed in code, so a bad one is a bug and throws.
Labels canonical(const std::string& metric, const Labels& labels) {
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& name = sorted[i].first;
    if (!valid_name(name, false) || name.starts_with("__"))
      throw std::invalid_argument("metric " + metric + ": invalid label name '" + name + "'");
    if (i > 0 && sorted[i - 1].first == name)
      throw std::invalid_argument("metric " + metric + ": duplicate label '" + name + "'");
  }
  return sorted;
}

void append_escaped(std::string& out, const std::string& text, bool escape_quotes) {
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '"':
        if (escape_quotes) {
          out += "\\\"";
          break;
        }
        [[fallthrough]];
      default: out += c;
    }
  }
}

void append_labels(std::string& out, const Labels& labels) {
  if (labels.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first;
    out += "=\"";
    append_escaped(out, labels[i].second, true);
    out += '"';
  }
  out += '}';
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest text that reads back to the same double: whole numbers stay "3", not
  // "3.000000", and small lags keep their digits ("0.0125").
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc{}) return "NaN";
  return std::string(buf, end);
}

}  // namespace

void Gauge::add(double d) {
  double current = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(current, current + d, std::memory_order_relaxed)) {
  }
}

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
  if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name '" + name + "'");
  Labels key = canonical(name, labels);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = families_.try_emplace(name);
  Family& family = it->second;
  if (inserted) {
    family.help = help;
    family.is_counter = true;
  } else if (!family.is_counter) {
    throw std::logic_error("metric " + name + " is a gauge, not a counter");
  }
  auto& series = family.counters[key];
  if (!series) series = std::make_unique<Counter>();
  return *series;
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name '" + name + "'");
  Labels key = canonical(name, labels);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = families_.try_emplace(name);
  Family& family = it->second;
  if (inserted) {
    family.help = help;
    family.is_counter = false;
  } else if (family.is_counter) {
    throw std::logic_error("metric " + name + " is a counter, not a gauge");
  }
  auto& series = family.gauges[key];
  if (!series) series = std::make_unique<Gauge>();
  return *series;
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, family] : families_) {
    out += "# HELP ";
    out += name;
    out += ' ';
    append_escaped(out, family.help, false);
    out += "\n# TYPE ";
    out += name;
    out += family.is_counter ? " counter\n" : " gauge\n";
    if (family.is_counter) {
      for (const auto& [labels, series] : family.counters) {
        out += name;
        append_labels(out, labels);
        out += ' ';
        out += std::to_string(series->value());
        out += '\n';
      }
    } else {
      for (const auto& [labels, series] : family.gauges) {
        out += name;
        append_labels(out, labels);
        out += ' ';
        out += format_metric_value(series->value());
        out += '\n';
      }
    }
  }
  return out;
}

}  // namespace junction
