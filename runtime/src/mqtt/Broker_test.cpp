// The broker's MQTT 3.1.1 semantics, packet by packet: sessions, QoS flows, redelivery, retained
// messages, wills, takeover, flow control and protocol violations.
#include "twinbench/runtime/mqtt/Broker.hpp"

#include <gtest/gtest.h>

#include "../TestPorts.hpp"
#include "twinbench/runtime/TimerQueue.hpp"

namespace twinbench::runtime::mqtt {
namespace {

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

TEST_F(BrokerTest, DeliversToMatchingSubscribersAtTheLowerQosAndShowsTheHostEveryMessage) {
  connect(1, "sub");
  connect(2, "pub");
  subscribe(1, "plant/+/temp", 1);
  const auto suback = got(1);
  ASSERT_EQ(suback.size(), 2u);  // CONNACK, SUBACK
  EXPECT_EQ(suback[1].granted, std::vector<std::uint8_t>{1});
  got(2);
  publish(2, "plant/a/temp", "21.5", 2, 40);
  publish(2, "plant/a/pressure", "3", 0);
  const auto p = got(1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].topic, "plant/a/temp");
  EXPECT_EQ(p[0].qos, 1);  // min(published 2, granted 1)
  EXPECT_FALSE(p[0].retain);
  EXPECT_EQ(got(2)[0].type, PacketType::pubrec);
  EXPECT_EQ(host_saw.size(), 2u);
  EXPECT_EQ(broker->stats().received, 2u);
}

TEST_F(BrokerTest, OverlappingSubscriptionsDeliverOnceAtTheHighestQos) {
  connect(1, "sub");
  subscribe(1, "a/#", 0);
  subscribe(1, "a/+", 2);
  got(1);
  broker->publish("a/b", {}, 2, false);
  const auto p = got(1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].qos, 2);
}

TEST_F(BrokerTest, APersistentSessionQueuesWhileOfflineAndResumesOnReconnect) {
  connect(1, "sub", /*clean=*/false);
  subscribe(1, "t", 1);
  broker->on_closed(1);
  for (const char* m : {"m1", "m2", "m3"}) broker->publish("t", std::span(reinterpret_cast<const std::uint8_t*>(m), 2), 1, false);
  broker->publish("t", {}, 0, false);  // QoS 0 is not kept for an offline session
  EXPECT_EQ(broker->sessions(), 1u);
  connect(4, "sub", false);  // a new connection id: sessions belong to client ids
  const auto g = got(4);
  ASSERT_EQ(g.size(), 4u);
  EXPECT_TRUE(g[0].session_present);
  EXPECT_EQ(payloads(g), (std::vector<std::string>{"m1", "m2", "m3"}));
  EXPECT_EQ(broker->subscriptions(), 1u);
}

TEST_F(BrokerTest, UnacknowledgedQos1IsRedeliveredWithDupAndTheSameId) {
  connect(1, "sub", false);
  subscribe(1, "t", 1);
  got(1);
  broker->publish("t", {}, 1, false);
  const auto first = got(1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].dup);
  broker->on_closed(1);
  connect(1, "sub", false);
  const auto again = got(1);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_TRUE(again[1].dup);
  EXPECT_EQ(again[1].id, first[0].id);
  in(1, Puback{again[1].id});
  broker->on_closed(1);
  connect(1, "sub", false);
  EXPECT_EQ(got(1).size(), 1u);  // CONNACK only: nothing left in flight
}

TEST_F(BrokerTest, Qos2OutboundResendsPubrelAfterPubrecAcrossAReconnect) {
  connect(1, "sub", false);
  subscribe(1, "t", 2);
  got(1);
  broker->publish("t", {}, 2, false);
  const auto pub = got(1);
  ASSERT_EQ(pub.size(), 1u);
  in(1, Pubrec{pub[0].id});
  const auto rel = got(1);
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].type, PacketType::pubrel);
  broker->on_closed(1);
  connect(1, "sub", false);
  const auto again = got(1);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[1].type, PacketType::pubrel);  // not the PUBLISH: it was delivered
  EXPECT_EQ(again[1].id, pub[0].id);
  in(1, Pubcomp{pub[0].id});
  broker->on_closed(1);
  connect(1, "sub", false);
  EXPECT_EQ(got(1).size(), 1u);
}

TEST_F(BrokerTest, Qos2InboundIsRoutedExactlyOnceUntilPubrel) {
  connect(1, "sub");
  subscribe(1, "t", 2);
  connect(2, "pub");
  got(1);
  publish(2, "t", "x", 2, 7);
  Bytes dup;
  encode(Publish{"t", {}, 2, false, true, 7}, dup);
  broker->on_bytes(2, dup);
  EXPECT_EQ(payloads(got(1)).size(), 1u);
  EXPECT_EQ(host_saw.size(), 1u);
  in(2, Pubrel{7});
  const auto acks = got(2);
  EXPECT_EQ(acks.back().type, PacketType::pubcomp);
  publish(2, "t", "y", 2, 7);  // the id is free again
  EXPECT_EQ(payloads(got(1)).size(), 1u);
}

