// One simulated gateway's event loop: its devices' windows, what crosses its access link and WAN, its
// timers and reboots, and when it waits for SimGrid (see World.hpp, docs/architecture.md).
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Mailbox.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "World.hpp"
#include "twinbench/sim/Events.hpp"

namespace twinbench::sim {

namespace sg4 = simgrid::s4u;
using runtime::TimeUs;

void World::start_runtime(GatewayNode& n) {
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

void World::reboot_step(GatewayNode& n) {
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

TimeUs World::next_reboot_step(const GatewayNode& n) const {
  if (n.next_reboot >= n.reboots.size()) return std::numeric_limits<TimeUs>::max();
  return n.runtime ? n.reboots[n.next_reboot].down_us : n.reboots[n.next_reboot].up_us;
}

void World::bridge_main(GatewayNode& n) {
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

void World::node_main(GatewayNode& n) {
  if (n.bridge) return bridge_main(n);
  n.runtime->start();
  n.from_cloud->set_receiver(sg4::Actor::self());
  n.from_cloud_get = n.from_cloud->get_async<WanMessage>(&n.from_cloud_got);
  const TimeUs window_us = to_us(sc_.batch_window_ms * 1e-3);
  // The gateway's clock may run ahead of its loop's while it works through a batch (frame arrival times,
  // CPU queueing); what it sends leaves at the loop's time. Past this lead the loop lets SimGrid catch up.
  const TimeUs lead_max_us = std::max<TimeUs>(1000, window_us);
  for (;;) {
    n.clock->advance_to(loop_now_us(n));  // the loop's time moved only if we waited or ran ahead
    n.clock->timers().fire_due(n.clock->now_us());
    reboot_step(n);
    life_->node_step(n);
    if (n.transport->has_output()) catch_up(n);  // what the gateway sends leaves at its loop's time
    if (auto down = n.transport->flush()) send(n, std::move(down), Hop::to_devices);
    const TimeUs now = loop_now_us(n);
    if (now >= end_us()) break;
    // Behind on its work (the CPU queue runs past the loop's time), the gateway leaves what arrives in
    // its receive backlog until SimGrid's time catches up, so what it sends never leaves before it was
    // made. Its devices keep their own schedule meanwhile.
    const bool behind = n.clock->now_us() - now > lead_max_us;
    if (!behind && !n.backlog.empty()) {
      Arrived a = std::move(n.backlog.front());
      n.backlog.pop_front();
      handle(n, std::move(a.batch), a.at_us);
      continue;
    }
    // The next thing this node does on its own: its devices' next window or a gateway timer; a reboot,
    // its devices' OTA, a rogue client, the run's end...
    TimeUs own = n.fleet->next_due_us();
    if (auto t = n.clock->timers().next_deadline_us()) own = std::min(own, *t);
    TimeUs other = std::min({end_us(), next_reboot_step(n), life_->node_next_us(n)});
    if (n.rogue) other = std::min(other, n.rogue->next_due_us());
    TimeUs until = std::min(own, other);
    if (behind) until = std::min(until, n.clock->now_us());
    if (!behind && take_batch_early(n, until)) continue;
    const double arrival_s = n.access->next_arrival_s();
    // Its next turn of its own comes first, and nothing can reach it before: it takes it now, without a
    // wait (its loop's time moves there; SimGrid's catches up before the gateway sends or waits).
    if (!behind && now < own && own < other && !n.transport->has_output() && to_s(own) + kClockSlack_s < arrival_s && own < quiet_until_us(n))
      n.ahead_s = to_s(own);
    else if (await(n, until, behind)) continue;
    const TimeUs t = loop_now_us(n);
    n.clock->advance_to(t);
    if (n.fleet->next_due_us() <= t) send_window(n, window_us);
    if (n.rogue && n.rogue->next_due_us() <= t) {  // (with the access link down, its attempts go nowhere)
      auto out = n.uplink_pool.take();
      n.rogue->produce(t, *out);
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

bool World::await(GatewayNode& n, TimeUs until, bool behind) {
  catch_up(n);  // (what arrives meanwhile is there at the end of the wait)
  const double arrival_s = n.access->next_arrival_s();
  const double wake_s = std::min(until > now_us() ? to_s(until) : sg4::Engine::get_clock(), arrival_s);
  if (wake_s > sg4::Engine::get_clock()) {
    n.comms.clear();
    for (const auto& f : n.in_flight) n.comms.push_back(f.comm);
    n.comms.push_back(n.from_cloud_get);  // last
    const ssize_t done = sg4::Comm::wait_any_for(n.comms, wake_s - sg4::Engine::get_clock());
    if (done == static_cast<ssize_t>(n.comms.size()) - 1) {  // from the cloud, over the WAN
      InFlight f{nullptr, nullptr, Hop::from_cloud, {}, std::unique_ptr<WanMessage>(n.from_cloud_got)};
      --n.cloud_on_way;
      n.from_cloud_get = n.from_cloud->get_async<WanMessage>(&n.from_cloud_got);
      if (behind || !n.backlog.empty()) n.backlog.push_back({now_us(), std::move(f)});
      else handle(n, std::move(f), now_us());
      return true;
    }
    if (done >= 0) {  // at the cloud
      InFlight f = std::move(n.in_flight[static_cast<std::size_t>(done)]);
      n.in_flight.erase(n.in_flight.begin() + done);
      handle(n, std::move(f), now_us());
      return true;
    }
  }
  // SimGrid's clock stops where it was asked to, to within rounding: an arrival there has arrived.
  if (auto a = n.access->take_arrived(sg4::Engine::get_clock() + kClockSlack_s)) {
    // Batches to the devices are theirs to handle; the gateway's own wait their turn.
    const TimeUs at_us = to_us(a->first);
    const bool for_devices = a->second.hop == Hop::to_devices || a->second.hop == Hop::ota_chunk;
    if (!for_devices && (behind || !n.backlog.empty())) n.backlog.push_back({at_us, std::move(a->second)});
    else handle(n, std::move(a->second), at_us);
    return true;
  }
  return false;
}

TimeUs World::quiet_until_us(const GatewayNode& n) const {
  if (!n.backlog.empty() || !n.in_flight.empty() || n.cloud_on_way > 0 || !cloud_inbox_.empty() || n.ota || n.transport->retransmitting())
    return 0;
  const TimeUs quiet_us = std::min({controller_next_us_, pacer_next_us_, cloud_next_us_});
  // Only the lifecycle answers one gateway's message with another's (a drift report, a retraining, a rollout).
  return life_->answers_across_gateways() ? std::min(quiet_us, to_us(sg4::Engine::get_clock() + n.wan_latency_s)) : quiet_us;
}

void World::catch_up(const GatewayNode& n) {
  if (n.ahead_s > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(n.ahead_s);
}

bool World::take_batch_early(GatewayNode& n, TimeUs until) {
  const InFlight* next = n.access->next_payload();
  if (!next || next->hop != Hop::to_gateway) return false;
  const double at_s = n.access->next_arrival_s();
  const TimeUs at_us = to_us(at_s);
  if (at_us >= until || at_us >= quiet_until_us(n)) return false;
  auto a = n.access->take_arrived(at_s);
  handle(n, std::move(a->second), at_us);
  n.ahead_s = std::max(n.ahead_s, at_s);  // what the loop then does (timers, a reboot, sending), it does at the arrival
  return true;
}

void World::handle(GatewayNode& n, InFlight f, TimeUs arrival_us) {
  n.clock->advance_to(std::max(loop_now_us(n), arrival_us));
  switch (f.hop) {
    case Hop::to_gateway:
      if (n.runtime) n.transport->deliver(*f.batch, arrival_us, *n.runtime, *n.runtime);
      else sink_.emit(std::max(loop_now_us(n), arrival_us), n.index, runtime::kNoConn, ev::GatewayRefused{.publishes = n.transport->refuse(*f.batch)});
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

void World::devices_receive(GatewayNode& n, const WireBatch& batch) {
  auto replies = n.uplink_pool.take();
  const AckStats a = n.fleet->consume(batch, loop_now_us(n), *replies);
  if (n.rogue) n.rogue->consume(batch, loop_now_us(n), sink_, *replies);
  if (a.pubacks + a.connacks > 0)
    sink_.emit(loop_now_us(n), n.index, runtime::kNoConn, ev::AcksReceived{.pubacks = a.pubacks, .connacks = a.connacks, .resets = a.resets});
  if (a.resent + a.flushed > 0) sink_.emit(loop_now_us(n), n.index, runtime::kNoConn, ev::DevicesResent{.resent = a.resent, .flushed = a.flushed});
  for (const FleetCore::Reconnect& r : n.fleet->take_reconnects())
    sink_.emit(loop_now_us(n), n.index, r.device, ev::DeviceReconnected{.took_us = r.took_us, .failed_attempts = r.failed_attempts});
  // The devices answer twin messages at once; with the access link down the answers are lost (the
  // gateway sends the desired values again when the device reconnects).
  if (replies->empty() || !n.links.access_up) n.uplink_pool.give(std::move(replies));
  else send(n, std::move(replies), Hop::to_gateway);
}

void World::send_window(GatewayNode& n, TimeUs window_us) {
  const TimeUs send_us = n.fleet->next_due_us();
  // Every device due before the end of this window goes with the batch (w = 0: only those due now).
  const TimeUs until_us = window_us > 0 ? std::min(end_us(), (send_us / window_us + 1) * window_us) : send_us;
  auto out = n.uplink_pool.take();
  const WindowStats st = n.fleet->produce(send_us, until_us, window_us == 0, n.links.access_up, *out);
  const TimeUs t = loop_now_us(n);
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

void World::send(GatewayNode& n, std::unique_ptr<WireBatch> batch, Hop hop) {
  if (n.bridge && hop == Hop::to_gateway) {
    n.bridge->send(*batch);
    n.uplink_pool.give(std::move(batch));
    return;
  }
  const double bytes = batch->wire_bytes;
  start_on_access(n, bytes, {nullptr, std::move(batch), hop});
}
}  // namespace twinbench::sim
