#pragma once
// Run one scenario under SimGrid. This header is SimGrid-free; the engine lives in sim/src.

#include <cstdint>
#include <functional>

#include "twinbench/runtime/ports/Sink.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::sim {

struct RunOptions {
  std::uint64_t seed = 1;
  /** @brief Called at every 1 % of simulated time with the simulated seconds reached (no effect on results). */
  std::function<void(double sim_s)> on_progress;
};

/**
 * @brief Simulate `scenario` with `options.seed`; every event goes to `sink` in simulated-time order.
 * SimGrid's engine is a process-wide singleton: call this at most once per process.
 */
void run_simulation(const Scenario& scenario, const RunOptions& options, runtime::Sink& sink);

}  // namespace twinbench::sim
