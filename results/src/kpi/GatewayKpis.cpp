#include "GatewayKpis.hpp"

namespace twinbench::results::kpi {

void GatewayKpis::write(const Scope& scope, json& s) const {
  Gw t;
  std::uint64_t busy_max_us = 0;
  for (std::uint32_t i : scope.gateways) {
    const Gw& g = gw_[i];
    t.batches += g.batches, t.bytes += g.bytes, t.records += g.records, t.deferrals += g.deferrals, t.dropped += g.dropped;
    t.cloud_bytes += g.cloud_bytes, t.cloud_records += g.cloud_records, t.cloud_duplicates += g.cloud_duplicates, t.lost_in_power_cuts += g.lost_in_power_cuts, t.pending_at_end += g.pending_at_end, t.cpu_busy_us += g.cpu_busy_us;
    t.connects += g.connects, t.losses += g.losses, t.resent += g.resent, t.recovered += g.recovered;
    busy_max_us = std::max(busy_max_us, g.cpu_busy_us);
  }
  s["bytes"]["uplink"] = t.bytes;
  s["bytes"]["cloud_received"] = t.cloud_bytes;
  s["uplink"] = {{"batches_sent", t.batches},     {"records_sent", t.records},
                 {"deferrals", t.deferrals},      {"records_dropped", t.dropped},
                 {"records_pending_at_end", t.pending_at_end}, {"cloud_records", t.cloud_records},
                 {"cloud_duplicates", t.cloud_duplicates}, {"records_lost_in_power_cuts", t.lost_in_power_cuts},
                 {"records_recovered", t.recovered}, {"client_connects", t.connects}, {"client_losses", t.losses},
                 {"publications_resent", t.resent}};
  const double end_us = static_cast<double>(end_us_);
  s["gateway_cpu"] = {{"utilization_mean", ratio(static_cast<double>(t.cpu_busy_us), end_us * static_cast<double>(scope.gateways.size()))},
                      {"utilization_max", ratio(static_cast<double>(busy_max_us), end_us)}};
}

}  // namespace twinbench::results::kpi
