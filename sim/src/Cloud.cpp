#include "Cloud.hpp"

#include <nlohmann/json.hpp>

#include "LifecycleDriver.hpp"
#include "twinbench/runtime/mqtt/Subscriptions.hpp"
#include "twinbench/sim/Events.hpp"

namespace twinbench::sim {

using runtime::ConnId;
using runtime::TimeUs;
namespace mqtt = runtime::mqtt;

namespace {

mqtt::BrokerConfig cloud_broker() {
  mqtt::BrokerConfig b;
  b.max_packet_bytes = mqtt::kMaxRemainingLength + 5;  // an uplink batch holds up to the gateway's whole buffer
  b.max_queued = 100'000;                              // what waits for a gateway that is away: twin operations, OTA chunks
  b.packet_cost_flops = 0;
  return b;
}

}  // namespace

SimCloud::SimCloud(runtime::Sink& sink, LifecycleDriver& life, std::vector<const bool*> wan_up, Put put)
    : sink_(sink),
      life_(life),
      wan_up_(std::move(wan_up)),
      put_(std::move(put)),
      broker_(cloud_broker(), mqtt::BrokerPorts{clock_, *this, compute_, broker_sink_}, *this),
      wan_(wan_up_.size()) {
  sweep();
}

void SimCloud::sweep() {
  clock_.schedule(5'000'000, [this] {  // keepalives, checked as a gateway's broker checks its devices'
    broker_.sweep();
    sweep();
  });
}

SimCloud::~SimCloud() = default;

WanEndpoint& SimCloud::endpoint(std::uint32_t gateway) {
  auto& e = wan_[gateway];
  if (!e) e = std::make_unique<WanEndpoint>(gateway, clock_, *wan_up_[gateway], put_);
  dirty_.insert(gateway);
  return *e;
}

void SimCloud::flush() {
  for (std::uint32_t g : dirty_) wan_[g]->flush();
  dirty_.clear();
}

void SimCloud::receive(std::unique_ptr<WanMessage> m) {
  const std::uint32_t g = m->gateway;
  endpoint(g).receive(std::move(m), [this, g](WanMessage& w) { on_wan(g, w); });
}

void SimCloud::on_wan(std::uint32_t gateway, WanMessage& m) {
  using Kind = WanMessage::Kind;
  const auto known = by_gateway_.find({gateway, m.conn});
  if (m.kind == Kind::open) {
    const ConnId c = next_conn_++;
    conns_[c] = {gateway, m.conn};
    by_gateway_[{gateway, m.conn}] = c;
    endpoint(gateway).send(m.conn, Kind::opened);
    broker_.on_open(c);
  } else if (known == by_gateway_.end()) {
    if (m.kind == Kind::data) endpoint(gateway).send(m.conn, Kind::reset);  // a connection the cloud has ended
  } else if (m.kind == Kind::data) {
    broker_.on_bytes(known->second, m.bytes);
  } else if (m.kind == Kind::close || m.kind == Kind::reset) {
    const ConnId c = known->second;
    by_gateway_.erase(known);
    conns_.erase(c);
    endpoint(gateway).forget(m.conn);
    broker_.on_closed(c);
  }
}

runtime::SendStatus SimCloud::send(ConnId conn, std::span<const std::uint8_t> bytes) {
  const auto it = conns_.find(conn);
  if (it == conns_.end()) return runtime::SendStatus::closed;
  endpoint(it->second.gateway).send(it->second.gateway_conn, WanMessage::Kind::data, bytes);
  return runtime::SendStatus::ok;
}

void SimCloud::close(ConnId conn) {
  const auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  const Link l = it->second;
  conns_.erase(it);
  by_gateway_.erase({l.gateway, l.gateway_conn});
  WanEndpoint& e = endpoint(l.gateway);
  e.send(l.gateway_conn, WanMessage::Kind::close);
  e.forget(l.gateway_conn);
}

void SimCloud::publish(std::uint32_t gateway, std::string_view topic, std::span<const std::uint8_t> payload, std::uint64_t padding) {
  if (!subscribed_.contains(gateway)) {
    held_[gateway].push_back({std::string(topic), {payload.begin(), payload.end()}, padding});
    return;
  }
  if (padding > 0) endpoint(gateway).pad(padding);
  broker_.publish(topic, payload, 1, false);
}

void SimCloud::on_subscribed(ConnId conn, std::string_view) {
  const std::uint32_t g = conns_.at(conn).gateway;
  if (!subscribed_.insert(g).second) return;
  const auto it = held_.find(g);
  if (it == held_.end()) return;
  for (const Held& h : it->second) publish(g, h.topic, h.payload, h.padding);
  held_.erase(g);
}

void SimCloud::publish_at(TimeUs t_us, std::uint32_t gateway, std::string topic, std::string payload, std::uint32_t op, std::uint32_t targets) {
  clock_.schedule(std::max<TimeUs>(0, t_us - clock_.now_us()), [=, this] {
    if (targets > 0) emit(gateway, runtime::kNoConn, ev::TwinOperationSent{.operation = op, .devices = targets});
    publish(gateway, topic, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
  });
}

void SimCloud::on_publish(ConnId conn, const mqtt::Publish& p, std::size_t packet_bytes) {
  // The cloud's services, each subscribed to what it takes (every gateway's, by the last topic level).
  const std::uint32_t g = conns_.at(conn).gateway;
  std::int64_t records = 0, duplicates = 0;
  if (mqtt::topic_matches("tb/uplink/+", p.topic)) {
    // Records with ids (runtime/UplinkLog.hpp): one the cloud has already (sent again after a gateway's
    // restart, or a lost acknowledgement) is counted as a duplicate, not as a record.
    runtime::RecordIds& seen = seen_[g];
    runtime::for_each_uplink_record(p.payload, [&](std::uint64_t id, std::uint32_t, std::span<const std::uint8_t>) {
      if (seen.first_time(id)) ++records;
      else ++duplicates;
    });
    life_.on_records(g, p.payload);
  } else if (mqtt::topic_matches("tb/alerts/+", p.topic)) {
    alerts(g, p.payload);
  } else if (mqtt::topic_matches("tb/twin/+", p.topic)) {
    twin_results(g, p.payload);
  } else if (mqtt::topic_matches("tb/drift/+", p.topic) || mqtt::topic_matches("tb/ota/+", p.topic)) {
    life_.on_cloud_publish(g, p.topic, p.payload);
  }
  emit(g, runtime::kNoConn, ev::CloudReceived{.bytes = static_cast<std::int64_t>(packet_bytes), .records = records, .duplicates = duplicates});
}

void SimCloud::twin_results(std::uint32_t gateway, std::span<const std::uint8_t> payload) {
  const auto j = nlohmann::json::parse(payload.begin(), payload.end());
  for (const auto& r : j.at("results"))
    emit(gateway, r.at(1).get<ConnId>(), ev::TwinResult{.operation = r.at(0).get<std::int64_t>(), .status = r.at(2).get<std::int64_t>()});
}

void SimCloud::alerts(std::uint32_t gateway, std::span<const std::uint8_t> payload) {
  const auto j = nlohmann::json::parse(payload.begin(), payload.end());
  for (const auto& a : j.at("alerts")) {
    emit(gateway, a.at(0).get<ConnId>(),
         ev::AlertReceived{.rule = a.at(1).get<std::int64_t>(), .severity = a.at(2).get<std::int64_t>(), .raised_us = a.at(4).get<std::int64_t>(),
                           .roles = a.at(3).get<std::int64_t>()});
    life_.on_alert(gateway, a.at(0).get<ConnId>(), a.at(1).get<std::int64_t>(), a.at(2).get<std::int64_t>(), a.at(4).get<std::int64_t>());
  }
}

}  // namespace twinbench::sim
