#include "Output.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <optional>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "Commands.hpp"

namespace twinbench::app {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kResultsMarker = ".twinbench-results";
constexpr const char* kStagingMarker = ".twinbench-staging";

/** The marker's list of what the folder holds; nullopt if it has no marker of ours. Results of twinbench before
 * the marker (a run.json of format twinbench-run/1) count as holding the files those versions wrote. */
std::optional<std::set<std::string>> marked_files(const fs::path& dir) {
  std::ifstream in(dir / kResultsMarker);
  if (!in) {
    std::ifstream run(dir / "run.json");
    const json r = run ? json::parse(run, nullptr, false) : json();
    if (!r.is_object() || r.value("format", "") != "twinbench-run/1") return std::nullopt;
    return std::set<std::string>{"run.json", "summary.json", "messages.csv", "ground_truth.csv", "audit.jsonl", "versions.csv", "registry",
                                 "sites.csv", "gateways.csv", "timeseries.csv", "latency.csv"};
  }
  const json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || j.value("format", "") != "twinbench-results/1" || !j.contains("files") || !j["files"].is_array()) return std::nullopt;
  std::set<std::string> files = {kResultsMarker};
  for (const auto& f : j["files"])
    if (f.is_string()) files.insert(f.get<std::string>());
  return files;
}

/** <out>.partial-<pid>: the pid of a staging folder's name, or 0. */
pid_t staging_pid(const fs::path& out, const fs::path& candidate) {
  const std::string prefix = out.filename().string() + ".partial-", name = candidate.filename().string();
  if (!name.starts_with(prefix)) return 0;
  const std::string digits = name.substr(prefix.size());
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  return static_cast<pid_t>(std::stol(digits));
}

}  // namespace

void check_output_folder(const fs::path& out) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return;
  if (!fs::is_directory(out, ec)) throw UsageError{"--out: " + out.string() + " exists and is not a folder"};
  if (fs::is_empty(out, ec)) return;
  const auto ours = marked_files(out);
  if (!ours)
    throw UsageError{"--out: " + out.string() + " is a folder that twinbench did not write (no " + kResultsMarker +
                     "); results replace the whole folder, so choose an empty or new one"};
  for (const auto& entry : fs::directory_iterator(out, ec))
    if (!ours->count(entry.path().filename().string()))
      throw UsageError{"--out: " + out.string() + " holds " + entry.path().filename().string() +
                       ", which twinbench did not write there; results replace the whole folder, so move it or choose another folder"};
}

void check_output_file(const std::string& option, const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw UsageError{option + ": " + file.string() + " is a folder; expected a file"};
  const fs::path parent = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  if (!fs::is_directory(parent, ec)) throw UsageError{option + ": folder " + parent.string() + " does not exist"};
  if (::access(parent.c_str(), W_OK) != 0) throw UsageError{option + ": cannot write into " + parent.string()};
}

void remove_stale_staging(const fs::path& out) {
  std::error_code ec;
  const fs::path parent = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const pid_t pid = staging_pid(out, entry.path());
    if (pid <= 0 || !fs::exists(entry.path() / kStagingMarker, ec)) continue;  // only ours
    if (::kill(pid, 0) == 0 || errno == EPERM) continue;                       // its run is still going
    fs::remove_all(entry.path(), ec);
  }
}

Staging::Staging(fs::path out) : out_(std::move(out)) {
  std::error_code ec;
  const fs::path parent = out_.parent_path().empty() ? fs::path(".") : out_.parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw UsageError{"cannot create " + parent.string() + ": " + ec.message()};
  remove_stale_staging(out_);
  dir_ = out_.string() + ".partial-" + std::to_string(::getpid());
  fs::remove_all(dir_, ec);  // ours: this process's own name
  fs::create_directory(dir_, ec);
  if (ec) throw UsageError{"cannot create " + dir_.string() + ": " + ec.message()};
  write_file(dir_ / kStagingMarker, "twinbench staging folder of process " + std::to_string(::getpid()) + "\n");
}

Staging::~Staging() {
  if (published_) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void Staging::publish(const std::vector<std::pair<std::string, std::string>>& files, const std::string& scenario, std::uint64_t seed) {
  std::error_code ec;
  for (const auto& [name, content] : files) write_file(dir_ / name, content);
  fs::remove(dir_ / kStagingMarker, ec);
  json marker = {{"format", "twinbench-results/1"}, {"scenario", scenario}, {"seed", seed}, {"files", json::array()}};
  for (const auto& entry : fs::directory_iterator(dir_, ec)) marker["files"].push_back(entry.path().filename().string());
  std::sort(marker["files"].begin(), marker["files"].end());
  write_file(dir_ / kResultsMarker, marker.dump(2) + "\n");
  // One rename exchanges the new results and the old; the old ones, now under the staging name, go after.
  fs::path old;  // where the old results are once the new ones are in
  if (!fs::exists(out_, ec)) {
    fs::rename(dir_, out_, ec);
  } else if (::renameat2(AT_FDCWD, dir_.c_str(), AT_FDCWD, out_.c_str(), RENAME_EXCHANGE) == 0) {
    old = dir_;
  } else {  // a file system without the exchange: the old ones aside first (kept if the second rename fails), then the new ones in
    old = out_.string() + ".old-" + std::to_string(::getpid());
    fs::rename(out_, old, ec);
    if (!ec) fs::rename(dir_, out_, ec);
  }
  if (ec) throw UsageError{"cannot move the results into " + out_.string() + ": " + ec.message()};
  published_ = true;
  if (!old.empty()) fs::remove_all(old, ec);  // checked to be twinbench's results before the run
}

}  // namespace twinbench::app
