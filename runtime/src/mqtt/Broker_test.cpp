// The broker's MQTT 3.1.1 semantics, packet by packet: sessions, QoS flows, redelivery, retained
// messages, wills, takeover, flow control, connection limits and protocol violations.
#include "twinbench/runtime/mqtt/Broker.hpp"

#include "BrokerFixture.hpp"

namespace twinbench::runtime::mqtt {
namespace {

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

TEST_F(BrokerTest, TheHostHearsOfEachSubscriptionOnceItsSubackIsSent) {
  connect(1, "a");
  got(1);
  in(1, Subscribe{9, {{"x/#", 1}, {"y", 0}}});
  ASSERT_EQ(got(1).size(), 1u);  // the SUBACK
  EXPECT_EQ(subscribed, (std::vector<std::pair<ConnId, std::string>>{{1, "x/#"}, {1, "y"}}));
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

TEST_F(BrokerTest, ASweepAfterAWalkFindingNothingDueStillClosesWhatOpenedOrWentSilentSince) {
  // Times worked out from MQTT-3.1.2-24 (closed once silent for more than 1.5 x keepalive) and the
  // connect timeout, whatever the last sweep found.
  config.connect_timeout_us = 10'000'000;
  SetUp();
  connect(1, "long", true, 60);  // t = 0: due after 90 s of silence
  clock.advance_to(5'000'000);
  broker->sweep();  // nothing due before 90 s
  clock.advance_to(6'000'000);
  connect(2, "short", true, 2);  // due after 3 s of silence: at 9 s
  broker->on_open(3);            // never speaks MQTT: timed out at 16 s
  clock.advance_to(9'000'000);
  broker->sweep();
  EXPECT_TRUE(broker->connected(2));  // exactly 1.5 x keepalive
  clock.advance_to(9'000'001);
  broker->sweep();
  EXPECT_FALSE(broker->connected(2));
  clock.advance_to(15'999'999);
  broker->sweep();
  EXPECT_EQ(broker->stats().connect_timeouts, 0u);
  clock.advance_to(16'000'000);
  broker->sweep();
  EXPECT_EQ(broker->stats().connect_timeouts, 1u);
  // Traffic moves a deadline later: a ping at 80 s keeps "long" to 170 s.
  clock.advance_to(80'000'000);
  in(1, Pingreq{});
  clock.advance_to(90'000'001);
  broker->sweep();
  EXPECT_TRUE(broker->connected(1));
  clock.advance_to(170'000'000);
  broker->sweep();
  EXPECT_TRUE(broker->connected(1));
  clock.advance_to(170'000'001);
  broker->sweep();
  EXPECT_FALSE(broker->connected(1));
  EXPECT_EQ(sink.of<ev::SessionClosed>().size(), 2u);
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
