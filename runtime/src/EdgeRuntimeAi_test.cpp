// The edge runtime's edge AI at a gateway: several asset classes on one gateway, alerts to partners as
// webhooks and in the alert book, rules previewed and applied by people, and detector state when a
// connection id changes hands.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "EdgeRuntimeTesting.hpp"
#include "twinbench/core/JsonReader.hpp"

namespace twinbench::runtime {
namespace {

TEST_F(EdgeRuntimeTest, OnASharedGatewayEachClassIsCheckedAndScoredByItsOwnModel) {
  // Compressors on .../telemetry/compressor scored on record channel 0 (threshold 5); pumps on
  // .../telemetry/pump scored on channel 1 (threshold 50), their records two channels. The score is the
  // window's largest value (MaxScorer), so 10 on channel 0 and 20 on channel 1 alert a compressor only.
  config.telemetry_filter = "tb/gw-a/+/telemetry/compressor";
  config.detector = max_detector("comp", "compressor", 0, 5);
  config.scorer = std::make_shared<MaxScorer>(2);
  config.rules = default_rules();
  DeviceClass pumps;
  pumps.telemetry_filter = "tb/gw-a/+/telemetry/pump";
  pumps.telemetry_model = std::vector<ChannelRule>(2);
  pumps.detector = max_detector("pump", "pump", 1, 50);
  pumps.scorer = std::make_shared<MaxScorer>(2);
  config.other_classes = {pumps};
  SetUp();
  connect(0);
  connect(1);
  for (std::uint32_t k = 1; k <= 2; ++k) {
    send_record(0, "tb/gw-a/0/telemetry/compressor", {10, 20}, k);
    send_record(1, "tb/gw-a/1/telemetry/pump", {10, 20}, k);
  }
  send_record(1, "tb/gw-a/1/telemetry/pump", {10, 20, 30}, 3);  // three channels: the pump's model refuses it
  send_record(1, "tb/gw-a/1/status", {10, 20}, 4);              // no class's topic: not telemetry
  clock.advance_to(10'000'000);
  const auto raised = sink.of<ev::AlertRaised>();
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].device, 0u);
  EXPECT_EQ(rt->detector()->windows_scored(), 1u);
  EXPECT_EQ(rt->class_detector(0)->windows_scored(), 1u);
  EXPECT_EQ(rt->class_detector(0)->config().asset_class, "pump");
  EXPECT_EQ(sink.of<ev::Telemetry>().size(), 5u);
  ASSERT_EQ(sink.of<ev::TelemetryChecked>().size(), 1u);
  EXPECT_EQ(sink.of<ev::TelemetryChecked>()[0].records_refused, 1);
  // Rules from the cloud go to both detectors, each keeping its class's: one rule for pumps only.
  cloud.publish("tb/cloud/gw-a/rules", R"({"format": "twinbench-rules/1", "rules": [{"name": "p", "asset_class": "pump", "raise_above": "model"}]})");
  clock.advance_to(11'000'000);
  ASSERT_EQ(sink.of<ev::RulesChanged>().size(), 1u);
  EXPECT_EQ(sink.of<ev::RulesChanged>()[0].rules, 1);
  EXPECT_EQ(rt->detector()->active_rules(), 0u);
  EXPECT_EQ(rt->class_detector(0)->active_rules(), 1u);
}

