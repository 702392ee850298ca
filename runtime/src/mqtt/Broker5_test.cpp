// The broker's MQTT 5: session expiry, properties and message expiry, Receive Maximum, Maximum Packet
// Size, subscription options, what it refuses, and will delays.
#include "twinbench/runtime/mqtt/Broker.hpp"

#include "BrokerFixture.hpp"

namespace twinbench::runtime::mqtt {
namespace {

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


}  // namespace
}  // namespace twinbench::runtime::mqtt
