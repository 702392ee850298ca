#include "LifecycleKpis.hpp"

#include <cstdio>
#include <set>

#include "twinbench/runtime/ModelUpdates.hpp"

namespace twinbench::results::kpi {

namespace {
json hours(std::int64_t us) { return round6(static_cast<double>(us) / 3.6e9); }
constexpr const char* kTests[] = {"page_hinkley", "psi", "ks"};
}  // namespace

void LifecycleKpis::Outcomes::add(const Outcomes& o) {
  committed += o.committed, rolled_back += o.rolled_back, reverted += o.reverted, failed += o.failed;
  refused_by_gateways += o.refused_by_gateways, ran += o.ran, bytes_wan += o.bytes_wan, bytes_access += o.bytes_access;
}

LifecycleKpis::RolloutStats& LifecycleKpis::rollout(std::int64_t k) {
  const auto i = static_cast<std::size_t>(k);
  if (i >= rollouts_.size()) rollouts_.resize(i + 1);
  if (rollouts_[i].by_gateway.empty()) rollouts_[i].by_gateway.resize(gw_.size());
  return rollouts_[i];
}

void LifecycleKpis::on(const Event& e, const sev::ModelTrained& p) {
  cloud_.push_back({e.t_us, "model_trained", -1, p.version, 0});
  ++models_trained_;
  training_windows_ += u64(p.windows);
  training_cpu_s_ += static_cast<double>(p.training_us) * 1e-6;
}

void LifecycleKpis::on(const Event& e, const sev::RolloutStarted& p) {
  cloud_.push_back({e.t_us, "rollout_started", p.rollout, 0, p.targets});
  RolloutStats& r = rollout(p.rollout);
  r.started_us = e.t_us;
  r.artifact = static_cast<int>(p.artifact);
  r.version = p.version;
  r.targets = p.targets;
}

void LifecycleKpis::on(const Event& e, const sev::RolloutWave& p) {
  static constexpr const char* kWhat[] = {"wave_started", "wave_passed", "wave_failed"};
  if (p.what >= 0 && p.what < 3) cloud_.push_back({e.t_us, kWhat[p.what], p.rollout, p.wave, p.targets});
  RolloutStats& r = rollout(p.rollout);
  if (p.what == 0) r.waves = std::max<std::int64_t>(r.waves, p.wave + 1);
  if (p.what == 1) ++r.waves_passed;
  if (p.what == 2) r.failed_wave = p.wave;
}

void LifecycleKpis::on(const Event& e, const sev::RolloutDone& p) {
  cloud_.push_back({e.t_us, "rollout_done", p.rollout, p.state, 0});
  RolloutStats& r = rollout(p.rollout);
  r.finished_us = e.t_us;
  r.state = static_cast<int>(p.state);
}

void LifecycleKpis::on(const Event& e, const sev::OtaOutcome& p) {
  RolloutStats& r = rollout(p.rollout);
  Outcomes& o = r.by_gateway[e.gateway];
  const auto s = static_cast<runtime::OtaState>(p.state);
  if (e.device == runtime::kNoConn && r.artifact == 0) ++o.refused_by_gateways;
  else if (s == runtime::OtaState::commit) ++o.committed;
  else if (s == runtime::OtaState::rollback) ++(p.reverted ? o.reverted : o.rolled_back);
  else ++o.failed;
  // A gateway's model that committed or came back on trial ran it.
  if (r.artifact == 1 && (s == runtime::OtaState::commit || (s == runtime::OtaState::rollback && !p.reverted))) ++o.ran;
}

void LifecycleKpis::on(const Event& e, const sev::OtaBytes& p) {
  Outcomes& o = rollout(p.rollout).by_gateway[e.gateway];
  o.bytes_wan += u64(p.wan);
  o.bytes_access += u64(p.access);
}

void LifecycleKpis::on(const Event& e, const sev::OtaRan& p) { rollout(p.rollout).by_gateway[e.gateway].ran += u64(p.devices); }

void LifecycleKpis::on(const Event& e, const sev::VersionShare& p) {
  const int artifact = p.artifact ? 1 : 0;
  shares_.push_back({e.t_us, e.gateway, artifact, p.version, p.units, p.total});
  LastSample& last = gw_[e.gateway].last[artifact];
  if (e.t_us < last.t_us) return;
  if (e.t_us > last.t_us) last = LastSample{e.t_us, {}};
  auto& [units, total] = last.by_version[p.version];
  units += p.units, total += p.total;
}

std::string LifecycleKpis::version_name(int artifact, std::int64_t v) const {
  const auto& names = artifact ? names_.model_versions : names_.firmware_versions;
  if (v >= 0 && static_cast<std::size_t>(v) < names.size()) return names[static_cast<std::size_t>(v)];
  std::string unknown = "#";  // += : GCC 12 warns falsely (-Wrestrict) on "#" + to_string
  unknown += std::to_string(v);
  return unknown;
}

void LifecycleKpis::timeline(std::vector<Mark>& out) const {
  static constexpr const char* kKinds[] = {"ambient_shift", "sensor_bias_creep", "new_variant"};
  for (const Onset& o : onsets_) out.push_back({o.t_us, o.gateway, -1, "drift_onset", o.kind >= 0 && o.kind < 3 ? kKinds[o.kind] : "unknown"});
  for (const Detection& d : detections_) {
    std::string what;
    if (static_cast<std::size_t>(d.stream) < meta_.lifecycle.drift_streams.size()) what = meta_.lifecycle.drift_streams[static_cast<std::size_t>(d.stream)];
    else what += '#', what += std::to_string(d.stream);
    what += ' ';
    what += d.test >= 0 && d.test < 3 ? kTests[d.test] : "?";
    out.push_back({d.t_us, d.gateway, -1, "drift_detected", what});
  }
  // A rollout's detail: "rollout <k> <artifact> <version>", then its targets, its wave ("wave 2; 40 targets") or its end.
  for (const CloudMark& c : cloud_) {
    std::string detail;
    if (c.rollout < 0) {
      detail = "model ";
      detail += version_name(1, c.a);
    } else {
      const std::size_t k = static_cast<std::size_t>(c.rollout);
      const RolloutStats* r = k < rollouts_.size() ? &rollouts_[k] : nullptr;
      detail = "rollout ";
      detail += std::to_string(c.rollout);
      if (r) detail += r->artifact ? " model " : " firmware ", detail += version_name(r->artifact, r->version);
      const std::string targets = "; " + std::to_string(c.b) + (c.b == 1 ? " target" : " targets");
      if (std::string_view(c.event) == "rollout_started") detail += targets;
      else if (std::string_view(c.event) == "rollout_done") detail += c.a == 1 ? "; completed" : "; halted";
      else detail += "; wave " + std::to_string(c.a) + targets;
    }
    out.push_back({c.t_us, -1, -1, c.event, detail});
  }
}

json LifecycleKpis::drift(const Scope& scope) const {
  // Each gateway's first detection after its first onset, against the ground truth.
  const std::int64_t end_us = to_us(meta_.duration_s);
  std::map<std::uint32_t, std::int64_t> first_detection;
  std::uint64_t false_alarms = 0, by_test[3] = {}, detections = 0, with_drift = 0;
  std::map<std::string, std::uint64_t> by_stream;
  for (const Detection& d : detections_) {
    if (!scope.has(d.gateway)) continue;
    ++detections;
    if (d.test >= 0 && d.test < 3) ++by_test[d.test];
    std::string stream = "#";
    if (static_cast<std::size_t>(d.stream) < meta_.lifecycle.drift_streams.size()) stream = meta_.lifecycle.drift_streams[static_cast<std::size_t>(d.stream)];
    else stream += std::to_string(d.stream);
    ++by_stream[stream];
    const std::int64_t onset = gw_[d.gateway].onset_us;
    if (onset < 0 || d.t_us < onset) ++false_alarms;
    else first_detection.emplace(d.gateway, d.t_us);
  }
  double device_days_clean = 0;  // device-days of data without drift: where false alarms can happen
  for (std::uint32_t g : scope.gateways) {
    const std::int64_t onset = gw_[g].onset_us;
    with_drift += onset >= 0;
    const std::int64_t clean_us = onset < 0 ? end_us : std::min(end_us, onset);
    device_days_clean += meta_.gateways[g].devices * static_cast<double>(clean_us) / 86'400e6;
  }
  std::vector<double> delays;
  for (const auto& [g, t] : first_detection) delays.push_back(static_cast<double>(t - gw_[g].onset_us) / 3.6e9);
  std::sort(delays.begin(), delays.end());
  double sum = 0;
  for (double d : delays) sum += d;
  json streams = json::object();
  for (const auto& [name, n] : by_stream) streams[name] = n;
  const bool none = delays.empty();
  return {{"gateways_with_drift", with_drift},
          {"gateways_detected", first_detection.size()},
          {"gateways_missed", with_drift - first_detection.size()},
          {"detection_delay_h",
           {{"mean", none ? json(nullptr) : json(round6(sum / static_cast<double>(delays.size())))},
            {"p50", none ? json(nullptr) : json(round6(delays[(delays.size() - 1) / 2]))},
            {"max", none ? json(nullptr) : json(round6(delays.back()))}}},
          {"detections", detections},
          {"false_alarms", false_alarms},
          {"false_alarms_per_1000_device_days", ratio(1000.0 * static_cast<double>(false_alarms), device_days_clean)},
          {"by_test", {{kTests[0], by_test[0]}, {kTests[1], by_test[1]}, {kTests[2], by_test[2]}}},
          {"by_stream", streams}};
}

void LifecycleKpis::write(const Scope& scope, json& s) const {
  if (!enabled()) return;
  json l;
  l["drift"] = drift(scope);
  if (scope.fleet)
    l["retraining"] = {{"models_trained", models_trained_}, {"training_windows", training_windows_},
                       {"training_cpu_s", round6(training_cpu_s_)}, {"model_versions", names_.model_versions.size()}};

  // Rollouts: the scenario's first (by start time), then those retraining proposed.
  std::vector<std::size_t> order;
  std::set<std::size_t> placed;
  for (const RolloutMeta& m : meta_.lifecycle.scheduled)
    for (std::size_t k = 0; k < rollouts_.size(); ++k)
      if (!placed.count(k) && rollouts_[k].started_us >= 0 && version_name(rollouts_[k].artifact, rollouts_[k].version) == m.version &&
          (rollouts_[k].artifact ? "model" : "firmware") == m.artifact) {
        order.push_back(k);
        placed.insert(k);
        break;
      }
  for (std::size_t k = 0; k < rollouts_.size(); ++k)
    if (!placed.count(k) && rollouts_[k].started_us >= 0) order.push_back(k);
  const std::int64_t end_us = to_us(meta_.duration_s);
  json list = json::array();
  Outcomes total;
  std::uint64_t completed = 0, halted = 0;
  double max_duration = 0, max_ran = 0;
  for (std::size_t k : order) {
    const RolloutStats& r = rollouts_[k];
    Outcomes o;
    for (std::uint32_t g : scope.gateways) o.add(r.by_gateway[g]);
    total.add(o);
    std::uint64_t population = 0;  // gateways (models) or devices (firmware) that could have run it
    if (r.artifact) population = static_cast<std::uint64_t>(r.targets);
    else
      for (std::uint32_t g : scope.gateways) population += meta_.gateways[g].devices;
    const std::int64_t end = r.finished_us >= 0 ? r.finished_us : end_us;
    const json ran = ratio(static_cast<double>(o.ran), static_cast<double>(population));
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
                    {"committed", o.committed},
                    {"rolled_back", o.rolled_back},
                    {"reverted", o.reverted},
                    {"failed", o.failed},
                    {"refused_by_gateways", o.refused_by_gateways},
                    {"ever_ran", o.ran},
                    {"ever_ran_fraction", ran},
                    {"bytes", {{"wan", o.bytes_wan}, {"access", o.bytes_access}}}});
    completed += r.state == 1, halted += r.state == 2;
    max_duration = std::max(max_duration, static_cast<double>(end - r.started_us) / 3.6e9);
    if (r.artifact == 0 && !ran.is_null()) max_ran = std::max(max_ran, ran.get<double>());
  }
  for (std::size_t i = list.size(); i < meta_.lifecycle.scheduled.size(); ++i) {  // not started (yet): the empty run's placeholders
    const RolloutMeta& m = meta_.lifecycle.scheduled[i];
    list.push_back({{"rollout", i}, {"artifact", m.artifact}, {"version", m.version}, {"state", "not started"}, {"started_h", nullptr},
                    {"duration_h", nullptr}, {"targets", 0}, {"waves", 0}, {"waves_passed", 0}, {"failed_gate_wave", -1},
                    {"committed", 0}, {"rolled_back", 0}, {"reverted", 0}, {"failed", 0}, {"refused_by_gateways", 0}, {"ever_ran", 0},
                    {"ever_ran_fraction", nullptr}, {"bytes", {{"wan", 0}, {"access", 0}}}});
  }
  json ota = json::object();
  if (scope.fleet) ota = {{"rollouts", order.size()}, {"completed", completed}, {"halted", halted}};
  ota.update(json{{"committed", total.committed},
                  {"rollback_count", total.rolled_back + total.reverted},
                  {"rolled_back_on_device", total.rolled_back},
                  {"reverted_by_cloud", total.reverted},
                  {"failed", total.failed}});
  if (scope.fleet) ota.update(json{{"max_duration_h", round6(max_duration)}, {"firmware_ever_ran_fraction_max", max_ran}});
  ota["bytes"] = {{"wan", total.bytes_wan}, {"access", total.bytes_access}, {"total", total.bytes_wan + total.bytes_access}};
  l["ota"] = ota;
  if (scope.fleet) l["rollouts"] = list;
  l["versions_final"] = versions_final(scope);
  s["lifecycle"] = l;
}

