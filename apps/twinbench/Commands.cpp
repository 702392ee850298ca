#include "Commands.hpp"

#include "Bridge.hpp"
#include "Output.hpp"
#include "Shards.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/hil/Pacer.hpp"
#include "twinbench/sim/Credentials.hpp"
#include "twinbench/results/Assertions.hpp"
#include "twinbench/results/Collector.hpp"
#include "twinbench/results/Report.hpp"
#include "twinbench/results/Trace.hpp"
#include "twinbench/sim/ScenarioLoader.hpp"
#include "twinbench/sim/Simulation.hpp"

namespace twinbench::app {

std::uint64_t parse_seed(const std::string& s, const std::string& option) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(s, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size() || s[0] == '-' || s[0] == '+')  // the range a scenario's "seed" has too
    throw UsageError{option + ": expected an integer in [0, 18446744073709551615], got '" + s + "'"};
  return v;
}

void write_file(const std::filesystem::path& p, const std::string& content) {
  std::ofstream o(p, std::ios::binary);
  o << content;
  o.close();
  if (!o) throw UsageError{"cannot write " + p.string()};
}


namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kRunHelp = R"(usage: twinbench run <scenario> [--seed N] [--set POINTER=VALUE]... [--out DIR] [--junit FILE] [--trace] [--quiet]
       mpirun -n K twinbench run <scenario> --shards [...]

