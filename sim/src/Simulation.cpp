#include "twinbench/sim/Simulation.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/Mailbox.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <simgrid/s4u/Semaphore.hpp>
#include <xbt/config.hpp>

#include <algorithm>
#include <deque>
#include <cmath>
#include <limits>
#include <memory>

#include <nlohmann/json.hpp>

#include "Cloud.hpp"
#include "GatewayNode.hpp"
#include "LifecycleDriver.hpp"
#include "NodeConfig.hpp"
#include "SimPorts.hpp"
#include "twinbench/sim/Events.hpp"
#include "twinbench/sim/FleetCore.hpp"

namespace twinbench::sim {

namespace sg4 = simgrid::s4u;
using runtime::TimeUs;

namespace {


class World {
public:
  /** @brief After the run: what the lifecycle leaves (registry index, audit log). */
  void finish() { life_->finish(); }
  /** @brief True if RunOptions::on_tick ended the run early. */
  bool stopped() const { return stop_us_ != std::numeric_limits<TimeUs>::max(); }
  World(const Scenario& sc, const RunOptions& opt, runtime::Sink& sink) : sc_(sc), opt_(opt), sink_(sink), rng_(opt.seed) {}

  void build() {
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

private:
  void build_platform() {
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

  void build_nodes() {
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

  /** The cloud's broker and services; what it sends a gateway crosses that gateway's WAN from the cloud's host. */
  void build_cloud() {
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

  /**
   * Broker authentication at a gateway (a scenario's "security"): its devices' passwords, hashed at the
   * least cost (the CPU is charged the production cost by SimPasswordCheck), each device kept to its own
   * topics (tb/<gateway>/<username>/#); and its rogue clients, on connections above its devices'.
   */
  void configure_security(GatewayNode& n, const std::string& name, runtime::EdgeConfig& ec, const std::vector<std::string>& passwords) {
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

  void start_runtime(GatewayNode& n) {
    n.runtime = std::make_unique<runtime::EdgeRuntime>(n.edge_config, runtime::EdgePorts{*n.clock, *n.transport, *n.compute, sink_,
                                                                                         n.lwm2m ? n.transport.get() : nullptr, &n.storage,
                                                                                         &life_->audit().source(n.index), n.passwords.get(), &n.storage, n.http.get()});
    const std::uint32_t start = ++n.runtime_starts;
    if (sc_.people)  // the site's technician takes on each alert routed to technicians, some time after it was raised
      n.runtime->alert_book().on_change([this, &n, start](const runtime::AlertEntry& e, runtime::AlertBook::Change c) {
        if (c != runtime::AlertBook::Change::raised || !(e.roles & runtime::role_technician)) return;
        n.clock->schedule(to_us(sc_.people->acknowledge_after_s), [&n, start, id = e.id] {
          if (n.runtime && n.runtime_starts == start) n.runtime->acknowledge_alert(id, "technician");
        });
      });
  }

  /** A reboot's start or end, if one is due (the node's own actor runs it: what it sends leaves from its host). */
  void reboot_step(GatewayNode& n) {
    if (n.next_reboot >= n.reboots.size()) return;
    const auto [down_us, up_us, power_cut] = n.reboots[n.next_reboot];
    const TimeUs now = n.clock->now_us();
    if (n.runtime && now >= down_us) {
      // A clean reboot stores and sends what it holds first; a power cut does not, and what the runtime
      // had taken but not yet stored is lost (counted). Either way what its flash had not synced is gone.
      std::int64_t lost = 0;
      if (power_cut) lost = static_cast<std::int64_t>(n.runtime->records_unstored());
      else n.runtime->shutdown();
      n.transport->abandon_cloud(power_cut);  // its connections go with it: closed, or simply gone
      n.runtime.reset();
      n.storage.power_cut();
      sink_.emit(now, n.index, runtime::kNoConn, ev::GatewayDown{.power_cut = power_cut ? 1 : 0, .records_lost = lost});
    }
    if (!n.runtime && now >= up_us) {
      start_runtime(n);
      n.runtime->start();
      ++n.next_reboot;
      sink_.emit(now, n.index, runtime::kNoConn, ev::GatewayUp{});
    }
  }

  TimeUs next_reboot_step(const GatewayNode& n) const {
    if (n.next_reboot >= n.reboots.size()) return std::numeric_limits<TimeUs>::max();
    return n.runtime ? n.reboots[n.next_reboot].down_us : n.reboots[n.next_reboot].up_us;
  }

  void at(double t_s, std::function<void()> fire) { timeline_.push_back({to_us(t_s), timeline_.size(), std::move(fire)}); }

  void schedule_asset_faults() {
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

  void set_link(GatewayNode& n, LinkKind kind, bool down) {
    int& count = kind == LinkKind::access ? n.access_down_count : n.wan_down_count;
    bool& up = kind == LinkKind::access ? n.links.access_up : n.links.wan_up;
    count += down ? 1 : -1;
    if (up == (count == 0)) return;  // still inside another outage
    up = count == 0;
    if (up) sink_.emit(now_us(), n.index, runtime::kNoConn, ev::LinkUp{.link = static_cast<std::int64_t>(kind)});
    else sink_.emit(now_us(), n.index, runtime::kNoConn, ev::LinkDown{.link = static_cast<std::int64_t>(kind)});
  }

  void schedule_link_faults() {
    const auto refs = sc_.gateways();
    for (const LinkFault& f : sc_.link_faults) {
      std::vector<GatewayNode*> targets;
      for (auto& n : nodes_)
        if (local(*n) && n->site == &sc_.sites[f.site] && (!f.gateway || refs[n->index].index_in_site == *f.gateway)) targets.push_back(n.get());
      at(f.at_s, [this, targets, f] { for (auto* n : targets) set_link(*n, f.link, true); });
      at(f.at_s + f.duration_s, [this, targets, f] { for (auto* n : targets) set_link(*n, f.link, false); });
    }
  }

  void schedule_reboots() {
    const auto refs = sc_.gateways();
    for (const GatewayReboot& r : sc_.gateway_reboots)
      for (auto& n : nodes_)
        if (local(*n) && n->site == &sc_.sites[r.site] && (!r.gateway || refs[n->index].index_in_site == *r.gateway))
          n->reboots.push_back({to_us(r.at_s), to_us(r.at_s + r.duration_s), r.power_cut});
    for (auto& n : nodes_) std::sort(n->reboots.begin(), n->reboots.end());
  }

  /** Each gateway in scope gets a twin operation for all its devices, or new alert rules, as one message the cloud publishes. */
  void schedule_cloud_operations() {
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

  /** Progress ticks exist whether or not anyone listens, so showing progress cannot change a run. */
  void schedule_progress() {
    for (int pct = 1; pct <= 100; ++pct) {
      const double t = sc_.duration_s * pct / 100.0;
      at(t, [this, t] {
        if (opt_.on_progress) opt_.on_progress(t);
      });
    }
  }

  /** At the end of every results interval before the run's, each gateway's CPU and uplink backlog (the time series'). */
  void schedule_samples() {
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

  static TimeUs now_us() { return to_us(sg4::Engine::get_clock()); }
  static constexpr double kClockSlack_s = 1e-9;  ///< SimGrid's timing precision
  /** Whether this process simulates the gateway (all do, unless the run is sharded). */
  bool local(const GatewayNode& n) const { return n.index >= opt_.first_gateway && n.index < opt_.end_gateway; }

  void spawn_actors() {
    std::stable_sort(timeline_.begin(), timeline_.end(), [](const auto& a, const auto& b) {
      return a.t_us != b.t_us ? a.t_us < b.t_us : a.order < b.order;
    });
    if (!timeline_.empty()) controller_next_us_ = timeline_.front().t_us;
    sg4::Actor::create("controller", cloud_host_, [this] { controller_main(); });
    if (opt_.on_tick) {
      pacer_next_us_ = to_us(pacer_step_s());
      sg4::Actor::create("pacer", cloud_host_, [this] { pacer_main(); });
    }
    sg4::Actor::create("cloud", cloud_host_, [this] { cloud_main(); })->daemonize();
    for (auto& n : nodes_)
      if (local(*n)) sg4::Actor::create(n->gateway_host->get_name(), n->gateway_host, [this, node = n.get()] { node_main(*node); });
  }

  void controller_main() {
    for (auto& e : timeline_) {
      if (e.t_us > end_us()) break;
      controller_next_us_ = e.t_us;
      sg4::this_actor::sleep_until(to_s(e.t_us));
      e.fire();
    }
    controller_next_us_ = std::numeric_limits<TimeUs>::max();
  }

  double pacer_step_s() const { return opt_.tick_s > 0 ? opt_.tick_s : 0.01; }

  /** Ticks for RunOptions::on_tick; a false answer ends the run now for every actor (see end_us()). */
  void pacer_main() {
    const double step = pacer_step_s();
    for (std::uint64_t k = 1;; ++k) {
      const double t = static_cast<double>(k) * step;
      if (to_us(t) > end_us()) break;
      pacer_next_us_ = to_us(t);
      sg4::this_actor::sleep_until(t);
      if (!opt_.on_tick(t)) {
        stop_us_ = now_us();
        break;
      }
    }
    pacer_next_us_ = std::numeric_limits<TimeUs>::max();
  }

  /** The cloud: its broker's timers, the lifecycle's turn, and what arrives from the gateways; what it sends leaves at the end of each turn. */
  void cloud_main() {
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

  TimeUs end_us() const { return std::min(to_us(sc_.duration_s), stop_us_); }

  /**
   * A gateway played by a real one: its devices report when they are due (no batch window) and their
   * bytes go out at once; every bridge_poll_s the devices take what the gateway sent, the records its
   * uplink published become the run's "received" (latency: taken on the device -> on the uplink), and
   * its alerts are scored like a simulated gateway's.
   */
  void bridge_main(GatewayNode& n) {
    const TimeUs poll_us = std::max<TimeUs>(1, to_us(opt_.bridge_poll_s));
    WireBatch down;
    std::vector<UplinkRecord> records;
    std::vector<BridgedAlert> alerts;
    bool bridged_up = true;
    for (;;) {
      const TimeUs now = now_us();
      if (now >= end_us()) break;
      while (n.fleet->next_due_us() <= now) send_window(n, 0);
      down.clear();
      records.clear();
      alerts.clear();
      n.bridge->receive(down, records, alerts);
      if (!down.empty()) devices_receive(n, down);
      std::int64_t bytes = 0;
      for (const UplinkRecord& r : records) {
        sink_.emit(now, n.index, runtime::kNoConn, runtime::ev::Telemetry{.mqtt_bytes = r.bytes, .latency_us = now - r.taken_us});
        bytes += r.bytes;
      }
      if (!records.empty())
        sink_.emit(now, n.index, runtime::kNoConn, ev::CloudReceived{.bytes = bytes, .records = static_cast<std::int64_t>(records.size())});
      for (const BridgedAlert& a : alerts)  // raised, as far as the bench can tell, when it reached the uplink
        if (a.device < n.fleet->size())
          sink_.emit(now, n.index, a.device, ev::AlertReceived{.rule = a.rule, .severity = a.severity, .raised_us = now, .roles = a.roles});
      if (const bool up = n.bridge->gateway_up(); up != bridged_up) {  // a gateway that died (or came back) is a gateway fault
        if (up) sink_.emit(now, n.index, runtime::kNoConn, ev::GatewayUp{});
        else sink_.emit(now, n.index, runtime::kNoConn, ev::GatewayDown{});
        bridged_up = up;
      }
      sg4::this_actor::sleep_until(to_s(std::min({end_us(), n.fleet->next_due_us(), now + poll_us})));
    }
    sink_.emit(now_us(), n.index, runtime::kNoConn,
               ev::RunEnd{.asset_wh = std::llround(n.asset_kwh * 1000), .qos1_held = static_cast<std::int64_t>(n.fleet->qos1_pending())});
  }

  void node_main(GatewayNode& n) {
    if (n.bridge) return bridge_main(n);
    n.runtime->start();
    n.from_cloud->set_receiver(sg4::Actor::self());
    n.from_cloud_get = n.from_cloud->get_async<WanMessage>(&n.from_cloud_got);
    const TimeUs window_us = to_us(sc_.batch_window_ms * 1e-3);
    // The gateway's clock may run ahead of SimGrid's while it works through a batch (frame arrival times,
    // CPU queueing); what it sends leaves at SimGrid's time. Past this lead the loop lets SimGrid catch up.
    const TimeUs lead_max_us = std::max<TimeUs>(1000, window_us);
    std::vector<sg4::CommPtr> comms;
    for (;;) {
      n.clock->advance_to(now_us());  // SimGrid's time moved only if we waited
      n.clock->timers().fire_due(n.clock->now_us());
      reboot_step(n);
      life_->node_step(n);
      if (auto down = n.transport->flush()) send(n, std::move(down), Hop::to_devices);
      const TimeUs now = now_us();
      if (now >= end_us()) break;
      // Behind on its work (the CPU queue runs past SimGrid's time), the gateway leaves what arrives in
      // its receive backlog until SimGrid's time catches up, so what it sends never leaves before it was
      // made. Its devices keep their own schedule meanwhile.
      const bool behind = n.clock->now_us() - std::max(now, n.early_us) > lead_max_us;  // (as at a batch taken early's arrival)
      if (!behind && !n.backlog.empty()) {
        Arrived a = std::move(n.backlog.front());
        n.backlog.pop_front();
        handle(n, std::move(a.batch), a.at_us);
        continue;
      }
      // The next thing this node does on its own: its devices' next window, a gateway timer, a cloud message...
      TimeUs until = std::min(end_us(), n.fleet->next_due_us());
      if (auto t = n.clock->timers().next_deadline_us()) until = std::min(until, *t);
      until = std::min({until, next_reboot_step(n), life_->node_next_us(n)});
      if (n.rogue) until = std::min(until, n.rogue->next_due_us());
      if (behind) until = std::min(until, n.clock->now_us());
      if (!behind && take_batch_early(n, until)) continue;
      // ... unless something arrives first: over the access link (computed), from the cloud, or at the
      // cloud (the gateway's messages to it).
      const double arrival_s = n.access->next_arrival_s();
      const double wake_s = std::min(until > now ? to_s(until) : sg4::Engine::get_clock(), arrival_s);
      if (wake_s > sg4::Engine::get_clock()) {
        comms.clear();
        for (const auto& f : n.in_flight) comms.push_back(f.comm);
        comms.push_back(n.from_cloud_get);  // last
        const ssize_t done = sg4::Comm::wait_any_for(comms, wake_s - sg4::Engine::get_clock());
        if (done == static_cast<ssize_t>(comms.size()) - 1) {  // from the cloud, over the WAN
          InFlight f{nullptr, nullptr, Hop::from_cloud, {}, std::unique_ptr<WanMessage>(n.from_cloud_got)};
          --n.cloud_on_way;
          n.from_cloud_get = n.from_cloud->get_async<WanMessage>(&n.from_cloud_got);
          if (behind || !n.backlog.empty()) n.backlog.push_back({now_us(), std::move(f)});
          else handle(n, std::move(f), now_us());
          continue;
        }
        if (done >= 0) {  // at the cloud
          InFlight f = std::move(n.in_flight[static_cast<std::size_t>(done)]);
          n.in_flight.erase(n.in_flight.begin() + done);
          handle(n, std::move(f), now_us());
          continue;
        }
      }
      // SimGrid's clock stops where it was asked to, to within rounding: an arrival there has arrived.
      if (auto a = n.access->take_arrived(sg4::Engine::get_clock() + kClockSlack_s)) {
        // Batches to the devices are theirs to handle; the gateway's own wait their turn.
        const TimeUs at_us = to_us(a->first);
        const bool for_devices = a->second.hop == Hop::to_devices || a->second.hop == Hop::ota_chunk;
        if (!for_devices && (behind || !n.backlog.empty())) n.backlog.push_back({at_us, std::move(a->second)});
        else handle(n, std::move(a->second), at_us);
        continue;
      }
      n.clock->advance_to(now_us());
      if (n.fleet->next_due_us() <= now_us()) send_window(n, window_us);
      if (n.rogue && n.rogue->next_due_us() <= now_us()) {  // (with the access link down, its attempts go nowhere)
        auto out = n.uplink_pool.take();
        n.rogue->produce(now_us(), *out);
        if (n.links.access_up) send(n, std::move(out), Hop::to_gateway);
        else n.uplink_pool.give(std::move(out));
      }
    }
    life_->node_end(n);
    sink_.emit(now_us(), n.index, runtime::kNoConn,
               ev::RunEnd{.uplink_pending = n.runtime ? static_cast<std::int64_t>(n.runtime->records_pending()) : 0,
                          .cpu_busy_us = static_cast<std::int64_t>(n.compute->busy_s() * 1e6 + 0.5),
                          .asset_wh = std::llround(n.asset_kwh * 1000), .qos1_held = static_cast<std::int64_t>(n.fleet->qos1_pending())});
  }

  /**
   * A batch from the devices is handled when it leaves, not when it arrives, if nothing can reach the
   * gateway in between, nor happen to it: no timer, device or scenario event before the arrival (`until`,
   * the controller's, the pacer's and the cloud's next), nothing of or for the cloud on its way or waiting
   * for it, no retransmission pending, and the cloud a WAN's latency away, so that nothing it sends from
   * now on arrives sooner. (The cloud's own turns count too: its events join the gateway's trace.) The
   * gateway's clock moves to the arrival, as it would have. What the gateway's loop would then do at the
   * arrival (send what the gateway sent, fire its timers, reboot), it does at the arrival: only then does
   * SimGrid wait. So the run is the same, byte for byte (every scenario's trace hash), with one wait per
   * window spared.
   */
  bool take_batch_early(GatewayNode& n, TimeUs until) {
    if (!n.backlog.empty() || !n.in_flight.empty() || n.cloud_on_way > 0 || !cloud_inbox_.empty() || n.ota || n.transport->retransmitting())
      return false;
    const InFlight* next = n.access->next_payload();
    if (!next || next->hop != Hop::to_gateway) return false;
    const double at_s = n.access->next_arrival_s();
    const TimeUs at_us = to_us(at_s);
    if (at_us >= std::min({until, controller_next_us_, pacer_next_us_, cloud_next_us_}) || at_s >= sg4::Engine::get_clock() + n.wan_latency_s)
      return false;
    auto a = n.access->take_arrived(at_s);
    handle(n, std::move(a->second), at_us);
    n.early_us = at_us;
    // Timers and a reboot go by the gateway's clock: due by it, the loop's top acts on them, and may send.
    const TimeUs gw_now = n.clock->now_us();
    const auto timer = n.clock->timers().next_deadline_us();
    if (n.transport->has_output() || (timer && *timer <= gw_now) || next_reboot_step(n) <= gw_now) sg4::this_actor::sleep_until(at_s);
    return true;
  }

  /** A batch that crossed its link (at `arrival_us`): the gateway or the devices handle it now. */
  void handle(GatewayNode& n, InFlight f, TimeUs arrival_us) {
    n.clock->advance_to(std::max(now_us(), arrival_us));
    switch (f.hop) {
      case Hop::to_gateway:
        if (n.runtime) n.transport->deliver(*f.batch, arrival_us, *n.runtime, *n.runtime);
        else sink_.emit(std::max(now_us(), arrival_us), n.index, runtime::kNoConn, ev::GatewayRefused{.publishes = n.transport->refuse(*f.batch)});
        n.uplink_pool.give(std::move(f.batch));
        return;
      case Hop::from_cloud: n.transport->deliver_from_cloud(std::move(f.wan), arrival_us); return;
      case Hop::to_cloud:
        cloud_inbox_.push_back(std::move(f.wan));
        cloud_wake_->release();
        return;
      case Hop::ota_chunk: life_->chunk_arrived(n, f); return;
      case Hop::to_devices: break;
    }
    devices_receive(n, *f.batch);
  }

  /** The devices take what their gateway sent; their answers go back at once. */
  void devices_receive(GatewayNode& n, const WireBatch& batch) {
    auto replies = n.uplink_pool.take();
    const AckStats a = n.fleet->consume(batch, now_us(), *replies);
    if (n.rogue) n.rogue->consume(batch, now_us(), sink_, *replies);
    if (a.pubacks + a.connacks > 0)
      sink_.emit(now_us(), n.index, runtime::kNoConn, ev::AcksReceived{.pubacks = a.pubacks, .connacks = a.connacks, .resets = a.resets});
    if (a.resent + a.flushed > 0) sink_.emit(now_us(), n.index, runtime::kNoConn, ev::DevicesResent{.resent = a.resent, .flushed = a.flushed});
    for (const FleetCore::Reconnect& r : n.fleet->take_reconnects())
      sink_.emit(now_us(), n.index, r.device, ev::DeviceReconnected{.took_us = r.took_us, .failed_attempts = r.failed_attempts});
    // The devices answer twin messages at once; with the access link down the answers are lost (the
    // gateway sends the desired values again when the device reconnects).
    if (replies->empty() || !n.links.access_up) n.uplink_pool.give(std::move(replies));
    else send(n, std::move(replies), Hop::to_gateway);
  }

  /** The devices due in this window sample, encode and send; the batch leaves now, as one transfer. */
  void send_window(GatewayNode& n, TimeUs window_us) {
    const TimeUs send_us = n.fleet->next_due_us();
    // Every device due before the end of this window goes with the batch (w = 0: only those due now).
    const TimeUs until_us = window_us > 0 ? std::min(end_us(), (send_us / window_us + 1) * window_us) : send_us;
    auto out = n.uplink_pool.take();
    const WindowStats st = n.fleet->produce(send_us, until_us, window_us == 0, n.links.access_up, *out);
    const TimeUs t = now_us();
    if (st.generated > 0)
      sink_.emit(t, n.index, runtime::kNoConn, ev::DevicesMade{.reports = st.generated, .kept_offline = st.buffered, .dropped_offline = st.dropped_offline});
    if (st.messages > 0)
      sink_.emit(t, n.index, runtime::kNoConn,
                 ev::DevicesSent{.messages = st.messages, .mqtt_bytes = static_cast<std::int64_t>(st.mqtt_bytes),
                                 .wire_bytes = static_cast<std::int64_t>(st.wire_bytes),
                                 .radio_energy_nj = static_cast<std::int64_t>(st.energy_nj + 0.5)});
    if (st.lost > 0) sink_.emit(t, n.index, runtime::kNoConn, ev::DevicesLost{.messages = st.lost});
    n.asset_kwh += st.asset_kwh;
    for (const EnergyReport& r : n.fleet->take_energy_reports())
      sink_.emit(r.t_us, n.index, r.device, ev::FaultEnergy{.excess_wh = std::llround(r.excess_kwh * 1000), .healthy_w = std::llround(r.healthy_kw * 1000)});
    if (st.dropped > 0) sink_.emit(t, n.index, runtime::kNoConn, ev::DevicesDropped{.messages = st.dropped});
    if (out->empty()) n.uplink_pool.give(std::move(out));
    else send(n, std::move(out), Hop::to_gateway);
  }

  /** Start a batch across the access link (to a real gateway: out at once, over its network). */
  void send(GatewayNode& n, std::unique_ptr<WireBatch> batch, Hop hop) {
    if (n.bridge && hop == Hop::to_gateway) {
      n.bridge->send(*batch);
      n.uplink_pool.give(std::move(batch));
      return;
    }
    const double bytes = batch->wire_bytes;
    start_on_access(n, bytes, {nullptr, std::move(batch), hop});
  }

  const Scenario& sc_;
  const RunOptions& opt_;
  runtime::Sink& sink_;
  core::Rng rng_;
  sg4::Host* cloud_host_ = nullptr;
  std::deque<std::unique_ptr<WanMessage>> cloud_inbox_;  ///< arrived from the gateways, not yet taken
  sg4::SemaphorePtr cloud_wake_;                          ///< released once per arrival
  std::unique_ptr<SimCloud> cloud_;
  std::vector<std::unique_ptr<GatewayNode>> nodes_;
  std::vector<TimelineEntry> timeline_;
  std::unique_ptr<LifecycleDriver> life_;
  TimeUs stop_us_ = std::numeric_limits<TimeUs>::max();  ///< set when on_tick stops the run
  // When the controller, the pacer and the cloud next act (on any gateway): a batch is not handled early past them.
  TimeUs controller_next_us_ = std::numeric_limits<TimeUs>::max();
  TimeUs pacer_next_us_ = std::numeric_limits<TimeUs>::max();
  TimeUs cloud_next_us_ = 0;  ///< the cloud's next turn of its own (0 until it first waits)
};

}  // namespace

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
