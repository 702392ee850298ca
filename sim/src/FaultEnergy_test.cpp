#include "twinbench/sim/FaultEnergy.hpp"

#include <gtest/gtest.h>

namespace twinbench::sim {
namespace {

TEST(FaultEnergy, ExcessIsAgainstTheMeanPowerBeforeTheOnsetReportedHourly) {
  // Worked by hand: 10 kW and 12 kW before the onset at 100 s (healthy 11 kW); then 15 kW for 0.5 h at
  // t = 100 (report: 2 kWh) and 13 kW for 0.5 h at t = 1900 (1 kWh more, no report before t = 3700).
  FaultEnergy f(3);
  EXPECT_FALSE(f.tracks(1));
  f.track(1, 100);
  EXPECT_TRUE(f.tracks(1));
  EXPECT_FALSE(f.tracks(0));
  f.observe(1, 0, 0, 10, 0.5);
  f.observe(1, 50, 50'000'000, 12, 0.5);
  f.observe(1, 100, 100'000'000, 15, 0.5);
  f.observe(1, 1900, 1'900'000'000, 13, 0.5);
  f.observe(1, 3700, 3'700'000'000, 11, 0.5);
  const auto r = f.take();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].t_us, 100'000'000);
  EXPECT_DOUBLE_EQ(r[0].healthy_kw, 11.0);
  EXPECT_DOUBLE_EQ(r[0].excess_kwh, 2.0);
  EXPECT_EQ(r[1].t_us, 3'700'000'000);
  EXPECT_DOUBLE_EQ(r[1].excess_kwh, 3.0);
  EXPECT_TRUE(f.take().empty());
}

}  // namespace
}  // namespace twinbench::sim