Simulate the scenario and write, into the output folder:
  summary.json       KPIs (stable key order, trace_hash last); same scenario + seed => same bytes; null where
                     there is nothing to measure; "asset_classes" has every KPI per asset class; "worst"
                     names the worst site and gateway per KPI family
  sites.csv          every KPI per site, with its asset class (a column per KPI path)
  gateways.csv       every KPI per gateway
  timeseries.csv     per interval (results.interval_s, default 1 h) and site: messages, delivery, latency,
                     alerts true/false, detections, gateway CPU, uplink backlog, version shares
  latency.csv        latency histogram buckets (messages, inference), fleet-wide and per site, for CDFs
  ground_truth.csv   every injected asset fault: device, mode, onset, failure time, when it was detected
  outages.csv        every outage: a link down or a gateway rebooting, its gateway, start and end
  timeline.csv       the run's notable events in time order: fault onsets, alerts at the cloud (true, false or
                     late), drift onsets and detections, retrainings, rollouts and their waves
  audit.jsonl        the audit log (hash-chained; check it with `twinbench audit verify`)
  versions.csv       with a "lifecycle": the share of the fleet on each firmware and model version over time
  registry/          with retraining or model rollouts: the cloud's model registry (content-addressed images,
                     packages, index.json with each version's parent, data window and metrics)
  run.json           wall time, simulated seconds per wall second, peak memory, the audit log's head (varies run to run)
  report.html        the report: go/no-go, the business case, worst sites, per-site plots, every gate; one
                     self-contained page (no script, nothing fetched), the same bytes for the same run
                     (`twinbench report` writes it again from the files above; docs/report.md)
  trace.json         with --trace: the run as a timeline (Chrome trace event format: open it in ui.perfetto.dev
                     or chrome://tracing): a track per gateway and one for the cloud, with link outages, reboots,
                     alerts, fault onsets, drift, OTA outcomes, rollouts and waves, and counters per interval
A KPI table goes to stdout, progress to stderr. Files appear only when the run completes.

options:
  --seed N       seed for every random stream (default: the scenario's "seed", else 1)
  --out DIR      output folder (default: results/runs/<scenario name>/seed-<N>)
  --set POINTER=VALUE   change the scenario before it is checked (repeatable): a JSON pointer into it
                 and a JSON value (else a string), e.g. --set /lifecycle/rollouts/0/waves/batch_percent=50;
                 run.json lists what was set
  --junit FILE   also write the scenario's assertions as JUnit XML
  --trace        also write trace.json (at most 20,000 slices and instants; the counters count everything)
  --quiet        no progress on stderr
  --shards       one run over the MPI ranks it is started on (mpirun -n K): each rank simulates a run of
                 consecutive gateways with about 1/K of the devices, the ranks meet every simulated second,
                 and rank 0 writes the results, the same bytes as one process writes (run.json aside, which
                 says how many ranks ran). Not with a lifecycle, injected drift or a lab, nor with --trace
                 (docs/architecture.md, "Beyond one machine")
exit codes: 0 ok, 1 an assertion failed, 2 bad input or usage, 3 internal error.
)";

constexpr const char* kHilHelp = R"(usage: twinbench hil <scenario> [--speed X] [--hard-limit MS | --best-effort] [--gateway NAME=URL[,UPLINK]]...
                     [--seed N] [--set POINTER=VALUE]... [--out DIR] [--junit FILE] [--trace] [--quiet]

Run the scenario as `twinbench run` does, paced to the wall clock: simulated time never runs ahead of
the wall clock times the speed, as a hardware-in-the-loop lab needs. The scenario's "hil" object sets
the pace (speed, policy "best-effort" or "hard-limit", max_lag_ms, tick_ms); the options override it.
How far the simulation fell behind the wall clock (its lag at each pacing tick) goes into summary.json
under "hil" (ticks, lag_ms p50/p99/max, missed deadlines: ticks reached more than one tick late, the
speed achieved) and into the KPI table. Under the hard-limit policy a lag beyond max_lag_ms stops the
run: exit 1 with the reason, and no results are written.

options:
  --speed X         simulated seconds per wall second (default: the scenario's hil.speed, else 1)
  --hard-limit MS   stop when the simulation falls MS milliseconds behind (default: the scenario's policy)
  --best-effort     never stop; report the lag
  --gateway NAME=URL[,UPLINK]   a real gateway plays NAME (repeatable; adds to or replaces hil.gateways):
                    its devices go to URL (mqtt://HOST:PORT, or coap://HOST:PORT for LwM2M devices), its
                    uplink is read at UPLINK (mqtt://HOST:PORT; default URL)
  --seed, --set, --out, --junit, --trace, --quiet   as for twinbench run
exit codes: 0 ok, 1 an assertion failed or the hard limit was passed, 2 bad input or usage, 3 internal error.
)";

constexpr const char* kValidateHelp = R"(usage: twinbench validate <scenario> [--set POINTER=VALUE]...

Load and check a scenario (keys, types, units, ranges, site names, assertion KPI paths) without
running it. Prints a one-line description and exits 0, or the first error and exits 2.
)";

struct RunArgs {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> out, junit;
  bool quiet = false;
  bool trace = false;  ///< --trace: also trace.json
  bool shards = false;  ///< --shards: one run over the MPI ranks
  // twinbench hil
  std::optional<double> speed, hard_limit_ms;
  bool best_effort = false;
  std::vector<std::pair<std::string, sim::HilSpec::Bridge>> gateways;  ///< --gateway NAME=URL[,UPLINK]
  std::vector<sim::Override> overrides;  ///< --set POINTER=VALUE
};

enum class Mode : std::uint8_t { validate, run, hil };

double parse_positive(const std::string& option, const std::string& s) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size() || !(v > 0) || !std::isfinite(v)) throw UsageError{option + ": expected a positive number, got '" + s + "'"};
  return v;
}


/** Returns nullopt after printing help. */
std::optional<RunArgs> parse_run_args(const std::vector<std::string>& args, const char* help, Mode mode) {
  const bool run_options = mode != Mode::validate;
  RunArgs r;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << help;
      return std::nullopt;
    } else if (run_options && a == "--seed") {
      r.seed = parse_seed(value());
    } else if (run_options && a == "--out") {
      r.out = value();
    } else if (run_options && a == "--junit") {
      r.junit = value();
    } else if (run_options && a == "--quiet") {
      r.quiet = true;
    } else if (run_options && a == "--trace") {
      r.trace = true;
    } else if (mode == Mode::run && a == "--shards") {
      r.shards = true;
    } else if (a == "--set") {
      const std::string& v = value();
      const auto eq = v.find('=');
      if (eq == std::string::npos || v[0] != '/') throw UsageError{"--set: expected POINTER=VALUE such as /duration_s=3600, got '" + v + "'"};
      r.overrides.push_back({v.substr(0, eq), v.substr(eq + 1)});
    } else if (mode == Mode::hil && a == "--speed") {
      r.speed = parse_positive(a, value());
    } else if (mode == Mode::hil && a == "--hard-limit") {
      r.hard_limit_ms = parse_positive(a, value());
    } else if (mode == Mode::hil && a == "--best-effort") {
      r.best_effort = true;
    } else if (mode == Mode::hil && a == "--gateway") {
      const std::string& v = value();
      const auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0) throw UsageError{"--gateway: expected NAME=URL[,UPLINK], got '" + v + "'"};
      sim::HilSpec::Bridge b;
      const std::string urls = v.substr(eq + 1);
      const auto comma = urls.find(',');
      b.devices = urls.substr(0, comma);
      b.uplink = comma == std::string::npos ? b.devices : urls.substr(comma + 1);
      r.gateways.emplace_back(v.substr(0, eq), b);
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "'"};
    } else if (r.scenario.empty()) {
      r.scenario = a;
    } else {
      throw UsageError{"one scenario at a time (got '" + r.scenario + "' and '" + a + "')"};
    }
  }
  if (r.scenario.empty()) throw UsageError{"missing <scenario> (a scenario JSON file or a folder with scenario.json)"};
  if (r.best_effort && r.hard_limit_ms) throw UsageError{"--best-effort and --hard-limit exclude each other"};
  return r;
}

