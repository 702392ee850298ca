#include "twinbench/results/Collector.hpp"

#include <gtest/gtest.h>

namespace twinbench::results {
namespace {

using runtime::Event;
using runtime::EventKind;

RunMeta meta() {
  RunMeta m;
  m.scenario = "unit";
  m.seed = 7;
  m.duration_s = 100;
  m.sites = 1;
  m.gateways = {{"s", "s-gw-0", 2}, {"s", "s-gw-1", 2}};
  m.fault_modes = {"bearing_wear", "valve_leak", "cooling_fault"};
  return m;
}

std::vector<Event> script() {
  return {
      {0, EventKind::session_opened, 0, 0, 60},
      {0, EventKind::session_opened, 0, 1, 60},
      {10, EventKind::devices_made, 0, runtime::kNoConn, 4},
      {10, EventKind::devices_sent, 0, runtime::kNoConn, 4, 400, 560, 1000},
      {10, EventKind::devices_lost, 0, runtime::kNoConn, 1},
      {20, EventKind::telemetry, 0, 0, 100, 3000, 1},
      {30, EventKind::telemetry, 0, 1, 100, 5000, 1},
      {40, EventKind::telemetry, 0, 1, 100, 7000, 1},
      {50, EventKind::fault_onset, 1, 1, 0, 3600, 0},
      {60, EventKind::devices_made, 1, runtime::kNoConn, 2},
      {60, EventKind::devices_dropped, 1, runtime::kNoConn, 2},
      {50'000'000, EventKind::session_closed, 0, 1, static_cast<std::int64_t>(runtime::CloseReason::keepalive_timeout)},
      {60'000'000, EventKind::uplink_sent, 0, runtime::kNoConn, 500, 3},
      {60'000'100, EventKind::cloud_received, 0, runtime::kNoConn, 500, 3},
      {70'000'000, EventKind::link_down, 1, runtime::kNoConn, 0},
      {100'000'000, EventKind::run_end, 0, runtime::kNoConn, 0, 30'000'000},
      {100'000'000, EventKind::run_end, 1, runtime::kNoConn, 0, 10'000'000},
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
  EXPECT_EQ(s["faults"]["asset_faults_injected"], 1);
  EXPECT_EQ(s["faults"]["by_mode"]["bearing_wear"], 1);
  EXPECT_EQ(s["faults"]["link_outages"], 1);
  EXPECT_DOUBLE_EQ(s["energy"]["device_radio_j"].get<double>(), 1e-6);
  EXPECT_DOUBLE_EQ(s["gateway_cpu"]["utilization_mean"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(s["gateway_cpu"]["utilization_max"].get<double>(), 0.3);
  EXPECT_EQ(s.back(), c.trace_hash());  // trace_hash is the last key
  EXPECT_EQ(c.ground_truth_csv(), "site,gateway,device,mode,onset_s,ramp_s,failure_s\ns,s-gw-1,1,bearing_wear,5e-05,3600,3600\n");
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
  changed[5].b += 1;  // one microsecond of latency
  EXPECT_NE(hash_of(changed), h);
  auto swapped = base;
  std::swap(swapped[5], swapped[6]);
  EXPECT_NE(hash_of(swapped), h);
}

TEST(Collector, ReconnectsAndResentMessagesAreAccounted) {
  Collector c(meta());
  const std::vector<Event> events = {
      {0, EventKind::devices_made, 0, runtime::kNoConn, 5, 2, 1},  // 5 made: 2 kept offline, 1 never sent
      {0, EventKind::devices_sent, 0, runtime::kNoConn, 2, 0, 0, 0},
      {0, EventKind::gateway_down, 0, runtime::kNoConn},
      {1, EventKind::gateway_refused, 0, runtime::kNoConn, 1},  // one of the 2 sent hit the rebooting gateway
      {2, EventKind::gateway_up, 0, runtime::kNoConn},
      {3'000'000, EventKind::device_reconnected, 0, 0, 3'000'000, 2},
      {4'000'000, EventKind::device_reconnected, 0, 1, 1'000'000, 0},
      {4'000'000, EventKind::devices_resent, 0, runtime::kNoConn, 1, 2},  // the refused one again, and the 2 kept
      {5'000'000, EventKind::telemetry, 0, 0, 100, 10, 1},
      {5'000'000, EventKind::telemetry, 0, 0, 100, 10, 1},
      {5'000'000, EventKind::telemetry, 0, 1, 100, 10, 1},
      {5'000'000, EventKind::telemetry, 0, 1, 100, 10, 1},
      {100'000'000, EventKind::run_end, 0, runtime::kNoConn, 0, 0, 0, 0},
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

TEST(Collector, MessagesCsvHasOneRowPerGateway) {
  Collector c(meta());
  for (const auto& e : script()) c.emit(e);
  const std::string csv = c.messages_csv();
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_NE(csv.find("\ns,s-gw-0,2,4,4,1,0,0,3,5.000,"), std::string::npos) << csv;  // the mean is exact
}

}  // namespace
}  // namespace twinbench::results
