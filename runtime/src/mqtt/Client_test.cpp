// The client session packet by packet, with the test playing the broker: connect, backoff, keepalive,
// QoS flows and what happens to them across a lost connection.
#include "twinbench/runtime/mqtt/Client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "twinbench/runtime/TimerQueue.hpp"

namespace twinbench::runtime::mqtt {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct ScriptTransport final : Transport {
  std::vector<TimeUs> connects;  ///< when connect() was called
  std::map<ConnId, Bytes> sent;
  std::vector<ConnId> closed;
  ConnId next = 1;
  const ManualClock* clock = nullptr;
  ConnId connect(std::string_view endpoint, TransportHandler&) override {
    EXPECT_EQ(endpoint, "mqtt://broker");
    connects.push_back(clock->now_us());
    return next++;
  }
  SendStatus send(ConnId conn, std::span<const std::uint8_t> b) override {
    sent[conn].insert(sent[conn].end(), b.begin(), b.end());
    return SendStatus::ok;
  }
  void close(ConnId conn) override { closed.push_back(conn); }
};

struct Received {
  PacketType type;
  std::uint16_t id = 0;
  bool dup = false;
  std::uint8_t qos = 0;
  std::string topic;
};

class ClientTest : public ::testing::Test, public ClientHooks {
protected:
  ManualClock clock;
  ScriptTransport transport;
  ClientConfig config = [] {
    ClientConfig c;
    c.endpoint = "mqtt://broker";
    c.client_id = "edge-1";
    c.keepalive_s = 10;
    c.backoff = {1'000'000, 8'000'000};
    return c;
  }();
  std::unique_ptr<Client> client;
  std::vector<std::string> messages;
  int connected_calls = 0, lost_calls = 0;

  void on_connected(bool) override { ++connected_calls; }
  void on_connection_lost() override { ++lost_calls; }
  void on_message(const Publish& p) override { messages.emplace_back(p.payload.begin(), p.payload.end()); }

  void SetUp() override {
    transport.clock = &clock;
    client = std::make_unique<Client>(config, ClientPorts{clock, transport, core::RngStream(7)}, *this);
  }
  ConnId conn() const { return transport.next - 1; }
  void in(const Packet& p) {
    Bytes b;
    encode(p, b, config.version);
    client->on_bytes(conn(), b);
  }
  /** Open the transport and accept the CONNECT (which is not among what sent() returns next). */
  void establish(bool session_present = false) {
    client->on_open(conn());
    sent();
    in(Connack{session_present, ConnackCode::accepted});
  }
  std::vector<Received> sent() {
    std::vector<Received> out;
    Bytes bytes;
    bytes.swap(transport.sent[conn()]);
    std::span<const std::uint8_t> rest(bytes);
    while (!rest.empty()) {
      const auto r = decode(rest, kMaxRemainingLength + 5, config.version);
      EXPECT_EQ(r.status, DecodeStatus::ok);
      if (r.status != DecodeStatus::ok) break;
      Received g;
      g.type = static_cast<PacketType>(rest[0] >> 4);
      std::visit([&](const auto& q) {
        if constexpr (requires { q.packet_id; }) g.id = q.packet_id;
      }, r.packet);
      if (const auto* p = std::get_if<Publish>(&r.packet)) g.dup = p->dup, g.qos = p->qos, g.topic = p->topic;
      out.push_back(g);
      rest = rest.subspan(r.consumed);
    }
    return out;
  }
  /** What the client sent since the last call, decoded (views into `keep`). */
  std::vector<Packet> packets(Bytes& keep) {
    keep.swap(transport.sent[conn()]);
    transport.sent[conn()].clear();
    std::vector<Packet> out;
    for (std::span<const std::uint8_t> rest(keep); !rest.empty();) {
      auto r = decode(rest, kMaxRemainingLength + 5, config.version);
      EXPECT_EQ(r.status, DecodeStatus::ok);
      if (r.status != DecodeStatus::ok) break;
      out.push_back(std::move(r.packet));
      rest = rest.subspan(r.consumed);
    }
    return out;
  }
  void publish(std::uint8_t qos, std::string_view payload = "x") {
    EXPECT_TRUE(client->publish("up", std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), qos));
  }
};

