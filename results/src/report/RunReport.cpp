#include "twinbench/results/Report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>

#include "Page.hpp"
#include "RunSections.hpp"
#include "Svg.hpp"
#include "Table.hpp"
#include "twinbench/results/Assertions.hpp"
#include "twinbench/results/Compare.hpp"

namespace twinbench::results {

using namespace report;  // the pages' shared parts (Page.hpp, Svg.hpp, Table.hpp)

std::string run_report_html(const RunFiles& f) {
  const json s = parse(f.summary_json, "summary.json"), run = parse(f.run_json, "run.json");
  if (!at(s, "/duration_s").is_number() || !at(s, "/seed").is_number()) throw std::runtime_error("summary.json: no duration_s and seed (not a run's summary)");
  if (!at(run, "/assertions").is_array()) throw std::runtime_error("run.json: no assertions list (not a run's)");
  const Table sites(f.sites_csv, "sites.csv"), series(f.timeseries_csv, "timeseries.csv"), latency(f.latency_csv, "latency.csv"),
      truth(f.ground_truth_csv, "ground_truth.csv");
  // Outages (a link down, a gateway rebooting): bands on the time series, named by gateway and kind.
  std::vector<report::Band> outages;
  if (!f.outages_csv.empty()) {
    const Table t(f.outages_csv, "outages.csv");
    for (std::size_t r = 0; r < t.rows(); ++r)
      outages.push_back({t.required(r, "start_s") / 3600.0, t.required(r, "end_s") / 3600.0, t.at(r, "gateway") + ": " + t.at(r, "kind")});
  }
  std::optional<Table> timeline, versions;
  if (!f.timeline_csv.empty()) timeline.emplace(f.timeline_csv, "timeline.csv");
  if (!f.versions_csv.empty()) versions.emplace(f.versions_csv, "versions.csv");
  std::vector<std::string> sites_in_order;
  for (std::size_t r = 0; r < sites.rows(); ++r) sites_in_order.push_back(sites.at(r, "site"));
  const std::string scenario = s.value("scenario", ""), currency = at(s, "/economics/currency").is_string() ? at(s, "/economics/currency").get<std::string>() : "";

  // Gates, as the run checked them.
  std::vector<AssertionSpec> specs;
  for (const json& a : run.value("assertions", json::array())) {
    if (!a.is_object() || !a.contains("kpi") || !a["kpi"].is_string()) throw std::runtime_error("run.json: /assertions: expected {\"kpi\": ..., \"min\" or \"max\": ...}");
    AssertionSpec g;
    g.kpi = a["kpi"].get<std::string>();
    if (a.contains("min") && a["min"].is_number()) g.min = a["min"].get<double>();
    if (a.contains("max") && a["max"].is_number()) g.max = a["max"].get<double>();
    if (a.contains("over_seeds") && a["over_seeds"].is_string()) g.over_seeds = a["over_seeds"].get<std::string>();
    specs.push_back(g);
  }
  const auto checks = check_assertions(s, specs);
  std::size_t evaluated = 0, failed = 0;
  for (const auto& c : checks) evaluated += c.evaluated, failed += c.evaluated && !c.passed;

  std::string h = report::head("twinbench: " + scenario);
  h += "<h1>" + escape(scenario) + "</h1><p class=\"sub\">seed " + show(at(s, "/seed")) + ", " + show(json(at(s, "/duration_s").get<double>() / 3600.0)) +
       " h simulated, " + show(at(s, "/fleet/devices")) + " devices behind " + show(at(s, "/fleet/gateways")) + " gateways at " +
       std::to_string(sites.rows()) + (sites.rows() == 1 ? " site" : " sites") + "</p>";

  // ---- executive summary ----
  h += "<section id=\"summary\"><h2>Executive summary</h2>";
  if (evaluated == 0) h += "<span class=\"verdict none\" id=\"verdict\">NO GATES</span>";
  else if (failed == 0) h += "<span class=\"verdict go\" id=\"verdict\">GO: " + std::to_string(evaluated) + " of " + std::to_string(evaluated) + " gates hold</span>";
  else h += "<span class=\"verdict nogo\" id=\"verdict\">NO-GO: " + std::to_string(failed) + " of " + std::to_string(evaluated) + " gates fail</span>";
  const auto card = [](const std::string& id, const std::string& value, const std::string& what) {
    return "<div class=\"card\"><div class=\"v\" id=\"" + id + "\">" + escape(value) + "</div><div class=\"k\">" + escape(what) + "</div></div>";
  };
  h += "<div class=\"cards\">";
  h += card("net-savings", show(at(s, "/economics/net_savings")) + (currency.empty() ? "" : " " + currency), "net savings against running to failure");
  h += card("roi", show(at(s, "/economics/roi"), 3), "return on the edge AI's cost");
  h += card("avoided-downtime", show(at(s, "/economics/avoided_downtime_h")) + " h", "unplanned downtime avoided");
  h += card("avoided-energy", show(at(s, "/economics/avoided_energy_kwh")) + " kWh", "energy faults would have wasted");
  h += card("recall", fixed(at(s, "/detection/recall"), 3), "recall: faults detected before they failed");
  h += card("precision", fixed(at(s, "/detection/precision"), 3), "precision: alerts that were a real fault");
  h += card("delivery", fixed(at(s, "/messages/delivery_ratio"), 4), "telemetry delivered");
  h += "</div>";
  // The three worst sites: lowest recall first (a site with nothing to detect last), then most false alerts.
  std::vector<std::size_t> order(sites.rows());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto num = [&](std::size_t r, const char* c) { return sites.has(c) ? sites.number(r, c) : std::nullopt; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto ra = num(a, "/detection/recall"), rb = num(b, "/detection/recall");
    if (ra.has_value() != rb.has_value()) return ra.has_value();
    if (ra && *ra != *rb) return *ra < *rb;
    return num(a, "/detection/false_alerts_per_1000_device_days").value_or(0) > num(b, "/detection/false_alerts_per_1000_device_days").value_or(0);
  });
  h += "<h3>Worst sites</h3><table id=\"worst-sites\"><tr><th>site</th><th>class</th><th>recall</th><th>precision</th><th>false alerts / 1000 device-days</th><th>delivery</th></tr>";
  for (std::size_t k = 0; k < std::min<std::size_t>(3, order.size()); ++k) {
    const std::size_t r = order[k];
    const auto cell = [&](const char* c, int d) { const auto v = num(r, c); return "<td>" + (v ? show(json(*v), d) : std::string("n/a")) + "</td>"; };
    h += "<tr><td>" + escape(sites.at(r, "site")) + "</td><td>" + escape(sites.has("asset_class") ? sites.at(r, "asset_class") : "") + "</td>" +
         cell("/detection/recall", 3) + cell("/detection/precision", 3) + cell("/detection/false_alerts_per_1000_device_days", 3) +
         cell("/messages/delivery_ratio", 5) + "</tr>";
  }
  h += "</table></section>";

