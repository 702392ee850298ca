#pragma once
// The broker test fixtures (test-only): a broker on recording ports, with helpers to send packets and
// read what each client got; Broker5Test adds MQTT 5 connects and publishes.
#include <gtest/gtest.h>

#include "../TestPorts.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/mqtt/Broker.hpp"

namespace twinbench::runtime::mqtt {

/** What a client received: the packets, decoded into owning copies. */
struct Got {
  PacketType type{};
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false, dup = false, session_present = false;
  std::uint16_t id = 0;
  std::uint8_t code = 0;
  std::vector<std::uint8_t> granted;
  std::string props;  ///< MQTT 5 PUBLISH properties, rendered "name=value;ct=type;id:number;"
};

class BrokerTest : public ::testing::Test, public BrokerHooks {
protected:
  ManualClock clock;
  RecordingTransport transport;
  CountingCompute compute;
  RecordingSink sink;
  BrokerConfig config;
  std::unique_ptr<Broker> broker;
  std::vector<std::pair<ConnId, std::string>> host_saw;  ///< (publisher, topic) of every on_publish

  void on_connected(ConnId) override {}
  void on_publish(ConnId conn, const Publish& p, std::size_t) override { host_saw.emplace_back(conn, std::string(p.topic)); }
  std::vector<std::pair<ConnId, std::string>> subscribed;  ///< every on_subscribed
  void on_subscribed(ConnId conn, std::string_view filter) override { subscribed.emplace_back(conn, std::string(filter)); }
  std::vector<std::string> refusals;  ///< "<what> <code> <identity>/<client id> <topic>"
  void on_refused(ConnId, const Refusal& r) override {
    refusals.push_back(std::to_string(static_cast<int>(r.what)) + " " + std::to_string(r.code) + " " + std::string(r.identity) + "/" +
                       std::string(r.client_id) + " " + std::string(r.topic));
  }

  void SetUp() override { broker = std::make_unique<Broker>(config, BrokerPorts{clock, transport, compute, sink}, *this); }

  void in(ConnId conn, const Packet& p, Version v = Version::v311) {
    Bytes b;
    encode(p, b, v);
    broker->on_bytes(conn, b);
  }
  void connect(ConnId conn, std::string_view id, bool clean = true, std::uint16_t keepalive_s = 60) {
    Connect c;
    c.client_id = id;
    c.clean_session = clean;
    c.keepalive_s = keepalive_s;
    broker->on_open(conn);
    in(conn, c);
  }
  void subscribe(ConnId conn, std::string_view filter, std::uint8_t qos) { in(conn, Subscribe{9, {{filter, qos}}}); }
  void publish(ConnId conn, std::string_view topic, std::string_view payload, std::uint8_t qos, std::uint16_t id = 0, bool retain = false) {
    in(conn, Publish{topic, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), qos, retain, false, id});
  }
  /** Packets sent to `conn` since the last call. */
  std::vector<Got> got(ConnId conn, Version v = Version::v311) {
    std::vector<Got> out;
    Bytes bytes;
    bytes.swap(transport.sent[conn]);
    std::span<const std::uint8_t> rest(bytes);
    while (!rest.empty()) {
      const auto r = decode(rest, kMaxRemainingLength + 5, v);
      EXPECT_EQ(r.status, DecodeStatus::ok);
      if (r.status != DecodeStatus::ok) break;
      Got g;
      g.type = static_cast<PacketType>(rest[0] >> 4);
      if (const auto* p = std::get_if<Publish>(&r.packet)) {
        for (const Property& q : p->properties) {
          if (q.id == PropertyId::user_property) g.props += std::string(q.text) + "=" + std::string(q.value) + ";";
          else if (q.id == PropertyId::content_type) g.props += "ct=" + std::string(q.text) + ";";
          else g.props += std::to_string(static_cast<int>(q.id)) + ":" + std::to_string(q.number) + ";";
        }
        g.topic = p->topic;
        g.payload.assign(p->payload.begin(), p->payload.end());
        g.qos = p->qos, g.retain = p->retain, g.dup = p->dup, g.id = p->packet_id;
      } else if (const auto* c = std::get_if<Connack>(&r.packet)) {
        g.session_present = c->session_present, g.code = static_cast<std::uint8_t>(c->code);
        for (const Property& q : c->properties)
          if (q.id == PropertyId::assigned_client_identifier) g.topic = q.text;
          else g.props += std::to_string(static_cast<int>(q.id)) + ":" + std::to_string(q.number) + ";";
      } else if (const auto* d = std::get_if<Disconnect>(&r.packet)) {
        g.code = d->reason;
      } else if (const auto* s = std::get_if<Suback>(&r.packet)) {
        g.id = s->packet_id, g.granted = s->return_codes;
      } else {
        std::visit([&](const auto& q) {
          if constexpr (requires { q.packet_id; }) g.id = q.packet_id;
          if constexpr (requires { q.reason; }) g.code = q.reason;
        }, r.packet);
      }
      out.push_back(std::move(g));
      rest = rest.subspan(r.consumed);
    }
    return out;
  }
  std::vector<std::string> payloads(const std::vector<Got>& g) {
    std::vector<std::string> out;
    for (const auto& p : g)
      if (p.type == PacketType::publish) out.push_back(p.payload);
    return out;
  }
};


inline Property prop(PropertyId id, std::uint32_t n) {
  Property p;
  p.id = id;
  p.number = n;
  return p;
}

class Broker5Test : public BrokerTest {
protected:
  static constexpr Version v5 = Version::v5;
  void connect5(ConnId conn, std::string_view id, bool clean_start = true, Properties props = {}) {
    Connect c;
    c.protocol_level = 5;
    c.client_id = id;
    c.clean_session = clean_start;
    c.keepalive_s = 60;
    c.properties = std::move(props);
    broker->on_open(conn);
    in(conn, c);
  }
  void publish5(ConnId conn, std::string_view topic, std::string_view payload, std::uint8_t qos, std::uint16_t id, Properties props,
                bool retain = false) {
    Publish p{topic, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), qos, retain, false, id};
    p.properties = std::move(props);
    in(conn, p, v5);
  }
};

}  // namespace twinbench::runtime::mqtt
