// The engines of twinbench sweep: local worker processes (with progress and Ctrl-C), a Slurm job array,
// a Kubernetes Indexed Job manifest. Every cell is a `twinbench run` of the plan (SweepPlan.hpp).

#include "SweepPlan.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>

#include "Commands.hpp"
#include "Output.hpp"

extern char** environ;

namespace twinbench::app {

namespace fs = std::filesystem;

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

void remove_leftovers(const Plan& plan, const fs::path& out) {
  for (std::size_t k = 0; k < plan.cells(); ++k) remove_stale_staging(plan.cell_dir(out, k));
}

namespace {

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

}  // namespace

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
  if (g_interrupted) remove_leftovers(plan, out);
  return !g_interrupted;
}

namespace {

/** "0-3,7,9-12" */
std::string array_spec(const std::vector<std::size_t>& ks) {
  std::string s;
  for (std::size_t i = 0; i < ks.size();) {
    std::size_t j = i;
    while (j + 1 < ks.size() && ks[j + 1] == ks[j] + 1) ++j;
    if (!s.empty()) s += ',';  // appends: GCC 12 warns falsely (-Wrestrict) on "-" + string
    s += std::to_string(ks[i]);
    if (j > i) s += '-', s += std::to_string(ks[j]);
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

}  // namespace

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

}  // namespace twinbench::app