results::RunMeta run_meta(const sim::Scenario& sc, std::uint64_t seed) {
  results::RunMeta m;
  m.scenario = sc.name;
  m.seed = seed;
  m.duration_s = sc.duration_s;
  for (const auto& s : sc.sites) {
    m.sites.push_back(s.name);
    std::string classes;  // "compressor", or "compressor+pump" for shared gateways
    for (std::size_t k = 0; k < s.groups(); ++k) {
      const twins::AssetDescriptor& asset = s.group(k).asset->descriptor;
      classes += (k ? "+" : "") + asset.name;
      auto& modes = m.class_fault_modes[asset.name];
      if (modes.empty())
        for (const twins::FaultInfo& f : asset.faults) modes.push_back(f.name);
    }
    m.site_classes.push_back(classes);
  }
  m.interval_s = sc.results.interval_s;
  for (const auto& p : sc.partners) m.partners.push_back({p.name, p.sla_s});
  m.people = sc.people.has_value();
  for (const auto& g : sc.gateways()) {
    const sim::SiteSpec& site = sc.sites[g.site];
    results::GatewayMeta gm{site.name, g.name, site.devices_per_gateway_all()};
    if (site.shared)
      for (std::size_t k = 0; k < site.groups(); ++k) gm.groups.push_back({site.group(k).asset->descriptor.name, site.group(k).devices_per_gateway});
    m.gateways.push_back(std::move(gm));
  }
  m.fault_modes = sc.fault_modes;
  m.economics = sc.economics;
  for (const auto& op : sc.twin_operations)
    m.twin_operations.push_back({op.at_s, op.kind == sim::TwinOperation::Kind::set_property ? "set_property" : "command", op.name});
  m.lifecycle.enabled = sc.lifecycle.any() || !sc.drift_injections.empty();
  std::vector<const sim::RolloutSpec*> scheduled;
  for (const auto& r : sc.lifecycle.rollouts) scheduled.push_back(&r);
  std::stable_sort(scheduled.begin(), scheduled.end(), [](const auto* a, const auto* b) { return a->at_s < b->at_s; });
  for (const auto* r : scheduled) m.lifecycle.scheduled.push_back({r->artifact == sim::RolloutSpec::Artifact::model ? "model" : "firmware", r->version});
  for (const auto& s : sc.sites)
    if (s.edge_ai) {
      m.lifecycle.drift_streams = s.edge_ai->model.channels;
      m.lifecycle.drift_streams.emplace_back("log_score");
      break;
    }
  return m;
}

