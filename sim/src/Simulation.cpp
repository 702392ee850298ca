#include "twinbench/sim/Simulation.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/Mailbox.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

#include "SimPorts.hpp"
#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/sim/FleetCore.hpp"

namespace twinbench::sim {

namespace sg4 = simgrid::s4u;
using runtime::EventKind;
using runtime::TimeUs;

namespace {

/** One gateway with the devices behind it: two hosts, two actors, the runtime and its ports. */
struct GatewayNode {
  std::uint32_t index = 0;
  const SiteSpec* site = nullptr;
  sg4::Host* gateway_host = nullptr;
  sg4::Host* fleet_host = nullptr;
  sg4::Mailbox* gateway_mbox = nullptr;
  sg4::Mailbox* fleet_mbox = nullptr;
  LinkFlags links;
  int access_down_count = 0, wan_down_count = 0;  // overlapping outages nest
  std::unique_ptr<FleetCore> fleet;
  std::unique_ptr<SimClock> clock;
  std::unique_ptr<SimTransport> transport;
  std::unique_ptr<SimCompute> compute;
  std::unique_ptr<runtime::EdgeRuntime> runtime;
};

/** A scheduled scenario event for the controller actor. */
struct TimelineEntry {
  TimeUs t_us;
  std::size_t order;  // ties keep scenario order
  std::function<void()> fire;
};

class World {
public:
  World(const Scenario& sc, const RunOptions& opt, runtime::Sink& sink) : sc_(sc), opt_(opt), sink_(sink), rng_(opt.seed) {}

  void build() {
    build_platform();
    build_nodes();
    schedule_asset_faults();
    schedule_link_faults();
    schedule_progress();
    spawn_actors();
  }

private:
  void build_platform() {
    auto* world = sg4::create_star_zone("world");
    cloud_host_ = world->create_host("cloud", 1e11);
    auto* cloud_nic = world->create_link("cloud-nic", 10e9)->set_latency(0)->seal();
    world->add_route(cloud_host_->get_netpoint(), nullptr, nullptr, nullptr, {sg4::LinkInRoute(cloud_nic)}, true);
    for (const GatewayRef& g : sc_.gateways()) {
      const SiteSpec& site = sc_.sites[g.site];
      auto node = std::make_unique<GatewayNode>();
      node->index = static_cast<std::uint32_t>(nodes_.size());
      node->site = &site;
      auto* zone = sg4::create_full_zone(g.name)->set_parent(world);
      node->gateway_host = zone->create_host(g.name, site.gateway.cpu_flops);
      node->fleet_host = zone->create_host(g.name + "-devices", 1e9);
      auto* access = zone->create_link(g.name + "-access", site.link.bandwidth_bps)->set_latency(site.link.latency_ms * 1e-3)->seal();
      zone->add_route(node->fleet_host->get_netpoint(), node->gateway_host->get_netpoint(), nullptr, nullptr,
                      {sg4::LinkInRoute(access)}, true);
      zone->seal();
      auto* wan = world->create_link(g.name + "-wan", site.wan.bandwidth_bps)->set_latency(site.wan.latency_ms * 1e-3)->seal();
      world->add_route(zone->get_netpoint(), nullptr, node->gateway_host->get_netpoint(), nullptr, {sg4::LinkInRoute(wan)}, true);
      node->gateway_mbox = sg4::Mailbox::by_name(g.name);
      node->fleet_mbox = sg4::Mailbox::by_name(g.name + "-devices");
      nodes_.push_back(std::move(node));
    }
    world->seal();
    cloud_mbox_ = sg4::Mailbox::by_name("cloud");
  }

