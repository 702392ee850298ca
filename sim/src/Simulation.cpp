// A simulated run: World's platform, gateways and cloud built from the scenario, its timeline, and the
// controller, pacer and cloud actors (each gateway's own loop is GatewayLoop.cpp).
#include "twinbench/sim/Simulation.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/Mailbox.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <xbt/config.hpp>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "NodeConfig.hpp"
#include "World.hpp"
#include "twinbench/sim/Events.hpp"

namespace twinbench::sim {

namespace sg4 = simgrid::s4u;
using runtime::TimeUs;

void World::build() {
  life_ = std::make_unique<LifecycleDriver>(sc_, opt_, sink_, nodes_, rng_);
  build_platform();
  build_nodes();
  build_cloud();
  life_->schedule([this](double t_s, std::function<void()> fire) { at(t_s, std::move(fire)); });
  schedule_asset_faults();
  schedule_link_faults();
  schedule_reboots();
  schedule_cloud_operations();
  schedule_progress();
  schedule_samples();
  spawn_actors();
}

void World::build_platform() {
  // Every host sits in a sub-zone of the star, the cloud too: SimGrid 3.32 finds no common ancestor
  // between a host of the root zone and one a level deeper, and silently routes such pairs as if both
  // were in the root (the WAN link was left out of every gateway-cloud route until this was found).
  auto* world = sg4::create_star_zone("world");
  auto* cloud_zone = sg4::create_full_zone("cloud-zone")->set_parent(world);
  cloud_host_ = cloud_zone->create_host("cloud", 1e11);
  life_->add_hosts(*cloud_zone);
  cloud_zone->seal();
  auto* cloud_nic = world->create_link("cloud-nic", 10e9 / 8)->set_latency(0)->seal();
  world->add_route(cloud_zone->get_netpoint(), nullptr, cloud_host_->get_netpoint(), nullptr, {sg4::LinkInRoute(cloud_nic)}, true);
  const double tcp_gamma = simgrid::config::get_value<double>("network/TCP-gamma");  // the access links model what SimGrid would
  for (const GatewayRef& g : sc_.gateways()) {
    const SiteSpec& site = sc_.sites[g.site];
    auto node = std::make_unique<GatewayNode>();
    node->index = static_cast<std::uint32_t>(nodes_.size());
    node->site = &site;
    auto* zone = sg4::create_full_zone(g.name + "-zone")->set_parent(world);
    node->gateway_host = zone->create_host(g.name, site.gateway.cpu_flops);
    zone->seal();
    // SimGrid's bandwidths are in bytes per second; scenarios speak bits per second.
    node->access = std::make_unique<AccessLinkOf<InFlight>>(site.link.bandwidth_bps / 8, site.link.latency_ms * 1e-3, tcp_gamma);
    auto* wan = world->create_link(g.name + "-wan", site.wan.bandwidth_bps / 8)->set_latency(site.wan.latency_ms * 1e-3)->seal();
    world->add_route(zone->get_netpoint(), nullptr, node->gateway_host->get_netpoint(), nullptr, {sg4::LinkInRoute(wan)}, true);
    node->from_cloud = sg4::Mailbox::by_name(std::string("cloud->").append(g.name));
    node->wan_latency_s = site.wan.latency_ms * 1e-3;
    nodes_.push_back(std::move(node));
  }
  world->seal();
  cloud_wake_ = sg4::Semaphore::create(0);
}

void World::build_nodes() {
  const auto refs = sc_.gateways();
  for (auto& n : nodes_) {
    if (!local(*n)) continue;  // another shard's
    const SiteSpec& site = *n->site;
    const std::string& name = refs[n->index].name;
    const auto hil_at = sc_.hil.gateways.find(name);
    const bool bridged = opt_.make_bridge && hil_at != sc_.hil.gateways.end();
    FleetConfig fc = fleet_config(sc_, site, name, rng_.seed());
    if (bridged) {  // a real gateway: the lab's network (shaped by twinbench shape, or not) is the access link
      fc.loss_probability = 0;
      fc.burst_loss.reset();
      fc.jitter = {};
    }
    n->fleet = std::make_unique<FleetCore>(fc, fleet_groups(site, rng_, name), rng_, name + "/device");

    n->clock = std::make_unique<SimClock>();
    // What the gateway sends the cloud crosses its WAN as a transfer of its own; the cloud takes it when it
    // arrives (handle), so a gateway's message never waits behind another's that is still on its way.
    n->transport = std::make_unique<SimTransport>(n->index, [this, node = n.get()](std::unique_ptr<WanMessage> m) {
      const double size = m->wire_bytes();
      node->in_flight.push_back({sg4::Comm::sendto_async(node->gateway_host, cloud_host_, size), nullptr, Hop::to_cloud, {}, std::move(m)});
    }, n->links, sink_, *n->clock);
    n->compute = std::make_unique<SimCompute>(*n->clock, site.gateway.cpu_flops);
    if (!sc_.partners.empty()) n->http = std::make_unique<SimHttp>(*n->clock, n->links, site.wan, sc_.partners, sc_.partner_outages);
    runtime::EdgeConfig ec = edge_config(sc_, site, n->index, name, rng_.seed());
    n->lwm2m = site.device.protocol == DeviceSpec::Protocol::lwm2m;
    if (sc_.security) configure_security(*n, name, ec, fc.passwords);
    life_->configure(*n, ec);
    n->edge_config = std::move(ec);
    if (bridged) n->bridge = opt_.make_bridge(name, hil_at->second, fc.devices);
    else start_runtime(*n);
  }
}

void World::build_cloud() {
  std::vector<const bool*> wan_up;
  for (auto& n : nodes_) wan_up.push_back(&n->links.wan_up);
  cloud_ = std::make_unique<SimCloud>(sink_, *life_, std::move(wan_up), [this](std::unique_ptr<WanMessage> m) {
    const double size = m->wire_bytes();
    GatewayNode& n = *nodes_[m->gateway];
    ++n.cloud_on_way;
    n.from_cloud->put_init(m.release(), size)->detach([](void* p) { delete static_cast<WanMessage*>(p); });
  });
  life_->set_publisher(*cloud_);
}

void World::configure_security(GatewayNode& n, const std::string& name, runtime::EdgeConfig& ec, const std::vector<std::string>& passwords) {
  const SecuritySpec& sec = *sc_.security;
  ec.access = device_access(rng_, name, passwords);
  n.passwords = std::make_unique<SimPasswordCheck>(*n.compute, sec.password_cost_log2);
  const auto refs = sc_.gateways();
  std::vector<SecuritySpec::Rogue> here;
  for (const auto& r : sec.rogues)
    if (n.site == &sc_.sites[r.site] && (!r.gateway || refs[n.index].index_in_site == *r.gateway)) here.push_back(r);
  if (!here.empty())
    n.rogue = std::make_unique<RogueClients>(here, name, n.index, static_cast<runtime::ConnId>(passwords.size()) + 1000,
                                             passwords.empty() ? std::string("none") : passwords[0]);
}

void World::schedule_asset_faults() {
  for (std::size_t k = 0; k < sc_.asset_faults.size(); ++k) {
    const AssetFault& f = sc_.asset_faults[k];
    // Devices in scope, as (node, device) in plant order; pick round(fraction * n) of them.
    // Devices in scope: of the sites in scope, those whose class has the mode (and is the fault's class, if it names one).
    std::vector<std::pair<std::uint32_t, std::uint32_t>> scope;
    // (From the scenario, not the fleets: a sharded run's processes pick the same devices.)
    for (auto& n : nodes_)
      if (!f.site || *f.site == static_cast<std::size_t>(n->site - sc_.sites.data())) {
        std::uint32_t d = 0;
        for (std::size_t g = 0; g < n->site->groups(); ++g)
          for (std::uint32_t i = 0; i < n->site->group(g).devices_per_gateway; ++i, ++d) {
            const twins::AssetClass* c = n->site->group(g).asset;
            if ((!f.asset || c == f.asset) && c->descriptor.fault(f.mode)) scope.emplace_back(n->index, d);
          }
      }
    const auto count = static_cast<std::size_t>(std::llround(f.fraction * static_cast<double>(scope.size())));
    core::RngStream pick = rng_.stream("faults/asset", k);
    for (std::size_t i = 0; i < count; ++i) std::swap(scope[i], scope[i + pick.below(scope.size() - i)]);
    scope.resize(count);
    std::erase_if(scope, [this](const auto& p) { return !local(*nodes_[p.first]); });
    std::sort(scope.begin(), scope.end());
    for (const auto& [node, device] : scope) {
      FleetCore& fleet = *nodes_[node]->fleet;
      fleet.set_fault(device, *nodes_[node]->site->group(fleet.group_of(device)).asset->descriptor.fault(f.mode), f.at_s, f.ramp_s);
    }
    at(f.at_s, [this, scope = std::move(scope), f] {
      for (const auto& [node, device] : scope)
        sink_.emit(now_us(), node, device,
                   ev::FaultOnset{.mode = static_cast<std::int64_t>(f.mode_index), .ramp_s = static_cast<std::int64_t>(f.ramp_s + 0.5),
                                  .site = static_cast<std::int64_t>(nodes_[node]->site - sc_.sites.data())});
    });
  }
}

void World::set_link(GatewayNode& n, LinkKind kind, bool down) {
  int& count = kind == LinkKind::access ? n.access_down_count : n.wan_down_count;
  bool& up = kind == LinkKind::access ? n.links.access_up : n.links.wan_up;
  count += down ? 1 : -1;
  if (up == (count == 0)) return;  // still inside another outage
  up = count == 0;
  if (up) sink_.emit(now_us(), n.index, runtime::kNoConn, ev::LinkUp{.link = static_cast<std::int64_t>(kind)});
  else sink_.emit(now_us(), n.index, runtime::kNoConn, ev::LinkDown{.link = static_cast<std::int64_t>(kind)});
}

void World::schedule_link_faults() {
  const auto refs = sc_.gateways();
  for (const LinkFault& f : sc_.link_faults) {
    std::vector<GatewayNode*> targets;
    for (auto& n : nodes_)
      if (local(*n) && n->site == &sc_.sites[f.site] && (!f.gateway || refs[n->index].index_in_site == *f.gateway)) targets.push_back(n.get());
    at(f.at_s, [this, targets, f] { for (auto* n : targets) set_link(*n, f.link, true); });
    at(f.at_s + f.duration_s, [this, targets, f] { for (auto* n : targets) set_link(*n, f.link, false); });
  }
}

void World::schedule_reboots() {
  const auto refs = sc_.gateways();
  for (const GatewayReboot& r : sc_.gateway_reboots)
    for (auto& n : nodes_)
      if (local(*n) && n->site == &sc_.sites[r.site] && (!r.gateway || refs[n->index].index_in_site == *r.gateway))
        n->reboots.push_back({to_us(r.at_s), to_us(r.at_s + r.duration_s), r.power_cut});
  for (auto& n : nodes_) std::sort(n->reboots.begin(), n->reboots.end());
}

void World::schedule_cloud_operations() {
  const auto refs = sc_.gateways();
  for (std::size_t k = 0; k < sc_.twin_operations.size(); ++k) {
    const TwinOperation& op = sc_.twin_operations[k];
    const bool property = op.kind == TwinOperation::Kind::set_property;
    for (auto& n : nodes_) {
      if (!local(*n) || n->site != &sc_.sites[op.site] || (op.gateway && refs[n->index].index_in_site != *op.gateway)) continue;
      std::string payload = "{\"op\":" + std::to_string(k) + ",\"devices\":[[0," + std::to_string(n->fleet->size() - 1) + "]],";
      payload += property ? "\"property\":" : "\"command\":";
      payload += nlohmann::json(op.name).dump();
      payload += property ? ",\"value\":" : ",\"request\":";
      payload += op.value_json + "}";
      cloud_->publish_at(to_us(op.at_s), n->index, "tb/cloud/" + refs[n->index].name, std::move(payload), static_cast<std::uint32_t>(k),
                         n->fleet->size());
    }
  }
  for (const RuleChange& rc : sc_.rule_changes)
    for (auto& n : nodes_)
      if (local(*n) && n->site->edge_ai && (!rc.site || n->site == &sc_.sites[*rc.site]))
        cloud_->publish_at(to_us(rc.at_s), n->index, "tb/cloud/" + refs[n->index].name + "/rules", rc.rules_json);
}

void World::schedule_progress() {
  for (int pct = 1; pct <= 100; ++pct) {
    const double t = sc_.duration_s * pct / 100.0;
    at(t, [this, t] {
      if (opt_.on_progress) opt_.on_progress(t);
    }, true);
  }
}

void World::schedule_samples() {
  const double step = sc_.results.interval_s;
  for (double t = step; t < sc_.duration_s; t += step)
    at(t, [this] {
      const TimeUs now = now_us();
      for (auto& n : nodes_)
        if (local(*n))
          sink_.emit(now, n->index, runtime::kNoConn,
                     ev::GatewaySample{.cpu_busy_us = std::llround(n->compute ? n->compute->busy_us_at(now) : 0.0),
                                       .uplink_pending = n->runtime ? static_cast<std::int64_t>(n->runtime->records_pending()) : 0});
    });
}

void World::spawn_actors() {
  std::stable_sort(timeline_.begin(), timeline_.end(), [](const auto& a, const auto& b) {
    return a.t_us != b.t_us ? a.t_us < b.t_us : a.order < b.order;
  });
  TimeUs acting_us = std::numeric_limits<TimeUs>::max();
  for (auto e = timeline_.rbegin(); e != timeline_.rend(); ++e) e->next_acting_us = acting_us = e->observes ? acting_us : e->t_us;
  if (!timeline_.empty()) controller_next_us_ = timeline_.front().next_acting_us;
  sg4::Actor::create("controller", cloud_host_, [this] { controller_main(); });
  if (opt_.on_tick) {
    if (!opt_.tick_observes) pacer_next_us_ = to_us(pacer_step_s());
    sg4::Actor::create("pacer", cloud_host_, [this] { pacer_main(); });
  }
  sg4::Actor::create("cloud", cloud_host_, [this] { cloud_main(); })->daemonize();
  for (auto& n : nodes_)
    if (local(*n)) sg4::Actor::create(n->gateway_host->get_name(), n->gateway_host, [this, node = n.get()] { node_main(*node); });
}

void World::controller_main() {
  for (auto& e : timeline_) {
    if (e.t_us > end_us()) break;
    controller_next_us_ = e.next_acting_us;
    sg4::this_actor::sleep_until(to_s(e.t_us));
    e.fire();
  }
  controller_next_us_ = std::numeric_limits<TimeUs>::max();
}

void World::pacer_main() {
  const double step = pacer_step_s();
  for (std::uint64_t k = 1;; ++k) {
    const double t = static_cast<double>(k) * step;
    if (to_us(t) > end_us()) break;
    if (!opt_.tick_observes) pacer_next_us_ = to_us(t);
    sg4::this_actor::sleep_until(t);
    if (!opt_.on_tick(t)) {
      stop_us_ = now_us();
      break;
    }
  }
  pacer_next_us_ = std::numeric_limits<TimeUs>::max();
}

void World::cloud_main() {
  for (;;) {
    const TimeUs now = now_us();
    SimClock& clock = cloud_->clock();
    clock.advance_to(now);
    clock.timers().fire_due(now);
    life_->cloud_step(now);
    cloud_->flush();
    if (now >= end_us()) break;
    TimeUs until = std::min(end_us(), life_->cloud_next_us(now));
    if (auto t = clock.timers().next_deadline_us()) until = std::min(until, *t);
    // Messages from the gateways, in the order they arrived (each wakes the cloud once: a wake-up for a
    // message already taken finds nothing and waits again).
    cloud_next_us_ = until;
    if (cloud_inbox_.empty()) cloud_wake_->acquire_timeout(to_s(std::max(until, now)) - sg4::Engine::get_clock());
    if (!cloud_inbox_.empty()) {
      clock.advance_to(now_us());
      std::unique_ptr<WanMessage> m = std::move(cloud_inbox_.front());
      cloud_inbox_.pop_front();
      cloud_->receive(std::move(m));
    }
  }
}

bool run_simulation(const Scenario& scenario, const RunOptions& options, runtime::Sink& sink) {
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
  world.finish();
  return !world.stopped();
}

}  // namespace twinbench::sim