TEST_F(BrokerTest, TheInflightWindowHoldsBackTheRestUntilAcknowledged) {
  config.max_inflight = 2;
  SetUp();
  connect(1, "sub");
  subscribe(1, "t", 1);
  got(1);
  for (int i = 0; i < 5; ++i) broker->publish("t", {}, 1, false);
  auto g = got(1);
  ASSERT_EQ(g.size(), 2u);
  in(1, Puback{g[0].id});
  EXPECT_EQ(got(1).size(), 1u);
  in(1, Puback{g[1].id});
  EXPECT_EQ(got(1).size(), 1u);
  EXPECT_EQ(broker->stats().delivered, 4u);
}

TEST_F(BrokerTest, AFullQueueDropsItsOldestMessagesAndCountsThem) {
  config.max_queued = 3;
  SetUp();
  connect(1, "sub", false);
  subscribe(1, "t", 1);
  broker->on_closed(1);
  for (const char* m : {"1", "2", "3", "4", "5"}) broker->publish("t", std::span(reinterpret_cast<const std::uint8_t*>(m), 1), 1, false);
  EXPECT_EQ(broker->stats().queue_dropped, 2u);
  connect(1, "sub", false);
  EXPECT_EQ(payloads(got(1)), (std::vector<std::string>{"3", "4", "5"}));
}

TEST_F(BrokerTest, RetainedMessagesGoToNewSubscribersWithRetainSetAndEmptyPayloadsClearThem) {
  connect(2, "pub");
  publish(2, "cfg/a", "on", 1, 1, /*retain=*/true);
  publish(2, "cfg/b", "off", 0, 0, true);
  EXPECT_EQ(broker->retained(), 2u);
  connect(1, "sub");
  subscribe(1, "cfg/#", 0);
  auto g = got(1);
  ASSERT_EQ(g.size(), 4u);  // CONNACK, SUBACK, then the two retained messages in topic order
  EXPECT_EQ(g[2].topic, "cfg/a");
  EXPECT_TRUE(g[2].retain);
  EXPECT_EQ(g[3].payload, "off");
  publish(2, "cfg/a", "", 0, 0, true);  // clears cfg/a; still forwarded, with RETAIN 0
  g = got(1);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_FALSE(g[0].retain);
  EXPECT_EQ(broker->retained(), 1u);
}

TEST_F(BrokerTest, TheWillIsPublishedWhenAConnectionDiesButNotAfterDisconnect) {
  connect(1, "watcher");
  subscribe(1, "status/#", 0);
  got(1);
  Connect c;
  c.client_id = "dev";
  c.will = true;
  c.will_topic = "status/dev";
  const std::uint8_t gone[] = {'g', 'o', 'n', 'e'};
  c.will_message = gone;
  broker->on_open(2);
  in(2, c);
  broker->on_closed(2);
  auto g = got(1);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].payload, "gone");
  broker->on_open(3);
  in(3, c);
  in(3, Disconnect{});
  EXPECT_TRUE(got(1).empty());
  EXPECT_EQ(broker->stats().wills, 1u);
}

TEST_F(BrokerTest, KeepaliveExpiryClosesTheConnectionAndPublishesTheWill) {
  connect(1, "watcher", true, 0);  // keepalive 0: never expires
  subscribe(1, "status/#", 0);
  got(1);
  Connect c;
  c.client_id = "dev";
  c.keepalive_s = 10;
  c.will = true;
  c.will_topic = "status/dev";
  broker->on_open(2);
  in(2, c);
  clock.advance_to(15'000'000);
  broker->sweep();
  EXPECT_TRUE(broker->connected(2));  // exactly 1.5 x keepalive: still alive
  clock.advance_to(15'000'001);
  broker->sweep();
  EXPECT_FALSE(broker->connected(2));
  EXPECT_TRUE(broker->connected(1));
  EXPECT_EQ(got(1).size(), 1u);
  ASSERT_EQ(sink.of<ev::SessionClosed>().size(), 1u);
  EXPECT_EQ(sink.of<ev::SessionClosed>()[0].reason, static_cast<std::int64_t>(CloseReason::keepalive_timeout));
}

