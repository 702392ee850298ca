#pragma once
// The state of one simulated gateway and its devices, as World (World.hpp) drives it: the hosts,
// the fleet, the sim ports and the runtime, the batches in flight, the faults to come. Private to
// sim/src (SimGrid types appear here).

#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Mailbox.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "AccessLink.hpp"
#include "DeviceOta.hpp"
#include "RogueClients.hpp"
#include "SimHttp.hpp"
#include "SimPorts.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/sim/FleetCore.hpp"
#include "twinbench/sim/Scenario.hpp"
#include "twinbench/sim/Simulation.hpp"
#include "twinbench/sim/Wire.hpp"

namespace twinbench::sim {

enum class Hop : std::uint8_t { to_gateway, to_devices, from_cloud, to_cloud, ota_chunk };

/** A batch crossing the access link, a message crossing the WAN to the cloud (a SimGrid communication), or one from it that crossed. */
struct InFlight {
  simgrid::s4u::CommPtr comm;  ///< to_cloud only: the access link is computed (AccessLink)
  std::unique_ptr<WireBatch> batch;
  Hop hop;
  DeviceOta::Transfer chunk{};  ///< ota_chunk: which device's chunk
  std::unique_ptr<WanMessage> wan{};  ///< from_cloud, to_cloud
};

/** A batch that arrived while the gateway was busy: handled in arrival order when it is free. */
struct Arrived {
  runtime::TimeUs at_us;
  InFlight batch;
};

/**
 * One gateway with the devices behind it: the gateway's host, the access link to its devices (computed:
 * only this gateway's transfers use it), and one actor that runs the devices' timer queue, the gateway's
 * edge runtime and its timers as one discrete-event loop.
 */
struct GatewayNode {
  std::uint32_t index = 0;
  const SiteSpec* site = nullptr;
  simgrid::s4u::Host* gateway_host = nullptr;
  LinkFlags links;
  int access_down_count = 0, wan_down_count = 0;  // overlapping outages nest
  std::unique_ptr<FleetCore> fleet;
  std::unique_ptr<SimClock> clock;
  std::unique_ptr<SimTransport> transport;
  std::unique_ptr<SimCompute> compute;
  std::unique_ptr<runtime::EdgeRuntime> runtime;  ///< nullptr while the gateway reboots
  std::uint32_t runtime_starts = 0;                ///< which runtime is running (timers for an earlier one do nothing)
  runtime::EdgeConfig edge_config;                 ///< to start it afresh after a reboot
  std::unique_ptr<SimPasswordCheck> passwords;     ///< with a scenario's "security"
  std::unique_ptr<SimHttp> http;                   ///< with a scenario's "partners": its webhooks' posts
  std::unique_ptr<RogueClients> rogue;             ///< rogue clients at this gateway, if any
  bool lwm2m = false;                              ///< its devices speak LwM2M: the runtime gets the Datagrams port
  struct Reboot {
    runtime::TimeUs down_us, up_us;
    bool power_cut;
    bool operator<(const Reboot& o) const { return down_us < o.down_us; }
  };
  std::vector<Reboot> reboots;  ///< in time order from next_reboot on
  std::size_t next_reboot = 0;
  WirePool uplink_pool;  // device->gateway batches are reused once handled
  std::unique_ptr<AccessLinkOf<InFlight>> access;  ///< batches and firmware chunks between the devices and the gateway
  std::vector<InFlight> in_flight;                 ///< messages to the cloud on their way
  std::deque<Arrived> backlog;
  double asset_kwh = 0;  // the compressors' energy, from the true power
  simgrid::s4u::Mailbox* from_cloud = nullptr;  ///< what the cloud sends this gateway arrives here
  std::uint32_t cloud_on_way = 0;               ///< sent by the cloud, not yet taken
  double wan_latency_s = 0;                     ///< nothing the cloud sends arrives sooner
  std::vector<simgrid::s4u::CommPtr> comms;     ///< what the loop waits for (kept: no allocation per wait)
  double ahead_s = 0;                           ///< the loop's time, where ahead of SimGrid's (World::loop_now_us)
  simgrid::s4u::CommPtr from_cloud_get;         ///< always waiting on it
  WanMessage* from_cloud_got = nullptr;
  std::unique_ptr<GatewayBridge> bridge;  ///< a real gateway plays this one (twinbench hil): no runtime, no access link
  runtime::MemoryStorage storage;          ///< the gateway's flash (its model slots, its uplink buffer): survives reboots
  std::unique_ptr<DeviceOta> ota;          ///< its devices' firmware updates (when the scenario rolls firmware out)
  std::vector<DeviceOta::Outcome> outcomes_pending;  ///< for the runtime, held while it reboots
  std::uint16_t model_version = 0;         ///< index of the model it last ran
};

/** `f` (`bytes` on the wire) starts across the gateway's access link now, by its loop's time. */
inline void start_on_access(GatewayNode& n, double bytes, InFlight f) {
  n.access->start(std::max(simgrid::s4u::Engine::get_clock(), n.ahead_s), bytes, std::move(f));
}

/** A scheduled scenario event for the controller actor. */
struct TimelineEntry {
  runtime::TimeUs t_us;
  std::size_t order;  // ties keep scenario order
  std::function<void()> fire;
  bool observes = false;               ///< it only observes the run (progress): the gateways need not wait for it
  runtime::TimeUs next_acting_us = 0;  ///< the first entry from this one on that acts on the run (spawn_actors)
};

}  // namespace twinbench::sim
