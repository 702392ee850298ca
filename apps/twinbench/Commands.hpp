#pragma once
// The twinbench CLI's subcommands. Exit codes: 0 ok, 1 an assertion failed, 2 bad input or usage, 3 internal error.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "twinbench/results/Assertions.hpp"

namespace twinbench::sim {
struct Scenario;
}

namespace twinbench::app {

enum ExitCode : int { kOk = 0, kAssertionFailed = 1, kBadInput = 2, kInternalError = 3 };

/** @brief A usage or input error: the message is printed as is and the exit code is 2. */
struct UsageError {
  std::string message;
};

/** @brief Write `content` to `p` (UsageError if it cannot be written). */
void write_file(const std::filesystem::path& p, const std::string& content);
/** @brief A seed: a non-negative integer (UsageError naming `option` otherwise). */
std::uint64_t parse_seed(const std::string& s, const std::string& option = "--seed");
/** @brief The KPI table of a run's summary.json on stdout (`verb`: "run" or "hil"; with the pacing for hil). */
void print_kpi_table(const nlohmann::ordered_json& summary, const char* verb);
/** @brief Every assertion names a KPI of summary.json and a known statistic (sim::ScenarioError otherwise). */
void check_assertion_paths(const sim::Scenario& sc, bool paced = false);
std::vector<results::AssertionSpec> assertion_specs(const sim::Scenario& sc);
/** @brief `runs` runs of the scenario at once fit in the memory this machine has available (sim::ScenarioError
 * saying how much they need otherwise). */
void check_fits_in_memory(const sim::Scenario& sc, unsigned runs = 1);

int cmd_run(const std::vector<std::string>& args);
int cmd_hil(const std::vector<std::string>& args);
int cmd_audit(const std::vector<std::string>& args);
int cmd_ota(const std::vector<std::string>& args);
int cmd_credentials(const std::vector<std::string>& args);
int cmd_shape(const std::vector<std::string>& args);
int cmd_validate(const std::vector<std::string>& args);
int cmd_twins(const std::vector<std::string>& args);
int cmd_train(const std::vector<std::string>& args);
int cmd_sweep(const std::vector<std::string>& args);
int cmd_compare(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);

}  // namespace twinbench::app
