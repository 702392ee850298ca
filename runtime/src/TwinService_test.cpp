// The twin relay, end to end through the edge runtime: cloud operation in, MQTT to the device, the
// device's answer back, one result per (operation, device) on the uplink.
#include "twinbench/runtime/TwinService.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "TestPorts.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/twins/dtdl/TwinRegistry.hpp"

namespace twinbench::runtime {
namespace {

using nlohmann::json;

struct Message {
  std::string topic;
  json payload;
};

/** Every PUBLISH in `bytes` (other packets skipped), payloads parsed as JSON. */
std::vector<Message> publishes(const Bytes& bytes) {
  std::vector<Message> out;
  std::span<const std::uint8_t> rest(bytes);
  while (!rest.empty()) {
    const auto r = mqtt::decode(rest);
    if (r.status != mqtt::DecodeStatus::ok) ADD_FAILURE() << "undecodable bytes from the gateway";
    if (r.status != mqtt::DecodeStatus::ok) break;
    if (const auto* p = std::get_if<mqtt::Publish>(&r.packet))
      out.push_back({std::string(p->topic), json::parse(p->payload.begin(), p->payload.end(), nullptr, false)});
    rest = rest.subspan(r.consumed);
  }
  return out;
}

Bytes publish_bytes(std::string_view topic, std::string_view payload) {
  Bytes b;
  mqtt::encode_text_publish(topic, payload, b);
  return b;
}

class TwinServiceTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    auto models = std::make_shared<twins::dtdl::ModelSet>();
    models->add_path(TWINBENCH_MODELS_DIR);
    models->resolve();
    ASSERT_TRUE(models->ok());
    models_ = models;
  }
  static std::shared_ptr<const twins::dtdl::ModelSet> models_;

  ManualClock clock;
  TestCloud uplink{clock};  ///< the cloud's broker
  RecordingTransport transport{&uplink};
  CountingCompute compute;
  RecordingSink sink;
  std::unique_ptr<EdgeRuntime> rt;

  void SetUp() override {
    EdgeConfig c;
    c.name = "gw-a";
    c.uplink_client = gateway_uplink_client(c.name, "cloud");
    c.models = models_;
    c.twin_dtmi = "dtmi:twinbench:Compressor;1";
    c.command_timeout_us = 5'000'000;
    rt = std::make_unique<EdgeRuntime>(c, EdgePorts{clock, transport, compute, sink});
    rt->start();
    connect(0);
    connect(1);
  }
  void connect(ConnId d) {
    mqtt::Connect c;
    std::string id = "d";  // += : GCC 12 warns falsely (-Wrestrict) on "d" + to_string
    id += std::to_string(d);
    c.client_id = id;
    c.keepalive_s = 600;
    Bytes b;
    mqtt::encode(c, b);
    rt->on_open(d);
    rt->on_bytes(d, b);
    transport.sent.erase(d);  // the CONNACK
  }
  void cloud(const json& op) { uplink.publish("tb/cloud/gw-a", op.dump()); }
  void device(ConnId d, std::string_view leaf, const json& payload) {
    rt->on_bytes(d, publish_bytes("tb/gw-a/" + std::to_string(d) + std::string(leaf), payload.dump()));
  }
  /** What device `d` received since the last call. */
  std::vector<Message> received(ConnId d) {
    auto m = publishes(transport.sent[d]);
    transport.sent.erase(d);
    return m;
  }
  /** What the gateway published on tb/twin/gw-a so far. */
  std::vector<Message> twin_results() const {
    std::vector<Message> out;
    for (const Bytes& p : uplink.on("tb/twin/gw-a")) out.push_back({"tb/twin/gw-a", json::parse(p.begin(), p.end())});
    return out;
  }
  /** Results the gateway sent up within the next forward interval: [[op, device, status], ...]. */
  json results() {
    clock.advance_to(clock.now_us() + 10'000'000);
    json all = json::array();
    for (const Message& m : twin_results())
      for (const auto& r : m.payload["results"]) all.push_back(r);
    uplink.published.clear();
    return all;
  }
  std::int64_t refused() const {
    std::int64_t n = 0;
    for (const auto& e : sink.of<ev::TwinChecked>()) n += e.refused;
    return n;
  }
};
std::shared_ptr<const twins::dtdl::ModelSet> TwinServiceTest::models_;