/** MemAvailable of /proc/meminfo: what the kernel can give without swapping; nullopt where it does not say. */
std::optional<std::uint64_t> available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return std::nullopt;
}

std::string bytes_text(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (b >= 1024 && u < 5) b /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g %s", b, units[u]);
  return buf;
}

}  // namespace

void check_fits_in_memory(const sim::Scenario& sc, unsigned runs) {
  const auto available = available_memory_bytes();
  if (!available) return;
  const double needed = static_cast<double>(sc.estimated_peak_bytes()) * runs;
  if (needed <= static_cast<double>(*available)) return;
  std::string what = sc.file + ": the run needs about " + bytes_text(needed / runs) + " of memory (" + std::to_string(sc.device_count()) +
                     " devices)";
  if (runs > 1) what += ", " + std::to_string(runs) + " at once " + bytes_text(needed);
  what += ", and this machine has " + bytes_text(static_cast<double>(*available)) + " available: ";
  what += runs > 1 ? "run fewer at once (--jobs) or shrink the fleet" : "shrink the fleet, or run it on a larger machine";
  throw sim::ScenarioError(what);
}

std::vector<results::AssertionSpec> assertion_specs(const sim::Scenario& sc) {
  std::vector<results::AssertionSpec> specs;
  for (const auto& a : sc.assertions) specs.push_back({a.kpi, a.min, a.max, a.over_seeds});
  return specs;
}

namespace {

/** A paced run's KPIs, in summary.json under "hil". */
json hil_summary(const hil::PacerConfig& c, const hil::PacerReport& r) {
  json h;
  h["speed"] = c.speed;
  h["policy"] = c.policy == hil::PacerConfig::Policy::hard_limit ? "hard-limit" : "best-effort";
  h["max_lag_ms"] = c.max_lag_ms;
  h["tick_ms"] = c.tick_ms;
  h["ticks"] = r.ticks;
  h["lag_ms"] = {{"p50", r.lag_p50_ms}, {"p99", r.lag_p99_ms}, {"max", r.lag_max_ms}};
  h["missed_deadlines"] = r.missed;
  h["wall_s"] = r.wall_s;
  h["achieved_speed"] = r.achieved_speed;
  return h;
}

}  // namespace

/** Every assertion must name a KPI (a number, or null where there is nothing to measure) and a known statistic;
 * checked against the summary of an empty run, before running. */
void check_assertion_paths(const sim::Scenario& sc, bool paced) {
  results::Collector empty(run_meta(sc, sc.seed));
  json summary = empty.summary();
  if (paced) summary["hil"] = hil_summary({}, {});
  const auto kpis = results::kpi_paths(summary);
  for (std::size_t i = 0; i < sc.assertions.size(); ++i) {
    const sim::Assertion& a = sc.assertions[i];
    const std::string at = sc.file + ": /assertions/" + std::to_string(i);
    if (std::find(kpis.begin(), kpis.end(), a.kpi) == kpis.end())
      throw sim::ScenarioError(at + "/kpi: '" + a.kpi +
                               "' is not a numeric KPI of summary.json (for example /messages/delivery_ratio, /latency_ms/p99; "
                               "docs/scenario-format.md lists them all)");
    if (!a.over_seeds.empty() && !results::is_statistic(a.over_seeds)) {
      std::string list;
      for (const auto& s : results::statistics()) list += (list.empty() ? "" : ", ") + s;
      throw sim::ScenarioError(at + "/over_seeds/statistic: expected one of " + list + ", got '" + a.over_seeds + "'");
    }
  }
}

