#include "TimeSeries.hpp"

#include <cstdio>

namespace twinbench::results::kpi {

TimeSeries::TimeSeries(const RunMeta& m)
    : meta_(m), interval_us_(std::max<std::int64_t>(1, to_us(m.interval_s))), end_us_(to_us(m.duration_s)),
      intervals_(static_cast<std::size_t>(std::max<std::int64_t>(1, (end_us_ + interval_us_ - 1) / interval_us_))),
      sites_(m.sites), samples_(m.gateways.size()) {
  for (const GatewayMeta& g : m.gateways) {
    auto it = std::find(sites_.begin(), sites_.end(), g.site);
    if (it == sites_.end()) it = sites_.insert(sites_.end(), g.site);
    site_of_.push_back(static_cast<std::size_t>(it - sites_.begin()));
  }
  if (sites_.empty()) sites_.emplace_back();
  rows_.resize(intervals_ * sites_.size());
}

namespace {
std::string num(double v, const char* f = "%.6g") {
  char buf[32];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
/** An empty field where there is nothing to measure. */
std::string field(const json& v) { return v.is_null() ? "" : num(v.get<double>()); }
}  // namespace

std::string TimeSeries::csv(const DetectionKpis& detection, const LifecycleKpis& lifecycle) const {
  const std::size_t n_sites = sites_.size();
  std::vector<std::uint64_t> alerts_true(rows_.size()), alerts_false(rows_.size()), detections(rows_.size());
  const auto slot = [&](std::int64_t t_us, std::uint32_t gateway) { return interval_of(t_us) * n_sites + site_of_[gateway]; };
  const DetectionKpis::Outcomes outcomes = detection.outcomes();
  for (const auto& [k, verdict] : outcomes.alerts) {
    const auto& a = detection.alerts()[k];
    if (verdict == DetectionKpis::Verdict::true_alert) ++alerts_true[slot(a.cloud_us, a.gateway)];
    if (verdict == DetectionKpis::Verdict::false_alert) ++alerts_false[slot(a.cloud_us, a.gateway)];
  }
  for (const auto& [t_us, gateway] : outcomes.detections) ++detections[slot(t_us, gateway)];
  // Gateway CPU and uplink backlog: from each gateway's samples at the ends of the intervals.
  std::vector<double> busy_us(rows_.size()), span_us(rows_.size());
  std::vector<std::uint64_t> backlog(rows_.size());
  std::vector<bool> sampled(rows_.size());
  for (std::size_t g = 0; g < samples_.size(); ++g) {
    std::int64_t t_prev = 0, busy_prev = 0;
    for (const Sample& s : samples_[g]) {
      if (s.t_us <= t_prev) continue;
      const std::size_t i = slot(s.t_us - 1, static_cast<std::uint32_t>(g));
      busy_us[i] += static_cast<double>(s.cpu_busy_us - busy_prev);
      span_us[i] += static_cast<double>(s.t_us - t_prev);
      backlog[i] += u64(s.uplink_pending);
      sampled[i] = true;
      t_prev = s.t_us, busy_prev = s.cpu_busy_us;
    }
  }
  // Versions: every artifact and version sampled anywhere gets a column.
  std::vector<std::map<std::string, double>> shares(rows_.size());
  std::vector<std::string> versions;
  for (std::size_t i = 0; i < rows_.size(); ++i)
    for (int artifact : {0, 1})
      for (const auto& [version, ut] : rows_[i].versions[artifact].by_version) {
        const std::string name = lifecycle.version_column(artifact, version);
        shares[i][name] = ut.second ? static_cast<double>(ut.first) / static_cast<double>(ut.second) : 0.0;
        if (std::find(versions.begin(), versions.end(), name) == versions.end()) versions.push_back(name);
      }
  std::sort(versions.begin(), versions.end());

  std::string out = "interval_start_h,interval_end_h,site,messages_generated,messages_received,delivery_ratio,latency_ms_p50,latency_ms_p99,"
                    "alerts_true,alerts_false,faults_detected,gateway_cpu_utilization,uplink_backlog_records";
  for (const std::string& v : versions) out += ",share_" + v;
  out += '\n';
  for (std::size_t k = 0; k < intervals_; ++k)
    for (std::size_t s = 0; s < n_sites; ++s) {
      const std::size_t i = k * n_sites + s;
      const Row& r = rows_[i];
      const auto start_us = static_cast<std::int64_t>(k) * interval_us_, end_us = std::min(end_us_, start_us + interval_us_);
      out += num(static_cast<double>(start_us) / 3.6e9) + ',' + num(static_cast<double>(end_us) / 3.6e9) + ',' + sites_[s] + ',';
      out += std::to_string(r.generated) + ',' + std::to_string(r.received) + ',';
      out += field(ratio(static_cast<double>(r.received_of_generated), static_cast<double>(r.generated))) + ',';
      out += field(percentile(r.latency_us, 0.5)) + ',' + field(percentile(r.latency_us, 0.99)) + ',';
      out += std::to_string(alerts_true[i]) + ',' + std::to_string(alerts_false[i]) + ',' + std::to_string(detections[i]) + ',';
      out += field(ratio(busy_us[i], span_us[i])) + ',' + (sampled[i] ? std::to_string(backlog[i]) : "");
      for (const std::string& v : versions) {
        const auto it = shares[i].find(v);
        out += ',' + (it == shares[i].end() ? "" : num(round6(it->second)));
      }
      out += '\n';
    }
  return out;
}

}  // namespace twinbench::results::kpi
