#pragma once
// One simulated run's world, private to sim/src: the platform, the gateways (GatewayNode), the cloud and
// the scenario's timeline. Simulation.cpp builds it and runs the controller, pacer and cloud actors;
// GatewayLoop.cpp is one gateway's event loop (what it takes, handles and sends, and when it waits).

#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Semaphore.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "Cloud.hpp"
#include "GatewayNode.hpp"
#include "LifecycleDriver.hpp"
#include "SimPorts.hpp"
#include "twinbench/core/Random.hpp"
#include "twinbench/sim/Scenario.hpp"
#include "twinbench/sim/Simulation.hpp"

namespace twinbench::sim {

class World {
public:
  World(const Scenario& sc, const RunOptions& opt, runtime::Sink& sink) : sc_(sc), opt_(opt), sink_(sink), rng_(opt.seed) {}
  /** @brief Builds the platform, the gateways and the cloud, schedules the scenario and spawns the actors. */
  void build();
  /** @brief After the run: what the lifecycle leaves (registry index, audit log). */
  void finish() { life_->finish(); }
  /** @brief True if RunOptions::on_tick ended the run early. */
  bool stopped() const { return stop_us_ != std::numeric_limits<runtime::TimeUs>::max(); }

private:
  using TimeUs = runtime::TimeUs;

  // Building and the scenario's timeline (Simulation.cpp).
  void build_platform();
  void build_nodes();
  /** The cloud's broker and services; what it sends a gateway crosses that gateway's WAN from the cloud's host. */
  void build_cloud();
  /**
   * Broker authentication at a gateway (a scenario's "security"): its devices' passwords, hashed at the
   * least cost (the CPU is charged the production cost by SimPasswordCheck), each device kept to its own
   * topics (tb/<gateway>/<username>/#); and its rogue clients, on connections above its devices'.
   */
  void configure_security(GatewayNode& n, const std::string& name, runtime::EdgeConfig& ec, const std::vector<std::string>& passwords);
  void schedule_asset_faults();
  void set_link(GatewayNode& n, LinkKind kind, bool down);
  void schedule_link_faults();
  void schedule_reboots();
  /** Each gateway in scope gets a twin operation for all its devices, or new alert rules, as one message the cloud publishes. */
  void schedule_cloud_operations();
  /** Progress ticks exist whether or not anyone listens, so showing progress cannot change a run. */
  void schedule_progress();
  /** At the end of every results interval before the run's, each gateway's CPU and uplink backlog (the time series'). */
  void schedule_samples();
  void spawn_actors();
  void controller_main();
  /** Ticks for RunOptions::on_tick; a false answer ends the run now for every actor (see end_us()). */
  void pacer_main();
  /** The cloud: its broker's timers, the lifecycle's turn, and what arrives from the gateways; what it sends leaves at the end of each turn. */
  void cloud_main();
  /** At `t_s`, the controller fires `fire`; `observes`: it reads nothing of the gateways and changes nothing (progress). */
  void at(double t_s, std::function<void()> fire, bool observes = false) {
    timeline_.push_back({to_us(t_s), timeline_.size(), std::move(fire), observes});
  }
  double pacer_step_s() const { return opt_.tick_s > 0 ? opt_.tick_s : 0.01; }