namespace {
std::uint64_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace

int cmd_validate(const std::vector<std::string>& args) {
  const auto a = parse_run_args(args, kValidateHelp, Mode::validate);
  if (!a) return kOk;
  const sim::Scenario sc = sim::load_scenario(a->scenario, a->overrides);
  check_fits_in_memory(sc);  // first: the path check builds an (empty) collector as large as the fleet
  check_assertion_paths(sc);
  std::cout << sc.file << ": ok: scenario '" << sc.name << "', " << sc.sites.size() << " site(s), " << sc.gateways().size()
            << " gateway(s), " << sc.device_count() << " devices, " << sc.duration_s << " s, " << sc.asset_faults.size() + sc.link_faults.size()
            << " fault(s), " << sc.assertions.size() << " assertion(s), about " << bytes_text(static_cast<double>(sc.estimated_peak_bytes()))
            << " of memory\n";
  return kOk;
}

namespace {

/** Each event to two sinks (the collector and, with --trace, the trace). */
class Tee final : public runtime::Sink {
public:
  Tee(runtime::Sink& a, runtime::Sink& b) : a_(a), b_(b) {}
  void emit(const runtime::Event& e) override {
    a_.emit(e);
    b_.emit(e);
  }
  using Sink::emit;

private:
  runtime::Sink& a_;
  runtime::Sink& b_;
};

/** `twinbench run`, and with a pacer `twinbench hil`. */
int execute(const RunArgs* a, const sim::Scenario& sc, hil::Pacer* pacer, const hil::PacerConfig& pace,
            decltype(sim::RunOptions::make_bridge) make_bridge = {}, Shards* shards = nullptr) {
  const std::uint64_t seed = a->seed.value_or(sc.seed);
  const fs::path out = a->out ? fs::path(*a->out) : fs::path("results") / "runs" / sc.name / ("seed-" + std::to_string(seed));
  const bool writer = !shards || shards->rank() == 0;  // a sharded run's rank 0 writes the results; the others simulate
  std::optional<Staging> staging;
  std::optional<results::Collector> collected;
  std::exception_ptr refused;
  try {
    if (writer) {
      check_output_folder(out);
      if (a->junit) check_output_file("--junit", *a->junit);
      staging.emplace(out);  // before the run: a place that cannot be written fails now, not after it
      collected.emplace(run_meta(sc, seed));
    }
  } catch (...) {
    if (!shards) throw;
    refused = std::current_exception();
  }
  if (shards && !shards->all(!refused)) {  // every rank stops if rank 0 cannot write
    if (refused) std::rethrow_exception(refused);
    return kBadInput;
  }
  std::optional<results::Trace> trace;
  std::optional<Tee> tee;
  if (a->trace) tee.emplace(*collected, trace.emplace(run_meta(sc, seed)));
  // Without --trace, nothing between the run and its collector; sharded, the ranks' events go to rank 0's.
  runtime::Sink& sink = shards ? static_cast<runtime::Sink&>(*shards) : tee ? static_cast<runtime::Sink&>(*tee) : *collected;
  if (shards && writer) shards->set_collector(&*collected);
  const auto wall_start = std::chrono::steady_clock::now();
  auto wall_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count(); };
  double last_print = 0;
  sim::RunOptions opt;
  opt.seed = seed;
  sim::LifecycleOutput lifecycle;
  opt.lifecycle = &lifecycle;
  // The cloud's model registry is made during the run, in the staging folder: it moves in with the results.
  if (staging) opt.registry_dir = (staging->path() / "registry").string();
  if (shards) {
    const auto cuts = sim::shard_cuts(sc, static_cast<std::uint32_t>(shards->size()));
    opt.first_gateway = cuts[static_cast<std::size_t>(shards->rank())];
    opt.end_gateway = cuts[static_cast<std::size_t>(shards->rank()) + 1];
    // The ranks meet every simulated second to hand rank 0 their events. Nothing else crosses ranks yet
    // (shard_obstacle refuses what would need it); what will (a cloud that couples gateways) makes them meet
    // every lookahead, the sites' shortest WAN latency: nothing a gateway sends the cloud reaches another sooner.
    opt.tick_s = 1.0;
    opt.tick_observes = true;  // (each gateway's events reach rank 0 in its order, whatever the ticks)
    opt.on_tick = [shards](double) {
      shards->exchange();
      return true;
    };
  }
  if (!a->quiet && writer) {
    opt.on_progress = [&](double sim_s) {
      const double w = wall_s();
      if (w - last_print < 1.0 && sim_s < sc.duration_s) return;
      last_print = w;
      std::fprintf(stderr, "[twinbench] %s seed %llu: %3.0f%%  %.4g of %.4g h simulated  %.1f s wall  %.3g sim-s/wall-s\n", sc.name.c_str(),
                   static_cast<unsigned long long>(seed), 100.0 * sim_s / sc.duration_s, sim_s / 3600, sc.duration_s / 3600, w,
                   w > 0 ? sim_s / w : 0.0);
    };
  }
  if (pacer) {
    opt.on_tick = [pacer](double sim_s) { return pacer->tick(sim_s); };
    opt.tick_s = pacer->tick_s();
    opt.make_bridge = std::move(make_bridge);
  }
  if (!sim::run_simulation(sc, opt, sink)) {
    std::cerr << "twinbench hil: " << pacer->stopped_because() << " (no results written)\n";
    return kAssertionFailed;  // the staging folder goes with `staging`
  }
  std::uint64_t rss = peak_rss_bytes();
  if (shards) {  // the events since the last meeting, the audit records, and the memory of every rank
    shards->exchange();
    const auto records = shards->gather(lifecycle.audit_records);
    rss = shards->sum(rss);
    if (!writer) return kOk;
    std::tie(lifecycle.audit, lifecycle.audit_head) = sim::merge_audit(records);
  }
  const double wall = wall_s();
  results::Collector& collector = *collected;
  collector.set_lifecycle_names({lifecycle.model_versions, lifecycle.firmware_versions});

