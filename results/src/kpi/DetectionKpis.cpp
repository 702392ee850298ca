#include "DetectionKpis.hpp"

#include <numeric>
#include <sstream>

#include "twinbench/runtime/Rules.hpp"

namespace twinbench::results::kpi {

const DetectionKpis::Scored& DetectionKpis::scored() const {
  if (scored_ && scored_->faults == faults_.size() && scored_->alerts == alerts_.size()) return *scored_;
  scored_.emplace();
  scored_->faults = faults_.size();
  scored_->alerts = alerts_.size();
  std::vector<std::int64_t>& first_alert = scored_->first_alert;
  std::vector<Verdict>& verdicts = scored_->verdicts;
  // An alert raised (at the gateway) between a fault's onset and its failure is a true alert for that
  // fault; the fault is detected if such an alert reached the cloud before the failure. Alerts after a
  // failure are late (neither true nor false); any other alert is false.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::size_t>> faults_of;
  for (std::size_t i = 0; i < faults_.size(); ++i) faults_of[{faults_[i].gateway, faults_[i].device}].push_back(i);
  first_alert.assign(faults_.size(), -1);
  for (const Alert& a : alerts_) {
    bool matched = false, late = false;
    if (auto it = faults_of.find({a.gateway, a.device}); it != faults_of.end())
      for (std::size_t i : it->second) {
        if (a.raised_us >= faults_[i].t_us && a.raised_us < faults_[i].failure_us()) {
          matched = true;
          if (first_alert[i] < 0 || a.cloud_us < first_alert[i]) first_alert[i] = a.cloud_us;
        } else if (a.raised_us >= faults_[i].failure_us()) {
          late = true;
        }
      }
    verdicts.push_back(matched ? Verdict::true_alert : late ? Verdict::late : Verdict::false_alert);
  }
  return *scored_;
}

DetectionKpis::Outcomes DetectionKpis::outcomes() const {
  const Scored& sc = scored();
  Outcomes o;
  for (std::size_t i = 0; i < sc.verdicts.size(); ++i) o.alerts.emplace_back(i, sc.verdicts[i]);
  for (std::size_t i = 0; i < faults_.size(); ++i)
    if (sc.first_alert[i] >= 0 && sc.first_alert[i] < faults_[i].failure_us()) o.detections.emplace_back(sc.first_alert[i], faults_[i].gateway);
  return o;
}

void DetectionKpis::write(const Scope& scope, json& s) const {
  std::uint64_t link_outages = 0, reboots = 0, windows = 0, batch_sum = 0, baselines = 0, applied = 0;
  std::optional<double> threshold_min, threshold_max;
  Histogram inference_us;
  for (std::uint32_t i : scope.gateways) {
    const Gw& g = gw_[i];
    windows += g.windows_scored, batch_sum += g.batch_size_sum;
    baselines += g.baselines, applied += g.baselines_applied;
    if (g.baseline_threshold) {
      threshold_min = std::min(threshold_min.value_or(*g.baseline_threshold), *g.baseline_threshold);
      threshold_max = std::max(threshold_max.value_or(*g.baseline_threshold), *g.baseline_threshold);
    }
    inference_us.merge(g.inference_us);
  }
  for (const Outage& o : outages_)  // the outages list is the count's one source
    if (scope.has(o.gateway)) ++(std::string_view(o.kind) == "gateway_down" ? reboots : link_outages);
  json by_mode = json::object();
  for (const auto& name : meta_.fault_modes) by_mode[name] = 0;
  std::uint64_t injected = 0;
  for (const Fault& f : faults_) {
    if (!scope.has_device(f.gateway, f.device)) continue;
    ++injected;
    if (f.mode >= 0 && static_cast<std::size_t>(f.mode) < meta_.fault_modes.size()) {
      json& n = by_mode[meta_.fault_modes[static_cast<std::size_t>(f.mode)]];
      n = n.get<std::uint64_t>() + 1;
    }
  }
  s["faults"] = {{"asset_faults_injected", injected}, {"by_mode", by_mode}, {"link_outages", link_outages}, {"gateway_reboots", reboots}};
  s["inference"] = {{"windows_scored", windows},
                    {"batch_size_mean", ratio(static_cast<double>(batch_sum), static_cast<double>(windows))},
                    {"latency_ms", {{"p50", percentile(inference_us, 0.5)}, {"p99", percentile(inference_us, 0.99)}, {"max", maximum(inference_us)}}}};
  // Site baselines learned (edge_ai.site_baseline); thresholds null where none was applied.
  const auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  s["inference"]["site_baseline"] = {{"learned", baselines}, {"applied", applied}, {"threshold_min", opt(threshold_min)}, {"threshold_max", opt(threshold_max)}};
  if (scope.partial()) s["inference"] = nullptr;  // the gateways' models score other classes too
  s["detection"] = detection(scope, scored());
  s["economics"] = economics(scope, s["detection"]);
}

json DetectionKpis::detection(const Scope& scope, const Scored& sc) const {
  const std::vector<std::int64_t>& first_alert = sc.first_alert;
  // A fault is detected if a true alert reached the cloud before its failure, and missed if the failure
  // came first. A fault neither detected nor failed when the run ends is undecided: it is left out of
  // every recall, overall and by mode.
  const std::int64_t end_us = to_us(meta_.duration_s);
  std::uint64_t true_alerts = 0, false_alerts = 0, late_alerts = 0, executive = 0, technician = 0, operator_ = 0, at_cloud = 0;
  Histogram digest_delay_us;
  for (std::size_t k = 0; k < alerts_.size(); ++k) {
    const Alert& a = alerts_[k];
    if (!scope.has_device(a.gateway, a.device)) continue;
    ++at_cloud;
    switch (sc.verdicts[k]) {
      case Verdict::true_alert: ++true_alerts; break;
      case Verdict::false_alert: ++false_alerts; break;
      case Verdict::late: ++late_alerts; break;
    }
    if (a.roles & runtime::role_technician) ++technician;
    if (a.roles & runtime::role_operator) ++operator_;
    if (a.roles & runtime::role_executive) {
      ++executive;
      digest_delay_us.add((a.cloud_us / 86'400'000'000 + 1) * 86'400'000'000 - a.cloud_us);  // the next daily digest
    }
  }
  Histogram latency_us, lead_us;
  std::uint64_t assessed = 0, detected = 0, undecided = 0;
  double excess_wh = 0, avoidable_wh = 0;  // decided faults: onset -> failure (or end); detected ones: first alert -> failure
  const std::size_t modes = meta_.fault_modes.size();
  std::vector<std::uint64_t> mode_faults(modes), mode_detected(modes), mode_undecided(modes);
  std::vector<Histogram> mode_latency(modes);
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const Fault& f = faults_[i];
    if (f.t_us >= end_us || !scope.has_device(f.gateway, f.device)) continue;
    ++assessed;
    const auto mode = static_cast<std::size_t>(f.mode);
    const bool known_mode = mode < modes;
    if (known_mode) ++mode_faults[mode];
    const bool in_time = first_alert[i] >= 0 && first_alert[i] < f.failure_us();
    if (!in_time && f.failure_us() > end_us) {  // neither detected nor failed yet: the run ended first
      ++undecided;
      if (known_mode) ++mode_undecided[mode];
      continue;
    }
    const std::int64_t until_us = std::min(f.failure_us(), end_us);
    excess_wh += excess_wh_at(f.gateway, f.device, until_us);
    if (!in_time) continue;  // missed, or told too late
    ++detected;
    avoidable_wh += excess_wh_at(f.gateway, f.device, until_us) - excess_wh_at(f.gateway, f.device, first_alert[i]);
    latency_us.add(first_alert[i] - f.t_us);
    lead_us.add(f.failure_us() - first_alert[i]);
    if (known_mode) ++mode_detected[mode], mode_latency[mode].add(first_alert[i] - f.t_us);
  }
  const double device_days = static_cast<double>(scope.devices) * meta_.duration_s / 86400.0;
  const json precision = ratio(static_cast<double>(true_alerts), static_cast<double>(true_alerts + false_alerts));
  const json recall = ratio(static_cast<double>(detected), static_cast<double>(assessed - undecided));
  json f1 = nullptr;
  if (!precision.is_null() && !recall.is_null()) {
    const double p = precision.get<double>(), r = recall.get<double>();
    f1 = p + r > 0 ? round6(2 * p * r / (p + r)) : 0.0;
  }
  json by_mode = json::object();
  for (std::size_t m = 0; m < modes; ++m) {
    const std::uint64_t decided = mode_faults[m] - mode_undecided[m];
    by_mode[meta_.fault_modes[m]] = {{"faults", mode_faults[m]},
                                     {"detected", mode_detected[m]},
                                     {"missed", decided - mode_detected[m]},
                                     {"undecided_at_end", mode_undecided[m]},
                                     {"recall", ratio(static_cast<double>(mode_detected[m]), static_cast<double>(decided))},
                                     {"latency_s_p50", percentile(mode_latency[m], 0.5, 1e6)}};
  }
  const auto sum = [&](std::uint64_t Gw::*field) {
    std::uint64_t n = 0;
    for (std::uint32_t i : scope.gateways) n += gw_[i].*field;
    return n;
  };
  const std::uint64_t raised = sum(&Gw::raised), dropped = sum(&Gw::alerts_dropped);
  return {{"faults_injected", assessed},
          {"faults_detected", detected},
          {"faults_missed", assessed - detected - undecided},
          {"faults_undecided_at_end", undecided},
          {"recall", recall},
          {"precision", precision},
          {"f1", f1},
          {"alerts_at_cloud", at_cloud},
          {"true_alerts", true_alerts},
          {"false_alerts", false_alerts},
          {"late_alerts", late_alerts},
          {"false_alerts_per_1000_device_days", ratio(static_cast<double>(false_alerts) * 1000, device_days)},
          {"latency_s", {{"p50", percentile(latency_us, 0.5, 1e6)}, {"p95", percentile(latency_us, 0.95, 1e6)}, {"max", maximum(latency_us, 1e6)}}},
          {"lead_time_s", {{"p50", percentile(lead_us, 0.5, 1e6)}, {"p05", percentile(lead_us, 0.05, 1e6)}}},
          {"by_mode", by_mode},
          {"excess_energy_kwh", round6(excess_wh / 1000.0)},
          {"avoidable_energy_kwh", round6(avoidable_wh / 1000.0)},
          {"alerts", {{"raised_at_gateways", raised},
                      {"undelivered_at_end", raised - std::min(raised, at_cloud + dropped)},
                      {"cleared_at_gateways", sum(&Gw::cleared)},
                      {"dropped_uplink_full", dropped},
                      {"rule_changes", sum(&Gw::rule_changes)},
                      {"rule_changes_refused", sum(&Gw::rules_refused)},
                      {"to_technician", technician},
                      {"to_operator", operator_},
                      {"to_executive_digest", executive},
                      {"digest_delay_s_p50", percentile(digest_delay_us, 0.5, 1e6)}}}};
}

double DetectionKpis::excess_wh_at(std::uint32_t gateway, std::uint32_t device, std::int64_t t_us) const {
  auto it = excess_wh_.find({gateway, device});
  if (it == excess_wh_.end() || it->second.empty() || t_us <= it->second.front().first) return 0;
  const auto& v = it->second;
  auto after = std::upper_bound(v.begin(), v.end(), t_us, [](std::int64_t t, const auto& p) { return t < p.first; });
  if (after == v.end()) return v.back().second;
  const auto before = after - 1;
  const double f = static_cast<double>(t_us - before->first) / static_cast<double>(after->first - before->first);
  return before->second + f * (after->second - before->second);
}

json DetectionKpis::economics(const Scope& scope, const json& d) const {
  // core::business_case against the ground truth. A site or gateway bears the fixed cost in proportion to
  // its devices; undecided faults are left out, as in the recall.
  if (!meta_.economics) return {{"enabled", false}};
  std::uint64_t fleet_devices = 0;
  for (const auto& g : meta_.gateways) fleet_devices += g.devices;
  core::BusinessCaseInput in;
  in.detected = static_cast<double>(d["faults_detected"].get<std::uint64_t>());
  in.missed = static_cast<double>(d["faults_missed"].get<std::uint64_t>());
  in.false_alerts = static_cast<double>(d["false_alerts"].get<std::uint64_t>());
  in.devices = static_cast<double>(scope.devices);
  in.fleet_devices = static_cast<double>(fleet_devices);
  in.duration_s = meta_.duration_s;
  in.excess_kwh = d["excess_energy_kwh"].get<double>();
  in.avoided_kwh = d["avoidable_energy_kwh"].get<double>();
  return core::business_case(*meta_.economics, in);
}

std::string DetectionKpis::ground_truth_csv() const {
  std::ostringstream o;
  // detected_s: when the fault's first true alert reached the cloud, if before the failure; empty otherwise.
  o << "site,gateway,device,mode,onset_s,ramp_s,failure_s,detected_s\n";
  const std::vector<std::int64_t>& first_alert = scored().first_alert;
  // By onset, then gateway (each gateway's in the order they came): the same rows however gateways' events interleaved.
  std::vector<std::size_t> order(faults_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return faults_[a].t_us != faults_[b].t_us ? faults_[a].t_us < faults_[b].t_us : faults_[a].gateway < faults_[b].gateway;
  });
  for (const std::size_t i : order) {
    const Fault& f = faults_[i];
    const auto& gm = meta_.gateways[f.gateway];
    const double onset_s = static_cast<double>(f.t_us) / 1e6;
    o << gm.site << ',' << gm.name << ',' << f.device << ','
      << (static_cast<std::size_t>(f.mode) < meta_.fault_modes.size() ? meta_.fault_modes[static_cast<std::size_t>(f.mode)] : "unknown")
      << ',' << onset_s << ',' << f.ramp_s << ',' << onset_s + static_cast<double>(f.ramp_s) << ',';
    if (first_alert[i] >= 0 && first_alert[i] < f.failure_us()) o << static_cast<double>(first_alert[i]) / 1e6;
    o << '\n';
  }
  return o.str();
}

