#pragma once
// The real PasswordCheck port: scrypt on a worker thread, the answer posted back to the event loop, so
// that the loop keeps serving while a CONNECT's password is checked (about 0.1 s at the default cost).
// At most `max_waiting` checks wait; more are answered `busy` at once (the client is told to come back),
// which also bounds how fast anyone can guess passwords.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/runtime/ports/PasswordCheck.hpp"

namespace twinbench::hil {

class PasswordWorker final : public runtime::PasswordCheck {
public:
  explicit PasswordWorker(EventLoop& loop, std::size_t max_waiting = 64);
  /** @brief Stops the thread; answers not yet delivered are dropped (the loop is not running any more). */
  ~PasswordWorker() override;
  void check(std::string password, std::string hash, std::function<void(runtime::PasswordVerdict)> done) override;

private:
  struct Job {
    std::string password, hash;
    std::function<void(runtime::PasswordVerdict)> done;
    std::shared_ptr<void> work;  ///< keeps the loop from running out of work while the check is on
  };
  void work();
  EventLoop& loop_;
  std::size_t max_waiting_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::thread thread_;  ///< last: started once the rest is ready
};

}  // namespace twinbench::hil