TEST_F(EdgeRuntimeTest, AnAlertRaisedGoesToThePartnersAsASignedWebhook) {
  RecordingHttp partner;
  config.detector = max_detector("m", "compressor", 0, 5);
  config.scorer = std::make_shared<MaxScorer>(2);
  config.rules = default_rules();
  config.utc_at_start_us = 1'767'225'600'000'000;
  WebhookPartner cmms;
  cmms.name = "cmms";
  cmms.url = "https://cmms.example/hooks";
  cmms.secret = {1, 2, 3};
  config.webhooks = {cmms};
  http = &partner;
  SetUp();
  connect(0);
  for (std::uint32_t k = 1; k <= 2; ++k) {  // a window of 2 samples scoring 10 > 5: one alert
    send_record(0, "tb/gw-a/0/telemetry", {10, 0, 0, 0, 0, 0}, k);
  }
  clock.advance_to(1'000'000);
  ASSERT_EQ(sink.of<ev::AlertRaised>().size(), 1u);
  ASSERT_EQ(partner.posts.size(), 1u);
  const auto body = nlohmann::json::parse(partner.posts[0].body);
  EXPECT_EQ(body["kind"], "alert");
  EXPECT_EQ(body["gateway"], "gw-a");
  EXPECT_EQ(body["data"]["device"], "dev0");  // its MQTT client id
  EXPECT_EQ(body["data"]["severity"], "warning");
  EXPECT_EQ(body["data"]["rule"], config.rules.rules[0].name);
  EXPECT_EQ(partner.posts[0].url, "https://cmms.example/hooks");
  const std::int64_t created = body["created_us"].get<std::int64_t>();
  EXPECT_GE(created, config.utc_at_start_us);
  EXPECT_EQ(partner.posts[0].headers[1].second, Webhooks::signature(cmms.secret, created, partner.posts[0].body));
}

TEST_F(EdgeRuntimeTest, AnAlertIsInTheAlertBookUntilItClearsAndItsAcknowledgementIsAudited) {
  RecordingAudit trail;
  audit = &trail;
  config.detector = max_detector("m", "compressor", 0, 5);
  config.scorer = std::make_shared<MaxScorer>(2);
  config.rules = default_rules();
  config.rules.rules[0].clear_below = 0.5;  // below half the threshold
  config.utc_at_start_us = 1'767'225'600'000'000;
  SetUp();
  connect(0);
  const auto window = [&](std::uint32_t first, float v) {  // 2 samples: one window scoring v
    for (std::uint32_t k = first; k < first + 2; ++k) {
      send_record(0, "tb/gw-a/0/telemetry", {v, 0, 0, 0, 0, 0}, k);
    }
  };
  window(1, 10);
  clock.advance_to(1'000'000);
  const auto listed = rt->alert_book().list();
  ASSERT_EQ(listed.size(), 1u);
  const AlertEntry& a = listed[0];
  EXPECT_EQ(a.device, "dev0");
  EXPECT_EQ(a.rule, config.rules.rules[0].name);
  EXPECT_EQ(a.severity, Severity::warning);
  EXPECT_EQ(a.roles, config.rules.routes[static_cast<std::size_t>(Severity::warning)]);  // operator
  EXPECT_TRUE(a.active());
  EXPECT_EQ(rt->acknowledge_alert(a.id, "tom"), AlertBook::Ack::done);
  EXPECT_EQ(rt->acknowledge_alert(a.id, "ann"), AlertBook::Ack::already);
  EXPECT_EQ(rt->acknowledge_alert(99, "tom"), AlertBook::Ack::unknown);
  ASSERT_EQ(trail.records.back().first, "alert_acknowledged");
  EXPECT_EQ(trail.records.back().second["by"], "tom");
  EXPECT_EQ(trail.records.back().second["device"], "dev0");
  EXPECT_EQ(trail.records.back().second["alert"], a.id);
  EXPECT_EQ(trail.records.back().second["gateway"], "gw-a");
  EXPECT_EQ(trail.records.back().second["rule"], config.rules.rules[0].name);
  EXPECT_EQ(trail.records.back().second["severity"], "warning");
  const auto actions = trail.actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "alert_acknowledged"), 1);
  ASSERT_EQ(sink.of<ev::AlertAcknowledged>().size(), 1u);
  EXPECT_EQ(sink.of<ev::AlertAcknowledged>()[0].alert, static_cast<std::int64_t>(a.id));
  EXPECT_EQ(sink.of<ev::AlertAcknowledged>()[0].device, 0u);
  EXPECT_EQ(sink.of<ev::AlertAcknowledged>()[0].latency_us, *rt->alert_book().find(a.id)->acked_us - a.raised_us);
  EXPECT_EQ(rt->resolve_alert(a.id, AlertOutcome::fault, "tom"), AlertBook::Ack::done);
  ASSERT_EQ(sink.of<ev::AlertResolved>().size(), 1u);
  EXPECT_EQ(sink.of<ev::AlertResolved>()[0].outcome, static_cast<std::int64_t>(AlertOutcome::fault));
  ASSERT_EQ(trail.records.back().first, "alert_resolved");
  EXPECT_EQ(trail.records.back().second["outcome"], "fault");
  EXPECT_EQ(trail.records.back().second["by"], "tom");
  window(3, 0);  // the score falls: the rule clears it
  clock.advance_to(2'000'000);
  EXPECT_FALSE(rt->alert_book().find(a.id)->active());
}

