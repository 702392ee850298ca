// The KPI table that `twinbench run` and `twinbench hil` print on stdout, from summary.json.

#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "Commands.hpp"

namespace twinbench::app {

using json = nlohmann::ordered_json;

namespace {

/** A number as `f` formats it; "n/a" for a KPI with nothing to measure (null). */
std::string fmt(const char* f, const json& v) {
  if (v.is_null()) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v.get<double>());
  return buf;
}
std::string fmt(const char* f, double v) { return fmt(f, json(v)); }
std::string count(const json& v) { return v.is_null() ? "n/a" : std::to_string(v.get<std::uint64_t>()); }

}  // namespace

void print_kpi_table(const json& s, const char* verb) {
  auto row = [](const std::string& k, const std::string& v) { std::cout << "  " << k << std::string(k.size() < 28 ? 28 - k.size() : 1, ' ') << v << '\n'; };
  const auto& m = s["messages"];
  const auto& l = s["latency_ms"];
  std::cout << "twinbench " << verb << ": " << s["scenario"].get<std::string>() << ", seed " << s["seed"].get<std::uint64_t>() << ", "
            << fmt("%.4g", s["duration_s"].get<double>() / 3600.0) << " h simulated, " << count(s["fleet"]["devices"])
            << " devices behind " << count(s["fleet"]["gateways"]) << " gateways\n";
  row("KPI", "value");
  row("messages generated", count(m["generated"]));
  row("messages received", count(m["received"]));
  row("lost / dropped / reset", count(m["lost_radio"]) + " / " + count(m["dropped_link_down"]) + " / " + count(m["rejected_reset"]));
  row("delivery ratio", fmt("%.4f", m["delivery_ratio"]));
  row("latency p50 / p99 / max", fmt("%.2f", l["p50"]) + " / " + fmt("%.2f", l["p99"]) + " / " + fmt("%.2f", l["max"]) + " ms");
  row("sessions connected ratio", fmt("%.4f", s["sessions"]["connected_ratio"]));
  row("records at cloud", count(s["uplink"]["cloud_records"]));
  row("uplink bytes", count(s["bytes"]["uplink"]));
  if (const auto& u = s["uplink"]; u["client_losses"].get<std::uint64_t>() + u["records_recovered"].get<std::uint64_t>() > 0)
    row("uplink client", "connections lost " + count(u["client_losses"]) + ", publications resent " + count(u["publications_resent"]) +
                             ", records recovered " + count(u["records_recovered"]));
  row("device radio energy", fmt("%.2f", s["energy"]["per_device_per_day_j"]) + " J/device/day");
  row("asset faults injected", count(s["faults"]["asset_faults_injected"]));
  row("link outages", count(s["faults"]["link_outages"]));
  if (const auto& r = s["sessions"]["reconnects"]; r["count"].get<std::uint64_t>() > 0)
    row("reconnects / p50 / p99", count(r["count"]) + " / " + fmt("%.2f", r["p50_s"]) + " / " + fmt("%.2f", r["p99_s"]) + " s (" +
                                      count(s["faults"]["gateway_reboots"]) + " gateway reboots)");
  if (const auto& d = s["detection"]; s["inference"]["windows_scored"].get<std::uint64_t>() > 0) {
    const auto hours = [](const json& v) { return v.is_null() ? json(nullptr) : json(v.get<double>() / 3600.0); };
    row("windows scored", count(s["inference"]["windows_scored"]) + " (inference p99 " + fmt("%.1f", s["inference"]["latency_ms"]["p99"]) + " ms)");
    if (const auto& b = s["inference"]["site_baseline"]; b["learned"].get<std::uint64_t>() > 0)
      row("site baselines", count(b["applied"]) + " of " + count(b["learned"]) + " applied, thresholds " + fmt("%.4g", b["threshold_min"]) + " .. " +
                                fmt("%.4g", b["threshold_max"]));
    row("faults detected / missed", count(d["faults_detected"]) + " / " + count(d["faults_missed"]) + " (recall " + fmt("%.3f", d["recall"]) + ")");
    row("alerts true / false", count(d["true_alerts"]) + " / " + count(d["false_alerts"]) + " (precision " + fmt("%.3f", d["precision"]) + ")");
    row("detection latency p50", fmt("%.2f", hours(d["latency_s"]["p50"])) + " h after onset");
    row("lead time p50", fmt("%.2f", hours(d["lead_time_s"]["p50"])) + " h before failure");
  }
  if (const auto& e = s["economics"]; e["enabled"].get<bool>()) {
    std::string cur = " ";  // built with += : GCC 12 warns falsely (-Wrestrict) on " " + string
    cur += e["currency"].get<std::string>();
    row("avoided downtime / energy", fmt("%.1f", e["avoided_downtime_h"]) + " h / " + fmt("%.1f", e["avoided_energy_kwh"]) + " kWh");
    row("net savings", fmt("%.2f", e["net_savings"]) + cur + " (ROI " + fmt("%.2f", e["roi"]) + ")");
  }
  if (s.contains("lifecycle")) {
    const auto& l = s["lifecycle"];
    if (const auto& d = l["drift"]; d["gateways_with_drift"].get<std::uint64_t>() + d["detections"].get<std::uint64_t>() > 0)
      row("drift detected / delay p50", count(d["gateways_detected"]) + " of " + count(d["gateways_with_drift"]) + " gateways / " +
                                            fmt("%.2f", d["detection_delay_h"]["p50"]) + " h (" + count(d["false_alarms"]) + " false alarms)");
    if (const auto& r = l["retraining"]; r["models_trained"].get<std::uint64_t>() > 0)
      row("models retrained", count(r["models_trained"]) + " (" + count(r["training_windows"]) + " windows, " + fmt("%.2f", r["training_cpu_s"]) +
                                  " s cloud CPU)");
    if (const auto& o = l["ota"]; o["rollouts"].get<std::uint64_t>() > 0) {
      row("rollouts done / halted", count(o["completed"]) + " / " + count(o["halted"]) + " of " + count(o["rollouts"]) + " (longest " +
                                        fmt("%.2f", o["max_duration_h"]) + " h)");
      row("OTA commits / rollbacks", count(o["committed"]) + " / " + count(o["rollback_count"]) + " (" + count(o["failed"]) + " failed)");
      row("OTA bytes WAN / access", fmt("%.1f", o["bytes"]["wan"].get<double>() / 1048576.0) + " / " +
                                        fmt("%.1f", o["bytes"]["access"].get<double>() / 1048576.0) + " MiB");
    }
  }
  if (const auto& t = s["twin"]; t["targets"].get<std::uint64_t>() > 0)
    row("twin ops ok / failed / pending", count(t["succeeded"]) + " / " + count(t["failed"]) + " / " + count(t["pending_at_end"]));
  if (s.contains("people"))  // the simulated technicians' acknowledgements
    row("alerts acknowledged", count(s["people"]["alerts_acknowledged"]) + " (p50 " + fmt("%.0f", s["people"]["acknowledge_latency_s"]["p50"]) +
                                   " s after raised)");
  if (s.contains("webhooks"))  // each partner's SLA: delivered within its bound, of those judged; the slowest; what waits
    for (const auto& [name, w] : s["webhooks"].items())
      row("partner " + name, count(w["delivered"]) + " of " + count(w["queued"]) + " delivered, " + fmt("%.3f", w["delivered_within_sla"]) +
                                 " within " + fmt("%g", w["sla_s"]) + " s (max " + fmt("%.2f", w["latency_s"]["max"]) + " s), " +
                                 count(w["pending_at_end"]) + " waiting");
  if (s["asset_classes"].size() > 1)  // a mixed plant: each class's detection and money
    for (const auto& [name, c] : s["asset_classes"].items()) {
      const auto& d = c["detection"];
      std::string v = count(c["fleet"]["devices"]) + " devices";
      if (!d["recall"].is_null()) v += ", recall " + fmt("%.3f", d["recall"]);
      if (!d["precision"].is_null()) v += ", precision " + fmt("%.3f", d["precision"]);
      if (c["economics"].is_object() && !c["economics"]["net_savings"].is_null())
        v += ", net " + fmt("%.0f", c["economics"]["net_savings"]) + " " + c["economics"]["currency"].get<std::string>();
      row("class " + name, v);
    }
  if (s["fleet"]["gateways"].get<std::uint64_t>() > 1) {  // the worst gateway by delivery, and by false alerts where alerts are scored
    const auto& w = s["worst"];
    if (!w["delivery_ratio"]["gateway"].is_null())
      row("worst delivery", w["delivery_ratio"]["gateway"].get<std::string>() + " (" + fmt("%.4f", w["delivery_ratio"]["gateway_value"]) + ")");
    if (s["inference"]["windows_scored"].get<std::uint64_t>() > 0 && !w["false_alert_rate"]["gateway"].is_null())
      row("worst false alert rate", w["false_alert_rate"]["gateway"].get<std::string>() + " (" + fmt("%.1f", w["false_alert_rate"]["gateway_value"]) +
                                        " per 1000 device-days)");
  }
  row("trace hash", s["trace_hash"].get<std::string>());
  if (s.contains("hil")) {  // twinbench hil: how well the pace held
    const auto& h = s["hil"];
    std::cout << "  paced at " << fmt("%.4g", h["speed"].get<double>()) << "x (" << h["policy"].get<std::string>() << "): lag p50 / p99 / max "
              << fmt("%.2f", h["lag_ms"]["p50"].get<double>()) << " / " << fmt("%.2f", h["lag_ms"]["p99"].get<double>()) << " / "
              << fmt("%.2f", h["lag_ms"]["max"].get<double>()) << " ms, " << h["missed_deadlines"].get<std::uint64_t>() << " of "
              << h["ticks"].get<std::uint64_t>() << " ticks late, achieved " << fmt("%.4g", h["achieved_speed"].get<double>()) << "x\n";
  }
}

}  // namespace twinbench::app
