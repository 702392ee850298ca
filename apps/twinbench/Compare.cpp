// twinbench compare: a baseline against a candidate, two runs or two sweeps (results/Compare).

#include "Commands.hpp"
#include "Output.hpp"

#include <iostream>
#include <map>

#include "twinbench/core/JsonReader.hpp"
#include "twinbench/results/Compare.hpp"
#include "twinbench/results/Report.hpp"

namespace twinbench::app {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kCompareHelp = R"(usage: twinbench compare <baseline> <candidate> [--tolerance FILE] [--alpha A] [--markdown FILE] [--json FILE] [--html FILE]

Compare two runs (folders of twinbench run) or two sweeps (folders of twinbench sweep, collected), KPI by
KPI: baseline, candidate, the change and the relative change; for sweeps, the means over seeds with
Welch's t-test (Holm-adjusted over the KPIs judged), Hedges' g and the Mann-Whitney U test's p.

Judged are the KPIs the baseline's scenario gates (a "min" means higher is better, a "max" lower) and those
of the tolerance file. A regression is:
  - a gate the baseline held that the candidate fails; or
  - a judged KPI worse beyond its tolerance, and for sweeps significantly so (adjusted p < alpha).
A Markdown report (for a pull request) goes to stdout.

options:
  --tolerance FILE  {"format": "twinbench-tolerance/1", "kpis": {"/detection/recall": {"better": "higher",
                    "abs": 0.02, "rel": 0}, ...}}: the worsening allowed, max(abs, rel x |baseline|); adds
                    KPIs to judge and overrides the gates' (whose tolerance is 0)
  --alpha A         the significance level (default 0.05)
  --markdown FILE   also write the Markdown report to FILE
  --json FILE       also write the full comparison as JSON
  --html FILE       also write it as one self-contained HTML page: the verdict, each gated KPI's change
                    with its significance marked, a chart of the changes (docs/report.md)
exit codes: 0 no regression, 1 a regression, 2 bad input or usage.
)";

std::vector<results::AssertionSpec> gates_from(const json& run) {
  std::vector<results::AssertionSpec> gates;
  if (!run.contains("assertions")) return gates;
  for (const auto& a : run["assertions"]) {
    results::AssertionSpec g;
    g.kpi = a.value("kpi", "");
    if (a.contains("min")) g.min = a["min"].get<double>();
    if (a.contains("max")) g.max = a["max"].get<double>();
    g.over_seeds = a.value("over_seeds", "");
    gates.push_back(std::move(g));
  }
  return gates;
}

json read_json(const fs::path& file, const std::string& what) {
  const json j = json::parse(core::read_text_file(file.string(), what), nullptr, false);
  if (j.is_discarded()) throw core::InputError(file.string() + ": malformed JSON (" + what + ")");
  return j;
}

/** A run folder: one side. A sweep folder: one side per grid point, by its parameters. */
std::map<std::string, results::CompareSide> load(const fs::path& dir) {
  std::error_code ec;
  std::map<std::string, results::CompareSide> sides;
  if (fs::exists(dir / "sweep.json", ec)) {
    if (!fs::exists(dir / "aggregate.json", ec))
      throw UsageError{dir.string() + " is a sweep that was not collected (no aggregate.json): run twinbench sweep --collect " + dir.string()};
    const json agg = read_json(dir / "aggregate.json", "a sweep's aggregate");
    for (const auto& p : agg.at("points")) {
      results::CompareSide side;
      side.sweep = true;
      const std::string id = p.at("point").get<std::string>();
      side.label = dir.string() + " " + id;
      for (const auto& seed : agg.at("seeds")) {
        const fs::path cell = dir / "cells" / id / ("seed-" + std::to_string(seed.get<std::uint64_t>()));
        if (!fs::exists(cell / "run.json", ec)) continue;
        side.summaries.push_back(read_json(cell / "summary.json", "a cell's summary"));
        if (side.gates.empty()) side.gates = gates_from(read_json(cell / "run.json", "a cell's run.json"));
      }
      if (side.summaries.empty()) throw UsageError{dir.string() + ": point " + id + " has no completed cells"};
      sides[p.at("params").dump()] = std::move(side);
    }
    return sides;
  }
  if (fs::exists(dir / "summary.json", ec)) {
    results::CompareSide side;
    side.label = dir.string();
    side.summaries.push_back(read_json(dir / "summary.json", "a run's summary"));
    if (fs::exists(dir / "run.json", ec)) side.gates = gates_from(read_json(dir / "run.json", "a run's run.json"));
    sides["{}"] = std::move(side);
    return sides;
  }
  throw UsageError{dir.string() + " is neither a run's results (summary.json) nor a sweep (sweep.json)"};
}

