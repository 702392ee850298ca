#pragma once
// Scenario assertions over summary.json (KPI path + bounds), and their JUnit XML report for CI.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace twinbench::results {

struct AssertionSpec {
  std::string kpi;  ///< JSON pointer into summary.json
  std::optional<double> min, max;
};

struct AssertionResult {
  AssertionSpec spec;
  std::optional<double> value;  ///< nullopt: the KPI is missing or not a number
  bool passed = false;
  std::string message;          ///< "latency_ms/p99 = 412.3, expected <= 200"
};

/** @brief The JSON pointers of every numeric leaf in `summary` (to validate assertion paths early). */
std::vector<std::string> numeric_kpis(const nlohmann::ordered_json& summary);

std::vector<AssertionResult> check_assertions(const nlohmann::ordered_json& summary, const std::vector<AssertionSpec>& specs);

/** @brief JUnit XML with one test case per assertion, in a suite named after the scenario. */
std::string junit_xml(const std::string& scenario, const std::vector<AssertionResult>& results, double wall_s);

}  // namespace twinbench::results
