#pragma once
// twinbench sweep's plan (sweep.json: the scenario, its seeds and grid, the cells) and the engines that run
// its cells: local worker processes, a Slurm job array, a Kubernetes Indexed Job.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "twinbench/sim/ScenarioLoader.hpp"

namespace twinbench::app {

/** What a sweep runs: a cell per (grid point, seed), cell k = point k / seeds, seed k % seeds. */
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
  std::filesystem::path cell_dir(const std::filesystem::path& out, std::size_t k) const { return out / "cells" / point_of(k).id / ("seed-" + std::to_string(seed_of(k))); }
  std::filesystem::path log_of(const std::filesystem::path& out, std::size_t k) const {
    return out / "logs" / (point_of(k).id + "-seed-" + std::to_string(seed_of(k)) + ".log");
  }
  std::vector<sim::Override> overrides(const Point& p) const {
    std::vector<sim::Override> o = set;
    o.insert(o.end(), p.params.begin(), p.params.end());
    return o;
  }
  std::vector<std::string> run_args(const std::filesystem::path& out, std::size_t k) const {
    std::vector<std::string> a = {"run", scenario, "--seed", std::to_string(seed_of(k))};
    for (const sim::Override& o : overrides(point_of(k))) a.push_back("--set"), a.push_back(o.pointer + "=" + o.value);
    a.push_back("--out"), a.push_back(cell_dir(out, k).string());
    a.push_back("--quiet");
    return a;
  }
  /** The plan's identity: a folder holds one scenario and grid; its seeds may grow. */
  nlohmann::ordered_json identity() const {
    nlohmann::ordered_json g = nlohmann::ordered_json::array(), s = nlohmann::ordered_json::array();
    for (const Axis& a : grid) g.push_back({{"pointer", a.pointer}, {"values", a.values}});
    for (const sim::Override& o : set) s.push_back({{"pointer", o.pointer}, {"value", o.value}});
    return {{"scenario", scenario}, {"grid", g}, {"set", s}};
  }
  nlohmann::ordered_json to_json() const {
    nlohmann::ordered_json j = {{"format", "twinbench-sweep/1"}, {"name", name}};
    j.update(identity());
    j["seeds"] = seeds;
    return j;
  }
};


/** @brief The cell's results are complete (a run publishes its folder whole or not at all). */
bool complete(const std::filesystem::path& cell);
/** @brief Remove what killed or interrupted runs left beside their cell folders (their staging folders). */
void remove_leftovers(const Plan& plan, const std::filesystem::path& out);
/** @brief This executable's path, for the cells' processes and job scripts. */
std::string self_exe();

struct EngineOptions {
  std::string engine = "local";
  bool wait = false, dry_run = false;
  std::vector<std::string> sbatch_options;
  std::string image = "twinbench:latest";
  unsigned jobs = 1;
};

/** @brief Runs the cells without results, `jobs` at a time, each its own `twinbench run`; false if interrupted (SIGINT, SIGTERM). */
bool run_local(const Plan& plan, const std::filesystem::path& out, unsigned jobs, bool quiet);
/** @brief Writes sweep.sbatch (a task per cell without results) and submits it; true when the cells are done (--wait). */
bool run_slurm(const Plan& plan, const std::filesystem::path& out, const EngineOptions& e, bool quiet);
/** @brief Writes job.yaml, a Kubernetes Indexed Job of the plan's cells. */
void write_k8s(const Plan& plan, const std::filesystem::path& out, const EngineOptions& e);

}  // namespace twinbench::app
