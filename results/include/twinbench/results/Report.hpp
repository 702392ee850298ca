#pragma once
// A run's report: one self-contained HTML page (inline style and SVG, no script, nothing fetched) for a
// plant manager first and an engineer second. The first screen is the executive summary: go or no-go
// against the scenario's gates, avoided downtime, energy, net savings and ROI, the three worst sites.
// Then operations (per-site time series, latency CDFs, faults against their detection), detection by
// fault mode, and every gate with its value and bound. docs/report.md says what each plot answers.

#include <string>
#include <vector>

namespace twinbench::results {

/** In every report's head (<meta name="generator">): how a report twinbench wrote is known, and may be replaced. */
inline constexpr const char* kReportGenerator = "twinbench report/1";

/** The files of a run's results folder that the report reads (their text). */
struct RunFiles {
  std::string summary_json, run_json, sites_csv, timeseries_csv, latency_csv, ground_truth_csv;
  std::string outages_csv = {};   ///< empty: results from before outages.csv (no outage bands)
  std::string timeline_csv = {};  ///< empty: results from before timeline.csv (no alert timeline, no lifecycle events)
  std::string versions_csv = {};  ///< empty: a run without a lifecycle (no version shares)
};

/**
 * @brief The report as HTML. The same files give the same bytes. Throws std::runtime_error naming the
 * file and what is wrong when a file is not what `twinbench run` writes.
 */
std::string run_report_html(const RunFiles& files);

/**
 * @brief A sweep's report from its aggregate.json and cells.csv: the verdict over every grid point, the
 * headline KPIs' means with their 95 % confidence intervals per point, and each gate across the seeds
 * (every seed's value against the bound). Throws std::runtime_error like run_report_html.
 */
std::string sweep_report_html(const std::string& aggregate_json, const std::string& cells_csv);

struct Comparison;
/**
 * @brief A comparison's report (twinbench compare --html): regression or not, for each grid point the
 * gated KPIs with baseline, candidate, change and its significance marked, and a chart of the changes.
 */
std::string compare_report_html(const std::vector<Comparison>& comparisons);

}  // namespace twinbench::results
