#include "twinbench/results/Trace.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "twinbench/runtime/Rules.hpp"
#include "twinbench/sim/Events.hpp"

namespace twinbench::results {
namespace {

using json = nlohmann::json;
namespace sev = sim::ev;
namespace rev = runtime::ev;
constexpr runtime::TimeUs kS = 1'000'000;

RunMeta meta() {
  RunMeta m;
  m.scenario = "t";
  m.seed = 1;
  m.duration_s = 4 * 3600;
  m.interval_s = 3600;
  m.sites = {"north", "south"};
  m.gateways = {{"north", "north-gw-0", 10}, {"south", "south-gw-0", 10}};
  m.fault_modes = {"bearing_wear", "valve_leak", "cooling_fault"};
  return m;
}

std::vector<json> of(const json& trace, const std::string& ph) {
  std::vector<json> out;
  for (const auto& e : trace["traceEvents"])
    if (e["ph"] == ph) out.push_back(e);
  return out;
}

TEST(Trace, OutagesAndRebootsAreSlicesOnTheirGatewaysTrackAndOverlapsGoALaneDown) {
  Trace t(meta());
  t.emit(10 * kS, 1, runtime::kNoConn, sev::LinkDown{0});
  t.emit(12 * kS, 1, runtime::kNoConn, sev::GatewayDown{1, 7});
  t.emit(25 * kS, 1, runtime::kNoConn, sev::LinkUp{0});
  t.emit(30 * kS, 1, runtime::kNoConn, sev::GatewayUp{});
  t.emit(40 * kS, 1, runtime::kNoConn, sev::GatewayDown{0, 0});
  t.emit(50 * kS, 0, runtime::kNoConn, sev::LinkDown{1});  // still down at the end
  const json j = json::parse(t.text());
  const auto x = of(j, "X");
  ASSERT_EQ(x.size(), 4u);
  // south-gw-0 is gateway 1, in site 1: process 3; its track is thread (1 + 1) x 16, the lane below + 1.
  EXPECT_EQ(x[0]["name"], "access link down");
  EXPECT_EQ(x[0]["ts"], 10 * kS);
  EXPECT_EQ(x[0]["dur"], 15 * kS);
  EXPECT_EQ(x[0]["pid"], 3);
  EXPECT_EQ(x[0]["tid"], 32);
  EXPECT_EQ(x[1]["name"], "gateway down (power cut)");
  EXPECT_EQ(x[1]["ts"], 12 * kS);
  EXPECT_EQ(x[1]["dur"], 18 * kS);
  EXPECT_EQ(x[1]["args"]["records_lost"], 7);
  EXPECT_EQ(x[1]["tid"], 33);  // overlaps the outage: a lane of its own
  // Open at the end: they last until the run's end (4 h), by gateway.
  EXPECT_EQ(x[2]["name"], "WAN down");
  EXPECT_EQ(x[2]["dur"], 4 * 3600 * kS - 50 * kS);
  EXPECT_EQ(x[2]["pid"], 2);
  EXPECT_EQ(x[2]["tid"], 16);
  EXPECT_EQ(x[3]["name"], "gateway down");
  EXPECT_EQ(x[3]["dur"], 4 * 3600 * kS - 40 * kS);
  EXPECT_EQ(x[3]["tid"], 32);  // after the outage: back in the first lane
  // Every thread used is named, the second lane after its gateway.
  std::map<std::pair<int, int>, std::string> names;
  for (const auto& m : of(j, "M"))
    if (m["name"] == "thread_name") names[{m["pid"].get<int>(), m["tid"].get<int>()}] = m["args"]["name"];
  EXPECT_EQ(names[std::make_pair(1, 1)], "cloud");
  EXPECT_EQ(names[std::make_pair(2, 16)], "north-gw-0");
  EXPECT_EQ(names[std::make_pair(3, 32)], "south-gw-0");
  EXPECT_EQ(names[std::make_pair(3, 33)], "south-gw-0 (2)");
}

TEST(Trace, AlertsAndFaultsAreInstantsAndEveryAlertIsCountedPerInterval) {
  Trace t(meta());
  for (int i = 0; i < 3; ++i) t.emit(100 * kS + i, 0, 4, rev::AlertRaised{2, static_cast<std::int64_t>(runtime::Severity::critical), 0});
  t.emit(2 * 3600 * kS + 5, 0, 4, rev::AlertRaised{2, 1, 0});
  t.emit(50 * kS, 0, 4, sev::FaultOnset{1, 600, 0});
  const json j = json::parse(t.text());
  const auto i = of(j, "i");
  ASSERT_EQ(i.size(), 5u);
  EXPECT_EQ(i[0]["name"], "alert");
  EXPECT_EQ(i[0]["args"]["device"], "d4");
  EXPECT_EQ(i[0]["args"]["severity"], "critical");
  EXPECT_EQ(i[0]["s"], "t");
  EXPECT_EQ(i[4]["name"], "fault onset: valve_leak");
  EXPECT_DOUBLE_EQ(i[4]["args"]["fails_at_s"].get<double>(), 650.0);
  const auto c = of(j, "C");
  ASSERT_EQ(c.size(), 4u);  // four 1-hour intervals of the one gateway that had any
  const int alerts[] = {3, 0, 1, 0};
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(c[k]["name"], "north-gw-0 per interval");
    EXPECT_EQ(c[k]["ts"], k * 3600 * kS);
    EXPECT_EQ(c[k]["args"]["alerts"], alerts[k]) << k;
  }
}

TEST(Trace, MarksAreBoundedTheCountersAreNotAndTheSameEventsGiveTheSameBytes) {
  const auto run = [] {
    Trace t(meta());
    for (std::size_t k = 0; k < Trace::kMaxMarks + 5; ++k) t.emit(static_cast<runtime::TimeUs>(k), 1, 0, rev::AlertRaised{0, 0, 0});
    return t.text();
  };
  const std::string a = run();
  EXPECT_EQ(a, run());
  const json j = json::parse(a);
  EXPECT_EQ(of(j, "i").size(), Trace::kMaxMarks);
  EXPECT_EQ(j["otherData"]["marks_left_out"], 5);
  EXPECT_EQ(of(j, "C")[0]["args"]["alerts"], Trace::kMaxMarks + 5);
  for (const auto& e : j["traceEvents"]) {  // what every event of the format needs
    ASSERT_TRUE(e.contains("name") && e.contains("ph") && e.contains("pid")) << e;
    if (e["ph"] != "M") {
      ASSERT_TRUE(e["ts"].is_number_integer()) << e;
    }
    if (e["ph"] != "C") {
      ASSERT_TRUE(e.contains("tid")) << e;
    }
  }
}

}  // namespace
}  // namespace twinbench::results
