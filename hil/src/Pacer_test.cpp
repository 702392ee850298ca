// The pacer against the real steady clock. Only lower bounds on wall time are asserted (sleeping never
// ends early); whatever a loaded machine adds can only make runs later, which the lag reports.
#include "twinbench/hil/Pacer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace twinbench::hil {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

TEST(Pacer, HoldsSimulatedTimeToTheWallClockTimesTheSpeed) {
  Pacer p({10.0, PacerConfig::Policy::best_effort, 100, 5});
  EXPECT_DOUBLE_EQ(p.tick_s(), 0.05);  // 5 ms of wall time at 10x
  const auto start = Clock::now();
  for (int k = 1; k <= 6; ++k) ASSERT_TRUE(p.tick(0.05 * k));
  EXPECT_GE(ms_since(start), 25.0);  // ticks 2..6 are each 5 ms after the first
  const PacerReport r = p.report();
  EXPECT_EQ(r.ticks, 6u);
  EXPECT_LE(r.achieved_speed, 10.5);
}

TEST(Pacer, ASimulationThatFallsBehindHasLagAndTheHardLimitStopsIt) {
  Pacer lenient({10.0, PacerConfig::Policy::best_effort, 5, 1});
  Pacer strict({10.0, PacerConfig::Policy::hard_limit, 5, 1});
  ASSERT_TRUE(lenient.tick(0.0));
  ASSERT_TRUE(strict.tick(0.0));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // the simulation is slow: 0.1 s simulated is due after 10 ms
  EXPECT_TRUE(lenient.tick(0.1));
  EXPECT_FALSE(strict.tick(0.1));
  const PacerReport r = lenient.report();
  EXPECT_GE(r.lag_max_ms, 19.0);
  EXPECT_EQ(r.missed, 1u);  // more than one 1 ms tick late
  EXPECT_NE(strict.stopped_because().find("behind the wall clock at simulated 0.100 s (hard limit 5 ms at speed 10)"), std::string::npos)
      << strict.stopped_because();
  EXPECT_TRUE(lenient.stopped_because().empty());
}

TEST(Pacer, RefusesANonPositivePace) {
  EXPECT_THROW(Pacer({0.0, PacerConfig::Policy::best_effort, 100, 10}), std::invalid_argument);
  EXPECT_THROW(Pacer({1.0, PacerConfig::Policy::best_effort, 100, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace twinbench::hil
