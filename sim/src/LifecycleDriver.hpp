#pragma once
// Lifecycle governance wired into the simulation (World, World.hpp): drift injected into the
// physics with its ground truth, the gateways' drift monitors and OTA ports configured, the cloud's
// Lifecycle fed with what reaches the cloud and its messages published on the cloud's broker, the
// devices' firmware chunks carried over the access link, retraining run on the cloud's trainer host,
// and the fleet's versions sampled for versions.csv. SimGrid types stay in sim/src.

#include <simgrid/s4u/Host.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "GatewayNode.hpp"
#include "Lifecycle.hpp"
#include "SimPorts.hpp"
#include "twinbench/sim/Simulation.hpp"

namespace twinbench::sim {

class SimCloud;

class LifecycleDriver {
public:
  using At = std::function<void(double t_s, std::function<void()> fire)>;
  LifecycleDriver(const Scenario& sc, const RunOptions& opt, runtime::Sink& sink, std::vector<std::unique_ptr<GatewayNode>>& nodes,
                  const core::Rng& rng);
  ~LifecycleDriver();

  ChainAudit& audit() { return audit_; }
  /** @brief The trainer's host, in the cloud's zone (only when the scenario retrains). */
  void add_hosts(simgrid::s4u::NetZone& cloud_zone);
  /** @brief A gateway's drift monitor and OTA: its runtime's configuration and flash. */
  void configure(GatewayNode& n, runtime::EdgeConfig& ec);
  /** @brief Drift injections (and their ground truth), and the version samples. */
  void schedule(const At& at);
  /** @brief What the lifecycle sends gateways goes through `cloud` (before the run starts). */
  void set_publisher(SimCloud& cloud) { publisher_ = &cloud; }

  // From the cloud's actor: its turn (rollouts' timers; what it has to send), when it wants the next one,
  // and what reached the cloud: drift and OTA reports, records (training data), alerts.
  void cloud_step(runtime::TimeUs now);
  runtime::TimeUs cloud_next_us(runtime::TimeUs now) const;
  void on_cloud_publish(std::uint32_t gateway, std::string_view topic, std::span<const std::uint8_t> payload);
  void on_records(std::uint32_t gateway, std::span<const std::uint8_t> payload);
  void on_alert(std::uint32_t gateway, runtime::ConnId device, std::int64_t rule, std::int64_t severity, runtime::TimeUs raised_us);
  /** @brief Whether the cloud may answer what one gateway sends with a message to another (a drift report, a
   * retraining, a rollout): true with a lifecycle in the cloud. Without, it answers each gateway alone. */
  bool answers_across_gateways() const { return cloud_ != nullptr; }

  // From a node's actor: its devices' OTA.
  void node_step(GatewayNode& n);
  runtime::TimeUs node_next_us(const GatewayNode& n) const;
  void chunk_arrived(GatewayNode& n, const InFlight& f);
  /** @brief At the node's end: how many of its devices ran each rollout's firmware. */
  void node_end(GatewayNode& n);

  /** @brief After the run: the registry's index, and what RunOptions::lifecycle asks for. */
  void finish();

private:
  void pump(runtime::TimeUs now);
  void train(TrainingJob job);

  const Scenario& sc_;
  const RunOptions& opt_;
  runtime::Sink& sink_;
  std::vector<std::unique_ptr<GatewayNode>>& nodes_;
  core::Rng rng_;
  ChainAudit audit_;
  std::string registry_dir_;
  std::unique_ptr<Lifecycle> cloud_;
  SimCloud* publisher_ = nullptr;
  runtime::ModelLoader loader_;
  simgrid::s4u::Host* trainer_host_ = nullptr;
  std::vector<std::pair<runtime::ota::Manifest, std::vector<std::uint8_t>>> base_images_;  ///< per site (signed once)
};

}  // namespace twinbench::sim
