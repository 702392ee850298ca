#pragma once
// What faults and alerts cost, and the business case of edge AI against running to failure
// (docs/edge-ai.md): one definition for the bench's results (from a run's ground truth) and for
// twinbench-edge's console (from what technicians confirmed at the gateway).

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "twinbench/core/JsonReader.hpp"

namespace twinbench::core {

struct Economics {
  std::string currency = "EUR";
  double downtime_cost_per_hour = 0;
  double unplanned_downtime_h = 0;   ///< a failure nobody saw coming
  double planned_repair_h = 0;       ///< a repair scheduled on an alert
  double truck_roll_cost = 0;        ///< a technician's visit (every repair, every false alert)
  double missed_failure_cost = 0;    ///< parts and collateral damage of a failure
  double edge_ai_cost_per_device_per_year = 0;
  double edge_ai_fixed_cost = 0;     ///< gateways, integration: once, for the period
  double energy_price_per_kwh = 0;
};

/** @brief An "economics" object (a scenario's, the console's): its keys and checks; bad input names the path. */
Economics read_economics(const JsonObject& o);

struct BusinessCaseInput {
  double detected = 0;      ///< faults found in time: each a planned repair instead of a failure
  double missed = 0;        ///< faults that failed unseen
  double false_alerts = 0;  ///< each a truck roll for nothing
  double devices = 0;       ///< the edge AI's devices in scope, and the fleet's (the fixed cost is shared in proportion)
  double fleet_devices = 0;
  double duration_s = 0;    ///< the period (the yearly price pro rata)
  /// The excess energy the faults drew, and the part an alert avoided (by a repair before the failure);
  /// nullopt where nobody measured it (the energy figures are then null, and left out of the costs).
  std::optional<double> excess_kwh, avoided_kwh;
};

/**
 * @brief The business case: {"enabled": true, "currency", "avoided_downtime_h", "avoided_energy_kwh",
 * "avoided_energy_cost", "truck_rolls", "false_alert_cost", "edge_ai_cost", "cost_without_edge_ai",
 * "cost_with_edge_ai", "net_savings", "roi"} (money rounded to cents; roi null without an edge AI cost of at least a cent).
 */
nlohmann::ordered_json business_case(const Economics& e, const BusinessCaseInput& in);

}  // namespace twinbench::core
