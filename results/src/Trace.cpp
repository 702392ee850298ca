#include "twinbench/results/Trace.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "twinbench/runtime/ModelUpdates.hpp"
#include "twinbench/runtime/Rules.hpp"
#include "twinbench/runtime/drift/Monitor.hpp"
#include "twinbench/sim/Events.hpp"

namespace twinbench::results {

namespace {

namespace rev = runtime::ev;
namespace sev = sim::ev;
using json = nlohmann::ordered_json;

enum What : int { kAccess = 0, kWan = 1, kReboot = 2, kRollout = 100 };  ///< open slices, per track (rollouts: kRollout + k)
constexpr std::size_t kLanes = 16;                                        ///< per track: a slice that overlaps goes a lane down

std::string device(runtime::ConnId c) {
  std::string s = "d";  // += : GCC 12 warns falsely (-Wrestrict) on "d" + to_string
  s += std::to_string(c);
  return s;
}
const char* drift_kind(std::int64_t k) {
  switch (k) {
    case 0: return "ambient shift";
    case 1: return "sensor bias creep";
    case 2: return "new variant";
  }
  return "drift";
}
const char* wave_what(std::int64_t w) { return w == 0 ? "started" : w == 1 ? "gate passed" : "gate failed"; }

}  // namespace

Trace::Trace(RunMeta meta) : meta_(std::move(meta)) {}

void Trace::mark(std::uint32_t track, char ph, runtime::TimeUs t, runtime::TimeUs dur, std::string name, std::string args) {
  if (marks_.size() >= kMaxMarks) {
    ++left_out_;
    return;
  }
  marks_.push_back({track, ph, t, dur, std::move(name), std::move(args)});
}

void Trace::open(std::uint32_t track, int what, runtime::TimeUs t, std::string name, std::string args) {
  open_.try_emplace({track, what}, Open{t, std::move(name), std::move(args)});
}

void Trace::close(std::uint32_t track, int what, runtime::TimeUs t, const std::string& suffix) {
  const auto it = open_.find({track, what});
  if (it == open_.end()) return;
  mark(track, 'X', it->second.since, t - it->second.since, it->second.name + suffix, it->second.args);
  open_.erase(it);
}

Trace::Counts& Trace::counts(const runtime::Event& e) {
  const double interval_us = meta_.interval_s * 1e6;
  return counts_[{e.gateway, static_cast<std::int64_t>(static_cast<double>(e.t_us) / interval_us)}];
}

void Trace::emit(const runtime::Event& e) {
  const std::uint32_t g = e.gateway;
  if (e.is<sev::LinkDown>()) {
    const bool wan = e.as<sev::LinkDown>().link == 1;
    open(g, wan ? kWan : kAccess, e.t_us, wan ? "WAN down" : "access link down", "{}");
  } else if (e.is<sev::LinkUp>()) {
    close(g, e.as<sev::LinkUp>().link == 1 ? kWan : kAccess, e.t_us);
  } else if (e.is<sev::GatewayDown>()) {
    const auto d = e.as<sev::GatewayDown>();
    open(g, kReboot, e.t_us, d.power_cut ? "gateway down (power cut)" : "gateway down",
         json{{"records_lost", d.records_lost}}.dump());
  } else if (e.is<sev::GatewayUp>()) {
    close(g, kReboot, e.t_us);
  } else if (e.is<rev::AlertRaised>()) {
    const auto a = e.as<rev::AlertRaised>();
    ++counts(e).alerts;
    mark(g, 'i', e.t_us, 0, "alert",
         json{{"device", device(e.device)}, {"rule", a.rule}, {"severity", runtime::to_string(static_cast<runtime::Severity>(a.severity))}}.dump());
  } else if (e.is<sev::FaultOnset>()) {
    const auto f = e.as<sev::FaultOnset>();
    const auto mode = static_cast<std::size_t>(f.mode);
    const std::string name = mode < meta_.fault_modes.size() ? meta_.fault_modes[mode] : std::to_string(f.mode);
    mark(g, 'i', e.t_us, 0, "fault onset: " + name,
         json{{"device", device(e.device)}, {"fails_at_s", static_cast<double>(e.t_us) * 1e-6 + static_cast<double>(f.ramp_s)}}.dump());
  } else if (e.is<sev::DriftOnset>()) {
    const auto d = e.as<sev::DriftOnset>();
    mark(g, 'i', e.t_us, 0, std::string("drift injected: ") + drift_kind(d.drift), json{{"devices", d.devices}}.dump());
  } else if (e.is<rev::DriftDetected>()) {
    const auto d = e.as<rev::DriftDetected>();
    const auto s = static_cast<std::size_t>(d.stream);
    mark(g, 'i', e.t_us, 0, "drift detected",
         json{{"stream", s < meta_.lifecycle.drift_streams.size() ? meta_.lifecycle.drift_streams[s] : std::to_string(d.stream)},
              {"test", std::string(runtime::drift::to_string(static_cast<runtime::drift::Test>(d.test)))}}
             .dump());
  } else if (e.is<rev::Inference>()) {
    ++counts(e).windows;
  } else if (e.is<sev::OtaOutcome>()) {
    const auto o = e.as<sev::OtaOutcome>();
    ++counts(e).ota;
    json args = {{"rollout", o.rollout}};
    if (e.device != runtime::kNoConn) args["device"] = device(e.device);
    if (o.reverted) args["reverted"] = true;
    mark(g, 'i', e.t_us, 0, "OTA " + std::string(runtime::to_string(static_cast<runtime::OtaState>(o.state))), args.dump());
  } else if (e.is<sev::RolloutStarted>()) {
    const auto r = e.as<sev::RolloutStarted>();
    const auto k = static_cast<std::size_t>(r.rollout);
    const auto& scheduled = meta_.lifecycle.scheduled;
    const std::string what = k < scheduled.size() ? scheduled[k].artifact + " " + scheduled[k].version : (r.artifact ? "model" : "firmware");
    open(kCloud, kRollout + static_cast<int>(r.rollout), e.t_us, "rollout " + std::to_string(r.rollout) + ": " + what,
         json{{"targets", r.targets}}.dump());
  } else if (e.is<sev::RolloutWave>()) {
    const auto w = e.as<sev::RolloutWave>();
    mark(kCloud, 'i', e.t_us, 0, "rollout " + std::to_string(w.rollout) + " wave " + std::to_string(w.wave) + " " + wave_what(w.what),
         json{{"targets", w.targets}}.dump());
  } else if (e.is<sev::RolloutDone>()) {
    const auto d = e.as<sev::RolloutDone>();
    close(kCloud, kRollout + static_cast<int>(d.rollout), e.t_us, d.state == 1 ? " (completed)" : " (halted)");
  } else if (e.is<sev::ModelTrained>()) {
    mark(kCloud, 'i', e.t_us, 0, "model trained", json{{"windows", e.as<sev::ModelTrained>().windows}}.dump());
  }
}

std::string Trace::text() const {
  // Slices still open at the end last until the end.
  std::vector<Mark> marks = marks_;
  std::uint64_t left_out = left_out_;
  const auto end_us = static_cast<runtime::TimeUs>(meta_.duration_s * 1e6);
  for (const auto& [key, o] : open_) {
    if (marks.size() < kMaxMarks) marks.push_back({key.first, 'X', o.since, std::max<runtime::TimeUs>(0, end_us - o.since), o.name, o.args});
    else ++left_out;
  }

  // Lanes: per track, each slice in the first lane whose slices end before it starts (in order of start).
  std::vector<std::size_t> lane(marks.size(), 0);
  std::map<std::uint32_t, std::vector<std::size_t>> slices;
  for (std::size_t i = 0; i < marks.size(); ++i)
    if (marks[i].ph == 'X') slices[marks[i].track].push_back(i);
  std::map<std::uint32_t, std::size_t> lanes_used;
  for (auto& [track, ids] : slices) {
    std::stable_sort(ids.begin(), ids.end(), [&](std::size_t a, std::size_t b) { return marks[a].t_us < marks[b].t_us; });
    std::vector<runtime::TimeUs> free_at;
    for (std::size_t i : ids) {
      std::size_t l = 0;
      while (l < free_at.size() && free_at[l] > marks[i].t_us) ++l;
      if (l == kLanes) l = kLanes - 1;  // more overlapping slices than lanes: the last lane takes them
      if (l == free_at.size()) free_at.push_back(0);
      free_at[l] = std::max(free_at[l], marks[i].t_us + marks[i].dur_us);
      lane[i] = l;
    }
    lanes_used[track] = free_at.size();
  }

  // Processes: 1 the cloud, 2 + s site s. Threads: 1 + lane at the cloud, (1 + gateway) x kLanes + lane at a site.
  const auto site_of = [&](std::uint32_t g) {
    const auto it = std::find(meta_.sites.begin(), meta_.sites.end(), g < meta_.gateways.size() ? meta_.gateways[g].site : std::string());
    return static_cast<std::size_t>(it - meta_.sites.begin());
  };
  const auto pid = [&](std::uint32_t track) { return track == kCloud ? std::size_t{1} : 2 + site_of(track); };
  const auto tid = [&](std::uint32_t track, std::size_t l) { return track == kCloud ? 1 + l : (1 + std::size_t{track}) * kLanes + l; };
  const auto track_name = [&](std::uint32_t track) {
    return track == kCloud ? std::string("cloud") : track < meta_.gateways.size() ? meta_.gateways[track].name : "gateway " + std::to_string(track);
  };

  std::string out = "{\"traceEvents\": [\n";
  bool first = true;
  const auto add = [&](const json& j) {
    out += first ? "  " : ",\n  ";
    out += j.dump();
    first = false;
  };
  add({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 0}, {"args", {{"name", "cloud"}}}});
  add({{"name", "process_sort_index"}, {"ph", "M"}, {"pid", 1}, {"tid", 0}, {"args", {{"sort_index", 0}}}});
  for (std::size_t s = 0; s < meta_.sites.size(); ++s) {
    add({{"name", "process_name"}, {"ph", "M"}, {"pid", 2 + s}, {"tid", 0}, {"args", {{"name", "site " + meta_.sites[s]}}}});
    add({{"name", "process_sort_index"}, {"ph", "M"}, {"pid", 2 + s}, {"tid", 0}, {"args", {{"sort_index", 1 + s}}}});
  }
  const auto thread = [&](std::uint32_t track, std::size_t l) {
    const std::string name = track_name(track) + (l ? " (" + std::to_string(l + 1) + ")" : "");
    add({{"name", "thread_name"}, {"ph", "M"}, {"pid", pid(track)}, {"tid", tid(track, l)}, {"args", {{"name", name}}}});
    add({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", pid(track)}, {"tid", tid(track, l)}, {"args", {{"sort_index", tid(track, l)}}}});
  };
  thread(kCloud, 0);
  for (std::uint32_t g = 0; g < meta_.gateways.size(); ++g) thread(g, 0);
  for (const auto& [track, n] : lanes_used)
    for (std::size_t l = 1; l < n; ++l) thread(track, l);

  for (std::size_t i = 0; i < marks.size(); ++i) {
    const Mark& m = marks[i];
    json j = {{"name", m.name}, {"ph", std::string(1, m.ph)}, {"ts", m.t_us}};
    if (m.ph == 'X') j["dur"] = m.dur_us;
    else j["s"] = "t";  // an instant of its thread
    j["pid"] = pid(m.track);
    j["tid"] = tid(m.track, lane[i]);
    j["args"] = json::parse(m.args);
    add(j);
  }
  // Counters: every interval of every gateway that had any, zeros included (a counter holds its last value).
  std::map<std::uint32_t, std::int64_t> last_interval;
  for (const auto& [key, c] : counts_) last_interval[key.first] = std::max(last_interval[key.first], key.second);
  const auto intervals = static_cast<std::int64_t>(meta_.duration_s / meta_.interval_s + 0.999999);
  for (const auto& [g, last] : last_interval) {
    for (std::int64_t k = 0; k < std::max(intervals, last + 1); ++k) {
      const auto it = counts_.find({g, k});
      const Counts c = it == counts_.end() ? Counts{} : it->second;
      add({{"name", track_name(g) + " per interval"},
           {"ph", "C"},
           {"ts", static_cast<std::int64_t>(static_cast<double>(k) * meta_.interval_s * 1e6)},
           {"pid", pid(g)},
           {"args", {{"alerts", c.alerts}, {"windows scored", c.windows}, {"OTA outcomes", c.ota}}}});
    }
  }
  out += "\n],\n\"displayTimeUnit\": \"ms\",\n\"otherData\": ";
  out += json{{"scenario", meta_.scenario},
              {"seed", meta_.seed},
              {"format", "twinbench-trace/1"},
              {"marks", marks.size()},
              {"marks_left_out", left_out},
              {"interval_s", meta_.interval_s}}
             .dump();
  out += "}\n";
  return out;
}

}  // namespace twinbench::results
