#include "twinbench/results/Report.hpp"
#include "twinbench/results/Compare.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <stdexcept>

namespace twinbench::results {
namespace {

// A small results folder written by hand: two sites, two hours, one fault each, one gate failing.
RunFiles files() {
  RunFiles f;
  f.summary_json = R"({"format": "twinbench-summary/1", "scenario": "tiny", "seed": 7, "duration_s": 7200,
    "fleet": {"gateways": 2, "devices": 20}, "messages": {"delivery_ratio": 0.99875},
    "detection": {"recall": 0.5, "precision": 1.0, "by_mode": {"bearing_wear": {"faults": 2, "detected": 1, "missed": 1, "recall": 0.5, "latency_s_p50": 1800}}},
    "economics": {"currency": "EUR", "net_savings": 123456.78, "roi": 4.25, "avoided_downtime_h": 12, "avoided_energy_kwh": 345.5},
    "trace_hash": "00ff"})";
  f.run_json = R"({"assertions": [{"kpi": "/detection/recall", "min": 0.8}, {"kpi": "/messages/delivery_ratio", "min": 0.99},
    {"kpi": "/detection/recall", "min": 0.7, "over_seeds": "mean"}]})";
  f.sites_csv =
      "site,asset_class,/detection/recall,/detection/precision,/detection/false_alerts_per_1000_device_days,/messages/delivery_ratio\n"
      "north,pump,1.0,1.0,0,0.9995\n"
      "south,chiller,0.0,,50,0.998\n";
  f.timeseries_csv =
      "interval_start_h,interval_end_h,site,messages_generated,messages_received,delivery_ratio,latency_ms_p50,latency_ms_p99,alerts_true,alerts_false,"
      "faults_detected,gateway_cpu_utilization,uplink_backlog_records\n"
      "0,1,north,100,100,1,2,9,0,0,0,0.1,0\n0,1,south,100,99,0.99,3,40,0,1,0,0.2,5\n"
      "1,2,north,100,100,1,2,8,1,0,1,0.1,0\n1,2,south,100,100,1,3,30,0,0,0,0.2,0\n";
  f.latency_csv =
      "scope,name,kind,lower_ms,upper_ms,count,cumulative_fraction\n"
      "site,north,message,1,2,150,0.75\nsite,north,message,8,9,50,1\nsite,south,message,2,3,199,0.995\n";
  f.ground_truth_csv =
      "site,gateway,device,mode,onset_s,ramp_s,failure_s,detected_s\n"
      "north,north-gw-0,3,bearing_wear,1800,3600,5400,3600\nsouth,south-gw-0,4,bearing_wear,2700,3600,6300,\n";
  f.outages_csv = "site,gateway,kind,start_s,end_s\nsouth,south-gw-0,wan_down,1800,2700\n";
  return f;
}

std::string text_of(const std::string& html, const std::string& id) {
  const std::smatch m = [&] {
    std::smatch r;
    std::regex_search(html, r, std::regex("id=\"" + id + "\">([^<]*)<"));
    return r;
  }();
  return m.empty() ? "(no element #" + id + ")" : m[1].str();
}

TEST(RunReport, TheExecutiveSummaryShowsTheRunsOwnFigures) {
  const std::string html = run_report_html(files());
  // One gate of two evaluated fails (recall 0.5 < 0.8); the one over seeds is listed, not evaluated.
  EXPECT_EQ(text_of(html, "verdict"), "NO-GO: 1 of 2 gates fail");
  EXPECT_EQ(text_of(html, "net-savings"), "123,457 EUR");
  EXPECT_EQ(text_of(html, "roi"), "4.25");
  EXPECT_EQ(text_of(html, "avoided-downtime"), "12 h");
  EXPECT_EQ(text_of(html, "avoided-energy"), "345.5 kWh");
  EXPECT_EQ(text_of(html, "delivery"), "0.9988");
  EXPECT_EQ(text_of(html, "recall"), "0.500");
  // The worst site first: south has the lower recall.
  const auto south = html.find("<td>south</td>", html.find("id=\"worst-sites\"")), north = html.find("<td>north</td>", html.find("id=\"worst-sites\""));
  ASSERT_NE(south, std::string::npos);
  EXPECT_LT(south, north);
  EXPECT_NE(html.find("<td class=\"fail\">fails</td>"), std::string::npos);
  EXPECT_NE(html.find("over seeds: twinbench sweep"), std::string::npos);
}

