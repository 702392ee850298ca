// MQTT 5 in the codec: properties, reason codes, subscription options, AUTH, and the rules of MQTT 5
// section 2 and 3 that make a packet malformed or a protocol error.
#include <gtest/gtest.h>

#include "twinbench/core/Random.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"

namespace twinbench::runtime::mqtt {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr Version v5 = Version::v5;

template <typename P> Bytes enc5(const P& p) {
  Bytes out;
  encode(p, out, v5);
  return out;
}

DecodeStatus status5(const Bytes& b) { return decode(b, kMaxRemainingLength + 5, v5).status; }

Property number(PropertyId id, std::uint32_t v) {
  Property p;
  p.id = id;
  p.number = v;
  return p;
}
Property text(PropertyId id, std::string_view t) {
  Property p;
  p.id = id;
  p.text = t;
  return p;
}
Property user(std::string_view k, std::string_view v) {
  Property p;
  p.id = PropertyId::user_property;
  p.text = k;
  p.value = v;
  return p;
}

TEST(Mqtt5Codec, TheMinimalConnectMatchesItsBytes) {
  // "MQTT", level 5, clean start, keepalive 60, no properties, empty client id.
  const Bytes expected = {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 0, 0, 0};
  Connect c;
  c.protocol_level = 5;
  c.keepalive_s = 60;
  Bytes b;
  encode(c, b);
  EXPECT_EQ(b, expected);
  const auto r = decode(b);  // a CONNECT decodes by its own level, whatever the caller expects
  ASSERT_EQ(r.status, DecodeStatus::ok);
  EXPECT_EQ(std::get<Connect>(r.packet).protocol_level, 5);
}

TEST(Mqtt5Codec, ConnectRoundTripsWithPropertiesWillPropertiesAndAPasswordAlone) {
  const std::uint8_t pw[] = {'p', 'w'}, auth[] = {1, 2};
  Connect c;
  c.protocol_level = 5;
  c.client_id = "dev";
  c.clean_session = false;
  c.properties = {number(PropertyId::session_expiry_interval, 3600), number(PropertyId::receive_maximum, 20),
                  number(PropertyId::maximum_packet_size, 65536), user("site", "hall-1"), user("site", "hall-2"),
                  text(PropertyId::authentication_method, "SCRAM-SHA-1")};
  Property data;
  data.id = PropertyId::authentication_data;
  data.data = auth;
  c.properties.push_back(data);
  c.will = true;
  c.will_qos = 1;
  c.will_topic = "status/dev";
  c.will_properties = {number(PropertyId::will_delay_interval, 30), number(PropertyId::payload_format_indicator, 1),
                       text(PropertyId::content_type, "text/plain")};
  c.has_password = true;  // no username: allowed in MQTT 5, not in 3.1.1
  c.password = pw;
  Bytes b;
  encode(c, b);
  const auto r = decode(b);
  ASSERT_EQ(r.status, DecodeStatus::ok) << to_string(r.status);
  EXPECT_EQ(r.consumed, b.size());
  const auto& d = std::get<Connect>(r.packet);
  ASSERT_EQ(d.properties.size(), 7u);
  EXPECT_EQ(find_property(d.properties, PropertyId::session_expiry_interval)->number, 3600u);
  EXPECT_EQ(d.properties[4].value, "hall-2");  // user properties keep their order and repeat
  EXPECT_EQ(find_property(d.properties, PropertyId::authentication_method)->text, "SCRAM-SHA-1");
  EXPECT_EQ(Bytes(d.properties[6].data.begin(), d.properties[6].data.end()), Bytes({1, 2}));
  ASSERT_EQ(d.will_properties.size(), 3u);
  EXPECT_EQ(d.will_properties[0].number, 30u);
  EXPECT_EQ(d.will_topic, "status/dev");
  EXPECT_FALSE(d.has_username);
  EXPECT_TRUE(d.has_password);
  Bytes again;
  encode(d, again);
  EXPECT_EQ(again, b);
  // The same flags in 3.1.1 are refused (MQTT-3.1.2-22).
  c.protocol_level = 4;
  b.clear();
  encode(c, b);
  EXPECT_EQ(decode(b).status, DecodeStatus::bad_connect_flags);
}

TEST(Mqtt5Codec, PublishPropertiesAndTopicAliases) {
  const std::uint8_t payload[] = {'x'};
  Publish p{"", payload, 1, false, false, 7};
  p.properties = {number(PropertyId::topic_alias, 3), number(PropertyId::subscription_identifier, 200'000),
                  number(PropertyId::subscription_identifier, 5), text(PropertyId::response_topic, "reply/dev")};
  const Bytes b = enc5(p);
  const auto r = decode(b, kMaxRemainingLength + 5, v5);
  ASSERT_EQ(r.status, DecodeStatus::ok) << to_string(r.status);
  const auto& d = std::get<Publish>(r.packet);
  EXPECT_EQ(d.topic, "");
  ASSERT_EQ(d.properties.size(), 4u);
  EXPECT_EQ(d.properties[1].number, 200'000u);  // a 3-byte variable byte integer
  EXPECT_EQ(Bytes(d.payload.begin(), d.payload.end()), Bytes({'x'}));
  EXPECT_EQ(enc5(d), b);

  auto with = [&](Properties props, std::string_view topic = "t") {
    Publish q{topic, payload, 0, false, false, 0};
    q.properties = std::move(props);
    return status5(enc5(q));
  };
  EXPECT_EQ(with({}, ""), DecodeStatus::bad_topic);  // an empty topic needs a Topic Alias
  EXPECT_EQ(with({number(PropertyId::topic_alias, 0)}), DecodeStatus::bad_property);
  EXPECT_EQ(with({number(PropertyId::message_expiry_interval, 1), number(PropertyId::message_expiry_interval, 2)}), DecodeStatus::bad_property);
  EXPECT_EQ(with({number(PropertyId::session_expiry_interval, 1)}), DecodeStatus::bad_property);  // not a PUBLISH property
  EXPECT_EQ(with({number(PropertyId::payload_format_indicator, 2)}), DecodeStatus::bad_property);
  EXPECT_EQ(with({text(PropertyId::response_topic, "reply/+")}), DecodeStatus::bad_property);  // MQTT-3.3.2-14
  // In 3.1.1 the same bytes are a payload: properties do not exist there.
  Publish plain{"t", payload, 0, false, false, 0};
  Bytes v3;
  encode(plain, v3);
  EXPECT_EQ(status5(v3), DecodeStatus::length_mismatch);  // 'x' read as a property length of 120
}

TEST(Mqtt5Codec, AcknowledgementsUseTheirShortFormsAndCheckTheirReasonCodes) {
  EXPECT_EQ(enc5(Puback{9}), Bytes({0x40, 2, 0, 9}));
  EXPECT_EQ(enc5(Puback{9, 0x10}), Bytes({0x40, 3, 0, 9, 0x10}));  // no matching subscribers
  Pubrec rec{9, 0x97};
  rec.properties = {text(PropertyId::reason_string, "quota")};
  const Bytes b = enc5(rec);
  const auto r = decode(b, kMaxRemainingLength + 5, v5);
  ASSERT_EQ(r.status, DecodeStatus::ok);
  EXPECT_EQ(std::get<Pubrec>(r.packet).reason, 0x97);
  EXPECT_EQ(std::get<Pubrec>(r.packet).properties[0].text, "quota");
  EXPECT_EQ(status5({0x40, 3, 0, 9, 0x00}), DecodeStatus::ok);     // success spelled out
  EXPECT_EQ(status5({0x40, 4, 0, 9, 0x00, 0}), DecodeStatus::ok);  // and with empty properties
  EXPECT_EQ(status5({0x62, 3, 0, 9, 0x10}), DecodeStatus::bad_reason_code);  // PUBREL: only 0x00 and 0x92
  EXPECT_EQ(status5({0x70, 3, 0, 9, 0x92}), DecodeStatus::ok);
  EXPECT_EQ(status5({0x40, 4, 0, 9, 0x00, 5}), DecodeStatus::length_mismatch);  // properties overrun
  EXPECT_EQ(decode(Bytes{0x40, 3, 0, 9, 0x00}).status, DecodeStatus::length_mismatch);  // not in 3.1.1
}

TEST(Mqtt5Codec, SubscriptionOptionsRoundTripAndTheirReservedValuesAreRefused) {
  Subscribe s{4, {{"a/+", 1, true, true, 2}, {"$share/grp/b/#", 2, false, false, 1}}};
  s.properties = {number(PropertyId::subscription_identifier, 42)};
  const Bytes b = enc5(s);
  const auto r = decode(b, kMaxRemainingLength + 5, v5);
  ASSERT_EQ(r.status, DecodeStatus::ok) << to_string(r.status);
  const auto& d = std::get<Subscribe>(r.packet);
  ASSERT_EQ(d.subscriptions.size(), 2u);
  EXPECT_TRUE(d.subscriptions[0].no_local);
  EXPECT_TRUE(d.subscriptions[0].retain_as_published);
  EXPECT_EQ(d.subscriptions[0].retain_handling, 2);
  EXPECT_EQ(d.subscriptions[1].filter, "$share/grp/b/#");
  EXPECT_EQ(enc5(d), b);

  auto sub = [](Subscription one) { return status5(enc5(Subscribe{1, {one}})); };
  EXPECT_EQ(sub({"a", 0, false, false, 3}), DecodeStatus::bad_subscription_options);     // retain handling 3
  EXPECT_EQ(sub({"$share/g/a", 0, true}), DecodeStatus::bad_subscription_options);       // No Local on a shared subscription
  EXPECT_EQ(sub({"$share/+/a", 0}), DecodeStatus::bad_topic_filter);                    // a wildcard share name
  EXPECT_EQ(sub({"$share/g", 0}), DecodeStatus::bad_topic_filter);                      // no filter after the name
  Bytes reserved = enc5(Subscribe{1, {{"a", 1}}});
  reserved.back() |= 0x40;
  EXPECT_EQ(status5(reserved), DecodeStatus::bad_subscription_options);
  // 3.1.1 has no properties: it reads the empty property list's length as the first half of an empty filter.
  EXPECT_EQ(decode(enc5(Subscribe{1, {{"a", 0, false, false, 1}}})).status, DecodeStatus::bad_topic_filter);
}

TEST(Mqtt5Codec, SubackUnsubackDisconnectAndAuthCarryReasonCodes) {
  Suback sa{4, {0x01, 0x8F, 0xA2}};
  auto r = decode(enc5(sa), kMaxRemainingLength + 5, v5);
  ASSERT_EQ(r.status, DecodeStatus::ok);
  EXPECT_EQ(std::get<Suback>(r.packet).return_codes, Bytes({0x01, 0x8F, 0xA2}));
  EXPECT_EQ(status5(enc5(Suback{4, {0x05}})), DecodeStatus::bad_return_code);

  Unsuback ua{5, {0x00, 0x11}};
  r = decode(enc5(ua), kMaxRemainingLength + 5, v5);
  ASSERT_EQ(r.status, DecodeStatus::ok);
  EXPECT_EQ(std::get<Unsuback>(r.packet).reason_codes, Bytes({0x00, 0x11}));
  EXPECT_EQ(status5(enc5(Unsuback{5, {0x10}})), DecodeStatus::bad_reason_code);

  EXPECT_EQ(enc5(Disconnect{}), Bytes({0xE0, 0}));
  Disconnect with_will{0x04};
  with_will.properties = {number(PropertyId::session_expiry_interval, 0)};
  r = decode(enc5(with_will), kMaxRemainingLength + 5, v5);
  ASSERT_EQ(r.status, DecodeStatus::ok);
  EXPECT_EQ(std::get<Disconnect>(r.packet).reason, 0x04);  // disconnect with will message
  EXPECT_EQ(status5({0xE0, 1, 0x05}), DecodeStatus::bad_reason_code);
  EXPECT_EQ(decode(Bytes{0xE0, 1, 0x04}).status, DecodeStatus::length_mismatch);  // 3.1.1's DISCONNECT is empty

  Auth a{0x18};
  a.properties = {text(PropertyId::authentication_method, "SCRAM-SHA-1")};
  r = decode(enc5(a), kMaxRemainingLength + 5, v5);
  ASSERT_EQ(r.status, DecodeStatus::ok);
  EXPECT_EQ(std::get<Auth>(r.packet).reason, 0x18);
  EXPECT_EQ(status5({0xF0, 1, 0x01}), DecodeStatus::bad_reason_code);
  EXPECT_EQ(decode(Bytes{0xF0, 0}).status, DecodeStatus::reserved_packet_type);  // type 15 is reserved in 3.1.1

  Connack ca{false, static_cast<ConnackCode>(0x9C)};  // use another server
  ca.properties = {text(PropertyId::server_reference, "gw-2:1883"), number(PropertyId::maximum_qos, 1)};
  const Bytes connack = enc5(ca);  // decoded packets are views into their bytes
  r = decode(connack, kMaxRemainingLength + 5, v5);
  ASSERT_EQ(r.status, DecodeStatus::ok);
  EXPECT_EQ(find_property(std::get<Connack>(r.packet).properties, PropertyId::server_reference)->text, "gw-2:1883");
  EXPECT_EQ(status5(enc5(Connack{true, static_cast<ConnackCode>(0x87)})), DecodeStatus::bad_connect_flags);  // MQTT-3.2.2-6
  EXPECT_EQ(status5(enc5(Connack{false, static_cast<ConnackCode>(0x01)})), DecodeStatus::bad_reason_code);
}

TEST(Mqtt5Codec, VariableByteIntegersInPropertiesMustBeMinimal) {
  // SUBSCRIBE id 1, properties of length 3: subscription identifier 0x81 0x00 (1, not minimal), filter "a".
  const Bytes non_minimal = {0x82, 10, 0, 1, 3, 0x0B, 0x81, 0x00, 0, 1, 'a', 0};
  EXPECT_EQ(status5(non_minimal), DecodeStatus::length_mismatch);
  const Bytes minimal = {0x82, 9, 0, 1, 2, 0x0B, 0x01, 0, 1, 'a', 0};
  EXPECT_EQ(status5(minimal), DecodeStatus::ok);
  const Bytes unknown = {0x40, 6, 0, 9, 0x00, 2, 0x7E, 0};  // property 0x7E does not exist
  EXPECT_EQ(status5(unknown), DecodeStatus::bad_property);
}

TEST(Mqtt5Codec, RandomBytesNeverCrashAndReencodingIsStable) {
  core::RngStream rng(11);
  for (int i = 0; i < 200'000; ++i) {
    Bytes b(1 + rng.below(40));
    for (auto& x : b) x = static_cast<std::uint8_t>(rng.next_u64());
    if (rng.bernoulli(0.5)) b[0] = static_cast<std::uint8_t>((1 + rng.below(15)) << 4 | (b[0] & 0x0F));
    const auto r = decode(b, kMaxRemainingLength + 5, v5);
    ASSERT_LE(r.consumed, b.size());
    if (r.status != DecodeStatus::ok) continue;
    Bytes once;
    encode(r.packet, once, v5);
    const auto again = decode(once, kMaxRemainingLength + 5, v5);
    ASSERT_EQ(again.status, DecodeStatus::ok) << to_string(again.status);
    Bytes twice;
    encode(again.packet, twice, v5);
    ASSERT_EQ(once, twice);
  }
}

}  // namespace
}  // namespace twinbench::runtime::mqtt