  json summary = collector.summary();
  if (pacer) {  // before trace_hash, which stays last
    const json hash = summary["trace_hash"];
    summary.erase("trace_hash");
    summary["hil"] = hil_summary(pace, pacer->report());
    summary["trace_hash"] = hash;
  }
  const auto checks = results::check_assertions(summary, assertion_specs(sc));
  json run;
  run["format"] = "twinbench-run/1";
  run["scenario"] = sc.name;
  run["seed"] = seed;
  run["wall_s"] = wall;
  run["sim_s_per_wall_s"] = wall > 0 ? sc.duration_s / wall : 0.0;
  run["device_messages_per_wall_s"] = wall > 0 ? summary["messages"]["generated"].get<double>() / wall : 0.0;
  run["events"] = collector.events();
  run["peak_rss_bytes"] = rss;  // sharded: every rank's
  if (shards) run["shards"] = shards->size();
  run["version"] = TWINBENCH_VERSION;
  run["audit_head"] = lifecycle.audit_head;
  run["set"] = json::object();
  for (const sim::Override& o : a->overrides) run["set"][o.pointer] = o.value;  // keep it elsewhere: `twinbench audit verify --expect-head` then finds a log cut short
  run["assertions"] = json::array();  // the gates, as twinbench compare reads them
  for (const auto& g : assertion_specs(sc)) {
    json j = {{"kpi", g.kpi}};
    if (g.min) j["min"] = *g.min;
    if (g.max) j["max"] = *g.max;
    if (!g.over_seeds.empty()) j["over_seeds"] = g.over_seeds;
    run["assertions"].push_back(j);
  }
  std::vector<std::pair<std::string, std::string>> files = {{"summary.json", summary.dump(2) + "\n"},
                                                            {"sites.csv", collector.sites_csv()},
                                                            {"gateways.csv", collector.gateways_csv()},
                                                            {"timeseries.csv", collector.timeseries_csv()},
                                                            {"latency.csv", collector.latency_csv()},
                                                            {"ground_truth.csv", collector.ground_truth_csv()},
                                                            {"outages.csv", collector.outages_csv()},
                                                            {"timeline.csv", collector.timeline_csv()},
                                                            {"audit.jsonl", lifecycle.audit},
                                                            {"run.json", run.dump(2) + "\n"}};
  if (const std::string v = collector.versions_csv(); !v.empty()) files.emplace_back("versions.csv", v);
  if (trace) files.emplace_back("trace.json", trace->text());
  const auto text_of = [&](const char* name) {
    const auto it = std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.first == name; });
    return it == files.end() ? std::string() : it->second;
  };
  files.emplace_back("report.html", results::run_report_html({text_of("summary.json"), text_of("run.json"), text_of("sites.csv"), text_of("timeseries.csv"),
                                                              text_of("latency.csv"), text_of("ground_truth.csv"), text_of("outages.csv"),
                                                              text_of("timeline.csv"), text_of("versions.csv")}));
  staging->publish(files, sc.name, seed);
  if (a->junit) write_file(*a->junit, results::junit_xml(sc.name, checks, wall));

  print_kpi_table(summary, pacer ? "hil" : "run");
  int failed = 0, evaluated = 0;
  for (const auto& c : checks) {
    evaluated += c.evaluated;
    if (c.passed) continue;
    ++failed;
    std::cerr << "ASSERTION FAILED: " << c.message << '\n';
  }
  if (!a->quiet) {
    std::string over_seeds;
    for (const auto& c : checks)
      if (!c.evaluated) over_seeds += (over_seeds.empty() ? "" : "; ") + c.spec.kpi + " " + c.spec.over_seeds + " " + results::bounds(c.spec);
    if (!over_seeds.empty()) std::cerr << "[twinbench] gates over seeds, for twinbench sweep: " << over_seeds << '\n';
    std::cerr << "[twinbench] results in " << out.string() << (evaluated == 0 ? "" : ", " + std::to_string(evaluated - failed) + "/" +
                                                                                   std::to_string(evaluated) + " assertions passed")
              << "\n[twinbench] report: " << (out / "report.html").string() << " (open it in a browser)\n";
  }
  return failed ? kAssertionFailed : kOk;
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  const auto a = parse_run_args(args, kRunHelp, Mode::run);
  if (!a) return kOk;
  const sim::Scenario sc = sim::load_scenario(a->scenario, a->overrides);
  check_fits_in_memory(sc);  // first: the path check builds an (empty) collector as large as the fleet
  check_assertion_paths(sc);
  if (!a->shards) return execute(&*a, sc, nullptr, {});
  if (const std::string why = sim::shard_obstacle(sc); !why.empty()) throw UsageError{"--shards: " + sc.name + " cannot run in shards: " + why};
  if (a->trace) throw UsageError{"--shards: --trace is for one process (its lanes depend on the order of all events)"};
  Shards shards;
  if (static_cast<std::size_t>(shards.size()) > sc.gateways().size())
    throw UsageError{"--shards: " + std::to_string(shards.size()) + " ranks for " + std::to_string(sc.gateways().size()) + " gateways: at most one rank per gateway"};
  return execute(&*a, sc, nullptr, {}, {}, &shards);
}