TEST(Backoff, DoublesUpToItsCapWithJitterInTheUpperHalf) {
  const Backoff b{1'000'000, 8'000'000};
  core::RngStream rng(1);
  const TimeUs caps[] = {1'000'000, 2'000'000, 4'000'000, 8'000'000, 8'000'000, 8'000'000};
  std::set<TimeUs> distinct;
  for (int round = 0; round < 50; ++round)
    for (std::uint32_t a = 0; a < 6; ++a) {
      const TimeUs d = b.delay_us(a, rng);
      EXPECT_GE(d, caps[a] / 2);
      EXPECT_LE(d, caps[a]);
      distinct.insert(d);
    }
  EXPECT_GT(distinct.size(), 250u);  // jittered, not a fixed ladder
  core::RngStream a1(5), a2(5);
  EXPECT_EQ(b.delay_us(3, a1), b.delay_us(3, a2));  // same stream, same delays
}

TEST(Backoff, EachAttemptsDelayIsUniformOnTheUpperHalfOfItsCap) {
  // The definition: attempt n waits U[d/2, d], d = min(max, initial x 2^n). Against it, a one-sample
  // Kolmogorov-Smirnov test per attempt: 20,000 draws, critical D at alpha = 0.001 is 1.949 / sqrt(n).
  const Backoff b{500'000, 30'000'000};
  core::RngStream rng(42);
  constexpr std::size_t n = 20'000;
  for (std::uint32_t attempt : {0u, 3u, 6u, 9u}) {
    const double d = std::min(30e6, 500e3 * std::ldexp(1.0, static_cast<int>(attempt)));
    std::vector<double> x(n);
    for (double& v : x) v = static_cast<double>(b.delay_us(attempt, rng));
    std::sort(x.begin(), x.end());
    double ks = 0, mean = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double cdf = std::clamp((x[i] - d / 2) / (d / 2), 0.0, 1.0);
      ks = std::max({ks, cdf - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - cdf});
      mean += x[i] / n;
    }
    EXPECT_LT(ks, 1.949 / std::sqrt(static_cast<double>(n))) << "attempt " << attempt;
    // Mean 3d/4, sd of a uniform of width d/2 is d/(2 sqrt 12): within 4 standard errors.
    EXPECT_NEAR(mean, 0.75 * d, 4 * d / (2 * std::sqrt(12.0)) / std::sqrt(static_cast<double>(n))) << "attempt " << attempt;
  }
}

TEST_F(ClientTest, ConnectsAndSubscribes) {
  client->subscribe("tb/cloud/gw/#", 1);
  client->start();
  ASSERT_EQ(transport.connects.size(), 1u);
  client->on_open(conn());
  auto s = sent();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].type, PacketType::connect);
  in(Connack{false, ConnackCode::accepted});
  EXPECT_TRUE(client->connected());
  EXPECT_EQ(connected_calls, 1);
  s = sent();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].type, PacketType::subscribe);
}

TEST_F(ClientTest, RefusedConnectionsBackOffExponentiallyAndASuccessResetsTheBackoff) {
  client->start();
  std::vector<TimeUs> refused_at;
  for (int i = 0; i < 4; ++i) {
    clock.advance_to(clock.now_us() + 100'000);
    client->on_open(conn());
    in(Connack{false, ConnackCode::server_unavailable});
    refused_at.push_back(clock.now_us());
    clock.advance_to(clock.now_us() + 20'000'000);  // past any backoff
  }
  ASSERT_EQ(transport.connects.size(), 5u);
  const TimeUs caps[] = {1'000'000, 2'000'000, 4'000'000, 8'000'000};
  for (int i = 0; i < 4; ++i) {
    const TimeUs gap = transport.connects[i + 1] - refused_at[i];
    EXPECT_GE(gap, caps[i] / 2) << i;
    EXPECT_LE(gap, caps[i]) << i;
  }
  EXPECT_EQ(client->stats().last_refusal, ConnackCode::server_unavailable);
  establish();
  transport.closed.clear();
  client->on_closed(conn());
  const TimeUs lost_at = clock.now_us();
  clock.advance_to(lost_at + 1'000'000);
  ASSERT_EQ(transport.connects.size(), 6u);
  EXPECT_LE(transport.connects.back() - lost_at, 1'000'000);  // back to the first step
  EXPECT_EQ(lost_calls, 1);
}

TEST_F(ClientTest, InflightQos1IsResentWithDupAndTheSameIdsWhenTheSessionWasKept) {
  config.clean_session = false;
  SetUp();
  client->start();
  establish();
  sent();
  publish(1, "a");
  publish(1, "b");
  publish(1, "c");
  const auto first = sent();
  ASSERT_EQ(first.size(), 3u);
  in(Puback{first[0].id});
  EXPECT_EQ(client->pending(), 2u);
  client->on_closed(conn());
  clock.advance_to(clock.now_us() + 2'000'000);
  ASSERT_EQ(transport.connects.size(), 2u);
  establish(/*session_present=*/true);
  const auto again = sent();
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].id, first[1].id);
  EXPECT_EQ(again[1].id, first[2].id);
  EXPECT_TRUE(again[0].dup);
  in(Puback{again[0].id});
  in(Puback{again[1].id});
  EXPECT_EQ(client->pending(), 0u);
  EXPECT_EQ(client->stats().acked, 3u);
}

