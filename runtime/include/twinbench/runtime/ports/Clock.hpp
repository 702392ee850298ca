#pragma once
// Clock port: the runtime's only notion of time. Simulated under `twinbench run`, steady under a real gateway.

#include <cstdint>
#include <functional>

namespace twinbench::runtime {

/// Time in integer microseconds since the start of the run (simulated) or of the process (real).
using TimeUs = std::int64_t;
using TimerId = std::uint64_t;

class Clock {
public:
  virtual ~Clock() = default;
  /** @brief Current time in microseconds. */
  virtual TimeUs now_us() const = 0;
  /** @brief Run `fn` once, `delay_us` from now (0 = at the next turn of the event loop). */
  virtual TimerId schedule(TimeUs delay_us, std::function<void()> fn) = 0;
  /** @brief Cancel a pending timer; false if it already ran or never existed. */
  virtual bool cancel(TimerId id) = 0;
};

}  // namespace twinbench::runtime
