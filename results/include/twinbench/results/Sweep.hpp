#pragma once
// A sweep's results: the cells (one run per grid point and seed) and what they add up to. cells.csv is
// tidy data (a row per cell, a column per parameter and per KPI path); aggregate.json gives, per grid
// point and KPI, the distribution over seeds with a 95 % confidence interval, and the scenario's gates:
// those over seeds on their statistic, and those on every run on each cell.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "twinbench/results/Assertions.hpp"

namespace twinbench::results {

struct SweepParam {
  std::string pointer;        ///< into the scenario (as --set takes it)
  nlohmann::ordered_json value;
};

struct SweepCell {
  std::uint64_t seed = 0;
  /// "ok"; "failed" (the run crashed or was killed: no results); "pending" (not run yet)
  std::string status;
  std::optional<nlohmann::ordered_json> summary;  ///< when the run completed
};

struct SweepPoint {
  std::string id;  ///< p0, p1, ...
  std::vector<SweepParam> params;
  std::vector<AssertionSpec> gates;  ///< the scenario's assertions at this point
  std::vector<SweepCell> cells;      ///< by seed
};

/** The distribution of one KPI over a point's seeds. */
struct KpiDistribution {
  std::size_t n = 0, nulls = 0;  ///< cells with a value; cells where it was null
  double mean = 0, sd = 0, min = 0, p05 = 0, p50 = 0, p95 = 0, max = 0;
  std::vector<double> values;  ///< by seed, nulls left out
  double ci_low = 0, ci_high = 0;
  std::string ci_method;                   ///< "t" (mean), "wilson" (a proportion, pooled over seeds)
  std::optional<double> successes, trials;  ///< wilson's counts
  double t_low = 0, t_high = 0;            ///< the t interval of the mean over seeds (for proportions too)
};

/** @brief The KPI paths of the point's completed cells, in the order of the first summary that has them (numbers only). */
std::vector<std::string> sweep_kpis(const SweepPoint& p);
/** @brief nullopt when no cell has the KPI. */
std::optional<KpiDistribution> distribution(const SweepPoint& p, const std::string& kpi);
/** @brief A statistic ("mean", "p90"...: statistics()) of a distribution. */
double statistic(const KpiDistribution& d, const std::string& name);

/** @brief Every gate of the point: those over seeds on their statistic, those on every run in each completed cell (the worst value). */
std::vector<AssertionResult> sweep_gates(const SweepPoint& p);

std::string cells_csv(const std::vector<SweepPoint>& points);
nlohmann::ordered_json aggregate_json(const std::string& scenario, const std::vector<std::uint64_t>& seeds, const std::vector<SweepPoint>& points);

/** @brief A point's name in reports: "p1 (/duration_s=3600)". */
std::string point_label(const SweepPoint& p);

}  // namespace twinbench::results
