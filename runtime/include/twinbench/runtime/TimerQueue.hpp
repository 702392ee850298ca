#pragma once
// A deterministic timer queue: timers fire in (deadline, creation order). It is the engine behind every
// event-loop Clock (simulated, manual); the loop asks next_deadline_us() and calls fire_due(now).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <vector>

#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::runtime {

class TimerQueue {
public:
  TimerId add(TimeUs deadline_us, std::function<void()> fn);
  bool cancel(TimerId id) { return live_.erase(id) > 0; }
  /** @brief Deadline of the earliest live timer, if any. */
  std::optional<TimeUs> next_deadline_us();
  /** @brief Run every timer whose deadline is <= now_us, including due ones they add. Returns how many ran. */
  std::size_t fire_due(TimeUs now_us);

private:
  struct Entry {
    TimeUs deadline_us;
    TimerId id;
    // std::priority_queue is a max-heap: invert so the earliest (then the oldest) is on top.
    bool operator<(const Entry& o) const { return deadline_us != o.deadline_us ? deadline_us > o.deadline_us : id > o.id; }
  };
  void drop_cancelled();

  std::priority_queue<Entry> heap_;
  std::map<TimerId, std::function<void()>> live_;  // cancelled timers leave the heap lazily
  TimerId next_id_ = 1;
};

/** @brief A Clock whose time moves only when told: for event loops driven by a test or a replay. */
class ManualClock final : public Clock {
public:
  TimeUs now_us() const override { return now_us_; }
  TimerId schedule(TimeUs delay_us, std::function<void()> fn) override { return timers_.add(now_us_ + delay_us, std::move(fn)); }
  bool cancel(TimerId id) override { return timers_.cancel(id); }
  /** @brief Move time forward to `t_us`, firing every timer due on the way in order. */
  void advance_to(TimeUs t_us);
  TimerQueue& timers() { return timers_; }

private:
  TimeUs now_us_ = 0;
  TimerQueue timers_;
};

}  // namespace twinbench::runtime
