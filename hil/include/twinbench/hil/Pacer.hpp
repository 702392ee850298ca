#pragma once
// Holds a simulation to the wall clock for hardware-in-the-loop runs: simulated time t must not run ahead
// of wall time t0 + t / speed. The simulation calls tick() at regular simulated instants (from one of its
// actors, so that sleeping here holds the whole simulation); tick() sleeps until the instant is due, or
// measures how late the simulation reached it (its lag). Under the hard-limit policy a lag beyond the
// limit stops the run. This is the only place the simulation's pace meets the wall clock (in hil/:
// sim/ never reads it).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace twinbench::hil {

struct PacerConfig {
  double speed = 1.0;        ///< simulated seconds per wall second (1 = real time)
  enum class Policy : std::uint8_t { best_effort, hard_limit } policy = Policy::best_effort;
  double max_lag_ms = 100;   ///< hard limit: stop when the simulation is this far behind the wall clock
  double tick_ms = 10;       ///< wall time between ticks; the simulation ticks every tick_ms x speed simulated ms
};

struct PacerReport {
  std::uint64_t ticks = 0;
  std::uint64_t missed = 0;  ///< ticks reached more than one tick late
  double lag_p50_ms = 0, lag_p99_ms = 0, lag_max_ms = 0;
  double wall_s = 0;
  double achieved_speed = 0;  ///< simulated seconds per wall second, over the run
};

class Pacer {
public:
  explicit Pacer(PacerConfig config);
  /** @brief Simulated seconds between ticks. */
  double tick_s() const { return config_.tick_ms * 1e-3 * config_.speed; }
  /** @brief Simulated time `sim_s` has been reached: wait for the wall clock; false if the hard limit was passed. */
  bool tick(double sim_s);
  PacerReport report() const;
  /** @brief Why the run was stopped (empty if it was not). */
  const std::string& stopped_because() const { return stopped_; }

private:
  using Clock = std::chrono::steady_clock;
  PacerConfig config_;
  Clock::time_point start_;
  bool started_ = false;
  double last_sim_s_ = 0;
  std::vector<double> lags_ms_;
  std::uint64_t missed_ = 0;
  std::string stopped_;
};

}  // namespace twinbench::hil
