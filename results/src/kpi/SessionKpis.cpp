#include "SessionKpis.hpp"

namespace twinbench::results::kpi {

void SessionKpis::write(const Scope& scope, json& s) const {
  std::uint64_t opened = 0, by_reason[kReasons] = {}, bounded[kBounds] = {};
  std::int64_t connected_us = 0, attempts_max = 0;
  Histogram reconnect_us;
  for (std::uint32_t i : scope.gateways) {
    const Gw& g = gw_[i];
    opened += g.opened;
    for (int r = 0; r < kReasons; ++r) by_reason[r] += g.closed_by_reason[r];
    for (int b = 0; b < kBounds; ++b) bounded[b] += g.bounded[b];
    connected_us += g.connected_us;
    for (std::int64_t at : g.opened_at_us)
      if (at >= 0) connected_us += end_us_ - at;  // still connected at the end
    reconnect_us.merge(g.reconnect_us);
    attempts_max = std::max(attempts_max, g.attempts_max);
  }
  using runtime::CloseReason;
  const auto closed = [&](CloseReason r) { return by_reason[static_cast<int>(r)]; };
  s["sessions"] = {
      {"opened", opened},
      {"closed_keepalive_timeout", closed(CloseReason::keepalive_timeout)},
      {"closed_protocol_error", closed(CloseReason::protocol_error)},
      {"closed_client_disconnect", closed(CloseReason::client_disconnect)},
      {"closed_peer", closed(CloseReason::peer_closed)},
      {"closed_taken_over", closed(CloseReason::taken_over)},
      {"closed_gateway_shutdown", closed(CloseReason::gateway_shutdown)},
      {"refused", {{"over_connection_limit", bounded[1]}, {"connect_timeout", bounded[0]}, {"receive_maximum_exceeded", bounded[2]}}},
      {"connected_ratio", ratio(static_cast<double>(connected_us), static_cast<double>(scope.devices) * static_cast<double>(end_us_))},
      {"reconnects", {{"count", reconnect_us.count()},
                      {"p50_s", percentile(reconnect_us, 0.50, 1e6)},
                      {"p99_s", percentile(reconnect_us, 0.99, 1e6)},
                      {"max_s", maximum(reconnect_us, 1e6)},
                      {"failed_attempts_max", reconnect_us.empty() ? json(nullptr) : json(attempts_max)}}},
  };
}

}  // namespace twinbench::results::kpi