  void build_nodes() {
    const auto refs = sc_.gateways();
    for (auto& n : nodes_) {
      const SiteSpec& site = *n->site;
      const std::string& name = refs[n->index].name;
      FleetConfig fc;
      fc.topic_prefix = "tb/" + name;
      fc.devices = site.devices_per_gateway;
      fc.period_us = std::max<TimeUs>(1, to_us(site.device.period_s));
      fc.qos = site.device.qos;
      fc.keepalive_s = site.device.keepalive_s;
      fc.loss_probability = site.link.loss_probability;
      fc.overhead_bytes_per_message = site.link.overhead_bytes_per_message;
      fc.energy_nj_per_bit = site.link.energy_nj_per_bit;
      fc.energy_nj_per_message = site.link.energy_nj_per_message;
      twins::CompressorFleet physics(fc.devices, twins::CompressorSpec{}, site.ambient, rng_.stream(name + "/physics"));
      twins::SensorBank sensors(fc.devices, sc_.sensors, rng_.stream(name + "/calibration"));
      n->fleet = std::make_unique<FleetCore>(fc, std::move(physics), std::move(sensors), rng_, name + "/device");

      n->clock = std::make_unique<SimClock>();
      n->transport = std::make_unique<SimTransport>(n->index, n->fleet_mbox, cloud_mbox_, n->links, sink_, *n->clock);
      n->compute = std::make_unique<SimCompute>(*n->clock, site.gateway.cpu_flops);
      runtime::EdgeConfig ec;
      ec.gateway_index = n->index;
      ec.name = name;
      ec.forward_interval_us = std::max<TimeUs>(1, to_us(site.gateway.forward_interval_s));
      ec.uplink_buffer_bytes_max = site.gateway.uplink_buffer_bytes_max;
      ec.ingest_cost_flops = site.gateway.ingest_cost_flops;
      n->runtime = std::make_unique<runtime::EdgeRuntime>(ec, runtime::EdgePorts{*n->clock, *n->transport, *n->compute, sink_});
    }
  }

  void at(double t_s, std::function<void()> fire) { timeline_.push_back({to_us(t_s), timeline_.size(), std::move(fire)}); }

  void schedule_asset_faults() {
    for (std::size_t k = 0; k < sc_.asset_faults.size(); ++k) {
      const AssetFault& f = sc_.asset_faults[k];
      // Devices in scope, as (node, device) in plant order; pick round(fraction * n) of them.
      std::vector<std::pair<std::uint32_t, std::uint32_t>> scope;
      for (auto& n : nodes_)
        if (!f.site || *f.site == static_cast<std::size_t>(n->site - sc_.sites.data()))
          for (std::uint32_t d = 0; d < n->fleet->size(); ++d) scope.emplace_back(n->index, d);
      const auto count = static_cast<std::size_t>(std::llround(f.fraction * static_cast<double>(scope.size())));
      core::RngStream pick = rng_.stream("faults/asset", k);
      for (std::size_t i = 0; i < count; ++i) std::swap(scope[i], scope[i + pick.below(scope.size() - i)]);
      scope.resize(count);
      std::sort(scope.begin(), scope.end());
      for (const auto& [node, device] : scope) nodes_[node]->fleet->physics().set_fault(device, f.mode, f.at_s, f.ramp_s);
      at(f.at_s, [this, scope = std::move(scope), f] {
        for (const auto& [node, device] : scope)
          sink_.emit({now_us(), EventKind::fault_onset, node, device, static_cast<std::int64_t>(f.mode),
                      std::llround(f.ramp_s), static_cast<std::int64_t>(nodes_[node]->site - sc_.sites.data()), 0});
      });
    }
  }

  void set_link(GatewayNode& n, LinkKind kind, bool down) {
    int& count = kind == LinkKind::access ? n.access_down_count : n.wan_down_count;
    bool& up = kind == LinkKind::access ? n.links.access_up : n.links.wan_up;
    count += down ? 1 : -1;
    if (up == (count == 0)) return;  // still inside another outage
    up = count == 0;
    sink_.emit({now_us(), up ? EventKind::link_up : EventKind::link_down, n.index, runtime::kNoConn, static_cast<std::int64_t>(kind), 0, 0, 0});
  }

