#include "twinbench/hil/PasswordWorker.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "twinbench/runtime/mqtt/Passwords.hpp"

namespace twinbench::hil {

PasswordWorker::PasswordWorker(EventLoop& loop, std::size_t max_waiting)
    : loop_(loop), max_waiting_(max_waiting), thread_([this] { work(); }) {}

PasswordWorker::~PasswordWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void PasswordWorker::check(std::string password, std::string hash, std::function<void(runtime::PasswordVerdict)> done) {
  {
    std::lock_guard lock(mutex_);
    if (jobs_.size() < max_waiting_) {
      jobs_.push_back({std::move(password), std::move(hash), std::move(done),
                       std::make_shared<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(loop_.context().get_executor())});
      wake_.notify_one();
      return;
    }
  }
  // Answered from the loop, as every answer is: the caller may not expect it inside its own call.
  boost::asio::post(loop_.context(), [done = std::move(done)] { done(runtime::PasswordVerdict::busy); });
}

void PasswordWorker::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    const bool ok = runtime::mqtt::verify_password(job.password, job.hash);
    boost::asio::post(loop_.context(), [done = std::move(job.done), work = std::move(job.work), ok] {
      done(ok ? runtime::PasswordVerdict::match : runtime::PasswordVerdict::mismatch);
    });
  }
}

}  // namespace twinbench::hil
