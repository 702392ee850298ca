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
#include "twinbench/results/Sweep.hpp"
#include "twinbench/sim/ScenarioLoader.hpp"

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

struct Plan {
  std::string scenario;  ///< absolute path
  std::string name;
  std::vector<std::uint64_t> seeds;
  struct Axis {
    std::string pointer;
    std::vector<std::string> values;  ///< as --set takes them
  };
  std::vector<Axis> grid;
  std::vector<sim::Override> set;
  struct Point {
    std::string id;
    std::vector<sim::Override> params;
  };
  std::vector<Point> points;

  std::size_t cells() const { return points.size() * seeds.size(); }
  const Point& point_of(std::size_t k) const { return points[k / seeds.size()]; }
  std::uint64_t seed_of(std::size_t k) const { return seeds[k % seeds.size()]; }
  std::string cell_name(std::size_t k) const { return point_of(k).id + "/seed-" + std::to_string(seed_of(k)); }
  fs::path cell_dir(const fs::path& out, std::size_t k) const { return out / "cells" / point_of(k).id / ("seed-" + std::to_string(seed_of(k))); }
  fs::path log_of(const fs::path& out, std::size_t k) const {
    return out / "logs" / (point_of(k).id + "-seed-" + std::to_string(seed_of(k)) + ".log");
  }
  std::vector<sim::Override> overrides(const Point& p) const {
    std::vector<sim::Override> o = set;
    o.insert(o.end(), p.params.begin(), p.params.end());
    return o;
  }
  std::vector<std::string> run_args(const fs::path& out, std::size_t k) const {
    std::vector<std::string> a = {"run", scenario, "--seed", std::to_string(seed_of(k))};
    for (const sim::Override& o : overrides(point_of(k))) a.push_back("--set"), a.push_back(o.pointer + "=" + o.value);
    a.push_back("--out"), a.push_back(cell_dir(out, k).string());
    a.push_back("--quiet");
    return a;
  }
  /** The plan's identity: a folder holds one scenario and grid; its seeds may grow. */
  json identity() const {
    json g = json::array(), s = json::array();
    for (const Axis& a : grid) g.push_back({{"pointer", a.pointer}, {"values", a.values}});
    for (const sim::Override& o : set) s.push_back({{"pointer", o.pointer}, {"value", o.value}});
    return {{"scenario", scenario}, {"grid", g}, {"set", s}};
  }
  json to_json() const {
    json j = {{"format", "twinbench-sweep/1"}, {"name", name}};
    j.update(identity());
    j["seeds"] = seeds;
    return j;
  }
};

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

std::string self_exe() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find the twinbench executable (/proc/self/exe): " + ec.message());
  return p.string();
}

bool complete(const fs::path& cell) {
  std::error_code ec;
  return fs::exists(cell / "run.json", ec) && fs::exists(cell / "summary.json", ec);
}

/** What killed or interrupted runs left beside their cell folders (their staging and registry folders): the sweep's own. */
void remove_leftovers(const fs::path& out) {
  std::error_code ec;
  if (!fs::is_directory(out / "cells", ec)) return;
  for (const auto& point : fs::directory_iterator(out / "cells", ec))
    for (const auto& entry : fs::directory_iterator(point.path(), ec)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("seed-") && (name.find(".partial-") != std::string::npos || name.find(".registry-") != std::string::npos))
        fs::remove_all(entry.path(), ec);
    }
}

