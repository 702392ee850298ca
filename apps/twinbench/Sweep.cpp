// twinbench sweep: a scenario over seeds and a parameter grid. Every (grid point, seed) cell is its own
// `twinbench run` process, on local workers, as a Slurm job array, or as a Kubernetes Indexed Job; the
// results add up to cells.csv and aggregate.json (results/Sweep).

#include "Commands.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "twinbench/core/JsonReader.hpp"
#include "twinbench/results/Report.hpp"
#include "twinbench/results/Sweep.hpp"
#include "twinbench/sim/ScenarioLoader.hpp"
#include "Output.hpp"
#include "SweepPlan.hpp"

extern char** environ;

namespace twinbench::app {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kSweepHelp = R"(usage: twinbench sweep <scenario> --seeds A..B [--grid POINTER=V1,V2,...]... [--set POINTER=VALUE]...
                       [--jobs N] [--out DIR] [--engine local|slurm|k8s] [--wait] [--dry-run] [--junit FILE] [--quiet]
       twinbench sweep --collect DIR [--junit FILE] [--quiet]

Run the scenario once per seed and grid point ("cell"), each cell its own `twinbench run` process, and add
the results up. Into the output folder (default results/sweeps/<scenario name>):
  cells/<point>/seed-<N>/  each cell's results (as twinbench run writes them); logs/ their output
  cells.csv         a row per cell: point, seed, status, the grid's parameters, every KPI (tidy data)
  report.html       the sweep as one page: the verdict, the headline KPIs with confidence intervals per point,
                    each gate across the seeds (twinbench report --help)
  aggregate.json    per grid point and KPI: n, mean, sd, min, p05, p50, p95, max and a 95 % confidence
                    interval (Student's t for means; Wilson for proportions such as recall and delivery
                    ratio, pooled over seeds); and every gate of the scenario: those with "over_seeds" on
                    their statistic, the others on every run
  sweep.json        the plan (scenario, seeds, grid); running the same command again resumes: cells whose
                    results are complete are not run again

options:
  --seeds A..B      the seeds, inclusive (also N, or a list N,M,...)
  --grid POINTER=V1,V2,...   a parameter and its values (JSON, else strings); several --grid make a product
  --set POINTER=VALUE        a change to the scenario in every cell
  --jobs N          local workers (default: the number of cores)
  --out DIR         the sweep's folder: new, empty, or an earlier sweep of the same scenario and grid
  --engine E        local (default); slurm: write sweep.sbatch (a job array, one task per cell) and submit
                    it with sbatch, then collect with --collect (or give --wait); k8s: write job.yaml, a
                    Kubernetes Indexed Job (needs --dry-run: apply it with kubectl)
  --wait            slurm: wait for the job array to finish, then collect
  --dry-run         slurm, k8s: write the job script or manifest, submit nothing
  --sbatch-option OPT        slurm: an extra #SBATCH line, e.g. --sbatch-option=--partition=debug (repeatable)
  --image IMAGE     k8s: the container image with twinbench (default twinbench:latest)
  --collect DIR     add up the cells of a sweep (after a Slurm or Kubernetes job)
  --junit FILE      the gates as JUnit XML, a test suite per grid point, with values and bounds
  --quiet           no progress on stderr
exit codes: 0 every gate held in every point; 1 a gate failed, or cells have no results yet; 2 bad input or
usage (nothing is run); 3 a cell failed to run (its log is in logs/); 130 interrupted (run it again to resume).
)";

constexpr std::size_t kCellsMax = 100'000;

/** The grid's points: the product of its axes, the first axis varying slowest. */
void expand(Plan& plan) {
  plan.points.clear();
  std::size_t n = 1;
  for (const auto& a : plan.grid) n *= a.values.size();
  for (std::size_t i = 0; i < n; ++i) {
    Plan::Point p{"p" + std::to_string(i), {}};
    std::size_t rest = i;
    for (std::size_t axis = plan.grid.size(); axis-- > 0;) {
      const auto& a = plan.grid[axis];
      p.params.insert(p.params.begin(), {a.pointer, a.values[rest % a.values.size()]});
      rest /= a.values.size();
    }
    plan.points.push_back(std::move(p));
  }
}

