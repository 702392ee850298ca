#include "twinbench/runtime/lwm2m/Server.hpp"

#include <gtest/gtest.h>

#include "twinbench/runtime/TimerQueue.hpp"

namespace twinbench::runtime::lwm2m {
namespace {

using Bytes = std::vector<std::uint8_t>;
namespace codes = coap::codes;
namespace options = coap::options;

struct Wire final : Datagrams {
  std::vector<std::pair<PeerId, Bytes>> sent;
  SendStatus send_to(PeerId to, std::span<const std::uint8_t> b) override {
    sent.emplace_back(to, Bytes(b.begin(), b.end()));
    return SendStatus::ok;
  }
  coap::Message last(Bytes& keep) {
    keep = sent.back().second;
    coap::Message m;
    EXPECT_EQ(coap::decode(keep, m), coap::DecodeStatus::ok);
    return m;
  }
};

struct Hooks final : ServerHooks {
  std::vector<std::string> registered;
  std::vector<std::pair<std::string, Ended>> ended;
  std::vector<std::pair<std::string, std::vector<senml::Record>>> values;
  std::vector<Problem> problems;
  void on_registered(const Registration& r) override { registered.push_back(r.endpoint); }
  void on_deregistered(const Registration& r, Ended why) override { ended.emplace_back(r.endpoint, why); }
  void on_values(const Registration& r, std::span<const senml::Record> recs, std::size_t) override {
    values.emplace_back(r.endpoint, std::vector<senml::Record>(recs.begin(), recs.end()));
  }
  void on_problem(PeerId, Problem p) override { problems.push_back(p); }
};

constexpr PeerId kDev = 7;

struct ServerTest : ::testing::Test {
  ManualClock clock;
  Wire wire;
  Hooks hooks;
  ServerConfig config = [] {
    ServerConfig c;
    c.observe = {"/3303/0", "/3316"};
    return c;
  }();
  Server server{config, clock, wire, hooks, core::Rng(1).stream("lwm2m")};
  std::uint16_t mid = 100;

