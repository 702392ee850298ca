#pragma once
// What the KPI families (the domains in this folder) share: the scope a KPI object covers, and numbers
// that are null when there is nothing to measure.
//
// Each domain keeps its state per gateway, takes the events it needs through `on(const Event&, const
// Kind&)` overloads (Collector.cpp dispatches each kind to every domain that has one), and writes its
// families of summary.json for a scope: the fleet, a site or one gateway.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "twinbench/results/Histogram.hpp"
#include "twinbench/results/RunMeta.hpp"
#include "twinbench/runtime/ports/Sink.hpp"
#include "twinbench/sim/Events.hpp"

namespace twinbench::results::kpi {

using json = nlohmann::ordered_json;
using runtime::Event;
namespace rev = runtime::ev;
namespace sev = sim::ev;

/** The gateways a KPI object covers (and, for an asset class on shared gateways, which of their devices). */
struct Scope {
  bool fleet = false;                   ///< the whole run: lists that only make sense fleet-wide appear (operations, rollouts)
  std::vector<std::uint32_t> gateways;  ///< sorted
  std::uint64_t devices = 0;
  /// Parallel to gateways when some gateway is shared by other classes: the scope's devices [first, end)
  /// of each. Such a scope has the KPIs of devices (faults, detection, economics); a gateway's own
  /// (messages, sessions, CPU, inference...) are not its alone, and are null.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> device_ranges;
  bool partial() const { return !device_ranges.empty(); }
  bool has(std::uint32_t g) const { return std::binary_search(gateways.begin(), gateways.end(), g); }
  bool has_device(std::uint32_t g, std::uint32_t d) const {
    const auto it = std::lower_bound(gateways.begin(), gateways.end(), g);
    if (it == gateways.end() || *it != g) return false;
    if (device_ranges.empty()) return true;
    const auto& [first, end] = device_ranges[static_cast<std::size_t>(it - gateways.begin())];
    return d >= first && d < end;
  }
};

/** One row of timeline.csv: a notable event of the run, at the time it happened (an alert: when it reached the cloud). */
struct Mark {
  std::int64_t t_us = 0;
  std::int64_t gateway = -1, device = -1;  ///< -1: the cloud's event (no gateway), the gateway's (no device)
  const char* event = "";
  std::string detail;
};

inline double round6(double x) { return std::round(x * 1e6) / 1e6; }
/** num / den; null when den is 0 (nothing to measure). */
inline json ratio(double num, double den) { return den > 0 ? json(round6(num / den)) : json(nullptr); }
/** A percentile of microseconds in milliseconds (or seconds, hours...: `per` microseconds each); null when empty. */
inline json percentile(const Histogram& h, double q, double per = 1000.0) {
  return h.empty() ? json(nullptr) : json(round6(static_cast<double>(h.percentile(q)) / per));
}
inline json maximum(const Histogram& h, double per = 1000.0) {
  return h.empty() ? json(nullptr) : json(round6(static_cast<double>(h.max()) / per));
}
inline json mean(const Histogram& h, double per = 1000.0) { return h.empty() ? json(nullptr) : json(round6(h.mean() / per)); }

inline std::uint64_t u64(std::int64_t v) { return static_cast<std::uint64_t>(v); }
inline std::int64_t to_us(double s) { return std::llround(s * 1e6); }

}  // namespace twinbench::results::kpi