Plan plan_from(const json& j, const fs::path& file) {
  const std::string where = file.string();
  try {
    Plan p;
    if (j.value("format", "") != "twinbench-sweep/1") throw core::InputError(where + ": /format: expected \"twinbench-sweep/1\"");
    p.scenario = j.at("scenario").get<std::string>();
    p.name = j.at("name").get<std::string>();
    p.seeds = j.at("seeds").get<std::vector<std::uint64_t>>();
    for (const auto& a : j.at("grid")) p.grid.push_back({a.at("pointer").get<std::string>(), a.at("values").get<std::vector<std::string>>()});
    for (const auto& o : j.at("set")) p.set.push_back({o.at("pointer").get<std::string>(), o.at("value").get<std::string>()});
    if (p.seeds.empty()) throw core::InputError(where + ": /seeds: expected at least one seed");
    expand(p);
    return p;
  } catch (const json::exception& e) {
    throw core::InputError(where + ": not a sweep plan written by twinbench sweep (" + e.what() + ")");
  }
}

Plan read_plan(const fs::path& out) {
  const fs::path file = out / "sweep.json";
  std::error_code ec;
  if (!fs::exists(file, ec)) throw UsageError{out.string() + " is not a sweep folder (no sweep.json)"};
  return plan_from(core::parse_json(core::read_text_file(file.string(), "sweep plan"), file.string()), file);
}

std::vector<std::uint64_t> parse_seeds(const std::string& s) {
  std::vector<std::uint64_t> seeds;
  if (const auto dots = s.find(".."); dots != std::string::npos) {
    const std::uint64_t a = parse_seed(s.substr(0, dots), "--seeds"), b = parse_seed(s.substr(dots + 2), "--seeds");
    if (b < a) throw UsageError{"--seeds: expected A..B with A <= B, got '" + s + "'"};
    if (b - a >= kCellsMax) throw UsageError{"--seeds: at most " + std::to_string(kCellsMax) + " seeds, got '" + s + "'"};
    for (std::uint64_t x = a;; ++x) {
      seeds.push_back(x);
      if (x == b) break;
    }
    return seeds;
  }
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) seeds.push_back(parse_seed(item, "--seeds"));
  if (seeds.empty()) throw UsageError{"--seeds: expected A..B, N or N,M,..., got '" + s + "'"};
  std::sort(seeds.begin(), seeds.end());
  if (std::adjacent_find(seeds.begin(), seeds.end()) != seeds.end()) throw UsageError{"--seeds: a seed is listed twice in '" + s + "'"};
  return seeds;
}

/** V1,V2,...: commas inside brackets, braces or strings belong to the value. */
std::vector<std::string> split_values(const std::string& s) {
  std::vector<std::string> out(1);
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '\\' && i + 1 < s.size()) out.back() += c, out.back() += s[++i];
      else out.back() += c, quoted = c != '"';
      continue;
    }
    if (c == '"') quoted = true;
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      out.emplace_back();
      continue;
    }
    out.back() += c;
  }
  return out;
}

