#include "twinbench/results/Report.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <stdexcept>

namespace twinbench::results {
namespace {

// A sweep of two seeds at two grid points, written by hand: one gate fails at point p1.
const char* kAggregate = R"({"format": "twinbench-aggregate/1", "scenario": "tiny", "seeds": [1, 2], "passed": false, "points": [
  {"point": "p0", "params": {"/sites/0/gateways": 1}, "cells": {"total": 2, "completed": 2},
   "gates": [{"kpi": "/detection/recall", "on": "every_run", "min": 0.8, "value": 0.9, "passed": true}],
   "kpis": {"/detection/recall": {"n": 2, "mean": 0.95, "ci95": {"low": 0.81, "high": 0.99, "method": "wilson"}},
            "/economics/net_savings": {"n": 2, "mean": 123456.7, "ci95": {"low": 100000, "high": 150000, "method": "t"}}}},
  {"point": "p1", "params": {"/sites/0/gateways": 2}, "cells": {"total": 2, "completed": 2},
   "gates": [{"kpi": "/detection/recall", "on": "every_run", "min": 0.8, "value": 0.5, "passed": false}],
   "kpis": {"/detection/recall": {"n": 2, "mean": 0.6, "ci95": {"low": 0.4, "high": 0.77, "method": "wilson"}}}}]})";
const char* kCells = "point,seed,status,gates_failed,/detection/recall\np0,1,ok,0,1.0\np0,2,ok,0,0.9\np1,1,ok,1,0.5\np1,2,ok,0,0.7\n";

std::string cell(const std::string& html, const std::string& id) {
  std::smatch m;
  return std::regex_search(html, m, std::regex("id=\"" + id + "\">([^<]*)<")) ? m[1].str() : "(no #" + id + ")";
}

TEST(SweepReport, TheVerdictAndTheMeansWithTheirIntervalsAreTheAggregates) {
  const std::string html = sweep_report_html(kAggregate, kCells);
  EXPECT_EQ(cell(html, "verdict"), "NO-GO: 1 of 2 gates fail");
  EXPECT_EQ(cell(html, "recall-0"), "0.95 [0.81, 0.99]");
  EXPECT_EQ(cell(html, "net-savings-0"), "123,457 [100,000, 150,000]");
  EXPECT_EQ(cell(html, "recall-1"), "0.6 [0.4, 0.77]");
  EXPECT_EQ(cell(html, "net-savings-1"), "n/a");
  // The gate across the seeds: a line per point (two seeds each) and the bound.
  const auto at = html.find("<svg id=\"gate-0\"");
  ASSERT_NE(at, std::string::npos);
  const std::string svg = html.substr(at, html.find("</svg>", at) - at);
  EXPECT_NE(svg.find("data-series=\"p0\""), std::string::npos);
  EXPECT_NE(svg.find("data-series=\"p1\""), std::string::npos);
  EXPECT_NE(svg.find("data-series=\"bound (min)\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(SweepReport, EachHeadlineKpisDistributionIsEverySeedAndTheMeanWithItsInterval) {
  const std::string html = sweep_report_html(kAggregate, kCells);
  const auto at = html.find("<svg id=\"dist-recall\"");
  ASSERT_NE(at, std::string::npos);
  const std::string svg = html.substr(at, html.find("</svg>", at) - at);
  std::size_t dots = 0;
  for (std::size_t p = svg.find("class=\"marker\""); p != std::string::npos; p = svg.find("class=\"marker\"", p + 1)) ++dots;
  EXPECT_EQ(dots, 6u);  // four seeds' values and two means
  EXPECT_NE(svg.find("<title>seed 2: 0.9</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>mean 0.6</title>"), std::string::npos);
  // p0's interval 0.81..0.99 at row 0 below its seeds (y -0.12 of -0.6..1.6 over 228..40 px: 187.0), over
  // x 0.4..1 (p1's interval to p0's seeds) on 76..624 px: 450.5 to 614.9.
  EXPECT_NE(svg.find("points=\"450.5,187.0 614.9,187.0\""), std::string::npos) << svg;
  // The table of every KPI: both KPIs of p0, one of p1.
  const auto table = html.substr(html.find("id=\"all-kpis\""));
  EXPECT_NE(table.find("<td class=\"t\">/economics/net_savings</td><td>2</td>"), std::string::npos) << table;
  EXPECT_NE(table.find("<td>p1</td><td class=\"t\">/detection/recall</td><td>2</td><td>n/a</td><td>0.6</td><td>[0.4, 0.77]</td>"), std::string::npos) << table;
}

TEST(SweepReport, NotASweepsAggregateIsNamed) {
  try {
    sweep_report_html(R"({"scenario": "x"})", kCells);
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "aggregate.json: no points and seeds (not a sweep's)");
  }
}

}  // namespace
}  // namespace twinbench::results
