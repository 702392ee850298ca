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
  /**
   * @brief Called every `tick_s` of simulated time from an actor of its own, which holds the simulation
   * while it runs (a pacer that keeps it to the wall clock: hil/Pacer). It returns false to stop the run
   * at that instant. Nothing else is shared with the simulation, so ticking cannot change its results.
   */
  std::function<bool(double sim_s)> on_tick;
  double tick_s = 0.01;
};

/**
 * @brief Simulate `scenario` with `options.seed`; every event goes to `sink` in simulated-time order.
 * Returns false if `on_tick` stopped the run before its end.
 * SimGrid's engine is a process-wide singleton: call this at most once per process.
 */
bool run_simulation(const Scenario& scenario, const RunOptions& options, runtime::Sink& sink);

}  // namespace twinbench::sim
