#pragma once
// The real world's event loop: one Boost.Asio io_context on one thread, which drives the real ports
// (AsioClock, TcpServer) the way SimGrid's actor drives the simulated ones. Asio's headers stay in
// hil/src: this header forward-declares what it needs.

#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace twinbench::hil {

class EventLoop {
public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /** @brief Run handlers until stop() (or until nothing is left to do). */
  void run();
  /** @brief Run handlers for at most `ms` milliseconds of wall time (tests). */
  void run_for_ms(long ms);
  /** @brief Run the handlers that are ready now, without waiting (a simulation that owns the thread). */
  void poll();
  void stop();
  /** @brief Call `fn(signal)` on SIGINT or SIGTERM (once per signal received). */
  void on_shutdown_signal(std::function<void(int)> fn);

  boost::asio::io_context& context();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace twinbench::hil
