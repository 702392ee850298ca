#include "twinbench/core/Economics.hpp"

#include <cmath>

namespace twinbench::core {

Economics read_economics(const JsonObject& o) {
  o.allow({"currency", "downtime_cost_per_hour", "unplanned_downtime_h", "planned_repair_h", "truck_roll_cost", "missed_failure_cost",
           "edge_ai_cost_per_device_per_year", "edge_ai_fixed_cost", "energy_price_per_kwh"});
  Economics e;
  e.currency = o.string_or("currency", e.currency);
  e.downtime_cost_per_hour = o.non_negative_or("downtime_cost_per_hour", 0);
  e.unplanned_downtime_h = o.non_negative_or("unplanned_downtime_h", 0);
  e.planned_repair_h = o.non_negative_or("planned_repair_h", 0);
  if (e.planned_repair_h > e.unplanned_downtime_h)
    o.fail("planned_repair_h", "expected at most unplanned_downtime_h (a planned repair should not take longer than an unplanned failure)");
  e.truck_roll_cost = o.non_negative_or("truck_roll_cost", 0);
  e.missed_failure_cost = o.non_negative_or("missed_failure_cost", 0);
  e.edge_ai_cost_per_device_per_year = o.non_negative_or("edge_ai_cost_per_device_per_year", 0);
  e.edge_ai_fixed_cost = o.non_negative_or("edge_ai_fixed_cost", 0);
  e.energy_price_per_kwh = o.non_negative_or("energy_price_per_kwh", 0);
  return e;
}

nlohmann::ordered_json business_case(const Economics& e, const BusinessCaseInput& in) {
  // Run to failure (no edge AI) against edge AI: each detected fault becomes a planned repair with a truck
  // roll instead of an unplanned failure; each false alert costs a truck roll; the edge AI costs its fixed
  // cost (shared in proportion to the devices) plus its yearly price per device, pro rata.
  using json = nlohmann::ordered_json;
  const auto round6 = [](double x) { return std::round(x * 1e6) / 1e6; };
  const auto money = [](double x) { return std::round(x * 100) / 100; };
  const double share = in.fleet_devices > 0 ? in.devices / in.fleet_devices : 0.0;
  const double failure = e.unplanned_downtime_h * e.downtime_cost_per_hour + e.missed_failure_cost;
  const double repair = e.planned_repair_h * e.downtime_cost_per_hour + e.truck_roll_cost;
  const double edge_ai = e.edge_ai_fixed_cost * share + in.devices * e.edge_ai_cost_per_device_per_year * in.duration_s / (365.0 * 86400.0);
  // The excess energy a fault draws is paid until the failure; an alert lets the repair stop it then.
  const double excess = in.excess_kwh.value_or(0), avoided = in.avoided_kwh.value_or(0);
  const double without = (in.detected + in.missed) * failure + excess * e.energy_price_per_kwh;
  const double with = in.detected * repair + in.missed * failure + in.false_alerts * e.truck_roll_cost + edge_ai + (excess - avoided) * e.energy_price_per_kwh;
  return {{"enabled", true},
          {"currency", e.currency},
          {"avoided_downtime_h", round6(in.detected * (e.unplanned_downtime_h - e.planned_repair_h))},
          {"avoided_energy_kwh", in.avoided_kwh ? json(round6(avoided)) : json(nullptr)},
          {"avoided_energy_cost", in.avoided_kwh ? json(money(avoided * e.energy_price_per_kwh)) : json(nullptr)},
          {"truck_rolls", in.detected + in.false_alerts},
          {"false_alert_cost", money(in.false_alerts * e.truck_roll_cost)},
          {"edge_ai_cost", money(edge_ai)},
          {"cost_without_edge_ai", money(without)},
          {"cost_with_edge_ai", money(with)},
          {"net_savings", money(without - with)},
          {"roi", money(edge_ai) > 0 ? json(round6((without - with) / edge_ai)) : json(nullptr)}};  // not over a cost that rounds to nothing
}

}  // namespace twinbench::core
