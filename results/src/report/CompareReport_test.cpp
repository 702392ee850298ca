#include "twinbench/results/Report.hpp"
#include "twinbench/results/Compare.hpp"

#include <gtest/gtest.h>

namespace twinbench::results {
namespace {

TEST(CompareReport, TheVerdictTheRowsAndTheSignificanceAreTheComparisons) {
  Comparison c;
  c.baseline = "base p0";
  c.candidate = "cand p0";
  c.sweep = true;
  c.regression = true;
  KpiComparison recall;
  recall.kpi = "/detection/recall";
  recall.baseline = 1, recall.candidate = 0.6, recall.delta = -0.4, recall.relative = -0.4, recall.p_adjusted = 0.001;
  recall.tolerance = Tolerance{true, 0.05, 0};
  recall.verdict = "regression";
  KpiComparison delivery;
  delivery.kpi = "/messages/delivery_ratio";
  delivery.baseline = 0.99, delivery.candidate = 0.99, delivery.delta = 0, delivery.relative = 0, delivery.p_adjusted = 1;
  delivery.tolerance = Tolerance{true, 0, 0};
  delivery.verdict = "unchanged";
  c.judged = {delivery, recall};
  const std::string html = compare_report_html({c});
  EXPECT_NE(html.find("id=\"verdict\">REGRESSION<"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"regression\"><td>2</td><td class=\"t\">/detection/recall</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td class=\"sig\">0.001 *</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>-40 %</td>"), std::string::npos);
  // Both KPIs with a change are points on the chart, the drop below zero included.
  const auto at = html.find("<svg id=\"changes-0\"");
  ASSERT_NE(at, std::string::npos);
  const std::string svg = html.substr(at, html.find("</svg>", at) - at);
  std::size_t markers = 0;
  for (std::size_t p = svg.find("class=\"marker\""); p != std::string::npos; p = svg.find("class=\"marker\"", p + 1)) ++markers;
  EXPECT_EQ(markers, 2u);
}

}  // namespace
}  // namespace twinbench::results
