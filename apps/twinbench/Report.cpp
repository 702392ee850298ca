// twinbench report: a run's results folder as one self-contained HTML page (results/Report.hpp).

#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "Commands.hpp"
#include "Output.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/results/Report.hpp"

namespace twinbench::app {

namespace fs = std::filesystem;

namespace {

constexpr const char* kReportHelp = R"(usage: twinbench report <run or sweep folder> [--out FILE]

Write a run's report: one self-contained HTML page (inline style and SVG charts; no script, nothing
fetched when it is viewed). First the executive summary (go or no-go against the scenario's gates,
avoided downtime, energy, net savings and ROI, the three worst sites), then per-site time series, the
latency CDFs, each fault against its detection, detection by fault mode, and every gate. docs/report.md
says what each plot answers. A sweep's folder (with aggregate.json) gets the sweep's report: the verdict
over every grid point, the headline KPIs' means with 95 % confidence intervals, and each gate across the
seeds. `twinbench run` and `twinbench sweep` write report.html into their results already.

options:
  --out FILE   where to write it (default: <folder>/report.html)
exit codes: 0 written, 2 bad input or usage (nothing written).
)";

/** A file of the results folder, bounded in size; UsageError naming it when missing. */
std::string results_file(const fs::path& dir, const char* name) {
  std::string why;
  const auto text = core::read_regular_file((dir / name).string(), core::kInputBytesMax, why);
  if (!text) throw UsageError{(dir / name).string() + ": " + why + " (expected the results of `twinbench run`)"};
  return *text;
}

/** True if `file` may be replaced: absent, or a report twinbench wrote (it says so in its head). */
bool ours_or_absent(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return true;
  std::ifstream in(file);
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return head.find(results::kReportGenerator) != std::string::npos;
}

}  // namespace

int cmd_report(const std::vector<std::string>& args) {
  std::string dir;
  std::optional<fs::path> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kReportHelp;
      return kOk;
    }
    if (args[i] == "--out") {
      if (i + 1 >= args.size()) throw UsageError{"--out needs a file"};
      out = args[++i];
    } else if (!args[i].empty() && args[i][0] == '-') {
      throw UsageError{"unknown option '" + args[i] + "' (see twinbench report --help)"};
    } else if (dir.empty()) {
      dir = args[i];
    } else {
      throw UsageError{"one results folder at a time, got '" + dir + "' and '" + args[i] + "'"};
    }
  }
  if (dir.empty()) {
    std::cerr << kReportHelp;
    return kBadInput;
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw UsageError{dir + ": not a folder (expected the results of `twinbench run`)"};
  const fs::path target = out ? *out : fs::path(dir) / "report.html";
  check_output_file("--out", target);
  if (!ours_or_absent(target)) throw UsageError{target.string() + " exists and is not a twinbench report: move it or choose another --out"};
  std::string html;
  try {
    if (fs::exists(fs::path(dir) / "aggregate.json", ec)) {  // a sweep's folder
      html = results::sweep_report_html(results_file(dir, "aggregate.json"), results_file(dir, "cells.csv"));
    } else {
      results::RunFiles f{results_file(dir, "summary.json"), results_file(dir, "run.json"),    results_file(dir, "sites.csv"),
                          results_file(dir, "timeseries.csv"), results_file(dir, "latency.csv"), results_file(dir, "ground_truth.csv")};
      // Results from before outages.csv and timeline.csv have neither; a run without a lifecycle has no versions.csv.
      if (fs::exists(fs::path(dir) / "outages.csv", ec)) f.outages_csv = results_file(dir, "outages.csv");
      if (fs::exists(fs::path(dir) / "timeline.csv", ec)) f.timeline_csv = results_file(dir, "timeline.csv");
      if (fs::exists(fs::path(dir) / "versions.csv", ec)) f.versions_csv = results_file(dir, "versions.csv");
      html = results::run_report_html(f);
    }
  } catch (const std::exception& e) {  // a file that is not what `twinbench run` writes
    throw UsageError{(fs::path(dir) / e.what()).string()};
  }
  write_file(target, html);
  std::cout << "twinbench report: " << target.string() << '\n';
  return kOk;
}

}  // namespace twinbench::app
