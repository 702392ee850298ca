#pragma once
// Edge AI against the ground truth: the asset faults injected (and the link and gateway faults), the
// windows the gateways scored, the alerts that reached the cloud, which faults they detected in time, and
// what that is worth. Families: faults, inference, detection, economics.

#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "Kpi.hpp"

namespace twinbench::results::kpi {

class DetectionKpis {
public:
  explicit DetectionKpis(const RunMeta& m) : meta_(m), gw_(m.gateways.size()) {}

  void on(const Event& e, const sev::FaultOnset& p) { faults_.push_back({e.t_us, p.ramp_s, e.gateway, e.device, p.mode}); }
  void on(const Event& e, const sev::FaultEnergy& p) { excess_wh_[{e.gateway, e.device}].emplace_back(e.t_us, static_cast<double>(p.excess_wh)); }
  void on(const Event& e, const sev::LinkDown& p) { open(e, p.link == 1 ? "wan_down" : "access_down"); }
  void on(const Event& e, const sev::LinkUp& p) { close(e, p.link == 1 ? "wan_down" : "access_down"); }
  void on(const Event& e, const sev::GatewayDown&) { open(e, "gateway_down"); }
  void on(const Event& e, const sev::GatewayUp&) { close(e, "gateway_down"); }
  void on(const Event& e, const rev::Inference& p) {
    Gw& g = gw_[e.gateway];
    ++g.windows_scored;
    g.batch_size_sum += u64(p.batch_size);
    g.inference_us.add(p.latency_us);
  }
  void on(const Event& e, const rev::BaselineLearned& p) {
    Gw& g = gw_[e.gateway];
    ++g.baselines;
    g.baselines_applied += p.applied != 0;
    if (p.applied) g.baseline_threshold = static_cast<double>(p.threshold_x1e6) / 1e6;
  }
  void on(const Event& e, const rev::AlertRaised&) { ++gw_[e.gateway].raised; }
  void on(const Event& e, const rev::AlertCleared&) { ++gw_[e.gateway].cleared; }
  void on(const Event& e, const rev::AlertsDropped& p) { gw_[e.gateway].alerts_dropped += u64(p.alerts); }
  void on(const Event& e, const rev::RulesChanged&) { ++gw_[e.gateway].rule_changes; }
  void on(const Event& e, const rev::RulesRefused&) { ++gw_[e.gateway].rules_refused; }
  void on(const Event& e, const sev::AlertReceived& p) { alerts_.push_back({e.t_us, p.raised_us, e.gateway, e.device, p.severity, p.roles}); }

  void write(const Scope& scope, json& s) const;
  Histogram inference_us(const Scope& scope) const {
    Histogram h;
    for (std::uint32_t g : scope.gateways) h.merge(gw_[g].inference_us);
    return h;
  }

  /** Each alert's verdict, and each detected fault's first alert, for the time series. */
  enum class Verdict : std::uint8_t { true_alert, false_alert, late };
  struct Outcomes {
    std::vector<std::pair<std::size_t, Verdict>> alerts;        ///< index into the alerts, verdict
    std::vector<std::pair<std::int64_t, std::uint32_t>> detections;  ///< (first alert at the cloud, gateway) of each fault detected in time
  };
  Outcomes outcomes() const;
  struct Alert {
    std::int64_t cloud_us, raised_us;
    std::uint32_t gateway, device;
    std::int64_t severity, roles;
  };
  const std::vector<Alert>& alerts() const { return alerts_; }
  /** The ground truth: every injected asset fault. */
  std::string ground_truth_csv() const;
  /** Every fault's onset and every alert with its verdict (true, false, late: after its fault failed), for timeline.csv. */
  void timeline(std::vector<Mark>& out) const;
  /** Every outage: a link down, or a gateway rebooting, from start to end (the run's end if still down). */
  std::string outages_csv() const;

private:
  struct Fault {
    std::int64_t t_us, ramp_s;
    std::uint32_t gateway, device;
    std::int64_t mode;
    std::int64_t failure_us() const { return t_us + ramp_s * 1'000'000; }
  };
  struct Outage {
    std::uint32_t gateway;
    const char* kind;
    std::int64_t start_us, end_us = -1;  ///< -1: still down
  };
  void open(const Event& e, const char* kind) { outages_.push_back({e.gateway, kind, e.t_us}); }
  void close(const Event& e, const char* kind) {
    for (auto it = outages_.rbegin(); it != outages_.rend(); ++it)
      if (it->gateway == e.gateway && it->end_us < 0 && std::string_view(it->kind) == kind) {
        it->end_us = e.t_us;
        return;
      }
  }
  std::vector<Outage> outages_;
  struct Gw {
    std::uint64_t windows_scored = 0, batch_size_sum = 0;
    std::uint64_t raised = 0, cleared = 0, alerts_dropped = 0, rule_changes = 0, rules_refused = 0;
    std::uint64_t baselines = 0, baselines_applied = 0;
    std::optional<double> baseline_threshold;  ///< the last site baseline applied
    Histogram inference_us;
  };
  /** The first alert at the cloud for each fault raised between its onset and its failure (-1: none), and each alert's verdict. */
  struct Scored {
    std::size_t faults = 0, alerts = 0;  ///< what it was scored on
    std::vector<std::int64_t> first_alert;
    std::vector<Verdict> verdicts;
  };
  /** Scored once for all scopes, again only when events came since. */
  const Scored& scored() const;
  json detection(const Scope& scope, const Scored& scored) const;
  json economics(const Scope& scope, const json& detection) const;
  double excess_wh_at(std::uint32_t gateway, std::uint32_t device, std::int64_t t_us) const;

  const RunMeta& meta_;
  std::vector<Gw> gw_;
  std::vector<Fault> faults_;
  std::vector<Alert> alerts_;  ///< as received at the cloud
  /// Ground truth of faulty devices' excess energy: (gateway, device) -> (time, cumulative Wh), hourly.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::pair<std::int64_t, double>>> excess_wh_;
  mutable std::optional<Scored> scored_;
};

}  // namespace twinbench::results::kpi