  // One gateway's loop (GatewayLoop.cpp).
  void start_runtime(GatewayNode& n);
  /** A reboot's start or end, if one is due (the node's own actor runs it: what it sends leaves from its host). */
  void reboot_step(GatewayNode& n);
  TimeUs next_reboot_step(const GatewayNode& n) const;
  /**
   * A gateway played by a real one: its devices report when they are due (no batch window) and their
   * bytes go out at once; every bridge_poll_s the devices take what the gateway sent, the records its
   * uplink published become the run's "received" (latency: taken on the device -> on the uplink), and
   * its alerts are scored like a simulated gateway's.
   */
  void bridge_main(GatewayNode& n);
  void node_main(GatewayNode& n);
  /**
   * A batch from the devices is handled when it leaves, not when it arrives, if it arrives before the
   * gateway's next turn (`until`) and while nothing can reach it (quiet_until_us). The gateway's clock
   * and its loop's time move to the arrival, as they would have; what the loop then does (send what the
   * gateway sent, fire its timers, reboot) it does at the arrival, and SimGrid waits only then.
   */
  bool take_batch_early(GatewayNode& n, TimeUs until);
  /**
   * Before when nothing from outside can reach gateway `n` or happen to it (0: something may at once).
   * Nothing of, for or at the cloud is on its way or waiting (no retransmission pending, no rollout), so
   * the cloud next sends to it on a turn of its own, or (with a lifecycle, which may answer one gateway's
   * report with a message to every gateway) a WAN's latency from now at the earliest; and the controller,
   * the pacer and the cloud, whose events join the gateway's trace, do not act before.
   */
  TimeUs quiet_until_us(const GatewayNode& n) const;
  /** The time the gateway's loop has reached: SimGrid's, or later where it took a batch early or ran ahead. */
  static TimeUs loop_now_us(const GatewayNode& n) { return to_us(std::max(simgrid::s4u::Engine::get_clock(), n.ahead_s)); }
  /** SimGrid's time catches up with the loop's, before the gateway sends or waits. */
  static void catch_up(const GatewayNode& n);
  /**
   * SimGrid's time catches up with the loop's, then waits until `until` unless something arrives first:
   * over the access link (computed), from the cloud, or at the cloud (the gateway's messages to it).
   * True if something arrived (handled, or put in the backlog if the gateway is `behind`).
   */
  bool await(GatewayNode& n, TimeUs until, bool behind);
  /** A batch that crossed its link (at `arrival_us`): the gateway or the devices handle it now. */
  void handle(GatewayNode& n, InFlight f, TimeUs arrival_us);
  /** The devices take what their gateway sent; their answers go back at once. */
  void devices_receive(GatewayNode& n, const WireBatch& batch);
  /** The devices due in this window sample, encode and send; the batch leaves now, as one transfer. */
  void send_window(GatewayNode& n, TimeUs window_us);
  /** Start a batch across the access link (to a real gateway: out at once, over its network). */
  void send(GatewayNode& n, std::unique_ptr<WireBatch> batch, Hop hop);

  static TimeUs now_us() { return to_us(simgrid::s4u::Engine::get_clock()); }
  static constexpr double kClockSlack_s = 1e-9;  ///< SimGrid's timing precision
  /** Whether this process simulates the gateway (all do, unless the run is sharded). */
  bool local(const GatewayNode& n) const { return n.index >= opt_.first_gateway && n.index < opt_.end_gateway; }
  TimeUs end_us() const { return std::min(to_us(sc_.duration_s), stop_us_); }

  const Scenario& sc_;
  const RunOptions& opt_;
  runtime::Sink& sink_;
  core::Rng rng_;
  simgrid::s4u::Host* cloud_host_ = nullptr;
  std::deque<std::unique_ptr<WanMessage>> cloud_inbox_;  ///< arrived from the gateways, not yet taken
  simgrid::s4u::SemaphorePtr cloud_wake_;                 ///< released once per arrival
  std::unique_ptr<SimCloud> cloud_;
  std::vector<std::unique_ptr<GatewayNode>> nodes_;
  std::vector<TimelineEntry> timeline_;
  std::unique_ptr<LifecycleDriver> life_;
  TimeUs stop_us_ = std::numeric_limits<TimeUs>::max();  ///< set when on_tick stops the run
  // When the controller (what acts on the gateways), the pacer (unless it only observes) and the cloud next act:
  // no gateway takes a turn ahead of SimGrid past them (quiet_until_us).
  TimeUs controller_next_us_ = std::numeric_limits<TimeUs>::max();
  TimeUs pacer_next_us_ = std::numeric_limits<TimeUs>::max();
  TimeUs cloud_next_us_ = 0;  ///< the cloud's next turn of its own (0 until it first waits)
};

}  // namespace twinbench::sim
