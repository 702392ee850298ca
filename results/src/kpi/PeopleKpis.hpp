#pragma once
// The plant's people: the alerts they acknowledged and resolved, and how long after an alert was raised.
// Family: people (present only when the scenario has "people"; at a real gateway the console's people write
// the same events).

#include "Kpi.hpp"

namespace twinbench::results::kpi {

class PeopleKpis {
public:
  explicit PeopleKpis(const RunMeta& m) : enabled_(m.people), gw_(m.gateways.size()) {}
  void on(const Event& e, const rev::AlertAcknowledged& p) { ++gw_[e.gateway].acknowledged, gw_[e.gateway].ack_latency_us.add(std::max<std::int64_t>(0, p.latency_us)); }
  void on(const Event& e, const rev::AlertResolved& p) {
    Gw& g = gw_[e.gateway];
    ++(p.outcome == 1 ? g.faults : g.false_alarms);
  }
  void write(const Scope& scope, json& s) const {
    if (!enabled_) return;
    Gw t;
    for (std::uint32_t g : scope.gateways)
      t.acknowledged += gw_[g].acknowledged, t.faults += gw_[g].faults, t.false_alarms += gw_[g].false_alarms, t.ack_latency_us.merge(gw_[g].ack_latency_us);
    s["people"] = {{"alerts_acknowledged", t.acknowledged},
                   {"acknowledge_latency_s", {{"p50", percentile(t.ack_latency_us, 0.5, 1e6)}, {"max", maximum(t.ack_latency_us, 1e6)}}},
                   {"faults_confirmed", t.faults},
                   {"false_alarms", t.false_alarms}};
  }

private:
  struct Gw {
    std::uint64_t acknowledged = 0, faults = 0, false_alarms = 0;
    Histogram ack_latency_us;
  };
  bool enabled_;
  std::vector<Gw> gw_;
};

}  // namespace twinbench::results::kpi