int cmd_hil(const std::vector<std::string>& args) {
  const auto a = parse_run_args(args, kHilHelp, Mode::hil);
  if (!a) return kOk;
  sim::Scenario sc = sim::load_scenario(a->scenario, a->overrides);
  for (const auto& [name, at] : a->gateways) {
    if (const std::string why = sim::check_bridge(sc, name, at); !why.empty()) throw UsageError{"--gateway " + name + ": " + why};
    sc.hil.gateways[name] = at;
  }
  check_fits_in_memory(sc);
  check_assertion_paths(sc, /*paced=*/true);
  hil::PacerConfig pace;
  pace.speed = a->speed.value_or(sc.hil.speed);
  pace.policy = (sc.hil.hard_limit && !a->best_effort) || a->hard_limit_ms ? hil::PacerConfig::Policy::hard_limit
                                                                          : hil::PacerConfig::Policy::best_effort;
  pace.max_lag_ms = a->hard_limit_ms.value_or(sc.hil.max_lag_ms);
  pace.tick_ms = sc.hil.tick_ms;
  hil::Pacer pacer(pace);
  hil::EventLoop loop;  // the bridges' sockets, polled by the simulation
  const std::uint64_t seed = a->seed.value_or(sc.seed);
  const bool secure = sc.security.has_value();
  return execute(&*a, sc, &pacer, pace, [&loop, seed, secure](const std::string& gateway, const sim::HilSpec::Bridge& at, std::uint32_t devices) {
    return make_bridge(loop, gateway, at, devices, secure ? sim::bench_password(seed, gateway) : std::string());
  });
}

}  // namespace twinbench::app
