// How a sharded run divides a fleet (sim::shard_cuts) and what it refuses (sim::shard_obstacle): cuts
// worked out by hand for a fleet of uneven gateways.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "twinbench/sim/ScenarioLoader.hpp"
#include "twinbench/sim/Simulation.hpp"

namespace twinbench::sim {
namespace {

using nlohmann::json;

/** Gateways of 100, 100, 1000, 10, 10 and 10 devices (1,230 in all), in that order. */
Scenario uneven() {
  return parse_scenario(R"({"name": "t", "duration_s": 60, "sites": [
      {"name": "a", "gateways": 2, "devices_per_gateway": 100, "link": {"preset": "wifi"}},
      {"name": "b", "gateways": 1, "devices_per_gateway": 1000, "link": {"preset": "wifi"}},
      {"name": "c", "gateways": 3, "devices_per_gateway": 10, "link": {"preset": "wifi"}}]})",
                        "scenario.json");
}

TEST(Shards, EachShardEndsWhereItsShareOfTheDevicesIsReached) {
  const Scenario sc = uneven();
  using Cuts = std::vector<std::uint32_t>;
  EXPECT_EQ(shard_cuts(sc, 1), (Cuts{0, 6}));
  // Half is 615 devices: reached with the third gateway (1,200 so far).
  EXPECT_EQ(shard_cuts(sc, 2), (Cuts{0, 3, 6}));
  // A third (410) and two thirds (820) are both reached with the third gateway; the second shard then
  // ends with the next one (1,210 so far, past 820), the last keeps the two left.
  EXPECT_EQ(shard_cuts(sc, 3), (Cuts{0, 3, 4, 6}));
  // As many shards as gateways: one each, however uneven.
  EXPECT_EQ(shard_cuts(sc, 6), (Cuts{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_THROW(shard_cuts(sc, 7), std::invalid_argument);
  EXPECT_THROW(shard_cuts(sc, 0), std::invalid_argument);
}

TEST(Shards, WhatCouplesGatewaysThroughTheCloudIsAnObstacle) {
  EXPECT_EQ(shard_obstacle(uneven()), "");
  json j = json::parse(R"({"name": "t", "duration_s": 60, "hil": {"gateways": {"a-gw-0": "mqtt://127.0.0.1:1883"}},
                            "sites": [{"name": "a", "gateways": 1, "devices_per_gateway": 1, "link": {"preset": "wifi"}}]})");
  EXPECT_NE(shard_obstacle(parse_scenario(j.dump(), "scenario.json")).find("hardware-in-the-loop"), std::string::npos);
}

}  // namespace
}  // namespace twinbench::sim