std::map<std::string, results::Tolerance> read_tolerances(const std::string& file) {
  const nlohmann::json doc = core::parse_json(core::read_text_file(file, "tolerance file"), file);
  const core::JsonObject root(doc, "", file);
  root.allow({"format", "kpis"});
  if (root.string("format") != "twinbench-tolerance/1") root.fail("format", "expected \"twinbench-tolerance/1\"");
  std::map<std::string, results::Tolerance> t;
  const core::JsonObject kpis = root.object("kpis");
  for (const auto& [kpi, v] : kpis.raw().items()) {
    const core::JsonObject o(v, kpis.path_of(kpi), file);
    o.allow({"better", "abs", "rel"});
    if (kpi.empty() || kpi[0] != '/') o.fail("better", "expected a KPI path such as /detection/recall as the key, got '" + kpi + "'");
    const std::string better = o.string("better");
    if (better != "higher" && better != "lower") o.fail("better", "expected \"higher\" or \"lower\", got '" + better + "'");
    t[kpi] = {better == "higher", o.non_negative_or("abs", 0), o.non_negative_or("rel", 0)};
  }
  return t;
}

}  // namespace

int cmd_compare(const std::vector<std::string>& args) {
  std::vector<std::string> dirs;
  std::optional<std::string> tolerance_file, markdown_file, json_file, html_file;
  double alpha = 0.05;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kCompareHelp;
      return kOk;
    } else if (a == "--tolerance") {
      tolerance_file = value();
    } else if (a == "--alpha") {
      const std::string& v = value();
      try {
        std::size_t used = 0;
        alpha = std::stod(v, &used);
        if (used != v.size()) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        alpha = -1;
      }
      if (!(alpha > 0 && alpha < 1)) throw UsageError{"--alpha: expected a probability between 0 and 1, got '" + v + "'"};
    } else if (a == "--markdown") {
      markdown_file = value();
    } else if (a == "--json") {
      json_file = value();
    } else if (a == "--html") {
      html_file = value();
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "'"};
    } else {
      dirs.push_back(a);
    }
  }
  if (dirs.size() != 2) throw UsageError{"expected a baseline and a candidate (run or sweep folders), got " + std::to_string(dirs.size())};
  if (markdown_file) check_output_file("--markdown", *markdown_file);
  if (json_file) check_output_file("--json", *json_file);
  if (html_file) check_output_file("--html", *html_file);
  const auto base = load(dirs[0]), cand = load(dirs[1]);
  if (base.begin()->second.sweep != cand.begin()->second.sweep) throw UsageError{"compare a run with a run, or a sweep with a sweep"};
  std::map<std::string, results::Tolerance> extra;
  if (tolerance_file) extra = read_tolerances(*tolerance_file);
  std::string markdown;
  json reports = json::array();
  std::vector<results::Comparison> comparisons;
  bool regression = false, matched = false;
  for (const auto& [params, b] : base) {
    const auto c = cand.find(params);
    if (c == cand.end()) continue;
    matched = true;
    auto tolerances = results::tolerances_from_gates(b.gates);
    for (const auto& [k, t] : extra) tolerances[k] = t;
    const results::Comparison cmp = results::compare(b, c->second, tolerances, alpha);
    regression = regression || cmp.regression;
    markdown += results::compare_markdown(cmp) + "\n";
    reports.push_back(results::compare_json(cmp));
    comparisons.push_back(cmp);
  }
  if (!matched) throw UsageError{"the two sweeps have no grid point with the same parameters"};
  std::cout << markdown;
  if (markdown_file) write_file(*markdown_file, markdown);
  if (json_file) write_file(*json_file, (reports.size() == 1 ? reports[0] : reports).dump(2) + "\n");
  if (html_file) write_file(*html_file, results::compare_report_html(comparisons));
  return regression ? kAssertionFailed : kOk;
}

}  // namespace twinbench::app
