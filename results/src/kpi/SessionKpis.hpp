#pragma once
// The devices' MQTT sessions at their gateway: opened, closed (by reason), time connected, reconnects.
// Family: sessions.

#include "Kpi.hpp"
#include "twinbench/runtime/mqtt/Broker.hpp"

namespace twinbench::results::kpi {

class SessionKpis {
public:
  explicit SessionKpis(const RunMeta& m) : gw_(m.gateways.size()), end_us_(to_us(m.duration_s)) {
    for (std::size_t g = 0; g < gw_.size(); ++g) gw_[g].opened_at_us.assign(m.gateways[g].devices, -1);
  }
  void on(const Event& e, const rev::SessionOpened&) {
    Gw& g = gw_[e.gateway];
    ++g.opened;
    if (e.device < g.opened_at_us.size()) g.opened_at_us[e.device] = e.t_us;
  }
  void on(const Event& e, const rev::SessionClosed& p) {
    Gw& g = gw_[e.gateway];
    ++g.closed;
    if (p.reason > 0 && p.reason < kReasons) ++g.closed_by_reason[p.reason];
    if (e.device < g.opened_at_us.size() && g.opened_at_us[e.device] >= 0) {
      g.connected_us += e.t_us - g.opened_at_us[e.device];
      g.opened_at_us[e.device] = -1;
    }
  }
  /** Connections the broker's bounds refused or closed (runtime/mqtt/Broker.hpp Violation 104-106). */
  void on(const Event& e, const rev::ProtocolError& p) {
    if (p.code >= kFirstBound && p.code < kFirstBound + kBounds) ++gw_[e.gateway].bounded[p.code - kFirstBound];
  }
  void on(const Event& e, const sev::DeviceReconnected& p) {
    Gw& g = gw_[e.gateway];
    g.reconnect_us.add(p.took_us);
    g.attempts_max = std::max(g.attempts_max, p.failed_attempts);
  }
  void write(const Scope& scope, json& s) const;

private:
  static constexpr int kReasons = 7;  ///< CloseReason values, 1-6
  static constexpr std::int64_t kFirstBound = static_cast<std::int64_t>(runtime::mqtt::Violation::connect_timeout), kBounds = 3;
  static_assert(static_cast<std::int64_t>(runtime::mqtt::Violation::too_many_connections) == kFirstBound + 1 &&
                static_cast<std::int64_t>(runtime::mqtt::Violation::receive_maximum_exceeded) == kFirstBound + 2);
  struct Gw {
    std::uint64_t opened = 0, closed = 0, closed_by_reason[kReasons] = {};
    std::uint64_t bounded[kBounds] = {};  ///< connect_timeout, too_many_connections, receive_maximum_exceeded
    std::int64_t connected_us = 0;     ///< device-microseconds connected, closed sessions only
    std::vector<std::int64_t> opened_at_us;  ///< per device: -1 when not connected
    Histogram reconnect_us;            ///< lost connection -> CONNACK, per reconnect
    std::int64_t attempts_max = 0;
  };
  std::vector<Gw> gw_;
  std::int64_t end_us_;
};

}  // namespace twinbench::results::kpi
