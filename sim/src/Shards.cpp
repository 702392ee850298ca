// How a run is shared among processes (twinbench run --shards): which gateways each simulates, what
// keeps a scenario from being shared, and the run's audit log from every process's records.
#include <stdexcept>

#include "SimPorts.hpp"
#include "twinbench/sim/Simulation.hpp"

namespace twinbench::sim {

std::string shard_obstacle(const Scenario& sc) {
  if (sc.lifecycle.any()) return "its lifecycle (drift monitoring, retraining, rollouts) decides for the whole fleet in the cloud";
  if (!sc.drift_injections.empty()) return "its injected drift is scoped to sites and read by the lifecycle";
  if (!sc.hil.gateways.empty()) return "it is a hardware-in-the-loop lab (hil.gateways)";
  return "";
}

std::vector<std::uint32_t> shard_cuts(const Scenario& sc, std::uint32_t shards) {
  const auto refs = sc.gateways();
  if (shards == 0 || shards > refs.size()) throw std::invalid_argument("shard_cuts: 1 to the number of gateways");
  std::uint64_t total = 0;
  for (const GatewayRef& g : refs) total += sc.sites[g.site].devices_per_gateway_all();
  // Shard k-1 ends after the first gateway where the devices so far reach k/shards of the fleet, as long
  // as every later shard keeps a gateway at least (and at once when only that many are left).
  std::vector<std::uint32_t> cuts{0};
  std::uint64_t so_far = 0;
  const auto count = static_cast<std::uint32_t>(refs.size());
  for (std::uint32_t i = 0; i < count && cuts.size() < shards; ++i) {
    so_far += sc.sites[refs[i].site].devices_per_gateway_all();
    const std::uint64_t k = cuts.size();
    const std::uint32_t left = count - (i + 1), needed = shards - static_cast<std::uint32_t>(k);
    if ((so_far * shards >= k * total && left >= needed) || left == needed) cuts.push_back(i + 1);
  }
  cuts.push_back(static_cast<std::uint32_t>(refs.size()));
  return cuts;
}

std::pair<std::string, std::string> merge_audit(const std::vector<std::string>& records) {
  ChainAudit log;
  for (const std::string& r : records) log.add_lines(r);
  return {log.text(), log.run_head()};
}

}  // namespace twinbench::sim
