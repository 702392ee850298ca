// The broker with access rules (Access.hpp): credentials, ACL refusals with each version's codes, wills,
// and a password check that answers later.
#include "twinbench/runtime/mqtt/Broker.hpp"

#include "BrokerFixture.hpp"

namespace twinbench::runtime::mqtt {
namespace {

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