TEST_F(TwinServiceTest, DesiredPropertyReachesEveryTargetAndTheAcknowledgementConverges) {
  cloud({{"op", 7}, {"devices", {{0, 1}}}, {"property", "alertThreshold"}, {"value", 0.8}});
  for (ConnId d : {0u, 1u}) {
    const auto got = received(d);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].topic, "tb/gw-a/" + std::to_string(d) + "/twin/desired");
    EXPECT_EQ(got[0].payload, json({{"alertThreshold", 0.8}, {"$version", 1}}));
  }
  EXPECT_EQ(rt->twins()->desired_pending(), 2u);
  device(0, "/twin/reported", {{"alertThreshold", {{"value", 0.8}, {"ac", 200}, {"av", 1}}}});
  EXPECT_EQ(rt->twins()->desired_pending(), 1u);
  EXPECT_EQ(results(), json::parse("[[7, 0, 200]]"));
  EXPECT_EQ(rt->twins()->twin(0)->reported("", "alertThreshold")->first, 0.8);
  EXPECT_TRUE(rt->twins()->twin(0)->pending().empty());
  EXPECT_EQ(rt->twins()->twin(1)->pending(), std::vector<std::string>{"/alertThreshold"});
  EXPECT_TRUE(sink.of<ev::Telemetry>().empty());  // twin answers are not telemetry
}

TEST_F(TwinServiceTest, AnOfflineDeviceGetsItsDesiredValuesWhenItConnects) {
  cloud({{"op", 1}, {"devices", {{5, 5}}}, {"property", "reportingPeriod"}, {"value", 30}});
  EXPECT_TRUE(transport.sent[5].empty());
  rt->on_open(5);
  mqtt::Connect c;
  c.client_id = "d5";
  Bytes b;
  mqtt::encode(c, b);
  rt->on_bytes(5, b);
  const auto got = received(5);  // CONNACK first, then the desired value
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, json({{"reportingPeriod", 30}, {"$version", 1}}));
}

TEST_F(TwinServiceTest, ComponentPropertiesNestAsPlugAndPlayDoes) {
  cloud({{"op", 2}, {"devices", {{0, 0}}}, {"property", "cooler/fanOverride"}, {"value", true}});
  const auto got = received(0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, json::parse(R"({"cooler": {"__t": "c", "fanOverride": true}, "$version": 1})"));
  device(0, "/twin/reported", json::parse(R"({"cooler": {"__t": "c", "fanOverride": {"value": true, "ac": 200, "av": 1}}})"));
  EXPECT_EQ(results(), json::parse("[[2, 0, 200]]"));
  EXPECT_EQ(rt->twins()->twin(0)->reported("cooler", "fanOverride")->first, true);
}

TEST_F(TwinServiceTest, TheModelRefusesReadOnlyAndIllTypedValuesBeforeAnythingIsSent) {
  cloud({{"op", 1}, {"devices", {{0, 0}}}, {"property", "serialNumber"}, {"value", "SN"}});
  cloud({{"op", 2}, {"devices", {{0, 0}}}, {"property", "alertThreshold"}, {"value", "high"}});
  cloud({{"op", 3}, {"devices", {{0, 0}}}, {"property", "motor/oilLevel"}, {"value", 1}});
  EXPECT_TRUE(received(0).empty());
  EXPECT_EQ(results(), json::parse("[[1, 0, 400], [2, 0, 400], [3, 0, 400]]"));
}

TEST_F(TwinServiceTest, ANewerDesiredValueSupersedesAnUnacknowledgedOne) {
  cloud({{"op", 1}, {"devices", {{0, 0}}}, {"property", "alertThreshold"}, {"value", 0.5}});
  cloud({{"op", 2}, {"devices", {{0, 0}}}, {"property", "alertThreshold"}, {"value", 0.9}});
  device(0, "/twin/reported", {{"alertThreshold", {{"value", 0.5}, {"ac", 200}, {"av", 1}}}});  // late: ignored
  device(0, "/twin/reported", {{"alertThreshold", {{"value", 0.9}, {"ac", 200}, {"av", 2}}}});
  EXPECT_EQ(results(), json::parse("[[1, 0, 409], [2, 0, 200]]"));
  EXPECT_EQ(rt->twins()->desired_pending(), 0u);
}

TEST_F(TwinServiceTest, ADeviceThatRefusesAValueOrAcknowledgesAnIllTypedOneFails) {
  cloud({{"op", 1}, {"devices", {{0, 1}}}, {"property", "reportingPeriod"}, {"value", 0.01}});
  device(0, "/twin/reported", {{"reportingPeriod", {{"value", 10}, {"ac", 400}, {"av", 1}}}});
  device(1, "/twin/reported", {{"reportingPeriod", {{"value", "fast"}, {"ac", 200}, {"av", 1}}}});
  EXPECT_EQ(results(), json::parse("[[1, 0, 400], [1, 1, 502]]"));
  EXPECT_EQ(refused(), 1);
}