TEST_F(ClientTest, WithoutAKeptSessionInflightMessagesArePublishedAfreshAndSubscriptionsRenewed) {
  client->subscribe("cmd/#", 1);
  client->start();
  establish();
  sent();
  publish(1);
  sent();
  client->on_closed(conn());
  clock.advance_to(clock.now_us() + 2'000'000);
  establish(false);
  const auto s = sent();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].type, PacketType::subscribe);
  EXPECT_EQ(s[1].type, PacketType::publish);
  EXPECT_FALSE(s[1].dup);
}

TEST_F(ClientTest, Qos2ResumesWithPubrelOnceThePubrecCame) {
  config.clean_session = false;
  SetUp();
  client->start();
  establish();
  sent();
  publish(2);
  const auto pub = sent();
  in(Pubrec{pub[0].id});
  EXPECT_EQ(sent()[0].type, PacketType::pubrel);
  client->on_closed(conn());
  clock.advance_to(clock.now_us() + 2'000'000);
  establish(true);
  const auto again = sent();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].type, PacketType::pubrel);
  in(Pubcomp{pub[0].id});
  EXPECT_EQ(client->pending(), 0u);
}

TEST_F(ClientTest, TheWindowHoldsBackTheRestAndQos0NeedsAConnection) {
  config.max_inflight = 2;
  config.max_queued = 3;
  SetUp();
  EXPECT_FALSE(client->publish("up", {}, 0));  // not connected
  for (int i = 0; i < 3; ++i) publish(1);
  EXPECT_FALSE(client->publish("up", {}, 1));  // the queue is full
  client->start();
  establish();
  auto s = sent();
  ASSERT_EQ(s.size(), 2u);
  in(Puback{s[0].id});
  EXPECT_EQ(sent().size(), 1u);
  EXPECT_EQ(client->stats().refused, 2u);
}

TEST_F(ClientTest, KeepalivePingsWhenIdleAndDropsAConnectionThatDoesNotAnswer) {
  client->start();
  establish();
  sent();
  clock.advance_to(10'000'000);
  auto s = sent();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].type, PacketType::pingreq);
  in(Pingresp{});
  clock.advance_to(20'000'000);
  EXPECT_EQ(sent().size(), 1u);  // the next ping
  clock.advance_to(30'000'001);  // no answer this time
  EXPECT_EQ(transport.closed.back(), conn());
  EXPECT_EQ(client->state(), Client::State::backing_off);
}

TEST_F(ClientTest, AClientThatKeepsPublishingIntoASilentConnectionPingsAndDropsIt) {
  client->start();
  establish();  // the CONNACK at 0; keepalive 10 s
  sent();
  const std::uint8_t one[] = {'1'};
  std::size_t pings = 0;
  for (TimeUs t = 1'000'000; t <= 19'000'000; t += 3'000'000) {  // always sending, never acknowledged
    clock.advance_to(t);
    ASSERT_TRUE(client->publish("up", one, 1));
    for (const auto& p : sent()) pings += p.type == PacketType::pingreq;
  }
  EXPECT_EQ(pings, 1u);  // at 10 s: nothing heard for a keepalive, however recent our last send
  EXPECT_TRUE(client->connected());
  clock.advance_to(20'000'001);  // no answer within a keepalive more
  EXPECT_EQ(client->state(), Client::State::backing_off);
  EXPECT_EQ(transport.closed.back(), conn());
}