sim::Override parse_set(const std::string& option, const std::string& v) {
  const auto eq = v.find('=');
  if (eq == std::string::npos || v.empty() || v[0] != '/') throw UsageError{option + ": expected POINTER=VALUE such as /duration_s=3600, got '" + v + "'"};
  return {v.substr(0, eq), v.substr(eq + 1)};
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string pad(const std::string& s, std::size_t width) { return s.size() + 1 >= width ? s + " " : s + std::string(width - s.size(), ' '); }

/** Add up the cells; print the gates and the headline KPIs; write cells.csv, aggregate.json and JUnit. */
int collect(const Plan& plan, const fs::path& out, const std::optional<std::string>& junit, bool quiet) {
  std::vector<results::SweepPoint> points;
  std::size_t failed = 0, pending = 0;
  for (std::size_t pi = 0; pi < plan.points.size(); ++pi) {
    const Plan::Point& pp = plan.points[pi];
    results::SweepPoint p;
    p.id = pp.id;
    for (const sim::Override& o : pp.params) {
      json v = json::parse(o.value, nullptr, false);
      p.params.push_back({o.pointer, v.is_discarded() ? json(o.value) : v});
    }
    p.gates = assertion_specs(sim::load_scenario(plan.scenario, plan.overrides(pp)));
    for (std::size_t si = 0; si < plan.seeds.size(); ++si) {
      const std::size_t k = pi * plan.seeds.size() + si;
      results::SweepCell c;
      c.seed = plan.seed_of(k);
      std::error_code ec;
      if (complete(plan.cell_dir(out, k))) {
        const fs::path file = plan.cell_dir(out, k) / "summary.json";
        c.summary = json::parse(core::read_text_file(file.string(), "cell summary"), nullptr, false);
        if (c.summary->is_discarded()) throw core::InputError(file.string() + ": malformed JSON (a cell's summary.json)");
        c.status = "ok";
      } else {
        c.status = fs::exists(plan.log_of(out, k), ec) ? "failed" : "pending";
        failed += c.status == "failed", pending += c.status == "pending";
      }
      p.cells.push_back(std::move(c));
    }
    points.push_back(std::move(p));
  }
  const json aggregate = results::aggregate_json(plan.name, plan.seeds, points);
  write_file(out / "cells.csv", results::cells_csv(points));
  write_file(out / "aggregate.json", aggregate.dump(2) + "\n");
  write_file(out / "report.html", results::sweep_report_html(aggregate.dump(), results::cells_csv(points)));
  std::vector<results::JunitSuite> suites;
  bool gates_ok = true;
  std::cout << "twinbench sweep: " << plan.name << ", " << plan.seeds.size() << " seeds, " << plan.points.size() << " point"
            << (plan.points.size() == 1 ? "" : "s") << ", " << plan.cells() - failed - pending << " of " << plan.cells() << " cells completed\n";
  for (std::size_t pi = 0; pi < points.size(); ++pi) {
    const auto gates = results::sweep_gates(points[pi]);
    suites.push_back({plan.name + "[" + results::point_label(points[pi]) + "]", gates, 0});
    std::cout << "  " << results::point_label(points[pi]) << '\n';
    const json& kpis = aggregate["points"][pi]["kpis"];
    std::vector<std::string> shown;  // each gated KPI once: its distribution
    std::size_t width = 20;
    for (const auto& g : gates) width = std::max(width, g.spec.kpi.size());
    std::cout << "    " << pad("gate", width + 2) << pad("on", 14) << pad("value", 12) << pad("bound", 16) << "result\n";
    for (const auto& g : gates) {
      gates_ok = gates_ok && g.passed;
      std::cout << "    " << pad(g.spec.kpi, width + 2) << pad(g.spec.over_seeds.empty() ? "every run" : g.spec.over_seeds, 14)
                << pad(g.value ? fmt(*g.value) : "null", 12) << pad(results::bounds(g.spec), 16) << (g.passed ? "ok" : "FAILED") << " (" << g.note << ")\n";
      if (std::find(shown.begin(), shown.end(), g.spec.kpi) == shown.end()) shown.push_back(g.spec.kpi);
    }
    std::cout << "    " << pad("KPI", width + 2) << pad("mean", 14) << pad("95% CI", 26) << pad("sd", 12) << "min .. max\n";
    for (const auto& k : shown) {
      if (!kpis.contains(k) || !kpis[k].contains("mean")) continue;
      const json& d = kpis[k];
      std::cout << "    " << pad(k, width + 2) << pad(fmt(d["mean"].get<double>()), 14)
                << pad("[" + fmt(d["ci95"]["low"].get<double>()) + ", " + fmt(d["ci95"]["high"].get<double>()) + "] " +
                           d["ci95"]["method"].get<std::string>(), 26)
                << pad(fmt(d["sd"].get<double>()), 12) << fmt(d["min"].get<double>()) << " .. " << fmt(d["max"].get<double>()) << '\n';
    }
  }
  if (junit) write_file(*junit, results::junit_xml(suites));
  if (!quiet) std::cerr << "[sweep] results in " << out.string() << " (cells.csv, aggregate.json, report.html)\n";
  if (failed) {
    std::cerr << "twinbench sweep: " << failed << " cell(s) failed to run; their output is in " << (out / "logs").string() << '\n';
    return kInternalError;
  }
  if (pending) {
    std::cerr << "twinbench sweep: " << pending << " of " << plan.cells() << " cells have no results yet\n";
    return kAssertionFailed;
  }
  for (const auto& s : suites)
    for (const auto& g : s.results)
      if (!g.passed) std::cerr << "GATE FAILED: " << s.name << ": " << g.message << '\n';
  return gates_ok ? kOk : kAssertionFailed;
}

/** One cell of the plan, in this process: what a Slurm array task or a Kubernetes pod runs. */
int run_cell(const std::string& index, const fs::path& out) {
  const Plan plan = read_plan(out);
  const std::uint64_t k = parse_seed(index, "--run-cell");
  if (k >= plan.cells()) throw UsageError{"--run-cell: the plan has " + std::to_string(plan.cells()) + " cells, got index " + index};
  if (complete(plan.cell_dir(out, k))) return kOk;
  // Its output goes to the cell's log, as the local engine's does.
  const int fd = ::open(plan.log_of(out, k).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw UsageError{"cannot write " + plan.log_of(out, k).string()};
  std::cout.flush();
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  ::close(fd);
  std::vector<std::string> args = plan.run_args(out, k);
  args.erase(args.begin());  // "run"
  return cmd_run(args);
}

/** The folder holds this plan's sweep, or nothing: never another sweep, never a user's files. */
void claim_folder(const Plan& plan, const fs::path& out) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return;
  if (!fs::is_directory(out, ec)) throw UsageError{"--out: " + out.string() + " exists and is not a folder"};
  if (fs::is_empty(out, ec)) return;
  if (!fs::exists(out / "sweep.json", ec))
    throw UsageError{"--out: " + out.string() + " holds something other than a twinbench sweep (no sweep.json); choose an empty or new folder"};
  const Plan old = read_plan(out);
  if (old.identity() != plan.identity())
    throw UsageError{"--out: " + out.string() + " holds a sweep of another scenario or grid (see its sweep.json); choose another folder"};
}

}  // namespace