TEST_F(BrokerTest, ASecondConnectionWithTheSameClientIdTakesTheSessionOver) {
  connect(1, "dev", false);
  subscribe(1, "t", 1);
  connect(2, "dev", false);
  EXPECT_FALSE(broker->connected(1));
  EXPECT_EQ(transport.closed, std::vector<ConnId>{1});
  EXPECT_TRUE(got(2)[0].session_present);
  EXPECT_EQ(sink.of<ev::SessionClosed>()[0].reason, static_cast<std::int64_t>(CloseReason::taken_over));
  broker->publish("t", {}, 1, false);
  EXPECT_EQ(got(2).size(), 1u);
}

TEST_F(BrokerTest, ACleanSessionStartsAfreshAndEndsWithItsConnection) {
  connect(1, "dev", false);
  subscribe(1, "t", 1);
  broker->on_closed(1);
  connect(1, "dev", true);
  EXPECT_FALSE(got(1)[0].session_present);
  EXPECT_EQ(broker->subscriptions(), 0u);
  broker->on_closed(1);
  EXPECT_EQ(broker->sessions(), 0u);
}

TEST_F(BrokerTest, AnEmptyClientIdNeedsACleanSession) {
  connect(1, "", false);
  const auto g = got(1);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].code, static_cast<std::uint8_t>(ConnackCode::identifier_rejected));
  EXPECT_FALSE(broker->connected(1));
  EXPECT_EQ(transport.closed, std::vector<ConnId>{1});
  connect(2, "", true);
  connect(3, "", true);  // each gets an id of its own: no takeover
  EXPECT_TRUE(broker->connected(2));
  EXPECT_TRUE(broker->connected(3));
}

TEST_F(BrokerTest, ProtocolViolationsCloseTheConnectionWithAReason) {
  broker->on_open(1);
  publish(1, "t", "x", 0);  // before CONNECT
  connect(2, "b");
  Connect again;
  again.client_id = "b";
  in(2, again);
  connect(3, "c");
  in(3, Connack{});  // a server-to-client packet
  connect(4, "d");
  broker->on_bytes(4, Bytes{0x30, 0x02, 0x00, 0x00});  // PUBLISH with an empty topic
  const auto errors = sink.of<ev::ProtocolError>();
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].code, static_cast<std::int64_t>(Violation::not_connected));
  EXPECT_EQ(errors[1].code, static_cast<std::int64_t>(Violation::second_connect));
  EXPECT_EQ(errors[2].code, static_cast<std::int64_t>(Violation::unexpected));
  EXPECT_EQ(errors[3].code, static_cast<std::int64_t>(DecodeStatus::bad_topic));
  EXPECT_EQ(broker->connections(), 0u);
  EXPECT_TRUE(host_saw.empty());
}

TEST_F(BrokerTest, AnUnsupportedProtocolLevelGetsConnackOneBeforeTheClose) {
  Connect c;
  c.client_id = "old";
  Bytes b;
  encode(c, b);
  b[8] = 3;  // MQTT 3.1's level under 3.1.1's protocol name
  broker->on_open(1);
  broker->on_bytes(1, b);
  const auto g = got(1);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].code, static_cast<std::uint8_t>(ConnackCode::bad_protocol_version));
  EXPECT_EQ(transport.closed, std::vector<ConnId>{1});
}

// ---- MQTT 5 ------------------------------------------------------------------------------------

Property prop(PropertyId id, std::uint32_t n) {
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

TEST_F(Broker5Test, SessionsFollowTheirExpiryIntervalAndAnEmptyClientIdIsAssignedOne) {
  connect5(1, "");
  auto g = got(1, v5);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].code, 0);
  EXPECT_EQ(g[0].topic, "tb-auto-1");  // Assigned Client Identifier
  broker->on_closed(1);
  EXPECT_EQ(broker->sessions(), 0u);  // expiry 0: gone with its connection
  connect5(2, "keep", true, {prop(PropertyId::session_expiry_interval, 60)});
  in(2, Subscribe{1, {{"t", 1}}}, v5);
  got(2, v5);
  broker->on_closed(2);
  clock.advance_to(59'000'000);
  broker->sweep();
  EXPECT_EQ(broker->sessions(), 1u);
  connect5(2, "keep", false, {prop(PropertyId::session_expiry_interval, 60)});  // Clean Start 0: resumed
  EXPECT_TRUE(got(2, v5)[0].session_present);
  broker->on_closed(2);
  clock.advance_to(clock.now_us() + 60'000'000);
  broker->sweep();
  EXPECT_EQ(broker->sessions(), 0u);  // expired
  EXPECT_EQ(broker->subscriptions(), 0u);
}