TEST_F(ClientTest, ALateConnackIsALostAttempt) {
  client->start();
  client->on_open(conn());
  clock.advance_to(config.connack_timeout_us + 1);
  EXPECT_EQ(transport.closed.size(), 1u);
  EXPECT_EQ(client->state(), Client::State::backing_off);
}

TEST_F(ClientTest, ReceivedQos2IsDeliveredOnceAndQos1Acknowledged) {
  client->start();
  establish();
  sent();
  const std::uint8_t one[] = {'1'}, two[] = {'2'};
  in(Publish{"cmd", one, 1, false, false, 4});
  in(Publish{"cmd", two, 2, false, false, 5});
  in(Publish{"cmd", two, 2, false, true, 5});  // a duplicate before PUBREL
  EXPECT_EQ(messages, (std::vector<std::string>{"1", "2"}));
  const auto s = sent();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].type, PacketType::puback);
  EXPECT_EQ(s[1].type, PacketType::pubrec);
  EXPECT_EQ(s[2].type, PacketType::pubrec);
  in(Pubrel{5});
  EXPECT_EQ(sent()[0].type, PacketType::pubcomp);
}

TEST_F(ClientTest, StopSaysDisconnectAndDoesNotReconnect) {
  client->start();
  establish();
  sent();
  client->stop();
  EXPECT_EQ(sent()[0].type, PacketType::disconnect);
  clock.advance_to(100'000'000);
  EXPECT_EQ(transport.connects.size(), 1u);
}


// ---- MQTT 5 --------------------------------------------------------------------------------------------

class Client5Test : public ClientTest {
protected:
  void SetUp() override {
    config.version = Version::v5;
    ClientTest::SetUp();
  }
  static Connack connack(std::vector<Property> props, bool session_present = false) {
    Connack c{session_present, ConnackCode::accepted};
    c.properties = std::move(props);
    return c;
  }
};

TEST_F(Client5Test, ConnectAsksForASessionAndAWillDelayAndAdoptsAnAssignedClientId) {
  config.client_id = "";
  config.clean_session = false;
  config.will = ClientConfig::Will{"gw/status", {'o', 'f', 'f'}, 1, true, 30};
  SetUp();
  client->start();
  client->on_open(conn());
  Bytes keep;
  auto ps = packets(keep);
  ASSERT_EQ(ps.size(), 1u);
  const auto& c = std::get<Connect>(ps[0]);
  EXPECT_EQ(c.protocol_level, 5);
  EXPECT_FALSE(c.clean_session);
  ASSERT_TRUE(find_property(c.properties, PropertyId::session_expiry_interval));
  EXPECT_EQ(find_property(c.properties, PropertyId::session_expiry_interval)->number, 0xFFFFFFFFu);  // like 3.1.1
  ASSERT_TRUE(find_property(c.will_properties, PropertyId::will_delay_interval));
  EXPECT_EQ(find_property(c.will_properties, PropertyId::will_delay_interval)->number, 30u);
  in(connack({{PropertyId::assigned_client_identifier, 0, "auto-7f3a"}}));
  EXPECT_EQ(client->client_id(), "auto-7f3a");
  client->on_closed(conn());
  clock.advance_to(clock.now_us() + 2'000'000);
  client->on_open(conn());
  ps = packets(keep);
  EXPECT_EQ(std::get<Connect>(ps[0]).client_id, "auto-7f3a");  // to find its session again
}

