#pragma once
// Scenario assertions (gates) over summary.json: a KPI path and bounds, on every run or on a statistic of
// the KPI over a sweep's seeds; and their JUnit XML report for CI, with the measured value and the bound.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace twinbench::results {

struct AssertionSpec {
  std::string kpi;  ///< JSON pointer into summary.json
  std::optional<double> min, max;
  std::string over_seeds = {};  ///< a statistic's name (statistics()): the gate is on it over a sweep's seeds; empty: on every run
};

struct AssertionResult {
  AssertionSpec spec;
  std::optional<double> value;  ///< the KPI (or the statistic); nullopt: null, missing or not evaluated
  bool passed = false;
  bool evaluated = true;        ///< false: a gate over seeds in a single run (reported, not checked)
  std::string message;          ///< "/latency_ms/p99 = 412.3, expected <= 200"
  std::string note = {};        ///< sweeps: how many runs held a per-run gate, the worst seed
};

/** @brief The statistics a gate may take over seeds: mean, mean_ci_low, mean_ci_high, p90, min, max. */
const std::vector<std::string>& statistics();
bool is_statistic(const std::string& name);

/** @brief The JSON pointers of every numeric or null leaf of `summary` (to check assertion paths before a run). */
std::vector<std::string> kpi_paths(const nlohmann::ordered_json& summary);
/** @brief kpi_paths() less what describes the run rather than measures it (/seed, /events): what sweeps and comparisons add up. */
std::vector<std::string> measured_kpis(const nlohmann::ordered_json& summary);

/** @brief "in [a, b]", ">= a" or "<= b". */
std::string bounds(const AssertionSpec& s);

/** @brief Gates on one run. Those over seeds are listed, not evaluated; a null KPI fails (nothing to measure). */
std::vector<AssertionResult> check_assertions(const nlohmann::ordered_json& summary, const std::vector<AssertionSpec>& specs);

/** @brief A gate checked on a value computed elsewhere (a statistic over seeds): `what` names it in the message. */
AssertionResult check_value(const AssertionSpec& spec, std::optional<double> value, const std::string& what);

struct JunitSuite {
  std::string name;
  std::vector<AssertionResult> results;
  double wall_s = 0;
};
/** @brief JUnit XML: a test suite per entry, a test case per gate with its value and bound as properties. */
std::string junit_xml(const std::vector<JunitSuite>& suites);
inline std::string junit_xml(const std::string& scenario, const std::vector<AssertionResult>& results, double wall_s) {
  return junit_xml({JunitSuite{scenario, results, wall_s}});
}

}  // namespace twinbench::results
