#include "twinbench/results/LifecycleKpis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "twinbench/runtime/ModelUpdates.hpp"

namespace twinbench::results {

using json = nlohmann::ordered_json;
using runtime::EventKind;

namespace {
double round6(double x) { return std::round(x * 1e6) / 1e6; }
double hours(std::int64_t us) { return round6(static_cast<double>(us) / 3.6e9); }
constexpr const char* kTests[] = {"page_hinkley", "psi", "ks"};
}  // namespace

LifecycleKpis::LifecycleKpis(LifecycleMeta meta, std::vector<std::uint32_t> devices_per_gateway, double duration_s)
    : meta_(std::move(meta)), devices_(std::move(devices_per_gateway)), duration_s_(duration_s) {}

bool LifecycleKpis::on(const runtime::Event& e) {
  auto rollout = [&]() -> RolloutStats& {
    const auto k = static_cast<std::size_t>(e.a);
    if (k >= rollouts_.size()) rollouts_.resize(k + 1);
    return rollouts_[k];
  };
  switch (e.kind) {
    case EventKind::drift_onset:
      onset_us_.emplace(e.gateway, e.t_us);  // the first one counts
      return true;
    case EventKind::drift_detected: detections_.emplace_back(e.gateway, e); return true;
    case EventKind::model_trained:
      ++models_trained_;
      training_windows_ += static_cast<std::uint64_t>(e.b);
      training_cpu_s_ += static_cast<double>(e.c) * 1e-6;
      return true;
    case EventKind::rollout_started: {
      RolloutStats& r = rollout();
      r.started_us = e.t_us;
      r.artifact = static_cast<int>(e.b);
      r.version = e.c;
      r.targets = e.d;
      return true;
    }
    case EventKind::rollout_wave: {
      RolloutStats& r = rollout();
      if (e.d == 0) r.waves = std::max<std::int64_t>(r.waves, e.b + 1);
      if (e.d == 1) ++r.waves_passed;
      if (e.d == 2) r.failed_wave = e.b;
      return true;
    }
    case EventKind::rollout_done: {
      RolloutStats& r = rollout();
      r.finished_us = e.t_us;
      r.state = static_cast<int>(e.b);
      return true;
    }
    case EventKind::ota_outcome: {
      RolloutStats& r = rollout();
      const auto s = static_cast<runtime::OtaState>(e.b);
      if (e.device == runtime::kNoConn && r.artifact == 0) ++r.refused_by_gateways;
      else if (s == runtime::OtaState::commit) ++r.committed;
      else if (s == runtime::OtaState::rollback) ++(e.d ? r.reverted : r.rolled_back);
      else ++r.failed;
      // A gateway's model that committed or came back on trial ran it.
      if (r.artifact == 1 && (s == runtime::OtaState::commit || (s == runtime::OtaState::rollback && !e.d))) ++r.ran;
      return true;
    }
    case EventKind::ota_bytes: {
      RolloutStats& r = rollout();
      r.bytes_wan += static_cast<std::uint64_t>(e.b);
      r.bytes_access += static_cast<std::uint64_t>(e.c);
      return true;
    }
    case EventKind::ota_ran: rollout().ran += static_cast<std::uint64_t>(e.b); return true;
    case EventKind::version_share: shares_.push_back({e.t_us, static_cast<int>(e.a), e.b, e.c, e.d}); return true;
    default: return false;
  }
}

std::string LifecycleKpis::version_name(int artifact, std::int64_t v) const {
  const auto& names = artifact ? names_.model_versions : names_.firmware_versions;
  if (v >= 0 && static_cast<std::size_t>(v) < names.size()) return names[static_cast<std::size_t>(v)];
  std::string unknown = "#";  // += : GCC 12 warns falsely (-Wrestrict) on "#" + to_string
  unknown += std::to_string(v);
  return unknown;
}

json LifecycleKpis::summary() const {
  json l;
  // Drift: each gateway's first detection after its first onset, against the ground truth.
  std::uint64_t devices = 0;
  for (auto d : devices_) devices += d;
  const auto end_us = static_cast<std::int64_t>(std::llround(duration_s_ * 1e6));
  std::map<std::uint32_t, std::int64_t> first_detection;
  std::uint64_t false_alarms = 0, by_test[3] = {};
  std::map<std::string, std::uint64_t> by_stream;
  for (const auto& [g, e] : detections_) {
    if (e.b >= 0 && e.b < 3) ++by_test[e.b];
    std::string stream = "#";
    if (static_cast<std::size_t>(e.a) < meta_.drift_streams.size()) stream = meta_.drift_streams[static_cast<std::size_t>(e.a)];
    else stream += std::to_string(e.a);
    ++by_stream[stream];
    const auto onset = onset_us_.find(g);
    if (onset == onset_us_.end() || e.t_us < onset->second) ++false_alarms;
    else first_detection.emplace(g, e.t_us);
  }
  double device_days_clean = 0;  // device-days of data without drift: where false alarms can happen
  for (std::size_t g = 0; g < devices_.size(); ++g) {
    const auto onset = onset_us_.find(static_cast<std::uint32_t>(g));
    const std::int64_t clean_us = onset == onset_us_.end() ? end_us : std::min(end_us, onset->second);
    device_days_clean += devices_[g] * static_cast<double>(clean_us) / 86'400e6;
  }
  std::vector<double> delays;
  for (const auto& [g, t] : first_detection) delays.push_back(static_cast<double>(t - onset_us_.at(g)) / 3.6e9);
  std::sort(delays.begin(), delays.end());
  double mean = 0;
  for (double d : delays) mean += d;
  mean = delays.empty() ? 0 : mean / static_cast<double>(delays.size());
  json streams = json::object();
  for (const auto& [name, n] : by_stream) streams[name] = n;
  l["drift"] = {{"gateways_with_drift", onset_us_.size()},
                {"gateways_detected", first_detection.size()},
                {"gateways_missed", onset_us_.size() - first_detection.size()},
                {"detection_delay_h",
                 {{"mean", round6(mean)}, {"p50", delays.empty() ? 0.0 : round6(delays[(delays.size() - 1) / 2])},
                  {"max", delays.empty() ? 0.0 : round6(delays.back())}}},
                {"detections", detections_.size()},
                {"false_alarms", false_alarms},
                {"false_alarms_per_1000_device_days", device_days_clean > 0 ? round6(1000.0 * false_alarms / device_days_clean) : 0.0},
                {"by_test", {{kTests[0], by_test[0]}, {kTests[1], by_test[1]}, {kTests[2], by_test[2]}}},
                {"by_stream", streams}};
  l["retraining"] = {{"models_trained", models_trained_}, {"training_windows", training_windows_}, {"training_cpu_s", round6(training_cpu_s_)},
                     {"model_versions", names_.model_versions.size()}};

  // Rollouts: the scenario's first (by start time), then those retraining proposed.
  std::vector<std::size_t> order;
  std::set<std::size_t> placed;
  for (std::size_t i = 0; i < meta_.scheduled.size(); ++i)
    for (std::size_t k = 0; k < rollouts_.size(); ++k)
      if (!placed.count(k) && rollouts_[k].started_us >= 0 && version_name(rollouts_[k].artifact, rollouts_[k].version) == meta_.scheduled[i].version &&
          (rollouts_[k].artifact ? "model" : "firmware") == meta_.scheduled[i].artifact) {
        order.push_back(k);
        placed.insert(k);
        break;
      }
  for (std::size_t k = 0; k < rollouts_.size(); ++k)
    if (!placed.count(k) && rollouts_[k].started_us >= 0) order.push_back(k);
  json list = json::array();
  std::uint64_t rollback = 0, reverted = 0, failed = 0, committed = 0, wan = 0, access = 0, completed = 0, halted = 0;
  double max_duration = 0, max_ran = 0;
  for (std::size_t k : order) {
    const RolloutStats& r = rollouts_[k];
    const double population = r.artifact ? static_cast<double>(r.targets) : static_cast<double>(devices);
    const std::int64_t end = r.finished_us >= 0 ? r.finished_us : end_us;
    const double ran = population > 0 ? round6(static_cast<double>(r.ran) / population) : 0.0;
    list.push_back({{"rollout", k},
                    {"artifact", r.artifact ? "model" : "firmware"},
                    {"version", version_name(r.artifact, r.version)},
                    {"state", r.state == 1 ? "completed" : r.state == 2 ? "halted" : "running"},
                    {"started_h", hours(r.started_us)},
                    {"duration_h", hours(end - r.started_us)},
                    {"targets", r.targets},
                    {"waves", r.waves},
                    {"waves_passed", r.waves_passed},
                    {"failed_gate_wave", r.failed_wave},
                    {"committed", r.committed},
                    {"rolled_back", r.rolled_back},
                    {"reverted", r.reverted},
                    {"failed", r.failed},
                    {"refused_by_gateways", r.refused_by_gateways},
                    {"ever_ran", r.ran},
                    {"ever_ran_fraction", ran},
                    {"bytes", {{"wan", r.bytes_wan}, {"access", r.bytes_access}}}});
    rollback += r.rolled_back, reverted += r.reverted, failed += r.failed, committed += r.committed;
    wan += r.bytes_wan, access += r.bytes_access;
    completed += r.state == 1, halted += r.state == 2;
    max_duration = std::max(max_duration, hours(end - r.started_us));
    if (r.artifact == 0) max_ran = std::max(max_ran, ran);
  }
  for (std::size_t i = list.size(); i < meta_.scheduled.size(); ++i)  // not started (yet): the empty run's placeholders
    list.push_back({{"rollout", i}, {"artifact", meta_.scheduled[i].artifact}, {"version", meta_.scheduled[i].version}, {"state", "not started"},
                    {"started_h", 0}, {"duration_h", 0}, {"targets", 0}, {"waves", 0}, {"waves_passed", 0}, {"failed_gate_wave", -1},
                    {"committed", 0}, {"rolled_back", 0}, {"reverted", 0}, {"failed", 0}, {"refused_by_gateways", 0}, {"ever_ran", 0},
                    {"ever_ran_fraction", 0}, {"bytes", {{"wan", 0}, {"access", 0}}}});
  l["ota"] = {{"rollouts", order.size()},         {"completed", completed}, {"halted", halted},
              {"committed", committed},            {"rollback_count", rollback + reverted},
              {"rolled_back_on_device", rollback}, {"reverted_by_cloud", reverted},
              {"failed", failed},                  {"max_duration_h", max_duration},
              {"firmware_ever_ran_fraction_max", max_ran},
              {"bytes", {{"wan", wan}, {"access", access}, {"total", wan + access}}}};
  l["rollouts"] = list;
  // The fleet's versions at the last sample.
  json final = json::object();
  for (int artifact : {0, 1}) {
    std::int64_t t_last = -1;
    for (const Share& s : shares_)
      if (s.artifact == artifact) t_last = std::max(t_last, s.t_us);
    json v = json::object();
    double latest = 0;
    std::int64_t newest = -1;
    for (const Share& s : shares_)
      if (s.artifact == artifact && s.t_us == t_last) {
        const double share = s.total ? round6(static_cast<double>(s.units) / static_cast<double>(s.total)) : 0.0;
        v[version_name(artifact, s.version)] = share;
        if (s.version > newest) newest = s.version, latest = share;
      }
    final[artifact ? "model" : "firmware"] = {{"newest_version_share", latest}, {"by_version", v}};
  }
  l["versions_final"] = final;
  return l;
}

std::string LifecycleKpis::versions_csv() const {
  std::string out = "t_h,artifact,version,units,share\n";
  char line[160];
  for (const Share& s : shares_) {
    std::snprintf(line, sizeof line, "%.6f,%s,", static_cast<double>(s.t_us) / 3.6e9, s.artifact ? "model" : "firmware");
    out += line;
    out += version_name(s.artifact, s.version);
    std::snprintf(line, sizeof line, ",%lld,%.6f\n", static_cast<long long>(s.units),
                  s.total ? static_cast<double>(s.units) / static_cast<double>(s.total) : 0.0);
    out += line;
  }
  return out;
}

}  // namespace twinbench::results
