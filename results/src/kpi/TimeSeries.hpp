#pragma once
// timeseries.csv: one row per (interval, site): messages, delivery, latency, alerts true and false,
// detections, gateway CPU, uplink backlog and the fleet's versions. Alerts, detections and versions come
// from their own domains when the file is written; the rest is counted here as events arrive (events of
// different gateways may arrive out of time order, so every interval stays open until the end).

#include <limits>
#include <map>

#include "DetectionKpis.hpp"
#include "Kpi.hpp"
#include "LifecycleKpis.hpp"

namespace twinbench::results::kpi {

class TimeSeries {
public:
  explicit TimeSeries(const RunMeta& m);
  void on(const Event& e, const sev::DevicesMade& p) { row(e.t_us, e.gateway).generated += u64(p.reports); }
  void on(const Event& e, const rev::Telemetry& p) {
    Row& r = row(e.t_us, e.gateway);
    ++r.received;
    r.latency_us.add(p.latency_us);
    ++row(e.t_us - p.latency_us, e.gateway).received_of_generated;  // delivery: by when the record was made
  }
  void on(const Event& e, const sev::GatewaySample& p) { samples_[e.gateway].push_back({e.t_us, p.cpu_busy_us, p.uplink_pending}); }
  void on(const Event& e, const sev::RunEnd& p) { samples_[e.gateway].push_back({e.t_us, p.cpu_busy_us, p.uplink_pending}); }
  /** A row keeps the site's units on each version at its interval's last sample. */
  void on(const Event& e, const sev::VersionShare& p) {
    Versions& v = row(e.t_us, e.gateway).versions[p.artifact ? 1 : 0];
    if (e.t_us < v.t_us) return;
    if (e.t_us > v.t_us) v = Versions{e.t_us, {}};
    auto& [units, total] = v.by_version[p.version];
    units += p.units, total += p.total;
  }

  std::string csv(const DetectionKpis& detection, const LifecycleKpis& lifecycle) const;

private:
  struct Versions {
    std::int64_t t_us = -1;  ///< the last sample in the interval
    std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> by_version;  ///< version -> (units, total)
  };
  struct Row {
    std::uint64_t generated = 0, received = 0, received_of_generated = 0;
    Histogram latency_us;
    Versions versions[2];  ///< firmware, model
  };
  struct Sample {
    std::int64_t t_us, cpu_busy_us, uplink_pending;
  };
  /** [k * interval, (k + 1) * interval); the end of the run falls in the last one. */
  std::size_t interval_of(std::int64_t t_us) const {
    return t_us <= 0 ? 0 : std::min(intervals_ - 1, static_cast<std::size_t>(t_us / interval_us_));
  }
  /** Per message: the interval of the last one is remembered (events come nearly in time order). */
  Row& row(std::int64_t t_us, std::uint32_t gateway) {
    if (t_us < last_from_us_ || t_us >= last_to_us_) {
      last_k_ = interval_of(t_us);
      last_from_us_ = static_cast<std::int64_t>(last_k_) * interval_us_;
      last_to_us_ = last_k_ + 1 == intervals_ ? std::numeric_limits<std::int64_t>::max() : last_from_us_ + interval_us_;
      if (last_k_ == 0) last_from_us_ = std::numeric_limits<std::int64_t>::min();
    }
    return rows_[last_k_ * sites_.size() + site_of_[gateway]];
  }

  const RunMeta& meta_;
  std::int64_t interval_us_, end_us_;
  std::size_t intervals_;
  std::vector<std::string> sites_;
  std::vector<std::size_t> site_of_;  ///< by gateway
  std::vector<Row> rows_;             ///< interval-major
  std::vector<std::vector<Sample>> samples_;  ///< by gateway, in time order
  std::size_t last_k_ = 0;
  std::int64_t last_from_us_ = 0, last_to_us_ = 0;
};

}  // namespace twinbench::results::kpi
