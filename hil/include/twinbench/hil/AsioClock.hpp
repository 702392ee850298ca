#pragma once
// Clock port on the wall clock: steady time since the clock was made, timers on the event loop.

#include <map>
#include <memory>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::hil {

class AsioClock final : public runtime::Clock {
public:
  explicit AsioClock(EventLoop& loop);
  ~AsioClock() override;

  runtime::TimeUs now_us() const override;
  runtime::TimerId schedule(runtime::TimeUs delay_us, std::function<void()> fn) override;
  bool cancel(runtime::TimerId id) override;

private:
  struct Timer;
  EventLoop& loop_;
  long long start_ns_;
  runtime::TimerId next_id_ = 1;
  std::map<runtime::TimerId, std::shared_ptr<Timer>> timers_;
};

}  // namespace twinbench::hil
