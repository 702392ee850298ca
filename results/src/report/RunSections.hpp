#pragma once
// Sections of a run's report built from its event files (private to results/src/report): every alert on a
// per-site timeline against the fault onsets, detection and lead time by fault mode, and the lifecycle
// (version shares with the rollout waves, drift onsets against their detection, the rollouts).

#include <map>
#include <string>
#include <vector>

#include "Page.hpp"
#include "Table.hpp"

namespace twinbench::results::report {

/** At most this many markers of one kind on a chart; more are thinned evenly (every k-th, said in the caption). */
inline constexpr std::size_t kMarkersMax = 2500;

/** Figure "alerts": fault onsets, true, false and late alerts per site over time (from timeline.csv). */
std::string alerts_figure(const Table& timeline, const std::vector<std::string>& sites, double end_h);
/** Figure "lead-times": each detected fault's detection time after onset and lead time before failure, by mode
 * (from ground_truth.csv); `lead_p50_h` gets each mode's median lead time in hours. */
std::string lead_time_figure(const Table& truth, const std::vector<std::string>& modes, std::map<std::string, double>& lead_p50_h);
/** Section "lifecycle", or "" when the run has none: version shares over time with the rollout waves as
 * bands, drift onsets and detections per gateway, and the rollouts' table. `timeline` or `versions` may be null. */
std::string lifecycle_section(const json& summary, const Table* timeline, const Table* versions, double end_h);

}  // namespace twinbench::results::report
