#include "twinbench/results/Report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "Svg.hpp"
#include "Table.hpp"
#include "twinbench/results/Assertions.hpp"
#include "twinbench/results/Compare.hpp"

namespace twinbench::results {

namespace {

using json = nlohmann::ordered_json;
using report::Chart;
using report::escape;
using report::Series;
using report::Table;

json parse(const std::string& text, const std::string& file) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error(file + ": not a JSON object");
  return j;
}

/** A KPI for display: `digits` significant digits, thousands grouped; "n/a" for null (nothing to measure). */
std::string show(const json& v, int digits = 4) {
  if (!v.is_number()) return "n/a";
  const double x = v.get<double>();
  char b[64];
  if (std::abs(x) >= 1e4) {
    std::snprintf(b, sizeof b, "%.0f", x);
    std::string s = b, out;
    const std::size_t start = s[0] == '-' ? 1 : 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i > start && (s.size() - i) % 3 == 0) out += ',';
      out += s[i];
    }
    return out;
  }
  std::snprintf(b, sizeof b, "%.*g", digits, x);
  return b;
}

/** A ratio with `decimals` decimals ("n/a" for null). */
std::string fixed(const json& v, int decimals) {
  if (!v.is_number()) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v.get<double>());
  return b;
}

const json& at(const json& j, const std::string& pointer) {
  static const json null;
  const json::json_pointer p(pointer);
  return j.contains(p) ? j.at(p) : null;
}