  // ---- operations: per-site time series ----
  const double end_h = at(s, "/duration_s").get<double>() / 3600.0;
  std::vector<std::string> site_names;
  for (std::size_t r = 0; r < series.rows(); ++r)
    if (std::find(site_names.begin(), site_names.end(), series.at(r, "site")) == site_names.end()) site_names.push_back(series.at(r, "site"));
  const auto per_site = [&](const std::string& column, bool step) {
    std::vector<Series> out;
    for (const std::string& name : site_names) {
      Series sr{name, {}, step};
      for (std::size_t r = 0; r < series.rows(); ++r)
        if (series.at(r, "site") == name) sr.points.emplace_back(series.required(r, "interval_end_h"), series.number(r, column).value_or(NAN));
      out.push_back(std::move(sr));
    }
    return out;
  };
  struct Plot {
    const char* id;
    const char* column;
    const char* title;
    const char* y;
    const char* question;
    bool step;
  };
  static constexpr Plot kPlots[] = {
      {"delivery", "delivery_ratio", "Delivery ratio per site", "delivered / generated", "Which site loses telemetry, and when (shaded: link outages and gateway reboots)?", false},
      {"latency-p50", "latency_ms_p50", "Latency p50 per site", "ms", "How long does a typical message take to reach the gateway?", false},
      {"latency-p99", "latency_ms_p99", "Latency p99 per site", "ms", "Where and when do messages wait longest?", false},
      {"alerts-true", "alerts_true", "True alerts per site", "alerts per interval", "When do real faults get flagged?", true},
      {"alerts-false", "alerts_false", "False alerts per site", "alerts per interval", "Which site cries wolf, and when?", true},
      {"gateway-cpu", "gateway_cpu_utilization", "Gateway CPU per site", "utilisation (busiest gateway)", "Is any gateway running out of CPU?", false},
      {"uplink-backlog", "uplink_backlog_records", "Uplink backlog per site", "records waiting", "Is data piling up at the edge (a WAN outage, a slow uplink)?", false},
  };
  h += "<section id=\"operations\"><h2>Operations</h2><div class=\"charts\">";
  for (const Plot& p : kPlots) {
    if (!series.has(p.column)) continue;
    Chart c(p.title, "simulated time (h)", p.y);
    c.x_range(0, end_h);
    for (const report::Band& b : outages) c.band(b);
    for (Series& sr : per_site(p.column, p.step)) c.series(std::move(sr));
    if (std::string(p.column) == "delivery_ratio") c.y_range(0, 1);
    h += figure(c, p.id, p.question);
  }
  // Latency CDF per site.
  Chart cdf("Latency CDF per site", "latency (ms, log scale)", "fraction of messages");
  cdf.log_x().y_range(0, 1);
  for (const std::string& name : site_names) {
    Series sr{name, {}, false};
    for (std::size_t r = 0; r < latency.rows(); ++r)
      if (latency.at(r, "scope") == "site" && latency.at(r, "name") == name && latency.at(r, "kind") == "message") {
        if (sr.points.empty()) sr.points.emplace_back(std::max(latency.required(r, "lower_ms"), 1e-3), 0.0);  // the CDF rises from 0
        sr.points.emplace_back(std::max(latency.required(r, "upper_ms"), 1e-3), latency.required(r, "cumulative_fraction"));
      }
    cdf.series(std::move(sr));
  }
  h += figure(cdf, "latency-cdf", "What share of messages arrives within a given time, per site?");
  h += "</div></section>";

