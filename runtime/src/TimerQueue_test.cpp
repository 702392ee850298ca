#include "twinbench/runtime/TimerQueue.hpp"

#include <gtest/gtest.h>

#include <string>

namespace twinbench::runtime {
namespace {

TEST(TimerQueue, FiresInDeadlineThenCreationOrder) {
  ManualClock clock;
  std::string log;
  clock.schedule(20, [&] { log += "c"; });
  clock.schedule(10, [&] { log += "a"; });
  clock.schedule(10, [&] { log += "b"; });
  clock.advance_to(15);
  EXPECT_EQ(log, "ab");
  clock.advance_to(100);
  EXPECT_EQ(log, "abc");
  EXPECT_EQ(clock.now_us(), 100);
}

TEST(TimerQueue, CancelledTimersDoNotFire) {
  ManualClock clock;
  int fired = 0;
  const TimerId id = clock.schedule(5, [&] { ++fired; });
  EXPECT_TRUE(clock.cancel(id));
  EXPECT_FALSE(clock.cancel(id));
  EXPECT_FALSE(clock.timers().next_deadline_us().has_value());
  clock.advance_to(10);
  EXPECT_EQ(fired, 0);
}

TEST(TimerQueue, TimersAddedWhileFiringRunAtTheirOwnTime) {
  ManualClock clock;
  std::vector<TimeUs> at;
  std::function<void()> tick = [&] {
    at.push_back(clock.now_us());
    if (at.size() < 4) clock.schedule(10, tick);
  };
  clock.schedule(10, tick);
  clock.advance_to(1000);
  EXPECT_EQ(at, (std::vector<TimeUs>{10, 20, 30, 40}));
}

}  // namespace
}  // namespace twinbench::runtime