TEST_F(TwinServiceTest, CommandsRoundTripWithTheirResponseChecked) {
  cloud({{"op", 4}, {"devices", {{0, 1}}}, {"command", "setReportingPeriod"}, {"request", 30}});
  const auto got = received(0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "tb/gw-a/0/commands/setReportingPeriod");
  EXPECT_EQ(got[0].payload, json({{"rid", 1}, {"request", 30}}));
  EXPECT_EQ(received(1)[0].payload["rid"], 2);
  device(0, "/commands/response", {{"rid", 1}, {"status", 200}, {"response", true}});
  device(1, "/commands/response", {{"rid", 2}, {"status", 200}, {"response", "yes"}});
  EXPECT_EQ(results(), json::parse("[[4, 0, 200], [4, 1, 502]]"));
  EXPECT_EQ(rt->twins()->commands_pending(), 0u);
}

TEST_F(TwinServiceTest, CommandsFailFastForOfflineDevicesAndTimeOutWithoutAResponse) {
  cloud({{"op", 1}, {"devices", {{0, 0}, {9, 9}}}, {"command", "setReportingPeriod"}, {"request", 30}});
  cloud({{"op", 2}, {"devices", {{0, 0}}}, {"command", "setReportingPeriod"}, {"request", "soon"}});
  cloud({{"op", 3}, {"devices", {{0, 0}}}, {"command", "reboot"}});
  EXPECT_EQ(results(), json::parse("[[1, 9, 404], [2, 0, 400], [3, 0, 400], [1, 0, 504]]"));
  device(0, "/commands/response", {{"rid", 1}, {"status", 200}, {"response", true}});  // too late
  EXPECT_EQ(results(), json::array());
  EXPECT_EQ(refused(), 1);
}

TEST_F(TwinServiceTest, MalformedMessagesAreCountedNeverApplied) {
  uplink.publish("tb/cloud/gw-a", "{not json");
  cloud({{"op", -1}, {"devices", {{0, 0}}}, {"property", "alertThreshold"}, {"value", 1}});
  cloud({{"op", 1}, {"devices", {{3, 2}}}, {"property", "alertThreshold"}, {"value", 1}});
  cloud({{"op", 1}, {"devices", {{0, 4000000000}}}, {"property", "alertThreshold"}, {"value", 1}});
  cloud({{"op", 1}, {"devices", {{0, 0}}}, {"property", "alertThreshold"}, {"command", "x"}, {"value", 1}});
  cloud({{"op", 1}, {"devices", {{0, 0}}}, {"property", "alertThreshold"}});
  rt->on_bytes(0, publish_bytes("tb/gw-a/0/twin/reported", "[1, 2]"));
  device(0, "/commands/response", {{"rid", "one"}});
  device(0, "/twin/reported", {{"alertThreshold", {{"value", 0.8}, {"ac", "ok"}, {"av", 1}}}});
  EXPECT_TRUE(received(0).empty());
  EXPECT_EQ(results(), json::array());
  EXPECT_EQ(refused(), 9);
  EXPECT_EQ(rt->sessions_connected(), 2u);  // a bad twin message does not cost the device its session
}

TEST_F(TwinServiceTest, ResultsGoUpWithinTheResultDelayNotWithTheTelemetry) {
  clock.advance_to(3'000'000);
  cloud({{"op", 1}, {"devices", {{9, 9}}}, {"command", "setReportingPeriod"}, {"request", 30}});
  clock.advance_to(3'999'999);
  EXPECT_TRUE(twin_results().empty());
  clock.advance_to(4'000'000);
  ASSERT_EQ(twin_results().size(), 1u);
  EXPECT_EQ(twin_results()[0].payload, json::parse(R"({"results": [[1, 9, 404]]})"));
}

TEST_F(TwinServiceTest, ResultsWaitForTheUplink) {
  cloud({{"op", 1}, {"devices", {{9, 9}}}, {"command", "setReportingPeriod"}, {"request", 30}});
  uplink.cut();
  EXPECT_EQ(results(), json::array());
  uplink.restore();
  clock.advance_to(clock.now_us() + 30'000'000);  // the client reconnects within its backoff (30 s at most)
  EXPECT_EQ(results(), json::parse("[[1, 9, 404]]"));
  EXPECT_EQ(results(), json::array());
}

}  // namespace
}  // namespace twinbench::runtime