constexpr const char* kStyle = R"(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
main{max-width:1340px;margin:0 auto;padding:20px 28px}
h1{font-size:24px;margin:4px 0 2px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #d8dce2;padding-bottom:4px}
.sub{color:#5a6470;margin:0 0 14px}
.verdict{display:inline-block;font-weight:700;font-size:20px;padding:8px 18px;border-radius:8px;color:#fff}
.go{background:#1a7f37}.nogo{background:#c62828}.none{background:#6b7280}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px;margin:14px 0}
.card{background:#fff;border:1px solid #d8dce2;border-radius:8px;padding:10px 14px}
.card .v{font-size:22px;font-weight:650}.card .k{color:#5a6470;font-size:13px}
table{border-collapse:collapse;background:#fff;margin:6px 0 10px}th,td{border:1px solid #d8dce2;padding:4px 10px;text-align:right}
th{background:#eef0f3}td:first-child,th:first-child,#worst-sites td:nth-child(2),#worst-sites th:nth-child(2),#headlines td:nth-child(2){text-align:left}
.pass{color:#1a7f37;font-weight:600}.fail{color:#c62828;font-weight:600}.skip{color:#6b7280}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid #d8dce2;border-radius:8px;padding:8px}
figcaption{color:#5a6470;font-size:13px;margin:2px 6px}
svg.chart{width:100%;height:auto;font-size:11px}svg .title{font-size:13px;font-weight:600}
svg .grid{stroke:#e5e7eb}svg .frame{stroke:#6b7280}svg .series{fill:none;stroke-width:1.6}
.t{text-align:left!important}svg .band{fill:#f59e0b;opacity:.4}svg .marker{fill:#c62828}svg .label{fill:#5a6470}svg .empty{fill:#6b7280;font-size:14px}
)";

std::string figure(const Chart& c, const std::string& id, const std::string& caption) {
  return "<figure>" + c.svg(id) + "<figcaption>" + escape(caption) + "</figcaption></figure>";
}

}  // namespace

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

  std::string h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">";
  h += "<meta name=\"generator\" content=\"" + std::string(kReportGenerator) + "\">";
  h += "<title>twinbench: " + escape(scenario) + "</title><style>" + std::string(kStyle) + "</style></head><body><main>";
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
  h += "</div><table id=\"by-mode\"><tr><th>fault mode</th><th>faults</th><th>detected</th><th>missed</th><th>recall</th><th>detection p50 (h after onset)</th></tr>";
  for (const auto& [mode, m] : at(s, "/detection/by_mode").items()) {
    const json lat = m.contains("latency_s_p50") && m["latency_s_p50"].is_number() ? json(m["latency_s_p50"].get<double>() / 3600.0) : json();
    h += "<tr><td>" + escape(mode) + "</td><td>" + show(m.value("faults", json())) + "</td><td>" + show(m.value("detected", json())) + "</td><td>" +
         show(m.value("missed", json())) + "</td><td>" + show(m.value("recall", json()), 3) + "</td><td>" + show(lat, 3) + "</td></tr>";
  }
  h += "</table></section>";

  // ---- gates ----
  h += "<section id=\"gates\"><h2>Gates</h2><table id=\"gate-table\"><tr><th>KPI</th><th>on</th><th>value</th><th>bound</th><th>result</th></tr>";
  for (const auto& c : checks) {
    const std::string result = !c.evaluated ? "<td class=\"skip\">over seeds: twinbench sweep</td>" : c.passed ? "<td class=\"pass\">holds</td>" : "<td class=\"fail\">fails</td>";
    h += "<tr><td>" + escape(c.spec.kpi) + "</td><td>" + (c.spec.over_seeds.empty() ? "every run" : escape(c.spec.over_seeds) + " over seeds") + "</td><td>" +
         (c.evaluated && c.value ? show(json(*c.value), 6) : std::string(c.evaluated ? "null" : "")) + "</td><td>" + escape(bounds(c.spec)) + "</td>" + result + "</tr>";
  }
  if (checks.empty()) h += "<tr><td colspan=\"5\">the scenario has no gates</td></tr>";
  h += "</table></section>";
  h += "<p class=\"sub\">trace hash " + escape(s.value("trace_hash", "")) + " &middot; written by twinbench from summary.json, sites.csv, timeseries.csv, latency.csv and ground_truth.csv</p>";
  return h + "</main></body></html>\n";
}

std::string sweep_report_html(const std::string& aggregate_json, const std::string& cells_csv) {
  const json a = parse(aggregate_json, "aggregate.json");
  const Table cells(cells_csv, "cells.csv");
  if (!at(a, "/points").is_array() || !at(a, "/seeds").is_array()) throw std::runtime_error("aggregate.json: no points and seeds (not a sweep's)");
  const std::string scenario = a.value("scenario", "");
  const json& points = a["points"];
  std::size_t gates = 0, failed = 0;
  for (const json& p : points)
    if (p.contains("gates") && p["gates"].is_array())
      for (const json& g : p["gates"]) gates += 1, failed += !g.value("passed", false);

  std::string h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">";
  h += "<meta name=\"generator\" content=\"" + std::string(kReportGenerator) + "\">";
  h += "<title>twinbench sweep: " + escape(scenario) + "</title><style>" + std::string(kStyle) + "</style></head><body><main>";
  h += "<h1>" + escape(scenario) + ": sweep</h1><p class=\"sub\">" + std::to_string(a["seeds"].size()) + " seeds, " + std::to_string(points.size()) +
       (points.size() == 1 ? " grid point" : " grid points") + "</p>";
  h += "<section id=\"summary\"><h2>Executive summary</h2>";
  if (gates == 0) h += "<span class=\"verdict none\" id=\"verdict\">NO GATES</span>";
  else if (failed == 0) h += "<span class=\"verdict go\" id=\"verdict\">GO: " + std::to_string(gates) + " of " + std::to_string(gates) + " gates hold</span>";
  else h += "<span class=\"verdict nogo\" id=\"verdict\">NO-GO: " + std::to_string(failed) + " of " + std::to_string(gates) + " gates fail</span>";

  // Headline KPIs per point: mean and 95 % confidence interval.
  struct Headline {
    const char* id;
    const char* kpi;
    const char* what;
  };
  static constexpr Headline kHeadlines[] = {
      {"net-savings", "/economics/net_savings", "net savings"},       {"roi", "/economics/roi", "ROI"},
      {"avoided-downtime", "/economics/avoided_downtime_h", "avoided downtime (h)"}, {"recall", "/detection/recall", "recall"},
      {"precision", "/detection/precision", "precision"},             {"delivery", "/messages/delivery_ratio", "delivery ratio"},
  };
  const auto params_of = [](const json& p) {
    std::string out;
    const json params = p.contains("params") && p["params"].is_object() ? p["params"] : json::object();
    for (const auto& [k, v] : params.items()) out += (out.empty() ? "" : ", ") + k + " = " + (v.is_string() ? v.get<std::string>() : v.dump());
    return out.empty() ? std::string("(no grid)") : out;
  };
  h += "<table id=\"headlines\"><tr><th>point</th><th>parameters</th>";
  for (const Headline& k : kHeadlines) h += "<th>" + std::string(k.what) + "<br>mean [95 % CI]</th>";
  h += "</tr>";
  for (std::size_t i = 0; i < points.size(); ++i) {
    const json& p = points[i];
    h += "<tr><td>" + escape(p.value("point", "")) + "</td><td>" + escape(params_of(p)) + "</td>";
    for (const Headline& k : kHeadlines) {
      const json& st = p.contains("kpis") && p["kpis"].contains(k.kpi) ? p["kpis"][k.kpi] : json();
      const std::string cell = st.is_object() && st["mean"].is_number()
                                   ? show(st["mean"], 4) + " [" + show(at(st, "/ci95/low"), 4) + ", " + show(at(st, "/ci95/high"), 4) + "]"
                                   : std::string("n/a");
      h += "<td id=\"" + std::string(k.id) + "-" + std::to_string(i) + "\">" + escape(cell) + "</td>";
    }
    h += "</tr>";
  }
  h += "</table></section>";

  // Each gated KPI across the seeds: a line per grid point, the bound as a dashed line.
  h += "<section id=\"gates\"><h2>Gates across the seeds</h2><div class=\"charts\">";
  std::vector<std::string> charted;
  std::size_t chart_no = 0;
  for (const json& p0 : points) {
    if (!p0.contains("gates") || !p0["gates"].is_array()) continue;
    for (const json& g : p0["gates"]) {
      const std::string kpi = g.value("kpi", "");
      if (std::find(charted.begin(), charted.end(), kpi) != charted.end() || !cells.has(kpi)) continue;
      charted.push_back(kpi);
      Chart c(kpi, "seed", "value");
      std::size_t colour = 0;
      for (const json& p : points) {
        Series sr{p.value("point", ""), {}, false, static_cast<int>(colour++)};
        for (std::size_t r = 0; r < cells.rows(); ++r)
          if (cells.at(r, "point") == p.value("point", "")) sr.points.emplace_back(cells.required(r, "seed"), cells.number(r, kpi).value_or(NAN));
        c.series(std::move(sr));
      }
      double lo = NAN, hi = NAN;
      for (std::size_t r = 0; r < cells.rows(); ++r) {
        lo = std::isnan(lo) ? cells.required(r, "seed") : std::min(lo, cells.required(r, "seed"));
        hi = std::isnan(hi) ? cells.required(r, "seed") : std::max(hi, cells.required(r, "seed"));
      }
      // The y range around the seeds' values and the bound, so that the margin between them shows.
      double y0 = INFINITY, y1 = -INFINITY;
      for (std::size_t r = 0; r < cells.rows(); ++r)
        if (const auto v = cells.number(r, kpi)) y0 = std::min(y0, *v), y1 = std::max(y1, *v);
      for (const char* bound : {"min", "max"})
        if (g.contains(bound) && g[bound].is_number() && g.value("on", "") == "every_run") {
          const double b = g[bound].get<double>();
          c.series(Series{std::string("bound (") + bound + ")", {{lo, b}, {hi, b}}, false, 3});
          y0 = std::min(y0, b), y1 = std::max(y1, b);
        }
      if (std::isfinite(y0) && std::isfinite(y1)) {
        const double pad = y1 > y0 ? (y1 - y0) * 0.15 : std::max(std::abs(y0) * 0.05, 1.0);
        c.y_range(y0 - pad, y1 + pad);
      }
      h += figure(c, "gate-" + std::to_string(chart_no++), "Does " + kpi + " hold on every seed, and how far from its bound?");
    }
  }
  h += "</div><table id=\"gate-table\"><tr><th>point</th><th>KPI</th><th>on</th><th>value</th><th>bound</th><th>result</th></tr>";
  for (const json& p : points) {
    if (!p.contains("gates") || !p["gates"].is_array()) continue;
    for (const json& g : p["gates"]) {
      AssertionSpec spec;
      spec.kpi = g.value("kpi", "");
      if (g.contains("min") && g["min"].is_number()) spec.min = g["min"].get<double>();
      if (g.contains("max") && g["max"].is_number()) spec.max = g["max"].get<double>();
      const bool ok = g.value("passed", false);
      h += "<tr><td>" + escape(p.value("point", "")) + "</td><td>" + escape(spec.kpi) + "</td><td>" + escape(g.value("on", "")) + "</td><td>" + show(g.value("value", json()), 6) +
           "</td><td>" + escape(bounds(spec)) + "</td><td class=\"" + (ok ? "pass\">holds" : "fail\">fails") + "</td></tr>";
    }
  }
  h += "</table></section>";
  h += "<p class=\"sub\">written by twinbench from aggregate.json and cells.csv</p>";
  return h + "</main></body></html>\n";
}

std::string compare_report_html(const std::vector<Comparison>& comparisons) {
  bool regression = false;
  for (const Comparison& c : comparisons) regression = regression || c.regression;
  const std::string title = comparisons.empty() ? std::string("compare") : comparisons[0].baseline + " against " + comparisons[0].candidate;
  std::string h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">";
  h += "<meta name=\"generator\" content=\"" + std::string(kReportGenerator) + "\">";
  h += "<title>twinbench compare: " + escape(title) + "</title><style>" + std::string(kStyle) +
       ".sig{font-weight:700}.regression{background:#fdecea}.improvement{background:#e8f5e9}</style></head><body><main>";
  h += "<h1>Comparison</h1><p class=\"sub\">" + escape(title) + "</p>";
  h += std::string("<span class=\"verdict ") + (regression ? "nogo\" id=\"verdict\">REGRESSION" : "go\" id=\"verdict\">NO REGRESSION") + "</span>";
  const auto fmt = [](const std::optional<double>& v, int digits = 4) { return v ? show(json(*v), digits) : std::string("n/a"); };
  std::size_t table_no = 0;
  for (const Comparison& c : comparisons) {
    h += "<section><h2>" + escape(c.baseline) + " &rarr; " + escape(c.candidate) + "</h2><p class=\"sub\">" +
         (c.sweep ? "sweeps: means over seeds; p: Welch's t-test, Holm-adjusted over the judged KPIs; significant at alpha " + show(json(c.alpha), 3)
                  : std::string("one run each: changes without significance")) + "</p>";
    if (!c.gates_broken.empty()) {
      h += "<p class=\"fail\">Gates the baseline held and the candidate fails:</p><ul>";
      for (const auto& g : c.gates_broken) h += "<li>" + escape(g) + "</li>";
      h += "</ul>";
    }
    // The judged KPIs' relative changes, one point each (x: the KPI's row in the table below).
    Chart chart("Change of each gated KPI (candidate against baseline)", "gated KPI (row of the table)", "change (%)");
    std::size_t row = 0;
    for (const KpiComparison& k : c.judged) {
      ++row;
      if (k.relative) chart.marker({static_cast<double>(row), *k.relative * 100, k.kpi + ": " + show(json(*k.relative * 100), 3) + " %, " + k.verdict});
    }
    chart.x_range(0, static_cast<double>(row + 1));
    h += "<div class=\"charts\">" + figure(chart, "changes-" + std::to_string(table_no), "Which gated KPIs moved, which way, and how far?") + "</div>";
    h += "<table id=\"judged-" + std::to_string(table_no) + "\"><tr><th>#</th><th>KPI</th><th>better</th><th>baseline</th><th>candidate</th><th>change</th><th>change %</th>"
         "<th>p (adjusted)</th><th>verdict</th></tr>";
    row = 0;
    for (const KpiComparison& k : c.judged) {
      ++row;
      const bool significant = k.p_adjusted && *k.p_adjusted < c.alpha;
      const std::string cls = k.verdict == "regression" ? " class=\"regression\"" : k.verdict == "improvement" ? " class=\"improvement\"" : "";
      h += "<tr" + cls + "><td>" + std::to_string(row) + "</td><td class=\"t\">" + escape(k.kpi) + "</td><td>" + (k.tolerance && k.tolerance->higher_is_better ? "higher" : "lower") +
           "</td><td>" + fmt(k.baseline, 6) + "</td><td>" + fmt(k.candidate, 6) + "</td><td>" + fmt(k.delta) + "</td><td>" +
           (k.relative ? show(json(*k.relative * 100), 3) + " %" : std::string("")) + "</td><td" + (significant ? " class=\"sig\"" : "") + ">" +
           (k.p_adjusted ? show(json(*k.p_adjusted), 3) + (significant ? " *" : "") : std::string("")) + "</td><td class=\"t\">" + escape(k.verdict) +
           (k.why.empty() ? "" : ": " + escape(k.why)) + "</td></tr>";
    }
    h += "</table></section>";
    ++table_no;
  }
  h += "<p class=\"sub\">* significant at the comparison's alpha &middot; written by twinbench compare</p>";
  return h + "</main></body></html>\n";
}

}  // namespace twinbench::results
