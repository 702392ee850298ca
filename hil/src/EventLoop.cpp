#include "twinbench/hil/EventLoop.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <csignal>

namespace twinbench::hil {

struct EventLoop::Impl {
  boost::asio::io_context io{1};  // one thread: the runtime is single-threaded by design
  std::unique_ptr<boost::asio::signal_set> signals;
  std::function<void(int)> on_signal;

  void wait_signal() {
    signals->async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      on_signal(sig);
      wait_signal();
    });
  }
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;

void EventLoop::run() {
  impl_->io.restart();
  impl_->io.run();
}

void EventLoop::run_for_ms(long ms) {
  impl_->io.restart();
  impl_->io.run_for(std::chrono::milliseconds(ms));
}

void EventLoop::poll() {
  impl_->io.restart();
  impl_->io.poll();
}

void EventLoop::stop() { impl_->io.stop(); }

void EventLoop::on_shutdown_signal(std::function<void(int)> fn) {
  impl_->on_signal = std::move(fn);
  if (!impl_->signals) {
    impl_->signals = std::make_unique<boost::asio::signal_set>(impl_->io, SIGINT, SIGTERM);
    impl_->wait_signal();
  }
}

boost::asio::io_context& EventLoop::context() { return impl_->io; }

}  // namespace twinbench::hil
