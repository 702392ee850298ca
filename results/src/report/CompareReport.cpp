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

std::string compare_report_html(const std::vector<Comparison>& comparisons) {
  bool regression = false;
  for (const Comparison& c : comparisons) regression = regression || c.regression;
  const std::string title = comparisons.empty() ? std::string("compare") : comparisons[0].baseline + " against " + comparisons[0].candidate;
  std::string h = report::head("twinbench compare: " + title, ".sig{font-weight:700}.regression{background:#fdecea}.improvement{background:#e8f5e9}");
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