TEST(RunReport, EveryPlotHasDataAndThePageFetchesNothing) {
  const std::string html = run_report_html(files());
  for (const char* id : {"delivery", "latency-p50", "latency-p99", "alerts-true", "alerts-false", "gateway-cpu", "uplink-backlog", "latency-cdf", "faults"}) {
    const auto at = html.find(std::string("<svg id=\"") + id + "\"");
    ASSERT_NE(at, std::string::npos) << id;
    const std::string svg = html.substr(at, html.find("</svg>", at) - at);
    EXPECT_NE(svg.find("points=\""), std::string::npos) << id << ": no line drawn";
    EXPECT_EQ(svg.find("no data"), std::string::npos) << id;
  }
  // Self-contained: no script, no external stylesheet, image or font; the only URL is SVG's namespace.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  std::string rest = html;
  for (std::size_t p; (p = rest.find("http://www.w3.org/2000/svg")) != std::string::npos;) rest.erase(p, 26);
  EXPECT_EQ(rest.find("http"), std::string::npos);
  // One fault detected: one marker.
  const auto marker = html.find("class=\"marker\"");
  EXPECT_NE(marker, std::string::npos);
  EXPECT_EQ(html.find("class=\"marker\"", marker + 1), std::string::npos);
}

TEST(RunReport, OutagesAreBandsOnTheTimeSeries) {
  const std::string html = run_report_html(files());
  // 0.5 h to 0.75 h of a 2 h run, over the plot's 76..624 px: x 213.0, width 68.5; named in its tooltip.
  const auto at = html.find("<svg id=\"delivery\"");
  const std::string svg = html.substr(at, html.find("</svg>", at) - at);
  EXPECT_NE(svg.find("<rect class=\"band\" x=\"213.0\" y=\"40\" width=\"68.5\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("<title>south-gw-0: wan_down</title>"), std::string::npos);
  RunFiles none = files();
  none.outages_csv.clear();  // results from before outages.csv: no bands, no error
  EXPECT_EQ(run_report_html(none).find("class=\"band\""), std::string::npos);
}

TEST(RunReport, TheSameFilesGiveTheSameBytes) { EXPECT_EQ(run_report_html(files()), run_report_html(files())); }

TEST(RunReport, AFileThatIsNotARunsIsNamed) {
  RunFiles f = files();
  f.sites_csv = "site,asset_class\nnorth\n";
  try {
    run_report_html(f);
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "sites.csv:2: 1 cells, expected 2");
  }
  const auto message = [](const RunFiles& bad) {
    try {
      run_report_html(bad);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  f = files();
  f.summary_json = "[1]";
  EXPECT_EQ(message(f), "summary.json: not a JSON object");
  f.summary_json = R"({"scenario": "x"})";
  EXPECT_EQ(message(f), "summary.json: no duration_s and seed (not a run's summary)");
  f = files();
  f.ground_truth_csv = "site,gateway,device,mode,onset_s,ramp_s,failure_s,detected_s\nnorth,g,1,m,,1,2,\n";
  EXPECT_EQ(message(f), "ground_truth.csv:2: column 'onset_s': expected a number, got nothing");
  f = files();
  f.latency_csv = "scope,name,kind,lower_ms,upper_ms,count,cumulative_fraction\nsite,north,message,1,x,1,1\n";
  EXPECT_EQ(message(f), "latency.csv:2: column 'upper_ms': expected a number, got 'x'");
}

}  // namespace
}  // namespace twinbench::results

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