TEST_F(Broker5Test, PropertiesReachMqtt5SubscribersWithTheExpiryCountedDownAndNotMqtt311Ones) {
  connect5(1, "sub5");
  in(1, Subscribe{1, {{"m/#", 1}}, {prop(PropertyId::subscription_identifier, 7)}}, v5);
  connect(2, "sub3");
  subscribe(2, "m/#", 1);
  connect5(3, "pub");
  got(1, v5), got(2), got(3, v5);
  Property user;
  user.id = PropertyId::user_property;
  user.text = "line";
  user.value = "4";
  Property ct;
  ct.id = PropertyId::content_type;
  ct.text = "application/json";
  clock.advance_to(clock.now_us() + 2'500'000);
  publish5(3, "m/x", "{}", 1, 9, {user, ct, prop(PropertyId::message_expiry_interval, 30)});
  clock.advance_to(clock.now_us() + 10'000'000);
  const auto five = got(1, v5);
  ASSERT_EQ(five.size(), 1u);
  EXPECT_EQ(five[0].props, "line=4;ct=application/json;2:30;11:7;");  // expiry (0x02) had not started ticking yet; id 7 (0x0B)
  const auto three = got(2);
  ASSERT_EQ(three.size(), 1u);
  EXPECT_EQ(three[0].payload, "{}");  // plain 3.1.1, no properties
  EXPECT_EQ(got(3, v5)[0].type, PacketType::puback);
}

TEST_F(Broker5Test, ExpiredMessagesAreNotDeliveredAndTheClientsReceiveMaximumIsTheWindow) {
  connect5(1, "slow", true, {prop(PropertyId::session_expiry_interval, 3600), prop(PropertyId::receive_maximum, 2)});
  in(1, Subscribe{1, {{"q", 1}}}, v5);
  got(1, v5);
  for (int i = 0; i < 5; ++i) broker->publish("q", {}, 1, false);
  EXPECT_EQ(got(1, v5).size(), 2u);  // the client's Receive Maximum, not our 32
  broker->on_closed(1);
  connect5(2, "pub");
  publish5(2, "q", "short", 1, 1, {prop(PropertyId::message_expiry_interval, 5)});
  publish5(2, "q", "long", 1, 2, {prop(PropertyId::message_expiry_interval, 500)});
  clock.advance_to(clock.now_us() + 10'000'000);
  connect5(1, "slow", false, {prop(PropertyId::session_expiry_interval, 3600), prop(PropertyId::receive_maximum, 100)});
  std::vector<std::string> payloads;
  for (const auto& g : got(1, v5))
    if (g.type == PacketType::publish) payloads.push_back(g.payload);
  EXPECT_EQ(payloads, (std::vector<std::string>{"", "", "", "", "", "long"}));  // 2 resent, 3 queued, "short" expired
  EXPECT_EQ(broker->stats().expired, 1u);
}

TEST_F(BrokerTest, ConnectionsBeyondTheLimitAreClosedAtOnceAndSilentSocketsTimeOut) {
  config.max_connections = 2;
  config.connect_timeout_us = 10'000'000;
  SetUp();
  connect(1, "a");
  broker->on_open(2);  // a socket that never speaks MQTT
  EXPECT_EQ(broker->open_connections(), 2u);
  broker->on_open(3);  // one too many: closed before it can hold anything
  EXPECT_EQ(transport.closed, std::vector<ConnId>{3});
  EXPECT_EQ(broker->stats().connections_refused, 1u);
  EXPECT_EQ(broker->open_connections(), 2u);
  Connect c;
  c.client_id = "late";
  in(3, c);  // bytes of the refused connection are ignored
  EXPECT_TRUE(transport.sent[3].empty());
  clock.advance_to(9'999'999);
  broker->sweep();
  EXPECT_EQ(transport.closed.size(), 1u);  // not yet
  clock.advance_to(10'000'000);
  broker->sweep();
  EXPECT_EQ(transport.closed, (std::vector<ConnId>{3, 2}));  // the silent one; "a" has a 60 s keepalive
  EXPECT_EQ(broker->stats().connect_timeouts, 1u);
  EXPECT_TRUE(broker->connected(1));
  EXPECT_EQ(broker->open_connections(), 1u);
  connect(4, "b");  // room again
  EXPECT_TRUE(broker->connected(4));
  broker->on_closed(1);
  broker->on_closed(4);
  EXPECT_EQ(broker->open_connections(), 0u);
  std::vector<std::int64_t> codes;
  for (const auto& e : sink.of<ev::ProtocolError>()) codes.push_back(e.code);
  EXPECT_EQ(codes, (std::vector<std::int64_t>{105, 104}));
}