TEST_F(EdgeRuntimeTest, NewRulesArePreviewedOverTheScoresKeptThenAppliedAndAuditedWithWhoMadeThem) {
  RecordingAudit trail;
  audit = &trail;
  config.detector = max_detector("m", "compressor", 0, 5);
  config.detector->score_history = 3;  // the newest three scores
  config.scorer = std::make_shared<MaxScorer>(2);
  config.rules = default_rules();
  config.rules.rules[0].clear_below = 0.5;
  config.utc_at_start_us = 1'000'000'000;
  SetUp();
  connect(0);
  // Windows of 2 samples (hop 1): samples 10, 0, 10, 0, 7 give windows scoring 10, 10, 10, 7: the newest three are kept.
  std::uint32_t seq = 0;
  for (float v : {10.f, 0.f, 10.f, 0.f, 7.f}) {
    send_record(0, "tb/gw-a/0/telemetry", {v, 0, 0, 0, 0, 0}, ++seq);
    clock.advance_to(clock.now_us() + 1'000'000);
  }
  ASSERT_EQ(rt->detector()->windows_scored(), 4u);
  const auto preview = [&](double raise, TimeUs since) {
    return rt->preview_rules(nlohmann::json{{"format", "twinbench-rules/1"}, {"rules", {{{"name", "hot"}, {"raise_above", raise}, {"clear_below", 0.5}}}}}, since);
  };
  // Above 8: the scores kept (10, 10, 7) raise once; above 6: still once (no score falls below the clear level);
  // above 20: never; and only scores at or after `since` count.
  EXPECT_EQ(preview(8, 0).alerts, 1u);
  EXPECT_EQ(preview(6, 0).alerts, 1u);
  EXPECT_EQ(preview(20, 0).alerts, 0u);
  const auto p = preview(8, 0);
  ASSERT_TRUE(p.scores_since_us);
  EXPECT_GE(*p.scores_since_us, config.utc_at_start_us);
  EXPECT_EQ(preview(8, *p.scores_since_us + 10'000'000).alerts, 0u);  // only the 7 left
  EXPECT_THROW(preview(-1, 0), core::InputError);
  // Applying them: in force, audited with who.
  EXPECT_EQ(rt->apply_rules(nlohmann::json{{"format", "twinbench-rules/1"}, {"rules", {{{"name", "hot"}, {"raise_above", 8}}}}}, "rules from the console", "olga"), 1u);
  EXPECT_EQ(rt->rules().rules[0].name, "hot");
  ASSERT_EQ(trail.records.back().first, "rules_changed");
  EXPECT_EQ(trail.records.back().second["by"], "olga");
  EXPECT_THROW(rt->apply_rules(nlohmann::json{{"rules", "none"}}, "rules from the console", "olga"), core::InputError);
  EXPECT_EQ(rt->rules().rules[0].name, "hot");  // the old stay
}

