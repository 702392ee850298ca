#pragma once
// Where a run's results go, so that nothing of a user's is ever destroyed:
// - a results folder carries a marker (.twinbench-results: its format, the run, the files it holds), and
//   --out replaces only such a folder, holding nothing else;
// - a run writes into a staging folder beside it (<out>.partial-<pid>, with its own marker), made before
//   the run starts, so an unwritable place fails first;
// - the staging folder and the old results are exchanged by one rename, then the old ones are deleted: a
//   crash leaves either the old results or the new, never neither;
// - a staging folder left by a killed run (its process gone) is removed by the next run to that --out.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace twinbench::app {

/** @brief UsageError unless `out` is absent, empty, or results of twinbench's holding nothing else. */
void check_output_folder(const std::filesystem::path& out);
/** @brief UsageError unless `file` can be written: not a folder, its folder exists and is writable. */
void check_output_file(const std::string& option, const std::filesystem::path& file);
/** @brief Remove the staging folders of runs to `out` whose process is gone. */
void remove_stale_staging(const std::filesystem::path& out);

class Staging {
public:
  /** @brief Makes <out>.partial-<pid> (UsageError if it cannot). */
  explicit Staging(std::filesystem::path out);
  ~Staging();  ///< removes the staging folder unless published
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  const std::filesystem::path& path() const { return dir_; }
  /** @brief Writes the files (and keeps what the run already put in the folder), the marker, and swaps it in for `out`. */
  void publish(const std::vector<std::pair<std::string, std::string>>& files, const std::string& scenario, std::uint64_t seed);

private:
  std::filesystem::path out_, dir_;
  bool published_ = false;
};

}  // namespace twinbench::app