TEST_F(Broker5Test, TheConnackAnnouncesOurLimitsAndAServerKeepAliveToClientsAskingForNone) {
  config.receive_maximum = 2;
  config.max_packet_bytes = 4096;
  config.max_keepalive_s = 30;
  SetUp();
  Connect c;
  c.protocol_level = 5;
  c.client_id = "forever";
  c.keepalive_s = 0;  // "never time me out"
  broker->on_open(1);
  in(1, c);
  auto g = got(1, v5);
  ASSERT_EQ(g.size(), 1u);
  // Shared Subscription Available (0x2A) 0, Receive Maximum (0x21) 2, Maximum Packet Size (0x27) 4096, Server Keep Alive (0x13) 30
  EXPECT_EQ(g[0].props, "42:0;33:2;39:4096;19:30;");
  clock.advance_to(45'000'000);  // 1.5 x 30 s
  broker->sweep();
  EXPECT_TRUE(broker->connected(1));
  clock.advance_to(45'000'001);
  broker->sweep();
  EXPECT_FALSE(broker->connected(1));  // held to our keepalive, not its "none"
  connect5(2, "modest");  // asks for 60 s, more than our 30: told 30 too
  EXPECT_EQ(got(2, v5)[0].props, "42:0;33:2;39:4096;19:30;");
  connect(3, "old");  // MQTT 3.1.1 cannot be told: its keepalive stands
  EXPECT_EQ(got(3).size(), 1u);
  clock.advance_to(clock.now_us() + 80'000'000);
  broker->sweep();
  EXPECT_TRUE(broker->connected(3));
}

TEST_F(Broker5Test, MoreQos2PublishesAwaitingPubrelThanTheReceiveMaximumEndTheConnectionWith0x93) {
  config.receive_maximum = 2;
  SetUp();
  connect5(1, "flood");
  got(1, v5);
  publish5(1, "t", "1", 2, 1, {});
  publish5(1, "t", "2", 2, 2, {});
  Publish again{"t", {}, 2, false, /*dup=*/true, 2};
  in(1, again, v5);  // a resend of one in flight is not a new one
  EXPECT_TRUE(broker->connected(1));
  EXPECT_EQ(host_saw.size(), 2u);
  in(1, Pubrel{1}, v5);  // one completes: room for one more
  publish5(1, "t", "3", 2, 3, {});
  EXPECT_TRUE(broker->connected(1));
  publish5(1, "t", "4", 2, 4, {});  // the third awaiting PUBREL
  const auto g = got(1, v5);
  ASSERT_FALSE(g.empty());
  EXPECT_EQ(g.back().type, PacketType::disconnect);
  EXPECT_EQ(g.back().code, 0x93);
  EXPECT_FALSE(broker->connected(1));
  EXPECT_EQ(host_saw.size(), 3u);  // "4" was not routed
  EXPECT_EQ(broker->stats().receive_maximum_exceeded, 1u);
}

TEST_F(Broker5Test, MessagesLargerThanASubscribersMaximumPacketSizeAreCountedNotSent) {
  connect5(1, "tiny", true, {prop(PropertyId::maximum_packet_size, 64)});
  in(1, Subscribe{1, {{"big", 0}, {"big1", 1}}}, v5);
  connect5(2, "pub");
  got(1, v5), got(2, v5);
  const std::string large(200, 'x');
  publish5(2, "big", large, 0, 0, {});
  publish5(2, "big1", large, 1, 5, {});
  publish5(2, "big", "fits", 0, 0, {});
  EXPECT_EQ(payloads(got(1, v5)), std::vector<std::string>{"fits"});
  EXPECT_EQ(broker->stats().too_large, 2u);
}

TEST_F(Broker5Test, SubscriptionOptionsNoLocalRetainAsPublishedAndRetainHandling) {
  connect5(1, "me");
  publish5(1, "cfg", "on", 0, 0, {}, /*retain=*/true);
  in(1, Subscribe{1, {{"cfg", 0, /*no_local=*/true, /*rap=*/true, /*retain_handling=*/2}}}, v5);
  auto g = got(1, v5);
  ASSERT_EQ(g.size(), 2u);  // CONNACK, SUBACK: no retained message (handling 2)
  publish5(1, "cfg", "own", 0, 0, {});
  EXPECT_TRUE(got(1, v5).empty());  // No Local
  connect5(2, "other");
  in(2, Subscribe{1, {{"cfg", 0, false, true, 1}}}, v5);
  g = got(2, v5);
  ASSERT_EQ(g.size(), 3u);  // retained sent: the subscription is new
  EXPECT_TRUE(g[2].retain);
  in(2, Subscribe{2, {{"cfg", 0, false, true, 1}}}, v5);
  EXPECT_EQ(got(2, v5).size(), 1u);  // SUBACK only: not new any more
  publish5(1, "cfg", "again", 0, 0, {}, true);
  g = got(2, v5);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_TRUE(g[0].retain);  // Retain As Published
}