TEST_F(Client5Test, TheServersLimitsHoldTheWindowTheQosTheRetainFlagAndThePacketSize) {
  client->start();
  client->on_open(conn());
  sent();
  in(connack({{PropertyId::receive_maximum, 2}, {PropertyId::maximum_qos, 1}, {PropertyId::retain_available, 0},
              {PropertyId::maximum_packet_size, 64}, {PropertyId::server_keep_alive, 5}}));
  EXPECT_EQ(client->window(), 2);
  const std::uint8_t small[1] = {1};
  const std::vector<std::uint8_t> big(100, 7);
  EXPECT_TRUE(client->publish("up", small, 2, true));  // sent as QoS 1, not retained
  EXPECT_TRUE(client->publish("up", big, 1));          // over 64 bytes: dropped
  EXPECT_TRUE(client->publish("up", small, 1));
  EXPECT_TRUE(client->publish("up", small, 1));         // beyond the window of 2: waits
  Bytes keep;
  auto ps = packets(keep);
  ASSERT_EQ(ps.size(), 2u);
  const auto& first = std::get<Publish>(ps[0]);
  EXPECT_EQ(first.qos, 1);
  EXPECT_FALSE(first.retain);
  EXPECT_EQ(client->stats().downgraded, 1u);
  EXPECT_EQ(client->stats().too_large, 1u);
  EXPECT_EQ(client->pending(), 3u);
  in(Puback{first.packet_id});
  ps = packets(keep);
  ASSERT_EQ(ps.size(), 1u);  // the window moved on
  // Server Keep Alive 5 s replaces our 10 s: a PINGREQ after 5 s of silence.
  clock.advance_to(clock.now_us() + 5'000'000);
  ps = packets(keep);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Pingreq>(ps[0]));
}

TEST_F(Client5Test, ErrorReasonCodesEndAPublicationWithoutRetrying) {
  client->start();
  establish();
  publish(1, "a");
  publish(2, "b");
  Bytes keep;
  auto ps = packets(keep);
  ASSERT_EQ(ps.size(), 2u);
  in(Puback{std::get<Publish>(ps[0]).packet_id, 0x87});  // Not authorized
  in(Pubrec{std::get<Publish>(ps[1]).packet_id, 0x80});  // Unspecified error: no PUBREL
  EXPECT_TRUE(packets(keep).empty());
  EXPECT_EQ(client->pending(), 0u);
  EXPECT_EQ(client->stats().rejected, 2u);
  EXPECT_EQ(client->stats().acked, 0u);
}

TEST_F(Client5Test, PublicationPropertiesGoOut) {
  client->start();
  establish();
  PublishProperties props;
  props.message_expiry_s = 60;
  props.content_type = "application/json";
  props.user = {{"site", "plant-a"}};
  const std::uint8_t payload[2] = {'{', '}'};
  ASSERT_TRUE(client->publish("up", payload, 1, false, props));
  Bytes keep;
  auto ps = packets(keep);
  ASSERT_EQ(ps.size(), 1u);
  const auto& p = std::get<Publish>(ps[0]);
  EXPECT_EQ(find_property(p.properties, PropertyId::message_expiry_interval)->number, 60u);
  EXPECT_EQ(find_property(p.properties, PropertyId::content_type)->text, "application/json");
  EXPECT_EQ(find_property(p.properties, PropertyId::user_property)->value, "plant-a");
}

TEST_F(Client5Test, AServerDisconnectIsALostConnectionAndProtocolErrorsAreSaidBeforeClosing) {
  client->start();
  establish();
  in(Disconnect{0x8B});  // Server shutting down
  EXPECT_FALSE(client->connected());
  EXPECT_EQ(client->stats().last_disconnect, 0x8B);
  clock.advance_to(clock.now_us() + 2'000'000);
  ASSERT_EQ(transport.connects.size(), 2u);  // reconnecting with backoff
  establish();
  // A PUBLISH with a Topic Alias (an empty topic): we allowed none, so DISCONNECT 0x94 and close.
  Publish aliased{"", {}, 0, false, false, 0};
  aliased.properties.push_back({PropertyId::topic_alias, 1});
  in(aliased);
  Bytes keep;
  auto ps = packets(keep);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(std::get<Disconnect>(ps[0]).reason, 0x94);
  EXPECT_EQ(transport.closed.back(), 2u);
  EXPECT_FALSE(client->connected());
}

TEST_F(Client5Test, ASessionPresentAfterCleanStartIsAProtocolError) {
  client->start();
  client->on_open(conn());
  sent();
  in(connack({}, /*session_present=*/true));
  Bytes keep;
  auto ps = packets(keep);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(std::get<Disconnect>(ps[0]).reason, 0x82);
  EXPECT_FALSE(client->connected());
}

}  // namespace
}  // namespace twinbench::runtime::mqtt