std::string clock_text(double s) {
  const auto t = static_cast<long>(std::lround(s));
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

/** Progress on stderr: a bar with an ETA on a terminal, a line per finished cell otherwise. */
class Progress {
public:
  Progress(std::size_t total, std::size_t done, unsigned jobs, bool quiet)
      : total_(total), done_(done), jobs_(jobs), quiet_(quiet), tty_(::isatty(2) == 1), start_(std::chrono::steady_clock::now()) {}
  void finished(const std::string& cell, bool ok, int code, double wall_s, const fs::path& log) {
    ++done_, ++ran_, run_s_ += wall_s;
    last_finish_ = std::chrono::steady_clock::now();
    failed_ += !ok;
    if (quiet_) return;
    if (tty_) {
      if (!ok) std::fprintf(stderr, "\r\x1b[K[sweep] %s failed (%s); its output: %s\n", cell.c_str(), why(code).c_str(), log.c_str());
      bar();
    } else {
      std::fprintf(stderr, "[sweep] %zu/%zu %s: %s in %.1f s%s\n", done_, total_, cell.c_str(), ok ? "done" : why(code).c_str(), wall_s,
                   ok ? "" : (", output in " + log.string()).c_str());
    }
  }
  void start() {
    if (!quiet_ && tty_) bar();
  }
  /** The bar again, at most once a second, while cells run. */
  void tick() {
    const auto now = std::chrono::steady_clock::now();
    if (quiet_ || !tty_ || now - drawn_ < std::chrono::seconds(1)) return;
    bar();
  }
  void end() {
    if (!quiet_ && tty_) std::fputc('\n', stderr);
  }

private:
  static std::string why(int code) {
    if (code >= 128) return "killed by signal " + std::to_string(code - 128);
    return "exit " + std::to_string(code);
  }
  void bar() {
    drawn_ = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(drawn_ - start_).count();
    constexpr int width = 30;
    const int filled = total_ ? static_cast<int>(width * done_ / total_) : width;
    std::string eta = "--:--";
    if (ran_ > 0) {  // the mean cell's time for what is left, counting down since the last cell finished
      const double since = std::chrono::duration<double>(drawn_ - last_finish_).count();
      eta = clock_text(std::max(0.0, run_s_ / static_cast<double>(ran_) * static_cast<double>(total_ - done_) / jobs_ - since));
    }
    std::fprintf(stderr, "\r\x1b[K[sweep] [%s%s] %zu/%zu cells%s, %s elapsed, ETA %s", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done_, total_, failed_ ? (", " + std::to_string(failed_) + " failed").c_str() : "",
                 clock_text(elapsed).c_str(), eta.c_str());
  }
  std::size_t total_, done_, ran_ = 0, failed_ = 0;
  unsigned jobs_;
  bool quiet_, tty_;
  double run_s_ = 0;
  std::chrono::steady_clock::time_point start_, drawn_, last_finish_;
};

volatile sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

/** Runs the pending cells, `jobs` at a time; returns false if interrupted. */
bool run_local(const Plan& plan, const fs::path& out, unsigned jobs, bool quiet) {
  std::vector<std::size_t> pending;
  for (std::size_t k = 0; k < plan.cells(); ++k)
    if (!complete(plan.cell_dir(out, k))) pending.push_back(k);
  Progress progress(plan.cells(), plan.cells() - pending.size(), jobs, quiet);
  if (pending.empty()) return true;
  const std::string exe = self_exe();
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;  // no SA_RESTART: waitpid returns at once
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  struct Child {
    std::size_t cell;
    std::chrono::steady_clock::time_point start;
  };
  std::map<pid_t, Child> running;
  std::size_t next = 0;
  progress.start();
  while ((next < pending.size() || !running.empty())) {
    while (!g_interrupted && next < pending.size() && running.size() < jobs) {
      const std::size_t k = pending[next++];
      std::vector<std::string> args = plan.run_args(out, k);
      args.insert(args.begin(), exe);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      const std::string log = plan.log_of(out, k).string();
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      posix_spawn_file_actions_adddup2(&actions, 1, 2);
      pid_t pid = 0;
      const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&actions);
      if (rc != 0) throw std::runtime_error("cannot start " + exe + ": " + std::strerror(rc));
      running[pid] = {k, std::chrono::steady_clock::now()};
    }
    if (running.empty()) break;
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0) {  // all still running: keep the bar's clock going
      progress.tick();
      ::usleep(200'000);  // returns early on a signal
      if (g_interrupted)
        for (const auto& [p, c] : running) ::kill(p, SIGTERM);
      continue;
    }
    if (pid < 0) {
      if (errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
      if (g_interrupted)
        for (const auto& [p, c] : running) ::kill(p, SIGTERM);
      continue;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const Child c = it->second;
    running.erase(it);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start).count();
    // Exit 1 is a failed per-run gate: the cell has its results all the same.
    const bool ok = complete(plan.cell_dir(out, c.cell)) && (code == 0 || code == 1);
    if (!g_interrupted || ok) progress.finished(plan.cell_name(c.cell), ok, code, wall, plan.log_of(out, c.cell));
  }
  progress.end();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (g_interrupted) remove_leftovers(out);
  return !g_interrupted;
}

/** "0-3,7,9-12" */
std::string array_spec(const std::vector<std::size_t>& ks) {
  std::string s;
  for (std::size_t i = 0; i < ks.size();) {
    std::size_t j = i;
    while (j + 1 < ks.size() && ks[j + 1] == ks[j] + 1) ++j;
    s += (s.empty() ? "" : ",") + std::to_string(ks[i]) + (j > i ? "-" + std::to_string(ks[j]) : "");
    i = j + 1;
  }
  return s;
}

std::string shell_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

/** Run a command, its stdout captured; returns its exit code (127 if it could not start). */
int run_command(const std::vector<std::string>& args, std::string& stdout_text) {
  int pipe_fd[2];
  if (::pipe(pipe_fd) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fd[1], 1);
  posix_spawn_file_actions_addclose(&actions, pipe_fd[0]);
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fd[1]);
  if (rc != 0) {
    ::close(pipe_fd[0]);
    return 127;
  }
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fd[0], buf, sizeof buf)) > 0;) stdout_text.append(buf, static_cast<std::size_t>(n));
  ::close(pipe_fd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct EngineOptions {
  std::string engine = "local";
  bool wait = false, dry_run = false;
  std::vector<std::string> sbatch_options;
  std::string image = "twinbench:latest";
  unsigned jobs = 1;
};

/** Slurm: a job array, one task per pending cell, each `twinbench sweep --run-cell K DIR`. Returns true when the cells are done. */
bool run_slurm(const Plan& plan, const fs::path& out, const EngineOptions& e, bool quiet) {
  std::vector<std::size_t> pending;
  for (std::size_t k = 0; k < plan.cells(); ++k)
    if (!complete(plan.cell_dir(out, k))) pending.push_back(k);
  if (pending.empty()) return true;
  std::string script = "#!/bin/bash\n# twinbench sweep of " + plan.name + ": one array task per cell (cells/<point>/seed-<N>).\n";
  script += "#SBATCH --job-name=twinbench-" + plan.name + "\n";
  script += "#SBATCH --array=" + array_spec(pending) + (e.jobs ? "%" + std::to_string(e.jobs) : "") + "\n";
  script += "#SBATCH --output=" + (out / "logs" / "slurm-%A_%a.out").string() + "\n";
  script += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n";
  for (const auto& o : e.sbatch_options) script += "#SBATCH " + o + "\n";
  script += "exec " + shell_quote(self_exe()) + " sweep --run-cell \"$SLURM_ARRAY_TASK_ID\" " + shell_quote(out.string()) + "\n";
  write_file(out / "sweep.sbatch", script);
  if (e.dry_run) {
    std::cout << "twinbench sweep: wrote " << (out / "sweep.sbatch").string() << " (" << pending.size()
              << " cells); submit it with sbatch, then collect with: twinbench sweep --collect " << out.string() << '\n';
    return false;
  }
  std::vector<std::string> cmd = {"sbatch", "--parsable"};
  if (e.wait) cmd.push_back("--wait");
  cmd.push_back((out / "sweep.sbatch").string());
  if (!quiet) std::fprintf(stderr, "[sweep] submitting %zu cells to Slurm%s\n", pending.size(), e.wait ? " and waiting for them" : "");
  std::string job;
  const int code = run_command(cmd, job);
  if (code == 127) throw UsageError{"--engine slurm: cannot run sbatch (is Slurm installed and on the PATH?)"};
  while (!job.empty() && (job.back() == '\n' || job.back() == '\r')) job.pop_back();
  if (!e.wait) {
    if (code != 0) throw UsageError{"--engine slurm: sbatch failed (exit " + std::to_string(code) + ")"};
    std::cout << "twinbench sweep: submitted Slurm job " << job << " (" << pending.size() << " cells); collect with: twinbench sweep --collect "
              << out.string() << '\n';
    return false;
  }
  if (!quiet) std::fprintf(stderr, "[sweep] Slurm job %s finished (sbatch exit %d)\n", job.c_str(), code);
  return true;  // failed tasks show as failed cells when collected
}

void write_k8s(const Plan& plan, const fs::path& out, const EngineOptions& e) {
  std::string y;
  y += "# twinbench sweep of " + plan.name + " as a Kubernetes Indexed Job: pod i runs cell i of the plan in sweep.json.\n";
  y += "# The sweep's folder (with sweep.json) must be on the volume mounted at /sweep; the image must hold twinbench and\n";
  y += "# the scenario at " + plan.scenario + ". Apply with kubectl apply -f job.yaml, then: twinbench sweep --collect <folder>.\n";
  std::string name = "twinbench-sweep-";  // a DNS-1123 label: lower case, digits and '-', at most 63
  for (char c : plan.name) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '-';
  name = name.substr(0, 63);
  while (name.back() == '-') name.pop_back();
  y += "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: " + name + "\nspec:\n";
  y += "  completionMode: Indexed\n  completions: " + std::to_string(plan.cells()) + "\n  parallelism: " + std::to_string(e.jobs) + "\n";
  y += "  backoffLimit: " + std::to_string(plan.cells()) + "  # a failed pod is tried again (its cell resumes: completed cells are skipped)\n";
  y += "  template:\n    spec:\n      restartPolicy: Never\n      containers:\n";
  y += "        - name: cell\n          image: " + e.image + "\n";
  y += "          command: [\"twinbench\", \"sweep\", \"--run-cell\", \"$(JOB_COMPLETION_INDEX)\", \"/sweep\"]\n";
  y += "          resources:\n            requests:\n              cpu: \"1\"\n              memory: 1Gi\n";
  y += "          volumeMounts:\n            - name: sweep\n              mountPath: /sweep\n";
  y += "      volumes:\n        - name: sweep\n          persistentVolumeClaim:\n            claimName: twinbench-sweep\n";
  write_file(out / "job.yaml", y);
  std::cout << "twinbench sweep: wrote " << (out / "job.yaml").string() << " (" << plan.cells() << " cells)\n";
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
  if (!quiet) std::cerr << "[sweep] results in " << out.string() << " (cells.csv, aggregate.json)\n";
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
      const std::uint64_t j = parse_seed(value(), "--jobs");
      if (j < 1 || j > 1024) throw UsageError{"--jobs: expected 1 to 1024 workers"};
      e.jobs = static_cast<unsigned>(j);
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
  if (junit) {
    const fs::path parent = fs::path(*junit).parent_path();
    if (!parent.empty() && !fs::is_directory(parent)) throw UsageError{"--junit: folder " + parent.string() + " does not exist"};
    if (fs::is_directory(*junit)) throw UsageError{"--junit: " + *junit + " is a folder; expected a file"};
  }
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
  remove_leftovers(out);

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
