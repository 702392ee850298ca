#pragma once
// The simulated cloud, without SimGrid: an MQTT broker (the runtime's own, sans-IO) that the gateways'
// uplink client sessions reach over their WANs (Wan.hpp), and the cloud services behind it, which take
// what the gateways publish by topic filter as subscribers would: records (tb/uplink/+), alerts, twin
// results, the lifecycle's drift and OTA reports. What the cloud sends a gateway (twin operations, alert
// rules, OTA) it publishes on tb/cloud/<gateway>[/...], and the broker delivers it to that gateway's
// session: at once, or when it connects again (its session is persistent). Before a gateway has first
// subscribed, the cloud holds what it has for it, as a cloud service waits for a device to register.
// World (World.hpp) runs it in the cloud's actor and carries its messages.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "SimPorts.hpp"
#include "Wan.hpp"
#include "twinbench/runtime/UplinkLog.hpp"
#include "twinbench/runtime/mqtt/Broker.hpp"
#include "twinbench/sim/Simulation.hpp"

namespace twinbench::sim {

class LifecycleDriver;

class SimCloud final : runtime::mqtt::BrokerHooks, runtime::Transport {
public:
  /** Carries a message to gateway `m->gateway` (a SimGrid transfer from the cloud's host). */
  using Put = std::function<void(std::unique_ptr<WanMessage>)>;
  /** `wan_up[g]`: gateway g's WAN is up (World's link flags). */
  SimCloud(runtime::Sink& sink, LifecycleDriver& life, std::vector<const bool*> wan_up, Put put);
  ~SimCloud() override;

  SimClock& clock() { return clock_; }
  /** @brief A message from gateway `m->gateway`, arrived now. */
  void receive(std::unique_ptr<WanMessage> m);
  /** @brief Publish to gateway `gateway`'s subscriptions (QoS 1); `padding`: bytes that cross its WAN with it. */
  void publish(std::uint32_t gateway, std::string_view topic, std::span<const std::uint8_t> payload, std::uint64_t padding = 0);
  /** @brief At `t_us`, publish `payload` on `topic` to `gateway`; a twin operation (`targets` > 0) is announced then. */
  void publish_at(runtime::TimeUs t_us, std::uint32_t gateway, std::string topic, std::string payload, std::uint32_t op = 0,
                  std::uint32_t targets = 0);
  /** @brief Send what the cloud has queued for each gateway. */
  void flush();

private:
  // The broker's transport: connections are gateways' (numbered by the cloud).
  runtime::ConnId connect(std::string_view, runtime::TransportHandler&) override { return runtime::kNoConn; }
  runtime::SendStatus send(runtime::ConnId conn, std::span<const std::uint8_t> bytes) override;
  void close(runtime::ConnId conn) override;
  void on_connected(runtime::ConnId) override {}
  void on_subscribed(runtime::ConnId conn, std::string_view filter) override;
  void on_publish(runtime::ConnId conn, const runtime::mqtt::Publish& p, std::size_t packet_bytes) override;

  void sweep();
  void on_wan(std::uint32_t gateway, WanMessage& m);
  void records(std::uint32_t gateway, const runtime::mqtt::Publish& p, std::size_t packet_bytes);
  /** {"results": [[op, device, status], ...]} from a gateway: one event each. Our own gateway wrote it. */
  void twin_results(std::uint32_t gateway, std::span<const std::uint8_t> payload);
  /** {"alerts": [[device, rule, severity, roles, raised_at_us, score_x1e6, client_id], ...]}: one event each. */
  void alerts(std::uint32_t gateway, std::span<const std::uint8_t> payload);
  WanEndpoint& endpoint(std::uint32_t gateway);
  template <class P>
  void emit(std::uint32_t gateway, runtime::ConnId device, const P& payload) { sink_.emit(clock_.now_us(), gateway, device, payload); }

  runtime::Sink& sink_;
  LifecycleDriver& life_;
  std::vector<const bool*> wan_up_;
  Put put_;
  SimClock clock_;
  struct NoCompute final : runtime::Compute {
    void charge(double) override {}
  } compute_;
  struct NoSink final : runtime::Sink {  // the broker's own events are about its clients: the devices' KPIs are not the place
    void emit(const runtime::Event&) override {}
    using Sink::emit;
  } broker_sink_;
  runtime::mqtt::Broker broker_;
  std::vector<std::unique_ptr<WanEndpoint>> wan_;  ///< per gateway, made on first use
  std::set<std::uint32_t> dirty_;                  ///< gateways with something queued
  struct Link {
    std::uint32_t gateway;
    runtime::ConnId gateway_conn;
  };
  std::map<runtime::ConnId, Link> conns_;                                        ///< by the broker's connection id
  std::map<std::pair<std::uint32_t, runtime::ConnId>, runtime::ConnId> by_gateway_;  ///< (gateway, its id) -> ours
  runtime::ConnId next_conn_ = 0;
  std::map<std::uint32_t, runtime::RecordIds> seen_;  ///< record ids that reached the cloud, by gateway
  struct Held {
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint64_t padding;
  };
  std::set<std::uint32_t> subscribed_;                 ///< gateways that have subscribed once (their sessions persist)
  std::map<std::uint32_t, std::vector<Held>> held_;    ///< for gateways that have not yet
};

}  // namespace twinbench::sim
