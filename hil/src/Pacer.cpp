#include "twinbench/hil/Pacer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace twinbench::hil {

Pacer::Pacer(PacerConfig config) : config_(config) {
  if (!(config_.speed > 0) || !(config_.tick_ms > 0) || !(config_.max_lag_ms > 0)) throw std::invalid_argument("Pacer: speed, tick and lag limit must be positive");
}

bool Pacer::tick(double sim_s) {
  if (!started_) {  // the first tick starts the wall clock: building the world is not part of the run
    start_ = Clock::now() - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(sim_s / config_.speed));
    started_ = true;
  }
  last_sim_s_ = sim_s;
  const auto due = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(sim_s / config_.speed));
  const auto now = Clock::now();
  if (now < due) {
    std::this_thread::sleep_until(due);
    lags_ms_.push_back(0);
    return true;
  }
  const double lag_ms = std::chrono::duration<double, std::milli>(now - due).count();
  lags_ms_.push_back(lag_ms);
  if (lag_ms > config_.tick_ms) ++missed_;
  if (config_.policy == PacerConfig::Policy::hard_limit && lag_ms > config_.max_lag_ms) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "the simulation fell %.1f ms behind the wall clock at simulated %.3f s (hard limit %.4g ms at speed %.4g): "
                  "this machine cannot run the scenario that fast; lower the speed or the fleet",
                  lag_ms, sim_s, config_.max_lag_ms, config_.speed);
    stopped_ = buf;
    return false;
  }
  return true;
}

PacerReport Pacer::report() const {
  PacerReport r;
  r.ticks = lags_ms_.size();
  r.missed = missed_;
  if (!lags_ms_.empty()) {
    std::vector<double> sorted = lags_ms_;
    std::sort(sorted.begin(), sorted.end());
    const auto at = [&](double q) { return sorted[static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size()))) - 1]; };
    r.lag_p50_ms = at(0.50);
    r.lag_p99_ms = at(0.99);
    r.lag_max_ms = sorted.back();
  }
  if (started_) {
    r.wall_s = std::chrono::duration<double>(Clock::now() - start_).count();
    r.achieved_speed = r.wall_s > 0 ? last_sim_s_ / r.wall_s : 0;
  }
  return r;
}

}  // namespace twinbench::hil