TEST_F(Broker5Test, WhatThisBrokerDoesNotSupportIsRefusedWithTheRightReasonCode) {
  connect5(1, "a");
  in(1, Subscribe{1, {{"$share/g/t", 0}, {"t", 1}}}, v5);
  auto g = got(1, v5);
  EXPECT_EQ(g.back().granted, (std::vector<std::uint8_t>{0x9E, 1}));  // shared subscriptions not supported
  publish5(1, "t", "x", 0, 0, {prop(PropertyId::topic_alias, 1)});
  g = got(1, v5);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].type, PacketType::disconnect);
  EXPECT_EQ(g[0].code, 0x94);  // Topic Alias invalid: the CONNACK allowed none
  EXPECT_FALSE(broker->connected(1));
  Connect c;
  c.protocol_level = 5;
  c.client_id = "auth";
  Property m;
  m.id = PropertyId::authentication_method;
  m.text = "SCRAM-SHA-1";
  c.properties = {m};
  broker->on_open(2);
  in(2, c);
  g = got(2, v5);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].code, 0x8C);  // bad authentication method
  connect5(3, "dup");
  got(3, v5);
  connect5(4, "dup");
  g = got(3, v5);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].code, 0x8E);  // session taken over
}

TEST_F(Broker5Test, WillsAfterDisconnectWithWillAndAfterTheirDelay) {
  connect(9, "watcher");
  subscribe(9, "w/#", 0);
  got(9);
  auto with_will = [&](ConnId conn, std::string_view id, std::uint32_t delay) {
    Connect c;
    c.protocol_level = 5;
    c.client_id = id;
    c.clean_session = false;  // Clean Start 0: a reconnect resumes the session (Clean Start 1 would end it, and send the will)
    c.will = true;
    c.will_topic = "w/x";
    c.properties = {prop(PropertyId::session_expiry_interval, 600)};
    if (delay) c.will_properties = {prop(PropertyId::will_delay_interval, delay)};
    broker->on_open(conn);
    in(conn, c);
  };
  with_will(1, "d1", 0);
  in(1, Disconnect{0x04}, v5);  // "disconnect with will message"
  EXPECT_EQ(got(9).size(), 1u);
  with_will(2, "d2", 30);
  broker->on_closed(2);
  clock.advance_to(clock.now_us() + 10'000'000);
  EXPECT_TRUE(got(9).empty());  // not yet
  with_will(2, "d2", 30);      // back in time: no will
  broker->on_closed(2);
  clock.advance_to(clock.now_us() + 29'000'000);
  EXPECT_TRUE(got(9).empty());
  clock.advance_to(clock.now_us() + 2'000'000);
  EXPECT_EQ(got(9).size(), 1u);  // 30 s after the second loss
  EXPECT_EQ(broker->stats().wills, 2u);
}

TEST_F(BrokerTest, PacketsSplitAcrossReadsAreReassembled) {
  Connect c;
  c.client_id = "dev";
  Bytes b;
  encode(c, b);
  encode(Publish{"t", {}, 1, false, false, 3}, b);
  broker->on_open(1);
  for (std::uint8_t byte : b) broker->on_bytes(1, std::span(&byte, 1));
  EXPECT_TRUE(broker->connected(1));
  ASSERT_EQ(host_saw.size(), 1u);
  const auto g = got(1);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[1].type, PacketType::puback);
}

// ---- Authentication and authorisation (Access.hpp) ----------------------------------------------

/** A password check that answers when the test says (as a worker thread would), or at once. */
struct DeferredCheck final : PasswordCheck {
  std::vector<std::pair<std::string, std::function<void(PasswordVerdict)>>> waiting;  ///< (password, done)
  std::string hash;
  void check(std::string password, std::string h, std::function<void(PasswordVerdict)> done) override {
    hash = std::move(h);
    waiting.emplace_back(std::move(password), std::move(done));
  }
  /** Answers the oldest check as scrypt would. */
  void answer() {
    auto [password, done] = std::move(waiting.front());
    waiting.erase(waiting.begin());
    done(verify_password(password, hash) ? PasswordVerdict::match : PasswordVerdict::mismatch);
  }
};

class BrokerAccessTest : public Broker5Test {
protected:
  std::unique_ptr<Access> access;
  InlinePasswordCheck inline_check;
  DeferredCheck deferred;
  PasswordCheck* check = &inline_check;

