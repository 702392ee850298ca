// The business case against figures worked out by hand.
#include "twinbench/core/Economics.hpp"

#include <gtest/gtest.h>

namespace twinbench::core {
namespace {

Economics pilot() {  // the pilot scenario's business case
  Economics e;
  e.downtime_cost_per_hour = 1500, e.unplanned_downtime_h = 12, e.planned_repair_h = 3, e.truck_roll_cost = 350, e.missed_failure_cost = 8000;
  e.edge_ai_cost_per_device_per_year = 24, e.edge_ai_fixed_cost = 25000, e.energy_price_per_kwh = 0.25;
  return e;
}

TEST(Economics, EachDetectedFaultIsAPlannedRepairInsteadOfAFailure) {
  BusinessCaseInput in;
  in.detected = 2, in.missed = 1, in.false_alerts = 3, in.devices = 50, in.fleet_devices = 100, in.duration_s = 365 * 86400.0;
  in.excess_kwh = 100, in.avoided_kwh = 60;
  const auto b = business_case(pilot(), in);
  // A failure: 12 h x 1500 + 8000 = 26,000; a planned repair: 3 h x 1500 + 350 = 4,850.
  // Edge AI: half the fixed cost (12,500) + 50 devices x 24 for a year (1,200) = 13,700.
  // Without: 3 failures (78,000) + 100 kWh (25) = 78,025. With: 2 repairs (9,700) + 1 failure (26,000)
  // + 3 truck rolls (1,050) + 13,700 + 40 kWh (10) = 50,460.
  EXPECT_EQ(b["avoided_downtime_h"], 18.0);
  EXPECT_EQ(b["avoided_energy_kwh"], 60.0);
  EXPECT_EQ(b["avoided_energy_cost"], 15.0);
  EXPECT_EQ(b["truck_rolls"], 5.0);
  EXPECT_EQ(b["false_alert_cost"], 1050.0);
  EXPECT_EQ(b["edge_ai_cost"], 13700.0);
  EXPECT_EQ(b["cost_without_edge_ai"], 78025.0);
  EXPECT_EQ(b["cost_with_edge_ai"], 50460.0);
  EXPECT_EQ(b["net_savings"], 27565.0);
  EXPECT_DOUBLE_EQ(b["roi"].get<double>(), std::round(27565.0 / 13700.0 * 1e6) / 1e6);
}

TEST(Economics, EnergyNobodyMeasuredIsNullAndLeftOutOfTheCosts) {
  BusinessCaseInput in;
  in.detected = 1, in.devices = 3, in.fleet_devices = 3;
  Economics e = pilot();
  e.edge_ai_fixed_cost = 0, e.edge_ai_cost_per_device_per_year = 0;
  const auto b = business_case(e, in);
  EXPECT_TRUE(b["avoided_energy_kwh"].is_null());
  EXPECT_TRUE(b["avoided_energy_cost"].is_null());
  EXPECT_EQ(b["net_savings"], 26000.0 - 4850.0);
  EXPECT_TRUE(b["roi"].is_null());  // nothing spent on edge AI
  e.edge_ai_cost_per_device_per_year = 24;  // three devices for an hour: 0.008 EUR, rounds to a cent
  in.duration_s = 3600;
  EXPECT_FALSE(business_case(e, in)["roi"].is_null());
  in.duration_s = 60;  // for a minute: nothing measurable, no ratio over it
  EXPECT_TRUE(business_case(e, in)["roi"].is_null());
}

TEST(Economics, APlannedRepairLongerThanAFailureIsBadInput) {
  const nlohmann::json j = {{"unplanned_downtime_h", 2}, {"planned_repair_h", 3}};
  try {
    read_economics(JsonObject(j, "/economics", "x.json"));
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "x.json: /economics/planned_repair_h: expected at most unplanned_downtime_h (a planned repair should not take longer than an unplanned failure)");
  }
}

}  // namespace
}  // namespace twinbench::core
