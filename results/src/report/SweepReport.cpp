#include "twinbench/results/Report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "Page.hpp"
#include "Svg.hpp"
#include "Table.hpp"
#include "twinbench/results/Assertions.hpp"
#include "twinbench/results/Compare.hpp"

namespace twinbench::results {

using namespace report;  // the pages' shared parts (Page.hpp, Svg.hpp, Table.hpp)

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

  std::string h = report::head("twinbench sweep: " + scenario);
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

  // The distribution of each headline KPI per point: every seed's value, the mean and its 95 % interval.
  std::vector<std::string> point_names;
  for (const json& p : points) point_names.push_back(p.value("point", ""));
  h += "<section id=\"distributions\"><h2>Distributions over the seeds</h2><div class=\"charts\">";
  for (const Headline& k : kHeadlines) {
    if (!cells.has(k.kpi)) continue;
    Chart c(std::string(k.what) + " (" + k.kpi + ")", "value", "grid point");
    c.y_categories(point_names).no_legend().key("a seed", 0).key("mean and 95 % CI", 3);
    for (std::size_t i = 0; i < points.size(); ++i) {
      const double y = static_cast<double>(i);
      for (std::size_t r = 0; r < cells.rows(); ++r)
        if (cells.at(r, "point") == point_names[i])
          if (const auto v = cells.number(r, k.kpi)) c.marker({*v, y + 0.12, "seed " + cells.at(r, "seed") + ": " + show(json(*v), 6), 0});
      const json& st = points[i].contains("kpis") && points[i]["kpis"].contains(k.kpi) ? points[i]["kpis"][k.kpi] : json();
      if (st.is_object() && st["mean"].is_number()) {
        c.marker({st["mean"].get<double>(), y - 0.12, "mean " + show(st["mean"], 6), 3});
        if (at(st, "/ci95/low").is_number() && at(st, "/ci95/high").is_number())
          c.series(Series{"95 % CI", {{at(st, "/ci95/low").get<double>(), y - 0.12}, {at(st, "/ci95/high").get<double>(), y - 0.12}}, false, 3});
      }
    }
    h += figure(c, std::string("dist-") + k.id, std::string("How much does the ") + k.what + " vary from seed to seed, and how well is its mean known?");
  }
  h += "</div>";
  // Every KPI's distribution, per point (folded: it is long).
  h += "<details id=\"all-kpis\"><summary>Every KPI per grid point: mean, its 95 % CI, and the spread over the seeds</summary><table><tr><th>point</th><th>KPI</th><th>seeds</th>"
       "<th>null</th><th>mean</th><th>95 % CI</th><th>sd</th><th>min</th><th>p05</th><th>p50</th><th>p95</th><th>max</th></tr>";
  for (const json& p : points) {
    if (!p.contains("kpis") || !p["kpis"].is_object()) continue;
    for (const auto& [kpi, st] : p["kpis"].items()) {
      if (!st.is_object()) continue;
      h += "<tr><td>" + escape(p.value("point", "")) + "</td><td class=\"t\">" + escape(kpi) + "</td><td>" + show(st.value("n", json())) + "</td><td>" +
           show(st.value("null", json())) + "</td><td>" + show(st.value("mean", json()), 6) + "</td><td>" +
           (at(st, "/ci95/low").is_number() ? "[" + show(at(st, "/ci95/low"), 4) + ", " + show(at(st, "/ci95/high"), 4) + "]" : std::string("n/a")) + "</td>";
      for (const char* q : {"sd", "min", "p05", "p50", "p95", "max"}) h += "<td>" + show(st.value(q, json()), 4) + "</td>";
      h += "</tr>";
    }
  }
  h += "</table></details></section>";

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

}  // namespace twinbench::results