  void SetUp() override {
    AccessConfig a;
    a.gateway = "gw";
    std::array<std::uint8_t, 16> salt{7};
    a.passwords.hashes["device"] = hash_password("dev-pass", salt, kLeastPasswordCost);
    a.passwords.hashes["cloud"] = hash_password("cloud-pass", salt, kLeastPasswordCost);
    a.acl = {{"*", {"tb/%g/%c/#"}, {"tb/%g/%c/#"}}, {"cloud", {}, {"tb/#"}}};
    a.control_identities = {"cloud"};
    a.control_topics = {"tb/cloud/gw/#"};
    a.reserved_topics = {"tb/alerts/gw"};
    access = std::make_unique<Access>(std::move(a));
    broker = std::make_unique<Broker>(config, BrokerPorts{clock, transport, compute, sink, access.get(), check}, *this);
  }
  static Connect login(std::string_view id, std::string_view user, std::string_view password, std::uint8_t level = 4) {
    Connect c;
    c.protocol_level = level;
    c.client_id = id;
    c.keepalive_s = 60;
    c.has_username = true;
    c.username = user;
    c.has_password = true;
    c.password = std::span(reinterpret_cast<const std::uint8_t*>(password.data()), password.size());
    return c;
  }
  void open_with(ConnId conn, const Connect& c) {
    broker->on_open(conn);
    in(conn, c, c.protocol_level == 5 ? v5 : Version::v311);
  }
  std::uint8_t connack_code(ConnId conn, Version v = Version::v311) {
    const auto g = got(conn, v);
    EXPECT_FALSE(g.empty());
    return g.empty() ? 0xFF : g.front().code;
  }
};

TEST_F(BrokerAccessTest, ClientsWithoutValidCredentialsGetTheRefusalTheirVersionDefines) {
  broker->on_open(1);
  Connect anonymous;
  anonymous.client_id = "anon";
  in(1, anonymous);
  EXPECT_EQ(connack_code(1), 0x05);  // anonymous is off: not authorised
  open_with(2, login("d", "device", "wrong"));
  EXPECT_EQ(connack_code(2), 0x04);  // bad username or password
  open_with(3, login("d", "nobody", "dev-pass"));
  EXPECT_EQ(connack_code(3), 0x04);  // an unknown user is answered as a wrong password
  open_with(4, login("d", "device", "wrong", 5));
  EXPECT_EQ(connack_code(4, v5), 0x86);
  connect5(5, "anon5");
  EXPECT_EQ(connack_code(5, v5), 0x87);
  EXPECT_EQ(transport.closed, (std::vector<ConnId>{1, 2, 3, 4, 5}));
  EXPECT_EQ(broker->connections(), 0u);
  EXPECT_EQ(broker->stats().connects_refused, 5u);
  EXPECT_EQ(refusals, (std::vector<std::string>{"1 5 /anon ", "1 4 device/d ", "1 4 nobody/d ", "1 134 device/d ", "1 135 /anon5 "}));
  EXPECT_EQ(sink.of<ev::AccessRefused>().size(), 5u);
  open_with(6, login("d", "device", "dev-pass"));
  EXPECT_EQ(connack_code(6), 0x00);
  EXPECT_TRUE(broker->connected(6));
}

TEST_F(BrokerAccessTest, PublishesAndSubscriptionsOutsideTheAclAreRefusedAndNeverRouted) {
  open_with(1, login("pump-1", "device", "dev-pass"));
  open_with(2, login("ops", "cloud", "cloud-pass", 5));
  in(2, Subscribe{1, {{"tb/#", 2}}}, v5);
  got(1), got(2, v5);
  publish(1, "tb/gw/pump-1/telemetry", "ok", 1, 1);
  publish(1, "tb/gw/pump-2/telemetry", "forged", 1, 2);  // another device's topic
  publish(1, "tb/cloud/gw/rules", "{}", 0);                // the gateway's rules: control identities only
  publish(1, "tb/gw/pump-2/x", "retained", 0, 0, true);   // refused: not retained either
  auto g = got(1);
  ASSERT_EQ(g.size(), 2u);  // 3.1.1 cannot be told: both QoS 1 PUBLISHes acknowledged as usual
  EXPECT_EQ(g[0].type, PacketType::puback);
  EXPECT_EQ(g[1].type, PacketType::puback);
  EXPECT_EQ(payloads(got(2, v5)), std::vector<std::string>{"ok"});
  EXPECT_EQ(host_saw.size(), 1u);
  EXPECT_EQ(broker->stats().publishes_refused, 3u);
  // MQTT 5: the acknowledgement says so, and a refused QoS 2 exchange is over (its id free again)
  open_with(3, login("pump-3", "device", "dev-pass", 5));
  got(3, v5);
  publish5(3, "tb/gw/pump-1/telemetry", "x", 1, 7, {});
  publish5(3, "tb/gw/pump-1/telemetry", "x", 2, 8, {});
  publish5(3, "tb/gw/pump-3/telemetry", "mine", 2, 8, {});  // the same id: a new exchange
  g = got(3, v5);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].type, PacketType::puback);
  EXPECT_EQ(g[0].code, 0x87);
  EXPECT_EQ(g[1].type, PacketType::pubrec);
  EXPECT_EQ(g[1].code, 0x87);
  EXPECT_EQ(g[2].type, PacketType::pubrec);
  EXPECT_EQ(g[2].code, 0x00);
  EXPECT_EQ(host_saw.size(), 2u);
  // Subscriptions: each filter on its own
  in(1, Subscribe{5, {{"tb/gw/pump-1/cmd", 1}, {"#", 0}, {"tb/gw/+/telemetry", 0}}});
  g = got(1);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].granted, (std::vector<std::uint8_t>{1, 0x80, 0x80}));
  in(3, Subscribe{6, {{"tb/cloud/gw/ota", 1}}}, v5);
  EXPECT_EQ(got(3, v5)[0].granted, std::vector<std::uint8_t>{0x87});
  EXPECT_EQ(broker->stats().subscriptions_refused, 3u);
  EXPECT_EQ(refusals.size(), 8u);
  EXPECT_EQ(refusals[1], "2 0 device/pump-1 tb/cloud/gw/rules");
  EXPECT_EQ(refusals[5], "3 128 device/pump-1 #");
  // The control identity may write the rules; no client may speak for the gateway.
  publish5(2, "tb/cloud/gw/rules", "{}", 1, 3, {});
  EXPECT_EQ(host_saw.back().second, "tb/cloud/gw/rules");
  publish5(2, "tb/alerts/gw", "fake", 1, 4, {});
  EXPECT_NE(host_saw.back().second, "tb/alerts/gw");
}