  void schedule_link_faults() {
    for (const LinkFault& f : sc_.link_faults) {
      std::vector<GatewayNode*> targets;
      for (auto& n : nodes_)
        if (n->site == &sc_.sites[f.site] && (!f.gateway || sc_.gateways()[n->index].index_in_site == *f.gateway)) targets.push_back(n.get());
      at(f.at_s, [this, targets, f] { for (auto* n : targets) set_link(*n, f.link, true); });
      at(f.at_s + f.duration_s, [this, targets, f] { for (auto* n : targets) set_link(*n, f.link, false); });
    }
  }

  void schedule_progress() {
    if (!opt_.on_progress) return;
    for (int pct = 1; pct <= 100; ++pct) {
      const double t = sc_.duration_s * pct / 100.0;
      at(t, [this, t] { opt_.on_progress(t); });
    }
  }

  static TimeUs now_us() { return to_us(sg4::Engine::get_clock()); }

  void spawn_actors() {
    std::stable_sort(timeline_.begin(), timeline_.end(), [](const auto& a, const auto& b) {
      return a.t_us != b.t_us ? a.t_us < b.t_us : a.order < b.order;
    });
    sg4::Actor::create("controller", cloud_host_, [this] { controller_main(); });
    sg4::Actor::create("cloud", cloud_host_, [this] { cloud_main(); })->daemonize();
    for (auto& n : nodes_) {
      sg4::Actor::create(n->gateway_host->get_name(), n->gateway_host, [this, node = n.get()] { gateway_main(*node); });
      sg4::Actor::create(n->fleet_host->get_name(), n->fleet_host, [this, node = n.get()] { fleet_main(*node); });
    }
  }

  void controller_main() {
    for (auto& e : timeline_) {
      if (e.t_us > end_us()) break;
      sg4::this_actor::sleep_until(to_s(e.t_us));
      e.fire();
    }
  }

  void cloud_main() {
    cloud_mbox_->set_receiver(sg4::Actor::self());
    for (;;) {
      std::unique_ptr<UplinkMessage> m(cloud_mbox_->get<UplinkMessage>());
      const auto r = runtime::mqtt::decode(m->bytes);
      std::int64_t records = 0;
      if (r.status == runtime::mqtt::DecodeStatus::ok) {
        // Payload: [u32 conn | u16 len | record]...
        const auto payload = std::get<runtime::mqtt::Publish>(r.packet).payload;
        for (std::size_t pos = 0; pos + 6 <= payload.size(); ++records)
          pos += 6 + (payload[pos + 4] | (payload[pos + 5] << 8));
      }
      sink_.emit({now_us(), EventKind::cloud_received, m->gateway, runtime::kNoConn, static_cast<std::int64_t>(m->bytes.size()), records, 0, 0});
    }
  }

  TimeUs end_us() const { return to_us(sc_.duration_s); }

  /** Wait until `until_s` or until something arrives in `mbox`; returns the arrival or nullptr. */
  template <typename T>
  static std::unique_ptr<T> receive_until(sg4::Mailbox* mbox, sg4::CommPtr& pending, T*& slot, double until_s) {
    const double timeout = until_s - sg4::Engine::get_clock();
    if (timeout <= 0) return nullptr;
    if (!pending) pending = mbox->get_async<T>(&slot);
    if (sg4::Comm::wait_any_for({pending}, timeout) != 0) return nullptr;
    pending = nullptr;
    return std::unique_ptr<T>(slot);
  }