TEST_F(EdgeRuntimeTest, EachDevicesLastAcceptedRecordIsKeptWhenAsked) {
  config.keep_last_records = true;
  config.utc_at_start_us = 1'000'000'000;
  SetUp();
  connect(0);
  for (std::uint32_t k = 1; k <= 2; ++k) {
    send_record(0, "tb/gw-a/0/telemetry", {1.5f * static_cast<float>(k), 2, 3, 4, 5, 6}, k);
  }
  const EdgeRuntime::LastRecord* last = rt->last_record(0);
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->device_t_us, 20'000'000);
  EXPECT_EQ(last->values, (std::vector<float>{3, 2, 3, 4, 5, 6}));
  EXPECT_GE(last->at_utc_us, config.utc_at_start_us);
  EXPECT_EQ(rt->last_record(1), nullptr);
}

TEST_F(EdgeRuntimeTest, APartnerThatTakesSummariesGetsADigestAtEachUtcMidnight) {
  RecordingHttp partner;
  config.detector = max_detector("m", "compressor", 0, 5);
  config.scorer = std::make_shared<MaxScorer>(2);
  config.rules = default_rules();
  const TimeUs midnight = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
  config.utc_at_start_us = midnight - 2 * 3'600'000'000LL;  // the gateway starts at 22:00
  WebhookPartner digest;
  digest.name = "digest";
  digest.url = "https://saas.example/digest";
  digest.secret = {1, 2, 3};
  digest.kinds = {"summary"};
  config.webhooks = {digest};
  http = &partner;
  SetUp();
  connect(0);
  for (std::uint32_t k = 1; k <= 2; ++k) {  // one alert (warning), which this partner does not take
    send_record(0, "tb/gw-a/0/telemetry", {10, 0, 0, 0, 0, 0}, k);
  }
  clock.advance_to(7'199'000'000);
  ASSERT_EQ(sink.of<ev::AlertRaised>().size(), 1u);
  EXPECT_TRUE(partner.posts.empty());
  clock.advance_to(7'200'000'000);  // midnight
  ASSERT_EQ(partner.posts.size(), 1u);
  const auto body = nlohmann::json::parse(partner.posts[0].body);
  EXPECT_EQ(body["kind"], "summary");
  EXPECT_EQ(body["created_us"], midnight);
  EXPECT_EQ(body["data"]["from_us"], config.utc_at_start_us);
  EXPECT_EQ(body["data"]["to_us"], midnight);
  EXPECT_EQ(body["data"]["alerts"], (nlohmann::json{{"critical", 0}, {"warning", 1}, {"info", 0}}));
  EXPECT_EQ(body["data"]["sessions"], 0);  // the device went quiet two hours ago: its keepalive lapsed
}

TEST_F(EdgeRuntimeTest, ADeviceOnAConnectionIdGivenAgainStartsAfreshTheSameDeviceReconnectingDoesNot) {
  config.detector = max_detector("m", "compressor", 0, 5);
  config.scorer = std::make_shared<MaxScorer>(2);
  config.rules = default_rules();
  SetUp();
  std::uint32_t seq = 0;
  const auto device = [&](const std::string& client) {  // connects on connection 0 and sends a window scoring 10 (> 5)
    mqtt::Connect c;
    c.client_id = client;
    c.keepalive_s = 60;
    Bytes b;
    mqtt::encode(c, b);
    rt->on_open(0);
    rt->on_bytes(0, b);
    for (int k = 0; k < 2; ++k) {
      send_record(0, "tb/gw-a/0/telemetry", {10, 0, 0, 0, 0, 0}, ++seq);
    }
    clock.advance_to(clock.now_us() + 1'000'000);
    rt->on_closed(0);
  };
  device("pump-1");
  EXPECT_EQ(sink.of<ev::AlertRaised>().size(), 1u);
  device("pump-1");  // the same device again: its alert is still raised, not raised twice
  EXPECT_EQ(sink.of<ev::AlertRaised>().size(), 1u);
  device("pump-2");  // another device given the same connection id: its own alert
  ASSERT_EQ(sink.of<ev::AlertRaised>().size(), 2u);
  EXPECT_EQ(sink.of<ev::AlertRaised>()[1].device, 0u);
}

}  // namespace
}  // namespace twinbench::runtime