void DetectionKpis::timeline(std::vector<Mark>& out) const {
  for (const Fault& f : faults_)
    out.push_back({f.t_us, f.gateway, f.device, "fault_onset",
                   static_cast<std::size_t>(f.mode) < meta_.fault_modes.size() ? meta_.fault_modes[static_cast<std::size_t>(f.mode)] : "unknown"});
  const Scored& sc = scored();
  for (std::size_t i = 0; i < alerts_.size(); ++i) {
    const Alert& a = alerts_[i];
    const Verdict v = sc.verdicts[i];
    out.push_back({a.cloud_us, a.gateway, a.device, "alert", v == Verdict::true_alert ? "true" : v == Verdict::false_alert ? "false" : "late"});
  }
}

std::string DetectionKpis::outages_csv() const {
  std::ostringstream o;
  o << "site,gateway,kind,start_s,end_s\n";
  for (const Outage& x : outages_) {
    const auto& gm = meta_.gateways[x.gateway];
    o << gm.site << ',' << gm.name << ',' << x.kind << ',' << static_cast<double>(x.start_us) / 1e6 << ','
      << (x.end_us < 0 ? meta_.duration_s : static_cast<double>(x.end_us) / 1e6) << '\n';
  }
  return o.str();
}

}  // namespace twinbench::results::kpi
