#include "twinbench/results/Collector.hpp"

#include <cassert>
#include <cmath>
#include <cstdio>
#include <algorithm>
#include <map>
#include <sstream>

#include "twinbench/runtime/Rules.hpp"

namespace twinbench::results {

using runtime::Event;
using runtime::EventKind;
using json = nlohmann::ordered_json;

namespace {
double round6(double x) { return std::round(x * 1e6) / 1e6; }
double ms(std::int64_t us) { return round6(static_cast<double>(us) / 1000.0); }
double ratio(double num, double den) { return den > 0 ? round6(num / den) : 0.0; }
}  // namespace

namespace {
std::vector<std::uint32_t> devices_of(const RunMeta& m) {
  std::vector<std::uint32_t> d;
  for (const GatewayMeta& g : m.gateways) d.push_back(g.devices);
  return d;
}
}  // namespace

Collector::Collector(RunMeta meta)
    : meta_(std::move(meta)), gw_(meta_.gateways.size()), twin_ops_(meta_.twin_operations.size()),
      lifecycle_(meta_.lifecycle, devices_of(meta_), meta_.duration_s) {
  for (std::size_t g = 0; g < gw_.size(); ++g) gw_[g].opened_at_us.assign(meta_.gateways[g].devices, -1);
}

void Collector::emit(const Event& e) {
  // Trace hash: every field of every event, in order.
  for (std::uint64_t x : {static_cast<std::uint64_t>(e.t_us), (static_cast<std::uint64_t>(e.kind) << 32) ^ e.gateway,
                          static_cast<std::uint64_t>(e.device), static_cast<std::uint64_t>(e.a), static_cast<std::uint64_t>(e.b),
                          static_cast<std::uint64_t>(e.c), static_cast<std::uint64_t>(e.d)}) {
    hash_ = (hash_ ^ x) * 0x9E3779B97F4A7C15ull;
    hash_ ^= hash_ >> 29;
  }
  ++events_;
  last_t_us_ = std::max(last_t_us_, e.t_us);
  if (lifecycle_.on(e)) return;
  if (e.kind == EventKind::fault_onset) {
    faults_.push_back({e.t_us, e.b, e.gateway, e.device, e.a});
    return;
  }
  assert(e.gateway < gw_.size());
  PerGateway& g = gw_[e.gateway];
  switch (e.kind) {
    case EventKind::telemetry:
      ++g.received;
      g.received_bytes += static_cast<std::uint64_t>(e.a);
      g.latency_sum_us += e.b;
      latency_us_.add(e.b);
      break;
    case EventKind::devices_sent:
      g.sent += static_cast<std::uint64_t>(e.a);
      g.mqtt_bytes += static_cast<std::uint64_t>(e.b);
      g.wire_bytes += static_cast<std::uint64_t>(e.c);
      g.energy_nj += static_cast<std::uint64_t>(e.d);
      break;
    case EventKind::devices_lost: g.lost += static_cast<std::uint64_t>(e.a); break;
    case EventKind::devices_dropped: g.dropped += static_cast<std::uint64_t>(e.a); break;
    case EventKind::acks_received:
      g.pubacks += static_cast<std::uint64_t>(e.a);
      g.connacks += static_cast<std::uint64_t>(e.b);
      break;
    case EventKind::transport_reset: g.resets += static_cast<std::uint64_t>(e.a); break;
    case EventKind::devices_made:
      g.generated += static_cast<std::uint64_t>(e.a);
      g.kept_offline += static_cast<std::uint64_t>(e.b);
      g.dropped_offline += static_cast<std::uint64_t>(e.c);
      break;
    case EventKind::devices_resent:
      g.resent += static_cast<std::uint64_t>(e.a);
      g.flushed += static_cast<std::uint64_t>(e.b);
      break;
    case EventKind::device_reconnected:
      reconnect_us_.add(e.a);
      reconnect_attempts_max_ = std::max(reconnect_attempts_max_, e.b);
      break;
    case EventKind::gateway_refused: g.refused_while_down += static_cast<std::uint64_t>(e.a); break;
    case EventKind::gateway_down: ++g.reboots; break;
    case EventKind::gateway_up: break;
    case EventKind::downlink_dropped: g.downlink_dropped += static_cast<std::uint64_t>(e.a); break;
    case EventKind::protocol_error: ++g.protocol_errors; break;
    case EventKind::session_opened:
      ++g.sessions_opened;
      if (e.device < g.opened_at_us.size()) g.opened_at_us[e.device] = e.t_us;
      break;
    case EventKind::session_closed:
      ++g.sessions_closed;
      if (e.a > 0 && e.a < 7) ++closed_by_reason_[e.a];
      if (e.device < g.opened_at_us.size() && g.opened_at_us[e.device] >= 0) {
        connected_us_ += e.t_us - g.opened_at_us[e.device];
        g.opened_at_us[e.device] = -1;
      }
      break;
    case EventKind::uplink_sent:
      ++g.uplink_batches;
      g.uplink_bytes += static_cast<std::uint64_t>(e.a);
      g.uplink_records += static_cast<std::uint64_t>(e.b);
      break;
    case EventKind::uplink_deferred: ++g.uplink_deferrals; break;
    case EventKind::uplink_dropped: g.uplink_dropped += static_cast<std::uint64_t>(e.a); break;
    case EventKind::telemetry_checked:
      g.refused_by_model += static_cast<std::uint64_t>(e.a);
      g.readings_missing += static_cast<std::uint64_t>(e.b);
      break;
    case EventKind::cloud_received:
      g.cloud_bytes += static_cast<std::uint64_t>(e.a);
      g.cloud_records += static_cast<std::uint64_t>(e.b);
      break;
    case EventKind::link_down: ++g.link_outages; break;
    case EventKind::link_up: break;
    case EventKind::run_end:
      g.pending_at_end = static_cast<std::uint64_t>(e.a);
      g.cpu_busy_us = static_cast<std::uint64_t>(e.b);
      g.asset_wh = static_cast<std::uint64_t>(e.c);
      g.qos1_pending = static_cast<std::uint64_t>(e.d);
      break;
    case EventKind::fault_energy: excess_wh_[{e.gateway, e.device}].emplace_back(e.t_us, static_cast<double>(e.a)); break;
    case EventKind::fault_onset: break;
    case EventKind::twin_operation:
      if (static_cast<std::size_t>(e.a) < twin_ops_.size()) twin_ops_[static_cast<std::size_t>(e.a)].targets += static_cast<std::uint64_t>(e.b);
      break;
    case EventKind::twin_result:
      if (static_cast<std::size_t>(e.a) < twin_ops_.size()) {
        TwinOp& op = twin_ops_[static_cast<std::size_t>(e.a)];
        if (e.b == 200) ++op.succeeded;
        else ++op.failed[e.b];
        op.completion_us.add(e.t_us - std::llround(meta_.twin_operations[static_cast<std::size_t>(e.a)].at_s * 1e6));
      }
      break;
    case EventKind::twin_checked: twin_refused_ += static_cast<std::uint64_t>(e.a); break;
    case EventKind::inference:
      ++windows_scored_;
      inference_latency_us_.add(e.b);
      batch_size_sum_ += static_cast<std::uint64_t>(e.c);
      break;
    case EventKind::alert_raised: ++alerts_raised_; break;
    case EventKind::alert_cleared: ++alerts_cleared_; break;
    case EventKind::alerts_dropped: alerts_dropped_ += static_cast<std::uint64_t>(e.a); break;
    case EventKind::rules_changed: ++rules_changes_; break;
    case EventKind::rules_refused: ++rules_refused_; break;
    case EventKind::alert_received: alerts_.push_back({e.t_us, e.c, e.gateway, e.device, e.b, e.d}); break;
    case EventKind::drift_detected:  // lifecycle events: lifecycle_ took them above
    case EventKind::drift_onset:
    case EventKind::model_trained:
    case EventKind::rollout_started:
    case EventKind::rollout_wave:
    case EventKind::rollout_done:
    case EventKind::ota_outcome:
    case EventKind::ota_bytes:
    case EventKind::version_share:
    case EventKind::ota_ran: break;
  }
}

json Collector::summary() const {
  PerGateway t;
  std::int64_t connected_us = connected_us_;
  const std::int64_t end_us = std::llround(meta_.duration_s * 1e6);
  std::uint64_t devices = 0, cpu_busy_max_us = 0;
  for (std::size_t i = 0; i < gw_.size(); ++i) {
    const PerGateway& g = gw_[i];
    devices += meta_.gateways[i].devices;
    t.sent += g.sent, t.lost += g.lost, t.dropped += g.dropped, t.mqtt_bytes += g.mqtt_bytes, t.wire_bytes += g.wire_bytes;
    t.energy_nj += g.energy_nj, t.received += g.received, t.resets += g.resets, t.pubacks += g.pubacks, t.connacks += g.connacks;
    t.protocol_errors += g.protocol_errors, t.sessions_opened += g.sessions_opened, t.uplink_batches += g.uplink_batches;
    t.uplink_bytes += g.uplink_bytes, t.uplink_records += g.uplink_records, t.uplink_deferrals += g.uplink_deferrals;
    t.uplink_dropped += g.uplink_dropped, t.cloud_bytes += g.cloud_bytes, t.cloud_records += g.cloud_records;
    t.pending_at_end += g.pending_at_end, t.link_outages += g.link_outages, t.downlink_dropped += g.downlink_dropped;
    t.cpu_busy_us += g.cpu_busy_us, cpu_busy_max_us = std::max(cpu_busy_max_us, g.cpu_busy_us);
    t.refused_by_model += g.refused_by_model, t.readings_missing += g.readings_missing, t.asset_wh += g.asset_wh;
    t.generated += g.generated, t.dropped_offline += g.dropped_offline, t.kept_offline += g.kept_offline, t.resent += g.resent;
    t.flushed += g.flushed, t.qos1_pending += g.qos1_pending, t.reboots += g.reboots, t.refused_while_down += g.refused_while_down;
    for (std::int64_t opened : g.opened_at_us)
      if (opened >= 0) connected_us += end_us - opened;  // still connected at the end
  }
  // Every transmission (first sends, kept ones sent after a reconnect, DUP resends) was received, lost on
  // the radio, refused, or is still on its way; duplicates count as received.
  const std::uint64_t generated = t.generated;
  const std::uint64_t sent = t.sent + t.flushed;
  const std::int64_t in_flight = static_cast<std::int64_t>(sent + t.resent - t.lost - t.received - t.resets - t.refused_while_down);
  const double days = meta_.duration_s / 86400.0;

  json s;
  s["format"] = "twinbench-summary/1";
  s["scenario"] = meta_.scenario;
  s["seed"] = meta_.seed;
  s["duration_s"] = meta_.duration_s;
  s["fleet"] = {{"sites", meta_.sites}, {"gateways", gw_.size()}, {"devices", devices}};
  s["messages"] = {
      {"generated", generated},
      {"sent", sent},
      {"lost_radio", t.lost},
      {"dropped_link_down", t.dropped},
      {"dropped_offline", t.dropped_offline},
      {"kept_offline", t.kept_offline},
      {"resent_after_reconnect", t.resent},
      {"refused_gateway_down", t.refused_while_down},
      {"qos1_held_at_end", t.qos1_pending},
      {"rejected_reset", t.resets},
      {"received", t.received},
      {"in_flight_at_end", in_flight},
      {"delivery_ratio", ratio(static_cast<double>(t.received), static_cast<double>(generated) - static_cast<double>(in_flight))},
      {"puback_received", t.pubacks},
      {"connack_received", t.connacks},
      {"protocol_errors", t.protocol_errors},
      {"downlink_frames_dropped", t.downlink_dropped},
      {"refused_by_twin_model", t.refused_by_model},
      {"readings_missing", t.readings_missing},
  };
  s["latency_ms"] = {{"mean", round6(latency_us_.mean() / 1000.0)}, {"p50", ms(latency_us_.percentile(0.50))},
                     {"p95", ms(latency_us_.percentile(0.95))}, {"p99", ms(latency_us_.percentile(0.99))},
                     {"max", ms(latency_us_.max())}};
  s["sessions"] = {
      {"opened", t.sessions_opened},
      {"closed_keepalive_timeout", closed_by_reason_[static_cast<int>(runtime::CloseReason::keepalive_timeout)]},
      {"closed_protocol_error", closed_by_reason_[static_cast<int>(runtime::CloseReason::protocol_error)]},
      {"closed_client_disconnect", closed_by_reason_[static_cast<int>(runtime::CloseReason::client_disconnect)]},
      {"closed_peer", closed_by_reason_[static_cast<int>(runtime::CloseReason::peer_closed)]},
      {"closed_taken_over", closed_by_reason_[static_cast<int>(runtime::CloseReason::taken_over)]},
      {"closed_gateway_shutdown", closed_by_reason_[static_cast<int>(runtime::CloseReason::gateway_shutdown)]},
      {"connected_ratio", ratio(static_cast<double>(connected_us), static_cast<double>(devices) * static_cast<double>(end_us))},
      {"reconnects", {{"count", reconnect_us_.count()},
                      {"p50_s", round6(static_cast<double>(reconnect_us_.percentile(0.50)) * 1e-6)},
                      {"p99_s", round6(static_cast<double>(reconnect_us_.percentile(0.99)) * 1e-6)},
                      {"max_s", round6(static_cast<double>(reconnect_us_.max()) * 1e-6)},
                      {"failed_attempts_max", reconnect_attempts_max_}}},
  };
  s["bytes"] = {{"device_mqtt", t.mqtt_bytes}, {"device_wire", t.wire_bytes}, {"uplink", t.uplink_bytes}, {"cloud_received", t.cloud_bytes}};
  s["uplink"] = {{"batches_sent", t.uplink_batches},     {"records_sent", t.uplink_records},
                 {"deferrals", t.uplink_deferrals},      {"records_dropped", t.uplink_dropped},
                 {"records_pending_at_end", t.pending_at_end}, {"cloud_records", t.cloud_records}};
  const double gateway_us = static_cast<double>(end_us) * static_cast<double>(gw_.size());
  s["gateway_cpu"] = {{"utilization_mean", ratio(static_cast<double>(t.cpu_busy_us), gateway_us)},
                      {"utilization_max", ratio(static_cast<double>(cpu_busy_max_us), static_cast<double>(end_us))}};
  const double energy_j = static_cast<double>(t.energy_nj) * 1e-9;
  s["energy"] = {{"assets_kwh", round6(static_cast<double>(t.asset_wh) / 1000.0)},
                 {"device_radio_j", round6(energy_j)},
                 {"per_device_per_day_j", devices && days > 0 ? round6(energy_j / static_cast<double>(devices) / days) : 0.0}};
  json by_mode = json::object();
  for (const auto& name : meta_.fault_modes) by_mode[name] = 0;
  for (const Fault& f : faults_)
    if (f.mode >= 0 && static_cast<std::size_t>(f.mode) < meta_.fault_modes.size())
      by_mode[meta_.fault_modes[static_cast<std::size_t>(f.mode)]] = by_mode[meta_.fault_modes[static_cast<std::size_t>(f.mode)]].get<std::uint64_t>() + 1;
  s["faults"] = {{"asset_faults_injected", faults_.size()}, {"by_mode", by_mode}, {"link_outages", t.link_outages}, {"gateway_reboots", t.reboots}};
  json ops = json::array();
  std::uint64_t twin_targets = 0, twin_succeeded = 0, twin_failed = 0;
  for (std::size_t k = 0; k < twin_ops_.size(); ++k) {
    const TwinOp& op = twin_ops_[k];
    // Every status the twin protocol defines has a key, so that assertions can name it before a run.
    std::uint64_t failed = 0;
    json by_status = json::object();
    for (int status : {400, 404, 409, 501, 502, 504}) by_status[std::to_string(status)] = 0;
    by_status["other"] = 0;
    for (const auto& [status, n] : op.failed) {
      const std::string key = std::to_string(status);
      json& slot = by_status.contains(key) ? by_status[key] : by_status["other"];
      slot = slot.get<std::uint64_t>() + n;
      failed += n;
    }
    const auto sec = [](std::int64_t us) { return round6(static_cast<double>(us) * 1e-6); };
    ops.push_back({{"at_s", meta_.twin_operations[k].at_s},
                   {"kind", meta_.twin_operations[k].kind},
                   {"name", meta_.twin_operations[k].name},
                   {"targets", op.targets},
                   {"succeeded", op.succeeded},
                   {"failed", failed},
                   {"pending_at_end", op.targets - std::min(op.targets, op.succeeded + failed)},
                   {"completion_s", {{"p50", sec(op.completion_us.percentile(0.5))}, {"p99", sec(op.completion_us.percentile(0.99))},
                                     {"max", sec(op.completion_us.max())}}},
                   {"failed_by_status", by_status}});
    twin_targets += op.targets, twin_succeeded += op.succeeded, twin_failed += failed;
  }
  s["twin"] = {{"operations", ops},
               {"targets", twin_targets},
               {"succeeded", twin_succeeded},
               {"failed", twin_failed},
               {"pending_at_end", twin_targets - std::min(twin_targets, twin_succeeded + twin_failed)},
               {"messages_refused", twin_refused_}};
  s["inference"] = {{"windows_scored", windows_scored_},
                    {"batch_size_mean", windows_scored_ ? round6(static_cast<double>(batch_size_sum_) / static_cast<double>(windows_scored_)) : 0.0},
                    {"latency_ms", {{"p50", ms(inference_latency_us_.percentile(0.5))},
                                    {"p99", ms(inference_latency_us_.percentile(0.99))},
                                    {"max", ms(inference_latency_us_.max())}}}};
  s["detection"] = detection();
  s["economics"] = economics(s["detection"]);
  if (lifecycle_.enabled()) s["lifecycle"] = lifecycle_.summary();
  s["events"] = events_;
  s["trace_hash"] = trace_hash();
  return s;
}

json Collector::detection() const {
  // An alert raised (at the gateway) between a fault's onset and its failure is a true alert for that
  // fault; the fault is detected if such an alert reached the cloud before the failure, and missed if the
  // failure came first. A fault neither detected nor failed when the run ends is undecided and left out
  // of the recall. Alerts after a failure are late (neither true nor false); any other alert is false.
  const std::int64_t end_us = std::llround(meta_.duration_s * 1e6);
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::size_t>> faults_of;
  for (std::size_t i = 0; i < faults_.size(); ++i) faults_of[{faults_[i].gateway, faults_[i].device}].push_back(i);
  auto failure_us = [](const Fault& f) { return f.t_us + f.ramp_s * 1'000'000; };
  std::vector<std::int64_t> first_alert(faults_.size(), -1);
  std::uint64_t true_alerts = 0, false_alerts = 0, late_alerts = 0, executive = 0, technician = 0, operator_ = 0;
  Histogram digest_delay_us;
  for (const Alert& a : alerts_) {
    bool matched = false, late = false;
    if (auto it = faults_of.find({a.gateway, a.device}); it != faults_of.end())
      for (std::size_t i : it->second) {
        if (a.raised_us >= faults_[i].t_us && a.raised_us < failure_us(faults_[i])) {
          matched = true;
          if (first_alert[i] < 0 || a.cloud_us < first_alert[i]) first_alert[i] = a.cloud_us;
        } else if (a.raised_us >= failure_us(faults_[i])) {
          late = true;
        }
      }
    matched ? ++true_alerts : late ? ++late_alerts : ++false_alerts;
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
  std::vector<std::uint64_t> mode_faults(meta_.fault_modes.size()), mode_detected(meta_.fault_modes.size());
  std::vector<Histogram> mode_latency(meta_.fault_modes.size());
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const Fault& f = faults_[i];
    if (f.t_us >= end_us) continue;
    ++assessed;
    const auto mode = static_cast<std::size_t>(f.mode);
    if (mode < mode_faults.size()) ++mode_faults[mode];
    const bool in_time = first_alert[i] >= 0 && first_alert[i] < failure_us(f);
    if (!in_time && failure_us(f) > end_us) {  // neither detected nor failed yet: the run ended first
      ++undecided;
      continue;
    }
    const std::int64_t until_us = std::min(failure_us(f), end_us);
    excess_wh += excess_wh_at(f.gateway, f.device, until_us);
    if (!in_time) continue;  // missed, or told too late
    ++detected;
    avoidable_wh += excess_wh_at(f.gateway, f.device, until_us) - excess_wh_at(f.gateway, f.device, first_alert[i]);
    latency_us.add(first_alert[i] - f.t_us);
    lead_us.add(failure_us(f) - first_alert[i]);
    if (mode < mode_faults.size()) ++mode_detected[mode], mode_latency[mode].add(first_alert[i] - f.t_us);
  }
  std::uint64_t devices = 0;
  for (const auto& g : meta_.gateways) devices += g.devices;
  const double device_days = static_cast<double>(devices) * meta_.duration_s / 86400.0;
  const double precision = ratio(static_cast<double>(true_alerts), static_cast<double>(true_alerts + false_alerts));
  const double recall = ratio(static_cast<double>(detected), static_cast<double>(assessed - undecided));
  auto sec = [](std::int64_t us) { return round6(static_cast<double>(us) * 1e-6); };
  json by_mode = json::object();
  for (std::size_t m = 0; m < meta_.fault_modes.size(); ++m)
    by_mode[meta_.fault_modes[m]] = {{"faults", mode_faults[m]},
                                     {"detected", mode_detected[m]},
                                     {"recall", ratio(static_cast<double>(mode_detected[m]), static_cast<double>(mode_faults[m]))},
                                     {"latency_s_p50", sec(mode_latency[m].percentile(0.5))}};
  return {{"faults_injected", assessed},
          {"faults_detected", detected},
          {"faults_missed", assessed - detected - undecided},
          {"faults_undecided_at_end", undecided},
          {"recall", recall},
          {"precision", precision},
          {"f1", precision + recall > 0 ? round6(2 * precision * recall / (precision + recall)) : 0.0},
          {"alerts_at_cloud", alerts_.size()},
          {"true_alerts", true_alerts},
          {"false_alerts", false_alerts},
          {"late_alerts", late_alerts},
          {"false_alerts_per_1000_device_days", device_days > 0 ? round6(static_cast<double>(false_alerts) / device_days * 1000) : 0.0},
          {"latency_s", {{"p50", sec(latency_us.percentile(0.5))}, {"p95", sec(latency_us.percentile(0.95))}, {"max", sec(latency_us.max())}}},
          {"lead_time_s", {{"p50", sec(lead_us.percentile(0.5))}, {"p05", sec(lead_us.percentile(0.05))}}},
          {"by_mode", by_mode},
          {"excess_energy_kwh", round6(excess_wh / 1000.0)},
          {"avoidable_energy_kwh", round6(avoidable_wh / 1000.0)},
          {"alerts", {{"raised_at_gateways", alerts_raised_},
                      {"undelivered_at_end", alerts_raised_ - std::min(alerts_raised_, alerts_.size() + alerts_dropped_)},
                      {"cleared_at_gateways", alerts_cleared_},
                      {"dropped_uplink_full", alerts_dropped_},
                      {"rule_changes", rules_changes_},
                      {"rule_changes_refused", rules_refused_},
                      {"to_technician", technician},
                      {"to_operator", operator_},
                      {"to_executive_digest", executive},
                      {"digest_delay_s_p50", sec(digest_delay_us.percentile(0.5))}}}};
}

double Collector::excess_wh_at(std::uint32_t gateway, std::uint32_t device, std::int64_t t_us) const {
  auto it = excess_wh_.find({gateway, device});
  if (it == excess_wh_.end() || it->second.empty() || t_us <= it->second.front().first) return 0;
  const auto& v = it->second;
  auto after = std::upper_bound(v.begin(), v.end(), t_us, [](std::int64_t t, const auto& p) { return t < p.first; });
  if (after == v.end()) return v.back().second;
  const auto before = after - 1;
  const double f = static_cast<double>(t_us - before->first) / static_cast<double>(after->first - before->first);
  return before->second + f * (after->second - before->second);
}

json Collector::economics(const json& d) const {
  // Run to failure (no edge AI) against the run: each detected fault becomes a planned repair with a
  // truck roll instead of an unplanned failure; each false alert costs a truck roll; the edge AI costs
  // its fixed cost plus its yearly price per device, pro rata. ROI = net savings / edge AI cost.
  // Undecided faults are left out, as in the recall.
  if (!meta_.economics) return {{"enabled", false}};
  const EconomicsMeta& e = *meta_.economics;
  const auto detected = static_cast<double>(d["faults_detected"].get<std::uint64_t>());
  const auto missed = static_cast<double>(d["faults_missed"].get<std::uint64_t>());
  const auto false_alerts = static_cast<double>(d["false_alerts"].get<std::uint64_t>());
  std::uint64_t devices = 0;
  for (const auto& g : meta_.gateways) devices += g.devices;
  const double failure = e.unplanned_downtime_h * e.downtime_cost_per_hour + e.missed_failure_cost;
  const double repair = e.planned_repair_h * e.downtime_cost_per_hour + e.truck_roll_cost;
  const double edge_ai =
      e.edge_ai_fixed_cost + static_cast<double>(devices) * e.edge_ai_cost_per_device_per_year * meta_.duration_s / (365.0 * 86400.0);
  // The excess energy a fault draws is paid until the failure; an alert lets the repair stop it then.
  const double excess_kwh = d["excess_energy_kwh"].get<double>(), avoided_kwh = d["avoidable_energy_kwh"].get<double>();
  const double without = (detected + missed) * failure + excess_kwh * e.energy_price_per_kwh;
  const double with = detected * repair + missed * failure + false_alerts * e.truck_roll_cost + edge_ai +
                      (excess_kwh - avoided_kwh) * e.energy_price_per_kwh;
  auto money = [](double x) { return std::round(x * 100) / 100; };
  return {{"enabled", true},
          {"currency", e.currency},
          {"avoided_downtime_h", round6(detected * (e.unplanned_downtime_h - e.planned_repair_h))},
          {"avoided_energy_kwh", round6(avoided_kwh)},
          {"avoided_energy_cost", money(avoided_kwh * e.energy_price_per_kwh)},
          {"truck_rolls", detected + false_alerts},
          {"false_alert_cost", money(false_alerts * e.truck_roll_cost)},
          {"edge_ai_cost", money(edge_ai)},
          {"cost_without_edge_ai", money(without)},
          {"cost_with_edge_ai", money(with)},
          {"net_savings", money(without - with)},
          {"roi", edge_ai > 0 ? round6((without - with) / edge_ai) : 0.0}};
}

std::string Collector::messages_csv() const {
  std::ostringstream o;
  o << "site,gateway,devices,generated,sent,lost_radio,dropped_link_down,rejected_reset,received,latency_ms_mean,"
       "puback_received,protocol_errors,sessions_opened,sessions_closed,device_mqtt_bytes,device_wire_bytes,"
       "uplink_batches,uplink_bytes,uplink_records,uplink_records_dropped,cloud_records,link_outages\n";
  for (std::size_t i = 0; i < gw_.size(); ++i) {
    const PerGateway& g = gw_[i];
    const double mean_ms = g.received ? static_cast<double>(g.latency_sum_us) / static_cast<double>(g.received) / 1000.0 : 0.0;
    char mean[32];
    std::snprintf(mean, sizeof mean, "%.3f", mean_ms);
    o << meta_.gateways[i].site << ',' << meta_.gateways[i].name << ',' << meta_.gateways[i].devices << ',' << g.generated << ','
      << g.sent + g.flushed << ',' << g.lost << ',' << g.dropped << ',' << g.resets << ',' << g.received << ',' << mean << ',' << g.pubacks << ','
      << g.protocol_errors << ',' << g.sessions_opened << ',' << g.sessions_closed << ',' << g.mqtt_bytes << ',' << g.wire_bytes << ','
      << g.uplink_batches << ',' << g.uplink_bytes << ',' << g.uplink_records << ',' << g.uplink_dropped << ',' << g.cloud_records << ','
      << g.link_outages << '\n';
  }
  return o.str();
}

std::string Collector::ground_truth_csv() const {
  std::ostringstream o;
  o << "site,gateway,device,mode,onset_s,ramp_s,failure_s\n";
  for (const Fault& f : faults_) {
    const auto& gm = meta_.gateways[f.gateway];
    const double onset_s = static_cast<double>(f.t_us) / 1e6;
    o << gm.site << ',' << gm.name << ',' << f.device << ','
      << (static_cast<std::size_t>(f.mode) < meta_.fault_modes.size() ? meta_.fault_modes[static_cast<std::size_t>(f.mode)] : "unknown")
      << ',' << onset_s << ',' << f.ramp_s << ',' << onset_s + static_cast<double>(f.ramp_s) << '\n';
  }
  return o.str();
}

std::string Collector::trace_hash() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
  return buf;
}

}  // namespace twinbench::results
