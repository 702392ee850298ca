#include "twinbench/results/Report.hpp"

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

std::string svg_of(const std::string& html, const std::string& id) {
  const auto at = html.find("<svg id=\"" + id + "\"");
  return at == std::string::npos ? "(no chart #" + id + ")" : html.substr(at, html.find("</svg>", at) - at);
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
  // One fault detected: one marker on the faults' chart.
  const std::string faults = svg_of(html, "faults");
  const auto marker = faults.find("class=\"marker\"");
  EXPECT_NE(marker, std::string::npos);
  EXPECT_EQ(faults.find("class=\"marker\"", marker + 1), std::string::npos);
}

std::size_t markers(const std::string& svg) {
  std::size_t n = 0;
  for (std::size_t p = svg.find("class=\"marker\""); p != std::string::npos; p = svg.find("class=\"marker\"", p + 1)) ++n;
  return n;
}

TEST(RunReport, EveryAlertIsOnItsSitesLaneAgainstTheFaultOnsets) {
  RunFiles f = files();
  f.timeline_csv = "t_s,site,gateway,device,event,detail\n"
                   "1000,south,south-gw-0,4,alert,false\n1800,north,north-gw-0,3,fault_onset,bearing_wear\n3600,north,north-gw-0,3,alert,true\n";
  const std::string svg = svg_of(run_report_html(f), "alerts");
  EXPECT_EQ(markers(svg), 3u);
  // Sites are rows 0 (north) and 1 (south) of y -0.6..1.6 over 228..40 px; x 0..2 h over 76..624 px.
  // The true alert: north's middle lane (y 0) at 1 h, green; the onset: north's top lane (0.25) at 0.5 h,
  // blue; the false alert: south's bottom lane (0.75) at 1000 s, vermilion.
  EXPECT_NE(svg.find("cx=\"350.0\" cy=\"176.7\" r=\"3\" style=\"fill:#009E73\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("cx=\"213.0\" cy=\"155.4\" r=\"3\" style=\"fill:#0072B2\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("cx=\"152.1\" cy=\"112.6\" r=\"3\" style=\"fill:#D55E00\""), std::string::npos) << svg;
  EXPECT_NE(svg.find(">north</text>"), std::string::npos);  // the lanes are named
  // Without timeline.csv (older results) there is no such chart, and no error.
  EXPECT_EQ(run_report_html(files()).find("<svg id=\"alerts\""), std::string::npos);
}

TEST(RunReport, ManyAlertsAreThinnedEvenlyAndTheCaptionSaysSo) {
  RunFiles f = files();
  f.timeline_csv = "t_s,site,gateway,device,event,detail\n";
  for (int i = 0; i < 10'000; ++i) f.timeline_csv += std::to_string(i % 7200) + ",north,north-gw-0,1,alert,false\n";
  const std::string html = run_report_html(f);
  EXPECT_EQ(markers(svg_of(html, "alerts")), 2500u);  // every 4th of 10,000: at most 2,500 drawn
  EXPECT_NE(html.find("(1 in 4 alerts drawn)"), std::string::npos);
}

TEST(RunReport, LeadTimeByModeIsFromTheGroundTruth) {
  const std::string html = run_report_html(files());
  // north's fault: onset 0.5 h, detected 1 h, fails 1.5 h: 0.5 h after onset and 0.5 h before failure.
  EXPECT_EQ(markers(svg_of(html, "lead-times")), 2u);
  EXPECT_NE(html.find("<td>1</td><td>1</td><td>0.5</td><td>0.5</td><td>0.5</td></tr>"), std::string::npos) << html.substr(html.find("id=\"by-mode\""), 700);
}

TEST(RunReport, TheLifecycleShowsVersionsWavesAndDrift) {
  EXPECT_EQ(run_report_html(files()).find("id=\"lifecycle\""), std::string::npos);  // no lifecycle: no section
  RunFiles f = files();
  f.versions_csv = "t_h,artifact,version,units,share\n0,model,1,2,1\n0,model,2,0,0\n1,model,1,1,0.5\n1,model,2,1,0.5\n2,model,1,0,0\n2,model,2,2,1\n";
  f.timeline_csv = "t_s,site,gateway,device,event,detail\n"
                   "900,south,south-gw-0,,drift_onset,ambient_shift\n"
                   "1800,,,,wave_started,rollout 0 model 2; wave 0; 1 target\n"
                   "2700,,,,wave_passed,rollout 0 model 2; wave 0; 1 target\n"
                   "3600,south,south-gw-0,,drift_detected,log_score psi\n";
  const std::string html = run_report_html(f);
  const std::string versions = svg_of(html, "versions");
  EXPECT_NE(versions.find("data-series=\"model 1\""), std::string::npos);
  EXPECT_NE(versions.find("data-series=\"model 2\""), std::string::npos);
  // The wave from 0.5 h to 0.75 h: x 213.0, width 68.5, named with its gate.
  EXPECT_NE(versions.find("<rect class=\"band\" x=\"213.0\" y=\"40\" width=\"68.5\" height=\"188\"><title>rollout 0 model 2; wave 0: gate passed</title>"),
            std::string::npos) << versions;
  const std::string drift = svg_of(html, "drift");
  EXPECT_EQ(markers(drift), 2u);
  EXPECT_NE(drift.find("south-gw-0: drift detected (log_score psi)"), std::string::npos);
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
