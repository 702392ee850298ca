#pragma once
// Run one scenario under SimGrid. This header is SimGrid-free; the engine lives in sim/src.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "twinbench/runtime/ports/Sink.hpp"
#include "twinbench/sim/Scenario.hpp"
#include "twinbench/sim/Wire.hpp"

namespace twinbench::sim {

/** A record the bridged gateway published on its uplink: when the device took it (its timestamp). */
struct UplinkRecord {
  runtime::TimeUs taken_us = 0;
  std::uint32_t bytes = 0;
};

/** An alert the bridged gateway raised for one of its devices (found by its client id, d<index>). */
struct BridgedAlert {
  std::uint32_t device = 0;
  std::int64_t rule = 0, severity = 0, roles = 0;
};

/**
 * A physical gateway standing in for a simulated one (`twinbench hil` with hil.gateways): its devices'
 * frames go to it for real, at the simulated instant, and what it sends back comes to the devices at the
 * simulated time it is picked up. Implemented outside sim/ (on real sockets).
 */
class GatewayBridge {
public:
  virtual ~GatewayBridge() = default;
  /** @brief The devices' frames, now (open: a new connection; close: the device drops it). */
  virtual void send(const WireBatch& frames) = 0;
  /** @brief What the gateway sent each device since the last call, in whole packets (close: the connection
   * ended), and the records and alerts it published on its uplink meanwhile. */
  virtual void receive(WireBatch& to_devices, std::vector<UplinkRecord>& uplink, std::vector<BridgedAlert>& alerts) = 0;
  /** @brief Whether the gateway is reachable: false from when the bridge lost it (a crash, a reboot) until it is back. */
  virtual bool gateway_up() const = 0;
};

/** What a run's lifecycle leaves besides its events: the names behind version indices, and the audit log. */
struct LifecycleOutput {
  std::vector<std::string> model_versions;     ///< index = the version index of model events
  std::vector<std::string> firmware_versions;  ///< index = the version index of firmware events
  std::string audit;                           ///< the audit log (hash-chained JSON lines)
  std::string audit_head;                      ///< its last hash
  std::string audit_records;                   ///< this process's records, for a sharded run's merge (merge_audit)
};

/** A sharded run's audit log from its ranks' `audit_records`: the log and head one process would have made. */
std::pair<std::string, std::string> merge_audit(const std::vector<std::string>& records);

struct RunOptions {
  std::uint64_t seed = 1;
  /** @brief Called at every 1 % of simulated time with the simulated seconds reached (no effect on results). */
  std::function<void(double sim_s)> on_progress;
  /**
   * @brief Called every `tick_s` of simulated time from an actor of its own, which holds the simulation
   * while it runs (a pacer that keeps it to the wall clock: hil/Pacer). It returns false to stop the run
   * at that instant. Nothing else is shared with the simulation, so ticking cannot change its results.
   */
  std::function<bool(double sim_s)> on_tick;
  double tick_s = 0.01;
  /// The tick only observes (a sharded run's exchange of events, which returns true): the gateways need not
  /// wait for it, and may have made events past its time when it runs. False: it paces the run or may stop it.
  bool tick_observes = false;
  /**
   * @brief For each gateway in the scenario's hil.gateways, the bridge to the real one (gateway name,
   * where its devices go and where its uplink is read, how many devices it has). Unset: every gateway is
   * simulated. A bridged gateway's devices report when they are due (no batching), and it is polled every
   * `bridge_poll_s` simulated seconds. Bridges are made before the simulated clock starts.
   */
  std::function<std::unique_ptr<GatewayBridge>(const std::string& gateway, const HilSpec::Bridge& at, std::uint32_t devices)> make_bridge;
  double bridge_poll_s = 0.01;
  /** @brief Where the cloud keeps its model registry (created; a temporary folder if empty and needed). */
  std::string registry_dir;
  /** @brief Filled at the end of the run, if set. */
  LifecycleOutput* lifecycle = nullptr;
  /**
   * @brief One shard of a sharded run: this process simulates the gateways [first_gateway, end_gateway)
   * (global indices, as events carry them), their devices, and a cloud for them; the rest of the fleet is
   * another process's. Fault picks and random streams are the whole run's, so each gateway does exactly
   * what it does in one process. Only for scenarios `shard_obstacle` finds none in.
   */
  std::uint32_t first_gateway = 0, end_gateway = UINT32_MAX;
};

/**
 * @brief Why `scenario` cannot be run in shards, or empty: what couples gateways beyond their own links
 * and cloud sessions (the lifecycle's fleet-wide decisions, injected drift, a hardware-in-the-loop lab).
 */
std::string shard_obstacle(const Scenario& scenario);
/**
 * @brief The gateway ranges of `shards` shards, each a run of consecutive gateways with about the same
 * number of devices: shard k has [cuts[k], cuts[k+1]). Needs 1 <= shards <= the scenario's gateways.
 */
std::vector<std::uint32_t> shard_cuts(const Scenario& scenario, std::uint32_t shards);

/**
 * @brief Simulate `scenario` with `options.seed`; every event goes to `sink`, each gateway's in its simulated-time order
 * (different gateways' interleave otherwise: a gateway may take its turns ahead of the others, docs/architecture.md).
 * Returns false if `on_tick` stopped the run before its end.
 * SimGrid's engine is a process-wide singleton: call this at most once per process.
 */
bool run_simulation(const Scenario& scenario, const RunOptions& options, runtime::Sink& sink);

}  // namespace twinbench::sim