TEST_F(BrokerAccessTest, AWillOnATopicTheClientMayNotPublishRefusesItsConnect) {
  Connect c = login("pump-1", "device", "dev-pass");
  c.will = true;
  c.will_topic = "tb/alerts/gw";
  open_with(1, c);
  EXPECT_EQ(connack_code(1), 0x05);
  EXPECT_EQ(refusals, std::vector<std::string>{"1 5 device/pump-1 tb/alerts/gw"});
  c.will_topic = "tb/gw/pump-1/status";
  open_with(2, c);
  EXPECT_EQ(connack_code(2), 0x00);
}

TEST_F(BrokerAccessTest, AConnectionWaitsForItsPasswordCheckWithItsBytesHeldAndALateAnswerIsIgnored) {
  check = &deferred;
  SetUp();
  broker->on_open(1);
  Bytes b;
  encode(login("pump-1", "device", "dev-pass"), b);
  encode(Subscribe{1, {{"tb/gw/pump-1/#", 0}}}, b);
  broker->on_bytes(1, b);  // CONNECT and SUBSCRIBE in one read
  publish(1, "tb/gw/pump-1/t", "early", 0);
  EXPECT_TRUE(got(1).empty());  // nothing until the check answers
  EXPECT_TRUE(host_saw.empty());
  ASSERT_EQ(deferred.waiting.size(), 1u);
  deferred.answer();
  const auto g = got(1);
  ASSERT_EQ(g.size(), 3u);  // CONNACK, SUBACK, then the PUBLISH routed back to its own subscription
  EXPECT_EQ(g[0].code, 0);
  EXPECT_EQ(g[1].type, PacketType::suback);
  EXPECT_EQ(g[2].payload, "early");
  // A connection gone before its answer, its id reused: the old answer changes nothing.
  broker->on_open(2);
  in(2, login("pump-2", "device", "wrong"));
  broker->on_closed(2);
  broker->on_open(2);
  in(2, login("pump-2", "device", "dev-pass"));
  ASSERT_EQ(deferred.waiting.size(), 2u);
  deferred.answer();  // the first connection's "wrong": ignored
  EXPECT_TRUE(got(2).empty());
  deferred.answer();
  EXPECT_EQ(connack_code(2), 0x00);
  EXPECT_TRUE(refusals.empty());
  // The checks may say they are too many: come back later.
  broker->on_open(3);
  in(3, login("pump-3", "device", "dev-pass", 5), v5);
  auto [password, done] = std::move(deferred.waiting.front());
  deferred.waiting.clear();
  done(PasswordVerdict::busy);
  EXPECT_EQ(connack_code(3, v5), 0x89);
  // And a check that never answers ends with the CONNECT timeout.
  broker->on_open(4);
  in(4, login("pump-4", "device", "dev-pass"));
  clock.advance_to(clock.now_us() + config.connect_timeout_us);
  broker->sweep();
  EXPECT_EQ(transport.closed.back(), 4u);
  EXPECT_EQ(broker->stats().connect_timeouts, 1u);
}

}  // namespace
}  // namespace twinbench::runtime::mqtt
