#include "MessageKpis.hpp"

namespace twinbench::results::kpi {

void MessageKpis::write(const Scope& scope, json& s) const {
  Gw t;
  for (std::uint32_t i : scope.gateways) {
    const Gw& g = gw_[i];
    t.generated += g.generated, t.kept_offline += g.kept_offline, t.dropped_offline += g.dropped_offline, t.sent += g.sent;
    t.mqtt_bytes += g.mqtt_bytes, t.wire_bytes += g.wire_bytes, t.energy_nj += g.energy_nj, t.lost += g.lost, t.dropped += g.dropped;
    t.resent += g.resent, t.flushed += g.flushed, t.refused_while_down += g.refused_while_down, t.resets += g.resets;
    t.pubacks += g.pubacks, t.connacks += g.connacks, t.downlink_dropped += g.downlink_dropped, t.qos1_held += g.qos1_held;
    t.asset_wh += g.asset_wh, t.received += g.received, t.protocol_errors += g.protocol_errors;
    t.refused_by_model += g.refused_by_model, t.readings_missing += g.readings_missing;
    t.latency_us.merge(g.latency_us);
  }
  // Every transmission (first sends, kept ones sent after a reconnect, DUP resends) was received, lost on
  // the radio, refused, or is still on its way; duplicates count as received.
  const std::uint64_t sent = t.sent + t.flushed;
  const auto in_flight = static_cast<std::int64_t>(sent + t.resent - t.lost - t.received - t.resets - t.refused_while_down);
  s["messages"] = {
      {"generated", t.generated},
      {"sent", sent},
      {"lost_radio", t.lost},
      {"dropped_link_down", t.dropped},
      {"dropped_offline", t.dropped_offline},
      {"kept_offline", t.kept_offline},
      {"resent_after_reconnect", t.resent},
      {"refused_gateway_down", t.refused_while_down},
      {"qos1_held_at_end", t.qos1_held},
      {"rejected_reset", t.resets},
      {"received", t.received},
      {"in_flight_at_end", in_flight},
      {"delivery_ratio", ratio(static_cast<double>(t.received), static_cast<double>(t.generated) - static_cast<double>(in_flight))},
      {"puback_received", t.pubacks},
      {"connack_received", t.connacks},
      {"protocol_errors", t.protocol_errors},
      {"downlink_frames_dropped", t.downlink_dropped},
      {"refused_by_twin_model", t.refused_by_model},
      {"readings_missing", t.readings_missing},
  };
  const Histogram& l = t.latency_us;
  s["latency_ms"] = {{"mean", mean(l)}, {"p50", percentile(l, 0.50)}, {"p95", percentile(l, 0.95)}, {"p99", percentile(l, 0.99)}, {"max", maximum(l)}};
  s["bytes"]["device_mqtt"] = t.mqtt_bytes;
  s["bytes"]["device_wire"] = t.wire_bytes;
  const double energy_j = static_cast<double>(t.energy_nj) * 1e-9, days = duration_s_ / 86400.0;
  s["energy"] = {{"assets_kwh", round6(static_cast<double>(t.asset_wh) / 1000.0)},
                 {"device_radio_j", round6(energy_j)},
                 {"per_device_per_day_j", ratio(energy_j, static_cast<double>(scope.devices) * days)}};
}

}  // namespace twinbench::results::kpi