  /** A client request; returns the server's answer. */
  coap::Message request(PeerId from, std::uint8_t code, std::vector<std::string> path, std::vector<std::string> queries,
                        std::string payload, std::optional<std::uint16_t> format, Bytes& keep,
                        coap::Type type = coap::Type::con) {
    Bytes d;
    const std::uint8_t token[2] = {0xAB, static_cast<std::uint8_t>(mid)};
    coap::Writer w(d, type, code, mid++, token);
    for (const auto& p : path) w.option(options::uri_path, p);
    if (format) w.uint_option(options::content_format, *format);
    for (const auto& q : queries) w.option(options::uri_query, q);
    w.payload(payload);
    const std::size_t before = wire.sent.size();
    server.on_datagram(from, d);
    if (wire.sent.size() == before) return {};
    keep = wire.sent[before].second;  // the answer; observe requests may follow it
    coap::Message m;
    EXPECT_EQ(coap::decode(keep, m), coap::DecodeStatus::ok);
    return m;
  }
  std::string register_dev(PeerId from, const std::string& ep, const std::string& links = "</1/0>,</3303/0>,</3316/0>") {
    Bytes keep;
    const auto m = request(from, codes::post, {"rd"}, {"ep=" + ep, "lt=60", "lwm2m=1.1", "b=U"}, links,
                           coap::formats::link_format, keep);
    EXPECT_EQ(m.code, codes::created);
    const auto loc = m.strings(options::location_path);
    EXPECT_EQ(loc.size(), 2u);
    return loc.size() == 2 ? std::string(loc[1]) : "";
  }
};

TEST_F(ServerTest, RegisterAnswersCreatedWithALocationAndObservesTheConfiguredPaths) {
  const std::size_t before = wire.sent.size();
  const std::string loc = register_dev(kDev, "pump-1");
  EXPECT_EQ(hooks.registered, std::vector<std::string>{"pump-1"});
  const Registration* r = server.find(kDev);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->location, loc);
  EXPECT_EQ(r->lifetime_s, 60u);
  EXPECT_EQ(r->version, "1.1");
  EXPECT_EQ(r->objects, (std::vector<std::string>{"/1/0", "/3303/0", "/3316/0"}));
  // The 2.01, then GET Observe=0 for /3303/0 and /3316 (an object: the client has an instance of it).
  ASSERT_EQ(wire.sent.size(), before + 3);
  std::vector<std::string> observed;
  for (std::size_t i = before + 1; i < wire.sent.size(); ++i) {
    coap::Message m;
    ASSERT_EQ(coap::decode(wire.sent[i].second, m), coap::DecodeStatus::ok);
    EXPECT_EQ(m.type, coap::Type::con);
    EXPECT_EQ(m.code, codes::get);
    EXPECT_EQ(m.uint_option(options::observe), 0u);
    EXPECT_EQ(m.uint_option(options::accept), coap::formats::senml_json);
    observed.push_back(m.path());
  }
  EXPECT_EQ(observed, (std::vector<std::string>{"3303/0", "3316"}));
}

TEST_F(ServerTest, NotificationsReachTheHooksInOrderAndConfirmableOnesAreAcknowledged) {
  register_dev(kDev, "pump-1");
  coap::Message get;
  Bytes get_bytes = wire.sent[1].second;
  ASSERT_EQ(coap::decode(get_bytes, get), coap::DecodeStatus::ok);
  const Bytes token(get.token.begin(), get.token.end());
  const auto notify = [&](coap::Type type, std::uint16_t id, std::uint32_t seq, double v) {
    Bytes d;
    coap::Writer(d, type, codes::content, id, token)
        .uint_option(options::observe, seq)
        .uint_option(options::content_format, coap::formats::senml_json)
        .payload(senml::encode_json(std::vector<senml::Record>{{"/3303/0/5700", "Cel", senml::Kind::number, v, false, "", 0, {}}}));
    server.on_datagram(kDev, d);
  };
  // The piggybacked answer to the observe establishes it.
  notify(coap::Type::ack, get.id, 5, 20.0);
  EXPECT_EQ(server.observations(), 1u);
  notify(coap::Type::con, 900, 6, 21.0);
  Bytes keep;
  const auto ack = wire.last(keep);
  EXPECT_EQ(ack.type, coap::Type::ack);
  EXPECT_EQ(ack.code, codes::empty);
  EXPECT_EQ(ack.id, 900);
  notify(coap::Type::non, 901, 4, 19.0);  // older than 6: stale, dropped
  notify(coap::Type::con, 900, 6, 21.0);  // a duplicate: ACKed again, not delivered twice
  EXPECT_EQ(wire.last(keep).id, 900);
  notify(coap::Type::non, 902, 7, 22.0);
  ASSERT_EQ(hooks.values.size(), 3u);
  EXPECT_DOUBLE_EQ(hooks.values[0].second[0].number, 20.0);
  EXPECT_DOUBLE_EQ(hooks.values[1].second[0].number, 21.0);
  EXPECT_DOUBLE_EQ(hooks.values[2].second[0].number, 22.0);
  EXPECT_EQ(server.stats().duplicates, 1u);
}

TEST(ServerComposite, OneFetchObservesEveryPathAndItsNotificationsCarryThemAll) {
  ManualClock clock;
  Wire wire;
  Hooks hooks;
  ServerConfig config;
  config.observe = {"/3303/0", "/3316/0", "/3323/0"};  // the client has no 3323
  config.composite = true;
  Server server(config, clock, wire, hooks, core::Rng(2).stream("lwm2m"));
  Bytes d;
  coap::Writer(d, coap::Type::con, codes::post, 1, {}).option(options::uri_path, "rd").option(options::uri_query, "ep=c").payload("</3303/0>,</3316/0>");
  server.on_datagram(kDev, d);
  ASSERT_EQ(wire.sent.size(), 2u);  // 2.01, then one FETCH
  Bytes keep = wire.sent[1].second;
  coap::Message fetch;
  ASSERT_EQ(coap::decode(keep, fetch), coap::DecodeStatus::ok);
  EXPECT_EQ(fetch.code, codes::fetch);
  EXPECT_EQ(fetch.path(), "");
  EXPECT_EQ(fetch.uint_option(options::observe), 0u);
  EXPECT_EQ(fetch.uint_option(options::content_format), coap::formats::senml_json);
  EXPECT_EQ(std::string(fetch.payload.begin(), fetch.payload.end()), R"([{"n":"/3303/0"},{"n":"/3316/0"}])");
  d.clear();
  coap::encode_empty(coap::Type::ack, fetch.id, d);  // an empty ACK: the answer comes separately
  server.on_datagram(kDev, d);
  d.clear();
  coap::Writer(d, coap::Type::non, codes::content, 500, fetch.token)
      .uint_option(options::observe, 1)
      .uint_option(options::content_format, coap::formats::senml_json)
      .payload(R"([{"bn":"/","n":"3303/0/5700","v":20.5},{"n":"3316/0/5700","v":231}])");
  server.on_datagram(kDev, d);
  ASSERT_EQ(hooks.values.size(), 1u);
  ASSERT_EQ(hooks.values[0].second.size(), 2u);
  EXPECT_EQ(hooks.values[0].second[1].name, "/3316/0/5700");
  EXPECT_EQ(server.observations(), 1u);
  EXPECT_EQ(server.stats().retransmissions, 0u);
}

TEST_F(ServerTest, AnUnknownNotificationGetsAReset) {
  register_dev(kDev, "pump-1");
  Bytes d;
  const std::uint8_t token[4] = {9, 9, 9, 9};
  coap::Writer(d, coap::Type::con, codes::content, 77, token).uint_option(options::observe, 1).payload("1");
  server.on_datagram(kDev, d);
  Bytes keep;
  const auto rst = wire.last(keep);
  EXPECT_EQ(rst.type, coap::Type::rst);
  EXPECT_EQ(rst.id, 77);
  EXPECT_EQ(hooks.problems.back(), Problem::unknown_exchange);
  // A client removing its resources tells its observers with an error notification: reset, not a problem.
  d.clear();
  coap::Writer(d, coap::Type::non, codes::not_found, 78, token);
  server.on_datagram(kDev, d);
  EXPECT_EQ(wire.last(keep).type, coap::Type::rst);
  EXPECT_EQ(hooks.problems.size(), 1u);
}

TEST_F(ServerTest, ObserveRequestsAreRetransmittedWithBackoffThenAbandoned) {
  register_dev(kDev, "quiet");
  const std::size_t after_register = wire.sent.size();  // the 2.01 and two GETs
  clock.advance_to(2'000'000 * 1.5 * 31);  // past 2+4+8+16+32 timeouts at the largest jitter
  // Each GET went 4 more times, then the server gave up on both.
  EXPECT_EQ(wire.sent.size(), after_register + 8);
  EXPECT_EQ(server.stats().retransmissions, 8u);
  EXPECT_EQ(std::count(hooks.problems.begin(), hooks.problems.end(), Problem::gave_up), 2);
  EXPECT_EQ(server.observations(), 0u);
}

TEST_F(ServerTest, SendUpdateAndDeregister) {
  const std::string loc = register_dev(kDev, "pump-1");
  Bytes keep;
  auto m = request(kDev, codes::post, {"dp"}, {}, R"([{"bn":"/3303/0/","n":"5700","v":23.5}])", coap::formats::senml_json, keep);
  EXPECT_EQ(m.code, codes::changed);
  ASSERT_EQ(hooks.values.size(), 1u);
  EXPECT_EQ(hooks.values[0].second[0].name, "/3303/0/5700");
  // Update from a new address (NAT rebinding): the registration follows it.
  m = request(kDev + 1, codes::post, {"rd", loc}, {"lt=120"}, "", std::nullopt, keep);
  EXPECT_EQ(m.code, codes::changed);
  EXPECT_EQ(server.find(kDev), nullptr);
  ASSERT_TRUE(server.find(kDev + 1));
  EXPECT_EQ(server.find(kDev + 1)->lifetime_s, 120u);
  EXPECT_EQ(server.find(kDev + 1)->device, kDev);  // still the same device
  m = request(kDev + 1, codes::del, {"rd", loc}, {}, "", std::nullopt, keep);
  EXPECT_EQ(m.code, codes::deleted);
  EXPECT_EQ(server.registrations(), 0u);
  ASSERT_EQ(hooks.ended.size(), 1u);
  EXPECT_EQ(hooks.ended[0].second, Ended::deregistered);
  m = request(kDev + 1, codes::del, {"rd", loc}, {}, "", std::nullopt, keep);
  EXPECT_EQ(m.code, codes::not_found);
}

TEST_F(ServerTest, RegistrationsExpireAfterTheirLifetimeUnlessUpdated) {
  const std::string a = register_dev(kDev, "a");
  register_dev(kDev + 1, "b");
  clock.advance_to(50'000'000);
  Bytes keep;
  EXPECT_EQ(request(kDev, codes::post, {"rd", a}, {}, "", std::nullopt, keep).code, codes::changed);
  clock.advance_to(61'000'000);
  server.sweep();
  EXPECT_TRUE(server.find(kDev));
  EXPECT_FALSE(server.find(kDev + 1));
  ASSERT_EQ(hooks.ended.size(), 1u);
  EXPECT_EQ(hooks.ended[0], (std::pair<std::string, Ended>{"b", Ended::expired}));
}

TEST_F(ServerTest, RegisteringTheSameEndpointAgainReplacesTheOldRegistration) {
  const std::string first = register_dev(kDev, "pump-1");
  const std::string second = register_dev(kDev + 5, "pump-1");
  EXPECT_NE(first, second);
  EXPECT_EQ(server.registrations(), 1u);
  EXPECT_EQ(hooks.ended[0].second, Ended::replaced);
  EXPECT_EQ(server.find_endpoint("pump-1")->peer, kDev + 5);
  // An endpoint moving to an address that holds another client replaces that one too (found by fuzzing:
  // the other registration was left behind, unreachable).
  register_dev(kDev, "fan-1");
  register_dev(kDev, "pump-1");
  EXPECT_EQ(server.registrations(), 1u);
  EXPECT_EQ(server.find(kDev)->endpoint, "pump-1");
  EXPECT_FALSE(server.find_endpoint("fan-1"));
}

TEST_F(ServerTest, BadRequestsGetTheRightCodes) {
  Bytes keep;
  EXPECT_EQ(request(kDev, codes::post, {"rd"}, {"lt=60"}, "", std::nullopt, keep).code, codes::bad_request);  // no ep
  EXPECT_EQ(request(kDev, codes::post, {"rd"}, {"ep=x", "lt=abc"}, "", std::nullopt, keep).code, codes::bad_request);
  EXPECT_EQ(request(kDev, codes::post, {"rd"}, {"ep=x", "lwm2m=2.0"}, "", std::nullopt, keep).code, codes::precondition_failed);
  EXPECT_EQ(request(kDev, codes::post, {"rd"}, {"ep=x"}, "</3303/0", std::nullopt, keep).code, codes::bad_request);
  EXPECT_EQ(request(kDev, codes::post, {"rd"}, {"ep=x"}, "{}", coap::formats::json, keep).code, codes::unsupported_content_format);
  EXPECT_EQ(request(kDev, codes::get, {"rd"}, {}, "", std::nullopt, keep).code, codes::method_not_allowed);
  EXPECT_EQ(request(kDev, codes::get, {"nothing"}, {}, "", std::nullopt, keep).code, codes::not_found);
  // Send from an address that never registered, then malformed SenML, then the wrong format.
  EXPECT_EQ(request(kDev, codes::post, {"dp"}, {}, "[]", coap::formats::senml_json, keep).code, codes::forbidden);
  register_dev(kDev, "x");
  EXPECT_EQ(request(kDev, codes::post, {"dp"}, {}, "[{\"v\":1}]", coap::formats::senml_json, keep).code, codes::bad_request);
  EXPECT_EQ(request(kDev, codes::post, {"dp"}, {}, "1", coap::formats::text, keep).code, codes::unsupported_content_format);
  EXPECT_TRUE(hooks.values.empty());
  // A request with an unknown critical option: 4.02 for a CON, RST for a NON.
  Bytes d;
  coap::Writer(d, coap::Type::con, codes::get, 4242, {}).option(options::if_match, "x").option(options::uri_path, "rd");
  server.on_datagram(kDev, d);
  EXPECT_EQ(wire.last(keep).code, codes::bad_option);
  d.clear();
  coap::Writer(d, coap::Type::non, codes::get, 4243, {}).option(options::proxy_uri, "coap://x");
  server.on_datagram(kDev, d);
  EXPECT_EQ(wire.last(keep).type, coap::Type::rst);
}

TEST_F(ServerTest, DuplicateConfirmableRequestsGetTheSameResponseAndAreHandledOnce) {
  Bytes reg;
  const std::uint8_t token[1] = {1};
  coap::Writer(reg, coap::Type::con, codes::post, 555, token).option(options::uri_path, "rd").option(options::uri_query, "ep=dup").payload("</3303/0>");
  server.on_datagram(kDev, reg);
  const Bytes first = wire.sent[0].second;
  const std::size_t n = wire.sent.size();
  server.on_datagram(kDev, reg);
  ASSERT_EQ(wire.sent.size(), n + 1);
  EXPECT_EQ(wire.sent.back().second, first);
  EXPECT_EQ(hooks.registered.size(), 1u);
  // After EXCHANGE_LIFETIME the message id is free again.
  clock.advance_to(config.exchange_lifetime_us + 1);
  server.sweep();
  server.on_datagram(kDev, reg);
  EXPECT_EQ(hooks.registered.size(), 2u);
}

TEST_F(ServerTest, MalformedConfirmablesGetAResetAndPingsToo) {
  server.on_datagram(kDev, Bytes{0x40, 0x01, 0x12, 0x34, 0xFF});
  Bytes keep;
  auto m = wire.last(keep);
  EXPECT_EQ(m.type, coap::Type::rst);
  EXPECT_EQ(m.id, 0x1234);
  EXPECT_EQ(hooks.problems.back(), Problem::malformed);
  server.on_datagram(kDev, Bytes{0x40, 0x00, 0x00, 0x09});  // CoAP ping
  m = wire.last(keep);
  EXPECT_EQ(m.type, coap::Type::rst);
  EXPECT_EQ(m.id, 9);
  const std::size_t n = wire.sent.size();
  server.on_datagram(kDev, Bytes{0x50, 0x01, 0x12, 0x34, 0xFF});  // a malformed NON: silently ignored
  server.on_datagram(kDev, Bytes{0x40});
  EXPECT_EQ(wire.sent.size(), n);
}

TEST(LinkFormat, ReadsPathsAndSkipsTheRootAndAttributes) {
  const auto p = link_paths(R"(</>;rt="oma.lwm2m";ct=110,</1/0>,</3/0>;ver=1.1, </3303/0>;title="a, b",</3316>)");
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, (std::vector<std::string>{"/1/0", "/3/0", "/3303/0", "/3316"}));
  EXPECT_FALSE(link_paths("</1/0"));
  EXPECT_FALSE(link_paths("/1/0"));
  EXPECT_FALSE(link_paths(R"(</1/0>;title="open)"));
  EXPECT_TRUE(link_paths("")->empty());
}

}  // namespace
}  // namespace twinbench::runtime::lwm2m
