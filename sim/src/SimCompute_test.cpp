// The gateway's CPU model against queueing theory: with Poisson arrivals and a fixed cost per arrival,
// SimCompute is an M/D/1 queue, whose mean wait is given by the Pollaczek-Khinchine formula,
// Wq = rho / (2 mu (1 - rho)) = rho D / (2 (1 - rho)) for a service time D.
#include "SimPorts.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace twinbench::sim {
namespace {

/** The mean wait of `n` arrivals at load `rho` on a 1e9 flop/s core serving 1 ms jobs. */
double mean_wait_us(double rho, std::size_t n, std::uint64_t seed) {
  SimClock clock;
  SimCompute cpu(clock, 1e9);
  constexpr double kServiceUs = 1000;  // 1e6 flops at 1e9 flop/s
  core::RngStream rng(seed);
  double t_us = 0, waited = 0;
  for (std::size_t i = 0; i < n; ++i) {
    t_us += -std::log(rng.uniform_open0()) * kServiceUs / rho;  // exponential gaps, mean D / rho
    const auto arrival = static_cast<runtime::TimeUs>(std::llround(t_us));
    clock.advance_to(arrival);  // what a gateway does with a frame that arrives: its clock never goes back
    cpu.charge(1e6);
    waited += static_cast<double>(clock.now_us() - arrival) - kServiceUs;  // done - arrival - service
  }
  return waited / static_cast<double>(n);
}

TEST(SimCompute, IsAnMD1QueueWhoseMeanWaitMatchesPollaczekKhinchine) {
  for (const double rho : {0.5, 0.8, 0.9}) {
    const double expected = rho * 1000 / (2 * (1 - rho));  // 500, 2000, 4500 us (M/M/1 would wait twice as long)
    const double measured = mean_wait_us(rho, 2'000'000, 3);
    EXPECT_NEAR(measured, expected, 0.02 * expected) << "load " << rho;
    RecordProperty("wait_us_at_" + std::to_string(static_cast<int>(rho * 100)), std::to_string(measured));
  }
}

}  // namespace
}  // namespace twinbench::sim