  // ---- faults against their detection ----
  h += "<section id=\"detection\"><h2>Faults and their detection</h2><div class=\"charts\">";
  Chart faults("Faults: onset to failure, and the first alert", "simulated time (h)", "fault (by onset)");
  std::vector<std::size_t> by_onset(truth.rows());
  for (std::size_t i = 0; i < by_onset.size(); ++i) by_onset[i] = i;
  std::stable_sort(by_onset.begin(), by_onset.end(), [&](std::size_t a, std::size_t b) { return truth.required(a, "onset_s") < truth.required(b, "onset_s"); });
  for (std::size_t k = 0; k < by_onset.size(); ++k) {
    const std::size_t r = by_onset[k];
    const double y = static_cast<double>(k + 1), on = truth.required(r, "onset_s") / 3600.0, fail = std::min(truth.required(r, "failure_s") / 3600.0, end_h);
    const std::string label = truth.at(r, "site") + " device " + truth.at(r, "device") + ": " + truth.at(r, "mode");
    faults.series(Series{label, {{on, y}, {fail, y}}, false, 0});
    if (const auto d = truth.number(r, "detected_s")) faults.marker({*d / 3600.0, y, label + ", detected"});
  }
  faults.x_range(0, end_h).y_range(0, static_cast<double>(by_onset.size() + 1)).no_legend();
  const std::string faults_svg = faults.svg("faults");
  h += "<figure>" + faults_svg + "<figcaption>Was each fault caught before it failed, and how early? (a dot: the first true alert at the cloud)</figcaption></figure>";
  if (timeline) h += report::alerts_figure(*timeline, sites_in_order, end_h);
  std::vector<std::string> modes;
  for (const auto& [mode, m] : at(s, "/detection/by_mode").items()) modes.push_back(mode);
  std::map<std::string, double> lead_p50_h;
  h += report::lead_time_figure(truth, modes, lead_p50_h);
  h += "</div><table id=\"by-mode\"><tr><th>fault mode</th><th>faults</th><th>detected</th><th>missed</th><th>recall</th><th>detection p50 (h after onset)</th>"
       "<th>lead time p50 (h before failure)</th></tr>";
  for (const auto& [mode, m] : at(s, "/detection/by_mode").items()) {
    const json lat = m.contains("latency_s_p50") && m["latency_s_p50"].is_number() ? json(m["latency_s_p50"].get<double>() / 3600.0) : json();
    const json lead = lead_p50_h.contains(mode) ? json(lead_p50_h[mode]) : json();
    h += "<tr><td>" + escape(mode) + "</td><td>" + show(m.value("faults", json())) + "</td><td>" + show(m.value("detected", json())) + "</td><td>" +
         show(m.value("missed", json())) + "</td><td>" + show(m.value("recall", json()), 3) + "</td><td>" + show(lat, 3) + "</td><td>" + show(lead, 3) + "</td></tr>";
  }
  h += "</table></section>";
  h += report::lifecycle_section(s, timeline ? &*timeline : nullptr, versions ? &*versions : nullptr, end_h);

  // ---- gates ----
  h += "<section id=\"gates\"><h2>Gates</h2><table id=\"gate-table\"><tr><th>KPI</th><th>on</th><th>value</th><th>bound</th><th>result</th></tr>";
  for (const auto& c : checks) {
    const std::string result = !c.evaluated ? "<td class=\"skip\">over seeds: twinbench sweep</td>" : c.passed ? "<td class=\"pass\">holds</td>" : "<td class=\"fail\">fails</td>";
    h += "<tr><td>" + escape(c.spec.kpi) + "</td><td>" + (c.spec.over_seeds.empty() ? "every run" : escape(c.spec.over_seeds) + " over seeds") + "</td><td>" +
         (c.evaluated && c.value ? show(json(*c.value), 6) : std::string(c.evaluated ? "null" : "")) + "</td><td>" + escape(bounds(c.spec)) + "</td>" + result + "</tr>";
  }
  if (checks.empty()) h += "<tr><td colspan=\"5\">the scenario has no gates</td></tr>";
  h += "</table></section>";
  h += "<p class=\"sub\">trace hash " + escape(s.value("trace_hash", "")) + " &middot; written by twinbench from summary.json, sites.csv, timeseries.csv, latency.csv, ground_truth.csv, outages.csv, timeline.csv and versions.csv</p>";
  return h + "</main></body></html>\n";
}

}  // namespace twinbench::results
