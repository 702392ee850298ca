#pragma once
// A baseline against a candidate, KPI by KPI: two runs, or two sweeps (a distribution over seeds each).
// KPIs the scenario gates (or a tolerance file names) are judged: a regression is a change in the worse
// direction beyond the tolerance that is significant (sweeps: Welch's t-test, Holm-adjusted over the
// judged KPIs), or a gate the baseline held and the candidate fails.

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "twinbench/results/Assertions.hpp"

namespace twinbench::results {

/** One side: a run (one summary) or a sweep's point (a summary per seed). */
struct CompareSide {
  std::string label;
  bool sweep = false;
  std::vector<nlohmann::ordered_json> summaries;
  std::vector<AssertionSpec> gates;
};

/** How much worse a KPI may get. */
struct Tolerance {
  bool higher_is_better = true;
  double abs = 0, rel = 0;  ///< the allowed worsening: max(abs, rel x |baseline|)
};

struct KpiComparison {
  std::string kpi;
  std::size_t n_baseline = 0, n_candidate = 0;
  std::optional<double> baseline, candidate;  ///< means over seeds; nullopt: null (nothing to measure) or missing
  std::optional<double> delta, relative;      ///< candidate - baseline; / |baseline|
  std::optional<double> p, p_adjusted, effect, p_mann_whitney;  ///< sweeps: Welch's p, Holm-adjusted, Hedges' g; Mann-Whitney's p
  std::optional<Tolerance> tolerance;         ///< judged KPIs only
  std::string verdict;                        ///< "regression", "improvement", "within tolerance", "not significant", "unchanged", "" (not judged)
  std::string why;
};

struct Comparison {
  std::string baseline, candidate;
  bool sweep = false;
  double alpha = 0.05;
  std::vector<KpiComparison> judged;   ///< the gated KPIs and those of the tolerance file
  std::vector<KpiComparison> changed;  ///< the others that changed (sweeps: significantly, Holm-adjusted among them)
  std::vector<std::string> gates_broken;  ///< gates the baseline held and the candidate fails
  bool regression = false;
};

/** @brief Tolerances from gates: the direction each bound implies, no slack (a two-sided gate is left to the gate check). */
std::map<std::string, Tolerance> tolerances_from_gates(const std::vector<AssertionSpec>& gates);

Comparison compare(const CompareSide& baseline, const CompareSide& candidate, const std::map<std::string, Tolerance>& tolerances,
                   double alpha = 0.05);

std::string compare_markdown(const Comparison& c);
nlohmann::ordered_json compare_json(const Comparison& c);

}  // namespace twinbench::results
