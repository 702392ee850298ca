#pragma once
// The gateways' own work: the uplink to the cloud (batches, deferrals, drops, backlog; its client
// session's connections, losses and resends; records recovered after restarts), what reached the cloud, and CPU. Families: bytes (uplink's), uplink, gateway_cpu.

#include "Kpi.hpp"

namespace twinbench::results::kpi {

class GatewayKpis {
public:
  explicit GatewayKpis(const RunMeta& m) : gw_(m.gateways.size()), end_us_(to_us(m.duration_s)) {}
  void on(const Event& e, const rev::UplinkSent& p) {
    Gw& g = gw_[e.gateway];
    ++g.batches, g.bytes += u64(p.bytes), g.records += u64(p.records);
  }
  void on(const Event& e, const rev::UplinkDeferred&) { ++gw_[e.gateway].deferrals; }
  void on(const Event& e, const rev::UplinkDropped& p) { gw_[e.gateway].dropped += u64(p.records); }
  void on(const Event& e, const rev::UplinkConnected& p) { ++gw_[e.gateway].connects, gw_[e.gateway].resent += u64(p.resent); }
  void on(const Event& e, const rev::UplinkLost&) { ++gw_[e.gateway].losses; }
  void on(const Event& e, const rev::UplinkRecovered& p) { gw_[e.gateway].recovered += u64(p.records); }
  void on(const Event& e, const sev::CloudReceived& p) {
    Gw& g = gw_[e.gateway];
    g.cloud_bytes += u64(p.bytes), g.cloud_records += u64(p.records), g.cloud_duplicates += u64(p.duplicates);
  }
  void on(const Event& e, const sev::GatewayDown& p) { gw_[e.gateway].lost_in_power_cuts += u64(p.records_lost); }
  void on(const Event& e, const sev::RunEnd& p) { gw_[e.gateway].pending_at_end = u64(p.uplink_pending), gw_[e.gateway].cpu_busy_us = u64(p.cpu_busy_us); }
  void write(const Scope& scope, json& s) const;

private:
  struct Gw {
    std::uint64_t batches = 0, bytes = 0, records = 0, deferrals = 0, dropped = 0, cloud_bytes = 0, cloud_records = 0, cloud_duplicates = 0, lost_in_power_cuts = 0;
    std::uint64_t pending_at_end = 0, cpu_busy_us = 0;
    std::uint64_t connects = 0, losses = 0, resent = 0, recovered = 0;  // the uplink's client session
  };
  std::vector<Gw> gw_;
  std::int64_t end_us_;
};

}  // namespace twinbench::results::kpi
