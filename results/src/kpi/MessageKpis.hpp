#pragma once
// Messages from the devices to their gateway: what was made, sent, lost and received, its latency and
// bytes, and energy (the devices' radios, the assets). Families: messages, latency_ms, bytes (devices'),
// energy.

#include "Kpi.hpp"

namespace twinbench::results::kpi {

class MessageKpis {
public:
  explicit MessageKpis(const RunMeta& m) : gw_(m.gateways.size()), duration_s_(m.duration_s) {}

  void on(const Event& e, const sev::DevicesMade& p) {
    Gw& g = gw_[e.gateway];
    g.generated += u64(p.reports), g.kept_offline += u64(p.kept_offline), g.dropped_offline += u64(p.dropped_offline);
  }
  void on(const Event& e, const sev::DevicesSent& p) {
    Gw& g = gw_[e.gateway];
    g.sent += u64(p.messages), g.mqtt_bytes += u64(p.mqtt_bytes), g.wire_bytes += u64(p.wire_bytes), g.energy_nj += u64(p.radio_energy_nj);
  }
  void on(const Event& e, const sev::DevicesLost& p) { gw_[e.gateway].lost += u64(p.messages); }
  void on(const Event& e, const sev::DevicesDropped& p) { gw_[e.gateway].dropped += u64(p.messages); }
  void on(const Event& e, const sev::DevicesResent& p) { gw_[e.gateway].resent += u64(p.resent), gw_[e.gateway].flushed += u64(p.flushed); }
  void on(const Event& e, const sev::GatewayRefused& p) { gw_[e.gateway].refused_while_down += u64(p.publishes); }
  void on(const Event& e, const sev::TransportReset& p) { gw_[e.gateway].resets += u64(p.frames); }
  void on(const Event& e, const sev::AcksReceived& p) { gw_[e.gateway].pubacks += u64(p.pubacks), gw_[e.gateway].connacks += u64(p.connacks); }
  void on(const Event& e, const sev::DownlinkDropped& p) { gw_[e.gateway].downlink_dropped += u64(p.frames); }
  void on(const Event& e, const sev::RunEnd& p) { gw_[e.gateway].qos1_held = u64(p.qos1_held), gw_[e.gateway].asset_wh = u64(p.asset_wh); }
  void on(const Event& e, const rev::Telemetry& p) {
    Gw& g = gw_[e.gateway];
    ++g.received;
    g.latency_us.add(p.latency_us);
  }
  void on(const Event& e, const rev::ProtocolError&) { ++gw_[e.gateway].protocol_errors; }
  void on(const Event& e, const rev::TelemetryChecked& p) {
    gw_[e.gateway].refused_by_model += u64(p.records_refused), gw_[e.gateway].readings_missing += u64(p.readings_missing);
  }

  void write(const Scope& scope, json& s) const;
  Histogram latency_us(const Scope& scope) const {
    Histogram h;
    for (std::uint32_t g : scope.gateways) h.merge(gw_[g].latency_us);
    return h;
  }

private:
  struct Gw {
    std::uint64_t generated = 0, kept_offline = 0, dropped_offline = 0, sent = 0, mqtt_bytes = 0, wire_bytes = 0, energy_nj = 0;
    std::uint64_t lost = 0, dropped = 0, resent = 0, flushed = 0, refused_while_down = 0, resets = 0, pubacks = 0, connacks = 0;
    std::uint64_t downlink_dropped = 0, qos1_held = 0, asset_wh = 0, received = 0, protocol_errors = 0, refused_by_model = 0;
    std::uint64_t readings_missing = 0;
    Histogram latency_us;
  };
  std::vector<Gw> gw_;
  double duration_s_;
};

}  // namespace twinbench::results::kpi
