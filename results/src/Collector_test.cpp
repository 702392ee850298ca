#include "twinbench/results/Collector.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "twinbench/runtime/ModelUpdates.hpp"
#include "twinbench/runtime/Rules.hpp"
#include "twinbench/sim/Events.hpp"

namespace twinbench::results {
namespace {

using json = nlohmann::ordered_json;
using runtime::Event;
using runtime::kNoConn;
namespace rev = runtime::ev;
namespace sev = sim::ev;

constexpr std::int64_t kHourUs = 3'600'000'000;

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out(1);
  for (char ch : line)
    if (ch == ',') out.emplace_back();
    else out.back().push_back(ch);
  return out;
}

template <class P>
Event at(std::int64_t t_us, std::uint32_t gateway, runtime::ConnId device, const P& p) {
  return Event::of(t_us, gateway, device, p);
}

RunMeta meta() {
  RunMeta m;
  m.scenario = "unit";
  m.seed = 7;
  m.duration_s = 100;
  m.sites = {"s"};
  m.gateways = {{"s", "s-gw-0", 2}, {"s", "s-gw-1", 2}};
  m.fault_modes = {"bearing_wear", "valve_leak", "cooling_fault"};
  return m;
}

std::vector<Event> script() {
  return {
      at(0, 0, 0, rev::SessionOpened{.keepalive_s = 60}),
      at(0, 0, 1, rev::SessionOpened{.keepalive_s = 60}),
      at(10, 0, kNoConn, sev::DevicesMade{.reports = 4}),
      at(10, 0, kNoConn, sev::DevicesSent{.messages = 4, .mqtt_bytes = 400, .wire_bytes = 560, .radio_energy_nj = 1000}),
      at(10, 0, kNoConn, sev::DevicesLost{.messages = 1}),
      at(20, 0, 0, rev::Telemetry{.mqtt_bytes = 100, .latency_us = 3000, .qos = 1}),
      at(30, 0, 1, rev::Telemetry{.mqtt_bytes = 100, .latency_us = 5000, .qos = 1}),
      at(40, 0, 1, rev::Telemetry{.mqtt_bytes = 100, .latency_us = 7000, .qos = 1}),
      at(50, 1, 1, sev::FaultOnset{.mode = 0, .ramp_s = 3600, .site = 0}),
      at(60, 1, kNoConn, sev::DevicesMade{.reports = 2}),
      at(60, 1, kNoConn, sev::DevicesDropped{.messages = 2}),
      at(50'000'000, 0, 1, rev::SessionClosed{.reason = static_cast<std::int64_t>(runtime::CloseReason::keepalive_timeout)}),
      at(60'000'000, 0, kNoConn, rev::UplinkSent{.bytes = 500, .records = 3}),
      at(60'000'100, 0, kNoConn, sev::CloudReceived{.bytes = 500, .records = 3, .duplicates = 1}),
      at(70'000'000, 1, kNoConn, sev::LinkDown{.link = 0}),
      at(100'000'000, 0, kNoConn, sev::RunEnd{.cpu_busy_us = 30'000'000}),
      at(100'000'000, 1, kNoConn, sev::RunEnd{.cpu_busy_us = 10'000'000}),
  };
}

TEST(Collector, SummaryAddsUpTheEventStream) {
  Collector c(meta());
  for (const auto& e : script()) c.emit(e);
  const auto s = c.summary();
  EXPECT_EQ(s["fleet"]["devices"], 4);
  EXPECT_EQ(s["messages"]["generated"], 6);  // 4 sent + 2 dropped
  EXPECT_EQ(s["messages"]["received"], 3);
  EXPECT_EQ(s["messages"]["lost_radio"], 1);
  EXPECT_EQ(s["messages"]["in_flight_at_end"], 0);
  EXPECT_DOUBLE_EQ(s["messages"]["delivery_ratio"].get<double>(), 0.5);
  EXPECT_NEAR(s["latency_ms"]["p50"].get<double>(), 5.0, 5.0 * 0.008);
  EXPECT_DOUBLE_EQ(s["latency_ms"]["max"].get<double>(), 7.0);
  EXPECT_EQ(s["sessions"]["closed_keepalive_timeout"], 1);
  // Device 0 connected for the whole 100 s, device 1 for 50 s, devices of gateway 1 never: 150 / 400.
  EXPECT_DOUBLE_EQ(s["sessions"]["connected_ratio"].get<double>(), 0.375);
  EXPECT_EQ(s["uplink"]["cloud_records"], 3);
  EXPECT_EQ(s["uplink"]["cloud_duplicates"], 1);
  EXPECT_EQ(s["faults"]["asset_faults_injected"], 1);
  EXPECT_EQ(s["faults"]["by_mode"]["bearing_wear"], 1);
  EXPECT_EQ(s["faults"]["link_outages"], 1);
  EXPECT_DOUBLE_EQ(s["energy"]["device_radio_j"].get<double>(), 1e-6);
  EXPECT_DOUBLE_EQ(s["gateway_cpu"]["utilization_mean"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(s["gateway_cpu"]["utilization_max"].get<double>(), 0.3);
  EXPECT_EQ(s.back(), c.trace_hash());  // trace_hash is the last key
  EXPECT_EQ(c.ground_truth_csv(), "site,gateway,device,mode,onset_s,ramp_s,failure_s,detected_s\ns,s-gw-1,1,bearing_wear,5e-05,3600,3600,\n");  // not detected
}

TEST(Collector, EachAssetClassGetsTheKpisOfItsSitesWithItsOwnFaultModes) {
  // Two sites, one of pumps (two gateways of 3) and one of compressors (one gateway of 5); a fault at each class.
  RunMeta m;
  m.scenario = "classes";
  m.duration_s = 100;
  m.sites = {"water", "works"};
  m.site_classes = {"pump", "compressor"};
  m.gateways = {{"water", "water-gw-0", 3}, {"works", "works-gw-0", 5}, {"water", "water-gw-1", 3}};
  m.fault_modes = {"cavitation", "bearing_wear", "valve_leak"};
  m.class_fault_modes = {{"pump", {"cavitation", "bearing_wear"}}, {"compressor", {"bearing_wear", "valve_leak"}}};
  Collector c(m);
  c.emit(at(10, 2, 1, sev::FaultOnset{.mode = 0, .ramp_s = 3600, .site = 0}));
  c.emit(at(20, 1, 4, sev::FaultOnset{.mode = 2, .ramp_s = 3600, .site = 1}));
  c.emit(at(30, 0, 2, sev::FaultOnset{.mode = 1, .ramp_s = 3600, .site = 0}));
  const auto s = c.summary();
  const auto& pump = s["asset_classes"]["pump"];
  const auto& compressor = s["asset_classes"]["compressor"];
  EXPECT_EQ(pump["fleet"]["devices"], 6);
  EXPECT_EQ(pump["fleet"]["gateways"], 2);
  EXPECT_EQ(compressor["fleet"]["devices"], 5);
  EXPECT_EQ(pump["detection"]["faults_injected"], 2);
  EXPECT_EQ(compressor["detection"]["faults_injected"], 1);
  EXPECT_EQ(pump["detection"]["by_mode"].size(), 2u);  // its own modes only
  EXPECT_EQ(pump["detection"]["by_mode"]["cavitation"]["faults"], 1);
  EXPECT_FALSE(pump["detection"]["by_mode"].contains("valve_leak"));
  EXPECT_EQ(compressor["detection"]["by_mode"]["valve_leak"]["faults"], 1);
  EXPECT_EQ(s["detection"]["by_mode"].size(), 3u);  // the fleet's: every mode of the run
  const std::string sites = c.sites_csv();
  EXPECT_EQ(sites.substr(0, sites.find(',', sites.find(',') + 1)), "site,asset_class");
  EXPECT_NE(sites.find("\nwater,pump,2,6,"), std::string::npos) << sites.substr(0, 200);
}

TEST(Collector, OnASharedGatewayEachClassHasTheKpisOfItsOwnDevices) {
  // One site, one gateway: compressors are devices 0-1, pumps 2-4. A compressor fault detected in time,
  // a pump fault missed, a false alert from a pump: each class gets its own, worked out by hand.
  RunMeta m;
  m.scenario = "shared";
  m.duration_s = 10 * 3600;
  m.sites = {"plant"};
  m.site_classes = {"compressor+pump"};
  m.gateways = {{"plant", "plant-gw-0", 5, {{"compressor", 2}, {"pump", 3}}}};
  m.fault_modes = {"bearing_wear", "cavitation"};
  m.class_fault_modes = {{"compressor", {"bearing_wear"}}, {"pump", {"cavitation", "bearing_wear"}}};
  m.economics = EconomicsMeta{"EUR", 1000, 10, 2, 100, 5000, 365, 1000, 0};
  Collector c(m);
  const auto alert = [&](std::int64_t t_us, runtime::ConnId d) {
    c.emit(at(t_us + 1'000'000, 0, d, sev::AlertReceived{.rule = 0, .severity = 1, .raised_us = t_us, .roles = runtime::role_technician}));
  };
  c.emit(at(kHourUs, 0, 1, sev::FaultOnset{.mode = 0, .ramp_s = 3 * 3600, .site = 0}));  // compressor 1: fails at 4 h
  c.emit(at(kHourUs, 0, 3, sev::FaultOnset{.mode = 1, .ramp_s = 2 * 3600, .site = 0}));  // pump 3: fails at 3 h
  alert(2 * kHourUs, 1);  // compressor 1, in time
  alert(5 * kHourUs, 4);  // pump 4: no fault, a false alert
  const auto s = c.summary();
  const auto& compressor = s["asset_classes"]["compressor"];
  const auto& pump = s["asset_classes"]["pump"];
  EXPECT_EQ(compressor["fleet"]["devices"], 2);
  EXPECT_EQ(pump["fleet"]["devices"], 3);
  EXPECT_EQ(compressor["detection"]["faults_detected"], 1);
  EXPECT_EQ(compressor["detection"]["false_alerts"], 0);
  EXPECT_EQ(pump["detection"]["faults_detected"], 0);
  EXPECT_EQ(pump["detection"]["faults_missed"], 1);
  EXPECT_EQ(pump["detection"]["false_alerts"], 1);
  EXPECT_DOUBLE_EQ(compressor["detection"]["recall"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(pump["detection"]["recall"].get<double>(), 0.0);
  // Each class's economics over its own devices: the pump's edge AI costs 3/5 of the fixed 1000 and 3
  // devices x 365 a year for 10 h; its missed failure costs 10 h x 1000 + 5000, its false alert 100.
  const double pump_ai = 1000 * 0.6 + 3 * 365 * 10.0 / (365 * 24);
  EXPECT_NEAR(pump["economics"]["edge_ai_cost"].get<double>(), pump_ai, 0.01);
  EXPECT_NEAR(pump["economics"]["net_savings"].get<double>(), -(100 + pump_ai), 0.01);
  // A gateway's own families are every class's: null for a class that shares it; the fleet has them.
  EXPECT_TRUE(pump["messages"].is_null());
  EXPECT_TRUE(pump["inference"].is_null());
  EXPECT_FALSE(s["messages"].is_null());
  EXPECT_EQ(s["detection"]["faults_detected"], 1);
  EXPECT_NE(c.sites_csv().find("\nplant,compressor+pump,1,5,"), std::string::npos);
}

TEST(Collector, TraceHashSeesEveryFieldAndTheOrder) {
  auto hash_of = [](const std::vector<Event>& events) {
    Collector c(meta());
    for (const auto& e : events) c.emit(e);
    return c.trace_hash();
  };
  const auto base = script();
  const std::string h = hash_of(base);
  EXPECT_EQ(h.size(), 16u);
  EXPECT_EQ(hash_of(base), h);
  auto changed = base;
  changed[5].field[1] += 1;  // one microsecond of latency
  EXPECT_NE(hash_of(changed), h);
  auto swapped = base;
  std::swap(swapped[5], swapped[6]);
  EXPECT_NE(hash_of(swapped), h);
}

TEST(Collector, ReconnectsAndResentMessagesAreAccounted) {
  Collector c(meta());
  const std::vector<Event> events = {
      at(0, 0, kNoConn, sev::DevicesMade{.reports = 5, .kept_offline = 2, .dropped_offline = 1}),
      at(0, 0, kNoConn, sev::DevicesSent{.messages = 2}),
      at(0, 0, kNoConn, sev::GatewayDown{}),
      at(1, 0, kNoConn, sev::GatewayRefused{.publishes = 1}),  // one of the 2 sent hit the rebooting gateway
      at(2, 0, kNoConn, sev::GatewayUp{}),
      at(3'000'000, 0, 0, sev::DeviceReconnected{.took_us = 3'000'000, .failed_attempts = 2}),
      at(4'000'000, 0, 1, sev::DeviceReconnected{.took_us = 1'000'000, .failed_attempts = 0}),
      at(4'000'000, 0, kNoConn, sev::DevicesResent{.resent = 1, .flushed = 2}),  // the refused one again, and the 2 kept
      at(5'000'000, 0, 0, rev::Telemetry{.mqtt_bytes = 100, .latency_us = 10, .qos = 1}),
      at(5'000'000, 0, 0, rev::Telemetry{.mqtt_bytes = 100, .latency_us = 10, .qos = 1}),
      at(5'000'000, 0, 1, rev::Telemetry{.mqtt_bytes = 100, .latency_us = 10, .qos = 1}),
      at(5'000'000, 0, 1, rev::Telemetry{.mqtt_bytes = 100, .latency_us = 10, .qos = 1}),
      at(100'000'000, 0, kNoConn, sev::RunEnd{}),
  };
  for (const auto& e : events) c.emit(e);
  const auto s = c.summary();
  EXPECT_EQ(s["messages"]["generated"], 5);
  EXPECT_EQ(s["messages"]["sent"], 4);  // 2 at once + 2 kept, sent after the reconnect
  EXPECT_EQ(s["messages"]["resent_after_reconnect"], 1);
  EXPECT_EQ(s["messages"]["refused_gateway_down"], 1);
  EXPECT_EQ(s["messages"]["dropped_offline"], 1);
  EXPECT_EQ(s["messages"]["kept_offline"], 2);
  EXPECT_EQ(s["messages"]["in_flight_at_end"], 0);
  EXPECT_EQ(s["sessions"]["reconnects"]["count"], 2);
  EXPECT_DOUBLE_EQ(s["sessions"]["reconnects"]["max_s"].get<double>(), 3.0);
  EXPECT_EQ(s["sessions"]["reconnects"]["failed_attempts_max"], 2);
  EXPECT_EQ(s["faults"]["gateway_reboots"], 1);
}

TEST(Collector, NothingToMeasureIsNullNotZero) {
  Collector c(meta());
  const auto s = c.summary();
  EXPECT_TRUE(s["messages"]["delivery_ratio"].is_null());
  EXPECT_TRUE(s["latency_ms"]["p99"].is_null());
  EXPECT_TRUE(s["sessions"]["reconnects"]["p99_s"].is_null());
  EXPECT_TRUE(s["inference"]["latency_ms"]["p99"].is_null());
  EXPECT_TRUE(s["detection"]["recall"].is_null());
  EXPECT_TRUE(s["detection"]["precision"].is_null());
  EXPECT_TRUE(s["detection"]["by_mode"]["valve_leak"]["recall"].is_null());
  EXPECT_TRUE(s["detection"]["latency_s"]["p50"].is_null());
  // Counts are measurements even when nothing happened.
  EXPECT_EQ(s["detection"]["false_alerts"], 0);
  EXPECT_EQ(s["messages"]["generated"], 0);
  // And a null KPI is an empty field in the tables.
  std::istringstream csv(c.gateways_csv());
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  const auto fields = split(header), values = split(row);
  ASSERT_EQ(fields.size(), values.size());
  const auto column = std::find(fields.begin(), fields.end(), "/detection/recall") - fields.begin();
  ASSERT_LT(static_cast<std::size_t>(column), fields.size());
  EXPECT_EQ(values[static_cast<std::size_t>(column)], "");
  EXPECT_EQ(values[static_cast<std::size_t>(std::find(fields.begin(), fields.end(), "/detection/false_alerts") - fields.begin())], "0");
}

/**
 * Detection scored by hand. A 10 h run, 2 gateways of 10 devices:
 *   F1 gw0/1 bearing_wear  onset 1 h, fails 6 h: alerts raised 2 h and 2.5 h     -> detected (first at the cloud 2 h + 10 s)
 *   F2 gw0/2 valve_leak    onset 1 h, fails 3 h: alert raised 3.5 h (too late)    -> missed; the alert is late
 *   F3 gw1/3 cooling_fault onset 8 h, fails 13 h: no alert, the run ends first    -> undecided (left out of every recall)
 *   F4 gw1/4 valve_leak    onset 2 h, fails 12 h: alert raised 9 h                -> detected
 *   false alerts: gw0/7 at 5 h (no fault), gw1/3 at 7 h (before F3's onset).
 * So: 4 faults assessed, 2 detected, 1 missed, 1 undecided: recall 2/3; 3 true alerts and 2 false: precision 3/5.
 */
struct HandScored : ::testing::Test {
  RunMeta m;
  std::unique_ptr<Collector> c;
  void SetUp() override {
    m.scenario = "detection";
    m.duration_s = 10 * 3600;
    m.sites = {"a", "b"};
    m.gateways = {{"a", "a-gw-0", 10}, {"b", "b-gw-0", 10}};
    m.fault_modes = {"bearing_wear", "valve_leak", "cooling_fault"};
    m.economics = EconomicsMeta{"EUR", 1000, 10, 2, 100, 5000, 365, 1000, 0.5};
    c = std::make_unique<Collector>(m);
    const auto fault = [&](std::int64_t t_h, std::uint32_t g, runtime::ConnId d, std::int64_t mode, std::int64_t ramp_h) {
      c->emit(at(t_h * kHourUs, g, d, sev::FaultOnset{.mode = mode, .ramp_s = ramp_h * 3600}));
    };
    const auto alert = [&](double raised_h, std::uint32_t g, runtime::ConnId d) {
      const auto raised = static_cast<std::int64_t>(raised_h * static_cast<double>(kHourUs));
      c->emit(at(raised + 10'000'000, g, d, sev::AlertReceived{.rule = 0, .severity = 1, .raised_us = raised, .roles = runtime::role_technician}));
    };
    fault(1, 0, 1, 0, 5);
    fault(1, 0, 2, 1, 2);
    fault(8, 1, 3, 2, 5);
    fault(2, 1, 4, 1, 10);
    // F1's excess energy, cumulative Wh, hourly: 200 Wh an hour from 1 h.
    for (std::int64_t h = 2; h <= 7; ++h) c->emit(at(h * kHourUs, 0, 1, sev::FaultEnergy{.excess_wh = 200 * (h - 1)}));
    alert(2, 0, 1);
    alert(2.5, 0, 1);
    alert(3.5, 0, 2);
    alert(5, 0, 7);
    alert(7, 1, 3);
    alert(9, 1, 4);
  }
};

TEST_F(HandScored, GroundTruthSaysWhenEachFaultWasDetected) {
  // F1 at its first alert's arrival (2 h + 10 s), F4 at 9 h + 10 s; F2 missed and F3 undecided: empty.
  // By onset (F4's, at 2 h, before F3's at 8 h, which came first), then by gateway.
  EXPECT_EQ(c->ground_truth_csv(),
            "site,gateway,device,mode,onset_s,ramp_s,failure_s,detected_s\n"
            "a,a-gw-0,1,bearing_wear,3600,18000,21600,7210\n"
            "a,a-gw-0,2,valve_leak,3600,7200,10800,\n"
            "b,b-gw-0,4,valve_leak,7200,36000,43200,32410\n"
            "b,b-gw-0,3,cooling_fault,28800,18000,46800,\n");
}

TEST_F(HandScored, TheTimelineHasEveryOnsetAndEveryAlertWithItsVerdict) {
  // The verdicts of the table above: 2 h, 2.5 h and 9 h true; 3.5 h late (F2 had failed); 5 h and 7 h false.
  EXPECT_EQ(c->timeline_csv(),
            "t_s,site,gateway,device,event,detail\n"
            "3600.000,a,a-gw-0,1,fault_onset,bearing_wear\n"
            "3600.000,a,a-gw-0,2,fault_onset,valve_leak\n"
            "7200.000,b,b-gw-0,4,fault_onset,valve_leak\n"
            "7210.000,a,a-gw-0,1,alert,true\n"
            "9010.000,a,a-gw-0,1,alert,true\n"
            "12610.000,a,a-gw-0,2,alert,late\n"
            "18010.000,a,a-gw-0,7,alert,false\n"
            "25210.000,b,b-gw-0,3,alert,false\n"
            "28800.000,b,b-gw-0,3,fault_onset,cooling_fault\n"
            "32410.000,b,b-gw-0,4,alert,true\n");
}

TEST_F(HandScored, RecallPrecisionLatencyAndLeadTime) {
  const auto d = c->summary()["detection"];
  EXPECT_EQ(d["faults_injected"], 4);
  EXPECT_EQ(d["faults_detected"], 2);
  EXPECT_EQ(d["faults_missed"], 1);
  EXPECT_EQ(d["faults_undecided_at_end"], 1);
  EXPECT_DOUBLE_EQ(d["recall"].get<double>(), 0.666667);
  EXPECT_EQ(d["true_alerts"], 3);
  EXPECT_EQ(d["false_alerts"], 2);
  EXPECT_EQ(d["late_alerts"], 1);
  EXPECT_DOUBLE_EQ(d["precision"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(d["f1"].get<double>(), 0.631579);  // 2 * 0.6 * 0.666667 / 1.266667
  // 2 false alerts in 20 devices x 10/24 days.
  EXPECT_DOUBLE_EQ(d["false_alerts_per_1000_device_days"].get<double>(), 240.0);
  // Latencies: F1 1 h + 10 s, F4 7 h + 10 s (to the first alert at the cloud); lead: 6 h - (2 h + 10 s), 12 h - (9 h + 10 s).
  EXPECT_NEAR(d["latency_s"]["p50"].get<double>(), 3610, 3610 * 0.008);
  EXPECT_NEAR(d["latency_s"]["max"].get<double>(), 25210, 0.000001);
  EXPECT_NEAR(d["lead_time_s"]["p50"].get<double>(), 10790, 10790 * 0.008);
  // F1 drew 1000 Wh until its failure; the repair after its first alert (2 h + 10 s: 200 + 200 * 10 / 3600 Wh) would have saved the rest.
  EXPECT_NEAR(d["excess_energy_kwh"].get<double>(), 1.0, 1e-6);
  EXPECT_NEAR(d["avoidable_energy_kwh"].get<double>(), (1000 - (200 + 200 * 10.0 / 3600)) / 1000, 1e-6);
}

TEST_F(HandScored, RecallByModeLeavesUndecidedFaultsOutAsTheOverallRecallDoes) {
  const auto m = c->summary()["detection"]["by_mode"];
  EXPECT_EQ(m["bearing_wear"]["faults"], 1);
  EXPECT_DOUBLE_EQ(m["bearing_wear"]["recall"].get<double>(), 1.0);
  EXPECT_EQ(m["valve_leak"]["detected"], 1);
  EXPECT_EQ(m["valve_leak"]["missed"], 1);
  EXPECT_DOUBLE_EQ(m["valve_leak"]["recall"].get<double>(), 0.5);
  // F3 is undecided: cooling faults have no decided fault, so no recall (not 0).
  EXPECT_EQ(m["cooling_fault"]["faults"], 1);
  EXPECT_EQ(m["cooling_fault"]["undecided_at_end"], 1);
  EXPECT_TRUE(m["cooling_fault"]["recall"].is_null());
  // The modes' detected and decided faults add up to the overall recall's.
  std::uint64_t detected = 0, decided = 0;
  for (const auto& [name, v] : m.items()) detected += v["detected"].get<std::uint64_t>(), decided += v["detected"].get<std::uint64_t>() + v["missed"].get<std::uint64_t>();
  EXPECT_EQ(detected, 2u);
  EXPECT_EQ(decided, 3u);
}

TEST_F(HandScored, EconomicsFollowTheirDefinition) {
  const auto e = c->summary()["economics"];
  // failure = 10 h x 1000 + 5000; repair = 2 h x 1000 + 100; edge AI = 1000 + 20 devices x 365 a year for 10 h.
  const double failure = 15000, repair = 2100, edge_ai = 1000 + 20 * 365 * (10.0 / (365 * 24));
  const double energy_without = 1.0 * 0.5, energy_with = (1.0 - (1000 - (200 + 200 * 10.0 / 3600)) / 1000) * 0.5;
  const double without = 3 * failure + energy_without;                                   // 2 detected + 1 missed, run to failure
  const double with = 2 * repair + 1 * failure + 2 * 100 + edge_ai + energy_with;        // 2 false alerts: 2 truck rolls
  EXPECT_NEAR(e["edge_ai_cost"].get<double>(), edge_ai, 0.005);
  EXPECT_NEAR(e["cost_without_edge_ai"].get<double>(), without, 0.005);
  EXPECT_NEAR(e["cost_with_edge_ai"].get<double>(), with, 0.005);
  EXPECT_NEAR(e["net_savings"].get<double>(), without - with, 0.005);
  EXPECT_NEAR(e["roi"].get<double>(), (without - with) / edge_ai, 1e-6);
  EXPECT_DOUBLE_EQ(e["avoided_downtime_h"].get<double>(), 2 * (10 - 2));
  EXPECT_DOUBLE_EQ(e["truck_rolls"].get<double>(), 4);
}

TEST_F(HandScored, EverySiteAndGatewayHasItsOwnKpisAndTheWorstIsNamed) {
  // Site a: F1 detected, F2 missed: recall 1/2; 2 true alerts, 1 false. Site b: F4 detected (F3 undecided): recall 1; 1 true, 1 false.
  const auto a = c->site_kpis(0), b = c->site_kpis(1);
  EXPECT_DOUBLE_EQ(a["detection"]["recall"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(b["detection"]["recall"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(a["detection"]["precision"].get<double>(), 0.666667);
  EXPECT_DOUBLE_EQ(b["detection"]["precision"].get<double>(), 0.5);
  EXPECT_EQ(c->gateway_kpis(1)["detection"]["faults_undecided_at_end"], 1);
  // The site's share of the edge AI: half the devices, half the fixed cost.
  const double edge_ai_a = 500 + 10 * 365 * (10.0 / (365 * 24));
  EXPECT_NEAR(a["economics"]["edge_ai_cost"].get<double>(), edge_ai_a, 0.005);
  const auto w = c->summary()["worst"];
  EXPECT_EQ(w["recall"]["site"], "a");
  EXPECT_EQ(w["recall"]["gateway"], "a-gw-0");
  EXPECT_DOUBLE_EQ(w["recall"]["site_value"].get<double>(), 0.5);
  // The tables: one row per site, and the site's recall in its column.
  const std::string csv = c->sites_csv();
  EXPECT_EQ(csv.rfind("site,asset_class,/fleet/gateways,/fleet/devices,/messages/generated,", 0), 0u) << csv.substr(0, 200);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
}

TEST_F(HandScored, TimeSeriesCountsAlertsAndDetectionsInTheirIntervals) {
  const std::string ts = c->timeseries_csv();
  std::istringstream in(ts);
  std::string header, row;
  std::getline(in, header);
  EXPECT_EQ(header, "interval_start_h,interval_end_h,site,messages_generated,messages_received,delivery_ratio,latency_ms_p50,latency_ms_p99,"
                    "alerts_true,alerts_false,faults_detected,gateway_cpu_utilization,uplink_backlog_records");
  std::vector<std::string> rows;
  while (std::getline(in, row)) rows.push_back(row);
  ASSERT_EQ(rows.size(), 20u);  // 10 intervals x 2 sites
  // Hour 2-3 at site a: the alerts raised at 2 h and 2.5 h, true; F1 detected. Nothing measured: empty fields.
  EXPECT_EQ(rows[2 * 2 + 0], "2,3,a,0,0,,,,2,0,1,,");
  EXPECT_EQ(rows[5 * 2 + 0], "5,6,a,0,0,,,,0,1,0,,");   // the false alert at 5 h
  EXPECT_EQ(rows[3 * 2 + 0], "3,4,a,0,0,,,,0,0,0,,");   // the late one counts as neither
  EXPECT_EQ(rows[9 * 2 + 1], "9,10,b,0,0,,,,1,0,1,,");  // F4's alert at 9 h
}

TEST(Collector, TimeSeriesDeliveryByWhenMadeAndCpuFromSamples) {
  RunMeta m = meta();
  m.duration_s = 7200;
  m.interval_s = 3600;
  Collector c(m);
  c.emit(at(100, 0, kNoConn, sev::DevicesMade{.reports = 4}));
  // Made at 3599 s, received at 3601 s: delivered for the first hour, received in the second.
  c.emit(at(3'601'000'000, 0, 0, rev::Telemetry{.mqtt_bytes = 10, .latency_us = 2'000'000}));
  c.emit(at(200'000'000, 0, 0, rev::Telemetry{.mqtt_bytes = 10, .latency_us = 1000}));
  c.emit(at(kHourUs, 0, kNoConn, sev::GatewaySample{.cpu_busy_us = kHourUs / 10, .uplink_pending = 7}));
  c.emit(at(kHourUs, 1, kNoConn, sev::GatewaySample{.cpu_busy_us = kHourUs / 5, .uplink_pending = 1}));
  c.emit(at(2 * kHourUs, 0, kNoConn, sev::RunEnd{.uplink_pending = 0, .cpu_busy_us = kHourUs / 10}));
  c.emit(at(2 * kHourUs, 1, kNoConn, sev::RunEnd{.uplink_pending = 3, .cpu_busy_us = kHourUs / 5 + kHourUs / 2}));
  std::istringstream in(c.timeseries_csv());
  std::string header, first, second;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  // Hour 1: 4 made, 1 received, 2 of them delivered; CPU (0.1 + 0.2) / 2; 8 records waiting at its end.
  EXPECT_EQ(first, "0,1,s,4,1,0.5,1,1,0,0,0,0.15,8");
  // Hour 2: gateway 0 idle, gateway 1 busy half the hour: 0.25.
  EXPECT_EQ(second, "1,2,s,0,1,,2000,2000,0,0,0,0.25,3");
}

TEST(Collector, OutagesRunFromDownToUpOrToTheEnd) {
  Collector c(meta());
  for (const auto& e : {at(10'000'000, 0, kNoConn, sev::LinkDown{.link = 1}), at(25'500'000, 0, kNoConn, sev::LinkUp{.link = 1}),
                        at(30'000'000, 1, kNoConn, sev::GatewayDown{.power_cut = 1}), at(75'000'000, 1, kNoConn, sev::GatewayUp{}),
                        at(90'000'000, 1, kNoConn, sev::LinkDown{.link = 0})})
    c.emit(e);
  EXPECT_EQ(c.outages_csv(),
            "site,gateway,kind,start_s,end_s\n"
            "s,s-gw-0,wan_down,10,25.5\n"
            "s,s-gw-1,gateway_down,30,75\n"
            "s,s-gw-1,access_down,90,100\n");  // still down at the end (100 s)
}

TEST(Collector, LatencyCsvHasCumulativeBuckets) {
  Collector c(meta());
  for (const auto& e : script()) c.emit(e);
  const std::string csv = c.latency_csv();
  EXPECT_NE(csv.find("fleet,unit,message,2.992,3.007,1,0.333333\n"), std::string::npos) << csv;  // 3000 us: the bucket [2992, 3007]
  EXPECT_NE(csv.find("fleet,unit,message,6.976,7.000,1,1.000000\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("site,s,message,"), std::string::npos) << csv;
}

/**
 * Lifecycle by hand, a 24 h run of 2 gateways with 10 devices each:
 *   drift injected at gw0 at 10 h; the monitor reports at gw0 at 5 h (false: before the onset) and 14 h (found, 4 h late), and at
 *   gw1 at 20 h (false: gw1 never drifted). Clean device-days: gw0 10 x 10/24, gw1 10 x 1.
 *   a firmware rollout from 1 h to 3 h: gw0 dev0 commits, gw0 dev1 rolls back on the device, gw1 dev0 is reverted by the cloud after
 *   committing, gw1 refuses the job; 2 devices of gw0 ran the firmware.
 */
TEST(Collector, LifecycleKpisByHand) {
  RunMeta m;
  m.scenario = "life";
  m.duration_s = 24 * 3600;
  m.sites = {"s"};
  m.gateways = {{"s", "s-gw-0", 10}, {"s", "s-gw-1", 10}};
  m.lifecycle.enabled = true;
  m.lifecycle.scheduled = {{"firmware", "2.0"}};
  m.lifecycle.drift_streams = {"temp", "log_score"};
  Collector c(m);
  using runtime::OtaState;
  const auto outcome = [](OtaState s, bool reverted) {
    return sev::OtaOutcome{.rollout = 0, .state = static_cast<std::int64_t>(s), .version = 1, .reverted = reverted};
  };
  c.emit(at(kHourUs, 0, kNoConn, sev::RolloutStarted{.rollout = 0, .artifact = 0, .version = 1, .targets = 20}));
  c.emit(at(kHourUs, 0, kNoConn, sev::RolloutWave{.rollout = 0, .wave = 0, .targets = 2, .what = 0}));
  c.emit(at(kHourUs, 0, kNoConn, sev::OtaBytes{.rollout = 0, .wan = 1000}));
  c.emit(at(kHourUs, 0, 0, sev::OtaBytes{.rollout = 0, .access = 500}));
  c.emit(at(2 * kHourUs, 0, 0, outcome(OtaState::commit, false)));
  c.emit(at(2 * kHourUs, 0, 1, outcome(OtaState::rollback, false)));
  c.emit(at(2 * kHourUs, 1, 0, outcome(OtaState::rollback, true)));
  c.emit(at(2 * kHourUs, 1, kNoConn, outcome(OtaState::failure, false)));
  c.emit(at(3 * kHourUs, 0, kNoConn, sev::RolloutWave{.rollout = 0, .wave = 0, .targets = 2, .what = 1}));
  c.emit(at(3 * kHourUs, 0, kNoConn, sev::RolloutDone{.rollout = 0, .state = 1, .waves = 1, .committed = 1}));
  c.emit(at(5 * kHourUs, 0, kNoConn, rev::DriftDetected{.stream = 0, .test = 1}));
  c.emit(at(10 * kHourUs, 0, kNoConn, sev::DriftOnset{.drift = 0, .devices = 10}));
  c.emit(at(14 * kHourUs, 0, kNoConn, rev::DriftDetected{.stream = 1, .test = 0}));
  c.emit(at(20 * kHourUs, 1, kNoConn, rev::DriftDetected{.stream = 1, .test = 2}));
  c.emit(at(24 * kHourUs, 0, kNoConn, sev::OtaRan{.rollout = 0, .devices = 2}));
  c.set_lifecycle_names({{}, {"1.0", "2.0"}});
  const auto l = c.summary()["lifecycle"];
  EXPECT_EQ(l["drift"]["gateways_with_drift"], 1);
  EXPECT_EQ(l["drift"]["gateways_detected"], 1);
  EXPECT_DOUBLE_EQ(l["drift"]["detection_delay_h"]["max"].get<double>(), 4.0);
  EXPECT_EQ(l["drift"]["false_alarms"], 2);
  EXPECT_NEAR(l["drift"]["false_alarms_per_1000_device_days"].get<double>(), 2 / (10 * 10.0 / 24 + 10) * 1000, 1e-6);
  EXPECT_EQ(l["drift"]["by_test"]["psi"], 1);
  EXPECT_EQ(l["drift"]["by_stream"]["log_score"], 2);
  const auto& r = l["rollouts"][0];
  EXPECT_EQ(r["version"], "2.0");
  EXPECT_EQ(r["state"], "completed");
  EXPECT_DOUBLE_EQ(r["duration_h"].get<double>(), 2.0);
  EXPECT_EQ(r["committed"], 1);
  EXPECT_EQ(r["rolled_back"], 1);
  EXPECT_EQ(r["reverted"], 1);
  EXPECT_EQ(r["refused_by_gateways"], 1);
  EXPECT_DOUBLE_EQ(r["ever_ran_fraction"].get<double>(), 0.1);  // 2 of 20 devices
  EXPECT_EQ(l["ota"]["rollback_count"], 2);
  EXPECT_EQ(l["ota"]["bytes"]["total"], 1500);
  // Per gateway: gw1's drift alarm is its own false alarm; the OTA counts split by gateway.
  const auto g1 = c.gateway_kpis(1)["lifecycle"];
  EXPECT_EQ(g1["drift"]["false_alarms"], 1);
  EXPECT_TRUE(g1["drift"]["detection_delay_h"]["max"].is_null());
  EXPECT_EQ(g1["ota"]["reverted_by_cloud"], 1);
  EXPECT_EQ(g1["ota"]["committed"], 0);
  EXPECT_FALSE(g1.contains("rollouts"));  // a fleet-only list
  // The timeline: the rollout and its wave on the cloud's rows, drift on its gateway's, in time order.
  EXPECT_EQ(c.timeline_csv(),
            "t_s,site,gateway,device,event,detail\n"
            "3600.000,,,,rollout_started,rollout 0 firmware 2.0; 20 targets\n"
            "3600.000,,,,wave_started,rollout 0 firmware 2.0; wave 0; 2 targets\n"
            "10800.000,,,,wave_passed,rollout 0 firmware 2.0; wave 0; 2 targets\n"
            "10800.000,,,,rollout_done,rollout 0 firmware 2.0; completed\n"
            "18000.000,s,s-gw-0,,drift_detected,temp psi\n"
            "36000.000,s,s-gw-0,,drift_onset,ambient_shift\n"
            "50400.000,s,s-gw-0,,drift_detected,log_score page_hinkley\n"
            "72000.000,s,s-gw-1,,drift_detected,log_score ks\n");
}

TEST(Collector, VersionSharesAddUpOverGateways) {
  RunMeta m = meta();
  m.lifecycle.enabled = true;
  Collector c(m);
  // gw0: 2 devices, both on version 1; gw1: 1 of 2.
  c.emit(at(0, 0, kNoConn, sev::VersionShare{.artifact = 0, .version = 0, .units = 0, .total = 2}));
  c.emit(at(0, 0, kNoConn, sev::VersionShare{.artifact = 0, .version = 1, .units = 2, .total = 2}));
  c.emit(at(0, 1, kNoConn, sev::VersionShare{.artifact = 0, .version = 0, .units = 1, .total = 2}));
  c.emit(at(0, 1, kNoConn, sev::VersionShare{.artifact = 0, .version = 1, .units = 1, .total = 2}));
  c.set_lifecycle_names({{}, {"a", "b"}});
  EXPECT_EQ(c.versions_csv(), "t_h,artifact,version,units,share\n0.000000,firmware,a,1,0.250000\n0.000000,firmware,b,3,0.750000\n");
  EXPECT_DOUBLE_EQ(c.summary()["lifecycle"]["versions_final"]["firmware"]["newest_version_share"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(c.gateway_kpis(0)["lifecycle"]["versions_final"]["firmware"]["newest_version_share"].get<double>(), 1.0);
  // The time series: the site's shares at the interval's last sample (a later one replaces an earlier one).
  c.emit(at(50'000'000, 0, kNoConn, sev::VersionShare{.artifact = 0, .version = 0, .units = 2, .total = 2}));
  c.emit(at(50'000'000, 0, kNoConn, sev::VersionShare{.artifact = 0, .version = 1, .units = 0, .total = 2}));
  c.emit(at(50'000'000, 1, kNoConn, sev::VersionShare{.artifact = 0, .version = 0, .units = 1, .total = 2}));
  c.emit(at(50'000'000, 1, kNoConn, sev::VersionShare{.artifact = 0, .version = 1, .units = 1, .total = 2}));
  const std::string ts = c.timeseries_csv();
  EXPECT_NE(ts.find(",share_firmware_a,share_firmware_b\n"), std::string::npos) << ts;
  EXPECT_NE(ts.find(",0.75,0.25\n"), std::string::npos) << ts;  // 3 of 4 devices back on a
}

}  // namespace
}  // namespace twinbench::results
