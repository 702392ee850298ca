#include "twinbench/runtime/TimerQueue.hpp"

#include <cassert>

namespace twinbench::runtime {

TimerId TimerQueue::add(TimeUs deadline_us, std::function<void()> fn) {
  const TimerId id = next_id_++;
  heap_.push({deadline_us, id});
  live_.emplace(id, std::move(fn));
  return id;
}

void TimerQueue::drop_cancelled() {
  while (!heap_.empty() && !live_.contains(heap_.top().id)) heap_.pop();
}

std::optional<TimeUs> TimerQueue::next_deadline_us() {
  drop_cancelled();
  if (heap_.empty()) return std::nullopt;
  return heap_.top().deadline_us;
}

std::size_t TimerQueue::fire_due(TimeUs now_us) {
  std::size_t ran = 0;
  for (;;) {
    drop_cancelled();
    if (heap_.empty() || heap_.top().deadline_us > now_us) return ran;
    const TimerId id = heap_.top().id;
    heap_.pop();
    auto it = live_.find(id);
    assert(it != live_.end());
    auto fn = std::move(it->second);
    live_.erase(it);
    fn();
    ++ran;
  }
}

void ManualClock::advance_to(TimeUs t_us) {
  assert(t_us >= now_us_);
  while (auto next = timers_.next_deadline_us()) {
    if (*next > t_us) break;
    now_us_ = *next;
    timers_.fire_due(now_us_);
  }
  now_us_ = t_us;
}

}  // namespace twinbench::runtime