int cmd_sweep(const std::vector<std::string>& args) {
  std::string scenario;
  std::optional<std::string> out_arg, junit, seeds_arg, collect_dir, cell_index;
  std::vector<std::pair<std::string, std::string>> grid_args;
  std::vector<sim::Override> sets;
  EngineOptions e;
  e.jobs = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  bool quiet = false, jobs_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::optional<std::string> inline_value;
    if (a.starts_with("--") && a.find('=') != std::string::npos) {
      inline_value = a.substr(a.find('=') + 1);  // --option=value, as in --sbatch-option=--partition=debug
      a = a.substr(0, a.find('='));
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kSweepHelp;
      return kOk;
    } else if (a == "--seeds") {
      seeds_arg = value();
    } else if (a == "--grid") {
      const std::string v = value();
      const auto eq = v.find('=');
      if (eq == std::string::npos || v.empty() || v[0] != '/' || eq + 1 == v.size())
        throw UsageError{"--grid: expected POINTER=V1,V2,... such as /sites/0/link/loss_probability=0,0.01, got '" + v + "'"};
      grid_args.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (a == "--set") {
      sets.push_back(parse_set(a, value()));
    } else if (a == "--jobs") {
      const std::string v = value();
      const bool digits = !v.empty() && v.size() <= 4 && v.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoul(v) < 1 || std::stoul(v) > 1024) throw UsageError{"--jobs: expected 1 to 1024 workers, got '" + v + "'"};
      e.jobs = static_cast<unsigned>(std::stoul(v));
      jobs_given = true;
    } else if (a == "--out") {
      out_arg = value();
    } else if (a == "--engine") {
      e.engine = value();
      if (e.engine != "local" && e.engine != "slurm" && e.engine != "k8s") throw UsageError{"--engine: expected local, slurm or k8s, got '" + e.engine + "'"};
    } else if (a == "--wait") {
      e.wait = true;
    } else if (a == "--dry-run") {
      e.dry_run = true;
    } else if (a == "--sbatch-option") {
      e.sbatch_options.push_back(value());
    } else if (a == "--image") {
      e.image = value();
    } else if (a == "--junit") {
      junit = value();
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--collect") {
      collect_dir = value();
    } else if (a == "--run-cell") {
      cell_index = value();
      if (i + 1 >= args.size()) throw UsageError{"--run-cell K DIR: missing the sweep's folder"};
      collect_dir = args[++i];
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "'"};
    } else if (scenario.empty()) {
      scenario = a;
    } else {
      throw UsageError{"one scenario at a time (got '" + scenario + "' and '" + a + "')"};
    }
  }
  if (junit) check_output_file("--junit", *junit);
  if (cell_index) return run_cell(*cell_index, *collect_dir);
  if (collect_dir) {
    if (!scenario.empty() || seeds_arg || !grid_args.empty() || !sets.empty())
      throw UsageError{"--collect takes the sweep's folder only: its plan (sweep.json) says what was run"};
    const fs::path out(*collect_dir);
    return collect(read_plan(out), out, junit, quiet);
  }
  if (scenario.empty()) throw UsageError{"missing <scenario> (a scenario JSON file or a folder with scenario.json)"};
  if (!seeds_arg) throw UsageError{"missing --seeds A..B"};
  if (e.engine == "k8s" && !e.dry_run) throw UsageError{"--engine k8s needs --dry-run: twinbench writes the Job's manifest (job.yaml); apply it with kubectl"};
  if (e.engine == "local" && (e.wait || e.dry_run)) throw UsageError{"--wait and --dry-run are for --engine slurm or k8s"};

  Plan plan;
  std::error_code ec;
  fs::path scenario_path = fs::absolute(scenario, ec).lexically_normal();
  plan.scenario = scenario_path.string();
  plan.seeds = parse_seeds(*seeds_arg);
  plan.set = sets;
  for (const auto& [pointer, values] : grid_args) {
    for (const auto& g : plan.grid)
      if (g.pointer == pointer) throw UsageError{"--grid: " + pointer + " is given twice"};
    plan.grid.push_back({pointer, split_values(values)});
    for (const auto& v : plan.grid.back().values)
      if (v.empty()) throw UsageError{"--grid " + pointer + ": an empty value in '" + values + "'"};
  }
  expand(plan);
  if (plan.cells() > kCellsMax) throw UsageError{"the sweep has " + std::to_string(plan.cells()) + " cells; at most " + std::to_string(kCellsMax)};
  // Every point's scenario must load and its gates name KPIs, before anything runs or is written.
  for (const Plan::Point& p : plan.points) {
    try {
      const sim::Scenario sc = sim::load_scenario(plan.scenario, plan.overrides(p));
      check_fits_in_memory(sc, e.engine == "local" ? static_cast<unsigned>(std::min<std::size_t>(e.jobs, plan.cells())) : 1);
      check_assertion_paths(sc);
      plan.name = sc.name;
    } catch (const core::InputError& e) {
      if (p.params.empty()) throw;
      std::string label;
      for (const auto& o : p.params) label += (label.empty() ? "" : ", ") + o.pointer + "=" + o.value;
      throw core::InputError("grid point " + p.id + " (" + label + "): " + e.what());
    }
  }
  const fs::path out = out_arg ? fs::path(*out_arg) : fs::path("results") / "sweeps" / plan.name;
  claim_folder(plan, out);
  fs::create_directories(out / "logs", ec);
  if (ec) throw UsageError{"cannot create " + (out / "logs").string() + ": " + ec.message()};
  // One sweep at a time in a folder.
  const int lock = ::open((out / ".lock").c_str(), O_RDWR | O_CREAT, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0) throw UsageError{"another twinbench sweep is using " + out.string()};
  write_file(out / "sweep.json", plan.to_json().dump(2) + "\n");
  for (const Plan::Point& p : plan.points) fs::create_directories(out / "cells" / p.id, ec);
  remove_leftovers(plan, out);

  if (e.engine == "k8s") {
    write_k8s(plan, out, e);
    return kOk;
  }
  if (e.engine == "slurm") {
    if (!jobs_given) e.jobs = 0;  // no limit on the array's concurrency unless asked
    if (!run_slurm(plan, out, e, quiet)) return kOk;
    return collect(plan, out, junit, quiet);
  }
  if (!run_local(plan, out, e.jobs, quiet)) {
    std::size_t done = 0;
    for (std::size_t k = 0; k < plan.cells(); ++k) done += complete(plan.cell_dir(out, k));
    std::cerr << "\ntwinbench sweep: interrupted with " << done << " of " << plan.cells() << " cells done; run the same command again to resume\n";
    return 130;
  }
  return collect(plan, out, junit, quiet);
}

}  // namespace twinbench::app
