#include "twinbench/hil/AsioClock.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace twinbench::hil {

namespace {
long long steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

struct AsioClock::Timer {
  explicit Timer(boost::asio::io_context& io) : t(io) {}
  boost::asio::steady_timer t;
  bool cancelled = false;  ///< a wait that had already completed cannot be cancelled: its handler checks this
};

AsioClock::AsioClock(EventLoop& loop) : loop_(loop), start_ns_(steady_ns()) {}

AsioClock::~AsioClock() {
  for (auto& [id, timer] : timers_) {
    timer->cancelled = true;  // their handlers touch nothing of ours
    timer->t.cancel();
  }
}

runtime::TimeUs AsioClock::now_us() const { return (steady_ns() - start_ns_) / 1000; }

runtime::TimerId AsioClock::schedule(runtime::TimeUs delay_us, std::function<void()> fn) {
  const runtime::TimerId id = next_id_++;
  auto timer = std::make_shared<Timer>(loop_.context());
  timer->t.expires_after(std::chrono::microseconds(delay_us));
  timer->t.async_wait([this, id, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (ec || timer->cancelled) return;  // cancelled, by cancel() or by the clock's destruction
    timers_.erase(id);
    fn();
  });
  timers_.emplace(id, std::move(timer));
  return id;
}

bool AsioClock::cancel(runtime::TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  it->second->cancelled = true;
  it->second->t.cancel();
  timers_.erase(it);
  return true;
}

}  // namespace twinbench::hil