  void gateway_main(GatewayNode& n) {
    n.gateway_mbox->set_receiver(sg4::Actor::self());
    n.runtime->start();
    sg4::CommPtr pending;
    WireBatch* slot = nullptr;
    const double end_s = sc_.duration_s;
    // The gateway's clock may run ahead of SimGrid's while it works through a batch (frame arrival times,
    // CPU queueing); what it sends leaves at SimGrid's time. Past this lead it waits for SimGrid to catch up.
    const TimeUs lead_max_us = std::max<TimeUs>(1000, to_us(sc_.batch_window_ms * 1e-3));
    for (;;) {
      n.clock->timers().fire_due(n.clock->now_us());
      n.transport->flush();
      const double now = sg4::Engine::get_clock();
      if (now >= end_s) break;
      if (n.clock->now_us() - to_us(now) > lead_max_us) {
        sg4::this_actor::sleep_until(std::min(end_s, to_s(n.clock->now_us())));
        continue;
      }
      const auto next = n.clock->timers().next_deadline_us();
      const double until = std::min(end_s, next ? to_s(*next) : end_s);
      if (auto batch = receive_until(n.gateway_mbox, pending, slot, until)) n.transport->deliver(*batch, *n.runtime);
    }
    if (pending) pending->cancel();
    n.gateway_mbox->set_receiver(nullptr);
    sink_.emit({now_us(), EventKind::run_end, n.index, runtime::kNoConn, static_cast<std::int64_t>(n.runtime->records_pending()),
                std::llround(n.compute->busy_s() * 1e6), 0, 0});
  }

  void fleet_main(GatewayNode& n) {
    n.fleet_mbox->set_receiver(sg4::Actor::self());
    const TimeUs window_us = to_us(sc_.batch_window_ms * 1e-3);
    for (;;) {
      // The batch leaves when its first device is due and carries every device due before the end of
      // that window (w = 0: only the devices due at that very microsecond).
      const TimeUs send_us = n.fleet->next_due_us();
      if (send_us >= end_us()) break;
      sg4::this_actor::sleep_until(to_s(send_us));
      // Replies from the gateway wait in the mailbox (permanent receiver) until the devices next wake.
      while (n.fleet_mbox->ready()) {
        std::unique_ptr<WireBatch> down(n.fleet_mbox->get<WireBatch>());
        const AckStats a = n.fleet->consume(*down);
        if (a.pubacks + a.connacks > 0) sink_.emit({now_us(), EventKind::acks_received, n.index, runtime::kNoConn, a.pubacks, a.connacks, a.resets, 0});
      }
      const TimeUs until_us = window_us > 0 ? std::min(end_us(), (send_us / window_us + 1) * window_us) : send_us;
      auto out = std::make_unique<WireBatch>();
      const WindowStats st = n.fleet->produce(send_us, until_us, window_us == 0, n.links.access_up, *out);
      const TimeUs t = now_us();
      if (st.messages > 0)
        sink_.emit({t, EventKind::devices_sent, n.index, runtime::kNoConn, st.messages, static_cast<std::int64_t>(st.mqtt_bytes),
                    static_cast<std::int64_t>(st.wire_bytes), std::llround(st.energy_nj)});
      if (st.lost > 0) sink_.emit({t, EventKind::devices_lost, n.index, runtime::kNoConn, st.lost, 0, 0, 0});
      if (st.dropped > 0) sink_.emit({t, EventKind::devices_dropped, n.index, runtime::kNoConn, st.dropped, 0, 0, 0});
      if (!out->empty()) {
        const auto size = out->wire_bytes;
        n.gateway_mbox->put_init(out.release(), size)->detach([](void* p) { delete static_cast<WireBatch*>(p); });
      }
    }
    n.fleet_mbox->set_receiver(nullptr);
  }

  const Scenario& sc_;
  const RunOptions& opt_;
  runtime::Sink& sink_;
  core::Rng rng_;
  sg4::Host* cloud_host_ = nullptr;
  sg4::Mailbox* cloud_mbox_ = nullptr;
  std::vector<std::unique_ptr<GatewayNode>> nodes_;
  std::vector<TimelineEntry> timeline_;
};

}  // namespace

void run_simulation(const Scenario& scenario, const RunOptions& options, runtime::Sink& sink) {
  // Logs off (results carry everything); CM02 = latency and bandwidth exactly as the scenario states
  // them, without the TCP correction factors of SimGrid's default LV08 model.
  std::vector<std::string> args = {"twinbench", "--log=root.thresh:critical", "--cfg=network/model:CM02", "--cfg=network/crosstraffic:0",
                                   "--cfg=contexts/stack-size:256"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  sg4::Engine engine(&argc, argv.data());
  World world(scenario, options, sink);
  world.build();
  engine.run();
}

}  // namespace twinbench::sim
