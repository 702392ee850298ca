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

  void SetUp() override { broker = std::make_unique<Broker>(config, BrokerPorts{clock, transport, compute, sink}, *this); }

  void in(ConnId conn, const Packet& p) {
    Bytes b;
    encode(p, b);
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
  std::vector<Got> got(ConnId conn) {
    std::vector<Got> out;
    Bytes bytes;
    bytes.swap(transport.sent[conn]);
    std::span<const std::uint8_t> rest(bytes);
    while (!rest.empty()) {
      const auto r = decode(rest);
      EXPECT_EQ(r.status, DecodeStatus::ok);
      if (r.status != DecodeStatus::ok) break;
      Got g;
      g.type = static_cast<PacketType>(rest[0] >> 4);
      if (const auto* p = std::get_if<Publish>(&r.packet)) {
        g.topic = p->topic;
        g.payload.assign(p->payload.begin(), p->payload.end());
        g.qos = p->qos, g.retain = p->retain, g.dup = p->dup, g.id = p->packet_id;
      } else if (const auto* c = std::get_if<Connack>(&r.packet)) {
        g.session_present = c->session_present, g.code = static_cast<std::uint8_t>(c->code);
      } else if (const auto* s = std::get_if<Suback>(&r.packet)) {
        g.id = s->packet_id, g.granted = s->return_codes;
      } else {
        std::visit([&](const auto& q) {
          if constexpr (requires { q.packet_id; }) g.id = q.packet_id;
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
  ASSERT_EQ(sink.of(EventKind::session_closed).size(), 1u);
  EXPECT_EQ(sink.of(EventKind::session_closed)[0].a, static_cast<std::int64_t>(CloseReason::keepalive_timeout));
}

TEST_F(BrokerTest, ASecondConnectionWithTheSameClientIdTakesTheSessionOver) {
  connect(1, "dev", false);
  subscribe(1, "t", 1);
  connect(2, "dev", false);
  EXPECT_FALSE(broker->connected(1));
  EXPECT_EQ(transport.closed, std::vector<ConnId>{1});
  EXPECT_TRUE(got(2)[0].session_present);
  EXPECT_EQ(sink.of(EventKind::session_closed)[0].a, static_cast<std::int64_t>(CloseReason::taken_over));
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
  const auto errors = sink.of(EventKind::protocol_error);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].a, static_cast<std::int64_t>(Violation::not_connected));
  EXPECT_EQ(errors[1].a, static_cast<std::int64_t>(Violation::second_connect));
  EXPECT_EQ(errors[2].a, static_cast<std::int64_t>(Violation::unexpected));
  EXPECT_EQ(errors[3].a, static_cast<std::int64_t>(DecodeStatus::bad_topic));
  EXPECT_EQ(broker->connections(), 0u);
  EXPECT_TRUE(host_saw.empty());
}

TEST_F(BrokerTest, AnUnsupportedProtocolLevelGetsConnackOneBeforeTheClose) {
  Connect v5;
  v5.client_id = "new";
  v5.protocol_level = 5;  // an MQTT 5 client
  Bytes c;
  encode(v5, c);
  Bytes v3 = c;
  v3[8] = 3;  // MQTT 3.1's level under 3.1.1's protocol name
  for (const Bytes& bytes : {c, v3}) {
    transport.closed.clear();
    broker->on_open(1);
    broker->on_bytes(1, bytes);
    const auto g = got(1);
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0].code, static_cast<std::uint8_t>(ConnackCode::bad_protocol_version));
    EXPECT_EQ(transport.closed, std::vector<ConnId>{1});
  }
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

}  // namespace
}  // namespace twinbench::runtime::mqtt
