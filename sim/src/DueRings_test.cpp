#include "twinbench/sim/DueRings.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace twinbench::sim {
namespace {

using runtime::TimeUs;

/** The next `n` reports as (time, device), each rescheduled. */
std::vector<std::pair<TimeUs, std::uint32_t>> reports(DueRings& r, int n) {
  std::vector<std::pair<TimeUs, std::uint32_t>> out;
  for (int k = 0; k < n; ++k) {
    const DueRings::Due d = r.next();
    out.emplace_back(d.t_us, d.device);
    r.reschedule();
  }
  return out;
}

TEST(DueRings, DevicesReportInTimeOrderEachPeriod) {
  DueRings r({30, 10, 20}, 100);
  const std::vector<std::pair<TimeUs, std::uint32_t>> expected = {{10, 1}, {20, 2}, {30, 0}, {110, 1}, {120, 2}, {130, 0}};
  EXPECT_EQ(reports(r, 6), expected);
}

TEST(DueRings, ANewPeriodReportsAtOnceAndTheOldEntryIsForgotten) {
  DueRings r({10, 20}, 100);
  reports(r, 2);  // both rescheduled: 110, 120
  r.set_period(1, 30, 50);  // device 1 from t = 50 every 30
  EXPECT_EQ(r.period_us(1), 30);
  const std::vector<std::pair<TimeUs, std::uint32_t>> expected = {{50, 1}, {80, 1}, {110, 0}, {110, 1}, {140, 1}, {170, 1}, {200, 1}, {210, 0}};
  EXPECT_EQ(reports(r, 8), expected);  // never at 120: that entry went stale
}

TEST(DueRings, BackToTheFirstPeriodJoinsItsRing) {
  DueRings r({10, 20}, 100);
  r.set_period(0, 50, 5);
  r.set_period(0, 100, 7);  // the 50 ring empties and goes; device 0 is back on the 100 ring, at once
  const std::vector<std::pair<TimeUs, std::uint32_t>> expected = {{7, 0}, {20, 1}, {107, 0}, {120, 1}};
  EXPECT_EQ(reports(r, 4), expected);
}

}  // namespace
}  // namespace twinbench::sim
