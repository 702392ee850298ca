#include "twinbench/runtime/mqtt/Codec.hpp"

#include <gtest/gtest.h>

#include "twinbench/core/Random.hpp"

namespace twinbench::runtime::mqtt {
namespace {

using Bytes = std::vector<std::uint8_t>;

template <typename P> Bytes enc(const P& p) {
  Bytes out;
  encode(p, out);
  return out;
}

DecodeStatus status_of(const Bytes& b) { return decode(b).status; }

TEST(MqttCodec, ConnectRoundTripsWithAllOptionalFields) {
  const std::uint8_t will_msg[] = {1, 2, 3};
  const std::uint8_t pw[] = {'s', 'e', 'c'};
  Connect c;
  c.client_id = "dev-42";
  c.keepalive_s = 60;
  c.clean_session = false;
  c.will = true;
  c.will_qos = 1;
  c.will_retain = true;
  c.will_topic = "tb/dead";
  c.will_message = will_msg;
  c.has_username = true;
  c.username = "user";
  c.has_password = true;
  c.password = pw;
  const Bytes b = enc(c);
  const DecodeResult r = decode(b);
  ASSERT_EQ(r.status, DecodeStatus::ok);
  EXPECT_EQ(r.consumed, b.size());
  const auto& d = std::get<Connect>(r.packet);
  EXPECT_EQ(d.client_id, "dev-42");
  EXPECT_EQ(d.keepalive_s, 60);
  EXPECT_FALSE(d.clean_session);
  EXPECT_TRUE(d.will);
  EXPECT_EQ(d.will_qos, 1);
  EXPECT_TRUE(d.will_retain);
  EXPECT_EQ(d.will_topic, "tb/dead");
  EXPECT_EQ(Bytes(d.will_message.begin(), d.will_message.end()), Bytes({1, 2, 3}));
  EXPECT_EQ(d.username, "user");
  EXPECT_EQ(Bytes(d.password.begin(), d.password.end()), Bytes({'s', 'e', 'c'}));
}

TEST(MqttCodec, ConnectMatchesTheSpecExampleBytes) {
  // MQTT 3.1.1 section 3.1: protocol name, level 4, clean session, keepalive 10, client id "a".
  const Bytes expected = {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 10, 0, 1, 'a'};
  Connect c;
  c.client_id = "a";
  c.keepalive_s = 10;
  EXPECT_EQ(enc(c), expected);
}

TEST(MqttCodec, PublishQos0AndQos1RoundTrip) {
  const std::uint8_t payload[] = {9, 8, 7};
  for (std::uint8_t qos : {0, 1}) {
    Publish p{"tb/gw/1/telemetry", payload, qos, qos == 1, false, static_cast<std::uint16_t>(qos ? 513 : 0)};
    const Bytes b = enc(p);
    EXPECT_EQ(b.size(), publish_size(p.topic.size(), 3, qos));
    const DecodeResult r = decode(b);
    ASSERT_EQ(r.status, DecodeStatus::ok) << to_string(r.status);
    const auto& d = std::get<Publish>(r.packet);
    EXPECT_EQ(d.topic, p.topic);
    EXPECT_EQ(d.qos, qos);
    EXPECT_EQ(d.retain, qos == 1);
    EXPECT_EQ(d.packet_id, p.packet_id);
    EXPECT_EQ(Bytes(d.payload.begin(), d.payload.end()), Bytes({9, 8, 7}));
  }
}

TEST(MqttCodec, SmallControlPacketsRoundTrip) {
  EXPECT_EQ(enc(Connack{true, ConnackCode::accepted}), Bytes({0x20, 2, 1, 0}));
  EXPECT_EQ(std::get<Connack>(decode(enc(Connack{false, ConnackCode::not_authorized})).packet).code, ConnackCode::not_authorized);
  EXPECT_EQ(std::get<Puback>(decode(enc(Puback{0xBEEF})).packet).packet_id, 0xBEEF);
  EXPECT_TRUE(std::holds_alternative<Pingreq>(decode(enc(Pingreq{})).packet));
  EXPECT_TRUE(std::holds_alternative<Pingresp>(decode(enc(Pingresp{})).packet));
  EXPECT_TRUE(std::holds_alternative<Disconnect>(decode(enc(Disconnect{})).packet));
  EXPECT_EQ(enc(Pingreq{}), Bytes({0xC0, 0}));
  EXPECT_EQ(enc(Disconnect{}), Bytes({0xE0, 0}));
}

TEST(MqttCodec, RemainingLengthUsesOneToFourBytesAtTheSpecBoundaries) {
  // MQTT 3.1.1 section 2.2.3, Table 2.4: the largest length of each size and the smallest of the next, with
  // their encodings. A PUBLISH to topic "t" at QoS 0 has 3 bytes of variable header before its payload.
  const std::vector<std::pair<std::size_t, Bytes>> table = {
      {0, {0x00}},
      {127, {0x7F}},
      {128, {0x80, 0x01}},
      {16'383, {0xFF, 0x7F}},
      {16'384, {0x80, 0x80, 0x01}},
      {2'097'151, {0xFF, 0xFF, 0x7F}},
      {2'097'152, {0x80, 0x80, 0x80, 0x01}},
  };
  for (const auto& [remaining, length_bytes] : table) {
    if (remaining < 3) continue;
    const Bytes body(remaining - 3, 0x55);
    const Bytes b = enc(Publish{"t", body, 0, false, false, 0});
    ASSERT_EQ(b.size(), 1 + length_bytes.size() + remaining) << remaining;
    EXPECT_EQ(Bytes(b.begin() + 1, b.begin() + 1 + static_cast<std::ptrdiff_t>(length_bytes.size())), length_bytes) << remaining;
    const auto r = decode(b);
    ASSERT_EQ(r.status, DecodeStatus::ok) << remaining;
    EXPECT_EQ(r.consumed, b.size());
    EXPECT_EQ(std::get<Publish>(r.packet).payload.size(), remaining - 3);
  }
  // The header of each size, decoded without its body: it needs more (not malformed), and says how much.
  EXPECT_EQ(status_of({0x30, 0x7F}), DecodeStatus::need_more);
  EXPECT_EQ(status_of({0x30, 0x80, 0x01}), DecodeStatus::need_more);
  EXPECT_EQ(status_of({0x30, 0xFF, 0xFF, 0xFF, 0x7F}), DecodeStatus::need_more);  // 268,435,455: the largest there is
  // Non-minimal encodings (0 in two bytes, 127 in two) and a fifth length byte are malformed.
  EXPECT_EQ(status_of({0x30, 0x80, 0x00}), DecodeStatus::bad_remaining_length);
  EXPECT_EQ(status_of({0x30, 0xFF, 0x00}), DecodeStatus::bad_remaining_length);
  EXPECT_EQ(status_of({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), DecodeStatus::bad_remaining_length);
}

TEST(MqttCodec, EveryProperPrefixNeedsMore) {
  const std::uint8_t payload[40] = {};
  const Bytes b = enc(Publish{"tb/x/y/telemetry", payload, 1, false, false, 7});
  for (std::size_t n = 0; n < b.size(); ++n) {
    EXPECT_EQ(decode(std::span(b.data(), n)).status, DecodeStatus::need_more) << "prefix " << n;
  }
}

TEST(MqttCodec, TwoPacketsBackToBackDecodeOneAtATime) {
  Bytes b = enc(Pingreq{});
  const Bytes second = enc(Puback{3});
  b.insert(b.end(), second.begin(), second.end());
  const DecodeResult first = decode(b);
  ASSERT_EQ(first.status, DecodeStatus::ok);
  EXPECT_EQ(first.consumed, 2u);
  EXPECT_EQ(std::get<Puback>(decode(std::span(b).subspan(first.consumed)).packet).packet_id, 3);
}

TEST(MqttCodec, RejectsMalformedPackets) {
  EXPECT_EQ(status_of({0x00, 0x00}), DecodeStatus::reserved_packet_type);
  EXPECT_EQ(status_of({0xF0, 0x00}), DecodeStatus::reserved_packet_type);
  EXPECT_EQ(status_of({0xC1, 0x00}), DecodeStatus::bad_fixed_header_flags);     // PINGREQ with flags
  EXPECT_EQ(status_of({0xC0, 0x01, 0x00}), DecodeStatus::length_mismatch);     // PINGREQ with a body
  EXPECT_EQ(status_of({0x36, 0x03, 0, 1, 't'}), DecodeStatus::bad_qos);        // QoS 3
  EXPECT_EQ(status_of({0x38, 0x03, 0, 1, 't'}), DecodeStatus::bad_qos);        // DUP on QoS 0
  EXPECT_EQ(status_of({0x32, 0x05, 0, 1, 't', 0, 0}), DecodeStatus::bad_packet_id);
  EXPECT_EQ(status_of({0x30, 0x03, 0, 1, '#'}), DecodeStatus::bad_topic);
  EXPECT_EQ(status_of({0x30, 0x02, 0, 0}), DecodeStatus::bad_topic);
  EXPECT_EQ(status_of({0x30, 0x03, 0, 5, 't'}), DecodeStatus::length_mismatch);  // topic overruns
  EXPECT_EQ(status_of({0x30, 0x04, 0, 2, 0xC0, 0x80}), DecodeStatus::bad_utf8);  // overlong NUL
  EXPECT_EQ(status_of({0x40, 0x02, 0, 0}), DecodeStatus::bad_packet_id);        // PUBACK id 0
  EXPECT_EQ(status_of({0x82, 0x02, 0, 1}), DecodeStatus::no_topic_filter);  // SUBSCRIBE without a filter
  EXPECT_EQ(status_of({0x62, 0x02, 0, 0}), DecodeStatus::bad_packet_id);    // PUBREL with id 0
  EXPECT_EQ(status_of({0x60, 0x02, 0, 1}), DecodeStatus::bad_fixed_header_flags);  // PUBREL flags must be 0010
  EXPECT_EQ(decode(Bytes{0x30, 0x7F}, 64).status, DecodeStatus::packet_too_large);
}

TEST(MqttCodec, RejectsBadConnects) {
  Connect c;
  c.client_id = "d";
  Bytes good = enc(c);
  Bytes b = good;
  b[4] = 'X';  // protocol name
  EXPECT_EQ(status_of(b), DecodeStatus::bad_protocol_name);
  b = good;
  b[8] = 3;  // MQTT 3.1 level
  EXPECT_EQ(status_of(b), DecodeStatus::bad_protocol_level);
  b = good;
  b[9] |= 0x01;  // reserved flag
  EXPECT_EQ(status_of(b), DecodeStatus::bad_connect_flags);
  b = good;
  b[9] |= 0x40;  // password without user name
  EXPECT_EQ(status_of(b), DecodeStatus::bad_connect_flags);
  b = good;
  b[9] |= 0x08;  // will QoS without will flag
  EXPECT_EQ(status_of(b), DecodeStatus::bad_connect_flags);
  b = good;
  b.push_back(0);  // trailing garbage inside the remaining length
  b[1] += 1;
  EXPECT_EQ(status_of(b), DecodeStatus::length_mismatch);
}

TEST(MqttCodec, Qos2FlowPacketsRoundTrip) {
  const std::uint8_t payload[] = {1};
  const Bytes pub = enc(Publish{"a/b", payload, 2, false, false, 9});
  const auto r = decode(pub);
  ASSERT_EQ(r.status, DecodeStatus::ok);
  EXPECT_EQ(std::get<Publish>(r.packet).qos, 2);
  EXPECT_EQ(enc(Pubrec{7}), Bytes({0x50, 2, 0, 7}));
  EXPECT_EQ(enc(Pubrel{7}), Bytes({0x62, 2, 0, 7}));  // MQTT-3.6.1-1: PUBREL's flags are 0010
  EXPECT_EQ(enc(Pubcomp{7}), Bytes({0x70, 2, 0, 7}));
  EXPECT_EQ(std::get<Pubrel>(decode(enc(Pubrel{300})).packet).packet_id, 300);
  EXPECT_EQ(std::get<Pubcomp>(decode(enc(Pubcomp{1})).packet).packet_id, 1);
}

TEST(MqttCodec, SubscribeAndUnsubscribeRoundTrip) {
  const Subscribe sub{10, {{"plant/+/telemetry", 1}, {"cmd/#", 2}}};
  const Bytes b = enc(sub);
  EXPECT_EQ(Bytes(b.begin(), b.begin() + 4), Bytes({0x82, static_cast<std::uint8_t>(b.size() - 2), 0, 10}));
  const auto r = decode(b);
  ASSERT_EQ(r.status, DecodeStatus::ok);
  const auto& d = std::get<Subscribe>(r.packet);
  ASSERT_EQ(d.subscriptions.size(), 2u);
  EXPECT_EQ(d.subscriptions[0].filter, "plant/+/telemetry");
  EXPECT_EQ(d.subscriptions[1].qos, 2);
  EXPECT_EQ(std::get<Suback>(decode(enc(Suback{10, {1, kSubackFailure}})).packet).return_codes, (std::vector<std::uint8_t>{1, 0x80}));
  const Bytes unsub = enc(Unsubscribe{11, {"cmd/#"}});  // decoded packets are views into these bytes
  const auto u = decode(unsub);
  ASSERT_EQ(u.status, DecodeStatus::ok);
  EXPECT_EQ(std::get<Unsubscribe>(u.packet).filters.at(0), "cmd/#");
  EXPECT_EQ(enc(Unsuback{11}), Bytes({0xB0, 2, 0, 11}));
}

TEST(MqttCodec, RejectsBadSubscriptions) {
  EXPECT_EQ(status_of({0x82, 0x06, 0, 1, 0, 1, '#', 3}), DecodeStatus::bad_return_code);   // QoS 3 requested
  EXPECT_EQ(status_of({0x82, 0x06, 0, 1, 0, 1, '#', 0x41}), DecodeStatus::bad_return_code);  // reserved bits
  EXPECT_EQ(status_of({0x82, 0x07, 0, 1, 0, 2, 'a', '#', 0}), DecodeStatus::bad_topic_filter);
  EXPECT_EQ(status_of({0x80, 0x06, 0, 1, 0, 1, '#', 0}), DecodeStatus::bad_fixed_header_flags);  // MQTT-3.8.1-1
  EXPECT_EQ(status_of({0xA2, 0x02, 0, 1}), DecodeStatus::no_topic_filter);
  EXPECT_EQ(status_of({0x90, 0x03, 0, 1, 0x03}), DecodeStatus::bad_return_code);
}

TEST(MqttCodec, TopicFiltersFollowSection471) {
  for (const char* ok : {"#", "+", "sport/tennis/#", "sport/+/player1", "+/+", "/finance", "sport/", "+/tennis/#"})
    EXPECT_TRUE(valid_topic_filter(ok)) << ok;
  for (const char* bad : {"", "sport/tennis#", "sport/#/ranking", "sport+", "sp+rt/x", "#/x", "a/##"})
    EXPECT_FALSE(valid_topic_filter(bad)) << bad;
}

TEST(MqttCodec, Utf8ValidationFollowsSection153) {
  EXPECT_TRUE(valid_mqtt_utf8("plain/ascii"));
  EXPECT_TRUE(valid_mqtt_utf8("temp/\xC2\xB0" "C"));          // U+00B0
  EXPECT_TRUE(valid_mqtt_utf8("\xF0\x9F\x98\x80"));            // U+1F600
  EXPECT_FALSE(valid_mqtt_utf8(std::string_view("a\0b", 3)));  // U+0000
  EXPECT_FALSE(valid_mqtt_utf8("\xED\xA0\x80"));               // surrogate U+D800
  EXPECT_FALSE(valid_mqtt_utf8("\xE0\x80\xAF"));               // overlong
  EXPECT_FALSE(valid_mqtt_utf8("\xC3"));                       // truncated
  EXPECT_FALSE(valid_mqtt_utf8("\xF4\x90\x80\x80"));           // above U+10FFFF
}

TEST(MqttCodec, RandomBytesNeverCrashAndNeverOverConsume) {
  core::RngStream rng = core::Rng(7).stream("codec-garbage");
  Bytes b;
  std::size_t ok = 0;
  for (int i = 0; i < 200000; ++i) {
    b.resize(rng.below(24));
    for (auto& x : b) x = static_cast<std::uint8_t>(rng.next_u64());
    if (!b.empty() && rng.bernoulli(0.5)) b[0] = static_cast<std::uint8_t>((rng.below(15) + 1) << 4);  // valid-ish types
    const DecodeResult r = decode(b);
    if (r.status == DecodeStatus::ok) {
      ++ok;
      ASSERT_LE(r.consumed, b.size());
      // Whatever decodes must re-encode to the same bytes (the codec is canonical for these types).
      Bytes again;
      encode(r.packet, again);
      EXPECT_EQ(again, Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(r.consumed)));
    }
  }
  EXPECT_GT(ok, 100u);  // the generator does reach valid packets
}

}  // namespace
}  // namespace twinbench::runtime::mqtt