json LifecycleKpis::versions_final(const Scope& scope) const {
  // The scope's gateways sampled at its last sample time: their units on each version.
  json final = json::object();
  for (int artifact : {0, 1}) {
    std::int64_t t_last = -1;
    for (std::uint32_t g : scope.gateways) t_last = std::max(t_last, gw_[g].last[artifact].t_us);
    std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> units;  // version -> (units, total)
    for (std::uint32_t g : scope.gateways)
      if (const LastSample& last = gw_[g].last[artifact]; last.t_us == t_last && t_last >= 0)
        for (const auto& [version, ut] : last.by_version) units[version].first += ut.first, units[version].second += ut.second;
    json v = json::object();
    json newest = nullptr;
    for (const auto& [version, un] : units) {
      const json share = ratio(static_cast<double>(un.first), static_cast<double>(un.second));
      v[version_name(artifact, version)] = share;
      newest = share;  // the highest version index, last
    }
    final[artifact ? "model" : "firmware"] = {{"newest_version_share", newest}, {"by_version", v}};
  }
  return final;
}

std::string LifecycleKpis::versions_csv() const {
  std::map<std::tuple<std::int64_t, int, std::int64_t>, std::pair<std::int64_t, std::int64_t>> fleet;  // (t, artifact, version) -> (units, total)
  for (const Share& s : shares_) {
    auto& [u, n] = fleet[{s.t_us, s.artifact, s.version}];
    u += s.units, n += s.total;
  }
  std::string out = "t_h,artifact,version,units,share\n";
  char line[160];
  for (const auto& [key, un] : fleet) {
    const auto& [t_us, artifact, version] = key;
    std::snprintf(line, sizeof line, "%.6f,%s,", static_cast<double>(t_us) / 3.6e9, artifact ? "model" : "firmware");
    out += line;
    out += version_name(artifact, version);
    std::snprintf(line, sizeof line, ",%lld,%.6f\n", static_cast<long long>(un.first),
                  un.second ? static_cast<double>(un.first) / static_cast<double>(un.second) : 0.0);
    out += line;
  }
  return out;
}

}  // namespace twinbench::results::kpi
