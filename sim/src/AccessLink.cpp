#include "AccessLink.hpp"

#include <algorithm>
#include <cassert>

namespace twinbench::sim {

AccessLink::AccessLink(double bytes_per_s, double latency_s, double tcp_gamma)
    : bytes_per_s_(bytes_per_s), latency_s_(latency_s), cap_(latency_s > 0 && tcp_gamma > 0 ? tcp_gamma / (2.0 * latency_s) : kNever) {
  assert(bytes_per_s > 0 && latency_s >= 0);
}

double AccessLink::rate(std::size_t sharers) const {
  return std::min(bytes_per_s_ / static_cast<double>(sharers), cap_);
}

void AccessLink::start(double now_s, double bytes, std::uint32_t tag) {
  // (a caller that took arrivals up to a hair past now: the model's time never goes back)
  waiting_.push_back({std::max(now_s + latency_s_, t_s_), bytes, tag});
  next_known_ = false;
}

std::optional<std::pair<double, std::uint32_t>> AccessLink::next_arrival() const {
  if (!arrived_.empty()) return arrived_.front();
  if (next_known_) return next_;
  // The events advance_to would run, up to the first completion, on copies: the same sums in the same
  // order, so the time found here is the time advance_to gives that transfer (and ties go the same way:
  // the earlier activation first).
  double t = t_s_, served = served_, top = kNever;
  std::uint32_t top_tag = 0;
  if (!sharing_.empty()) {
    top = sharing_.top().done_at;
    top_tag = sharing_.top().tag;
  }
  std::size_t n = sharing_.size();
  next_.reset();
  for (std::size_t i = 0; n > 0 || i < waiting_.size(); ++i) {
    const double done_s = n > 0 ? t + (top - served) / rate(n) : kNever;
    const double active_s = i < waiting_.size() ? waiting_[i].until_s : kNever;
    if (done_s <= active_s) {
      next_.emplace(done_s, top_tag);
      break;
    }
    if (n > 0) served += rate(n) * (active_s - t);
    t = active_s;
    if (served + waiting_[i].bytes < top) {
      top = served + waiting_[i].bytes;
      top_tag = waiting_[i].tag;
    }
    ++n;
  }
  next_known_ = true;
  return next_;
}

void AccessLink::advance_to(double t_s) {
  for (;;) {
    const std::size_t n = sharing_.size();
    const double done_s = n > 0 ? t_s_ + (sharing_.top().done_at - served_) / rate(n) : kNever;
    const double active_s = waiting_.empty() ? kNever : waiting_.front().until_s;
    if (std::min(done_s, active_s) > t_s) return;
    next_known_ = false;
    if (done_s <= active_s) {
      // The first to finish was served exactly its size; those finishing with it (the same size,
      // activated together) go in the order they started.
      served_ = sharing_.top().done_at;
      t_s_ = done_s;
      do {
        arrived_.emplace_back(done_s, sharing_.top().tag);
        sharing_.pop();
      } while (!sharing_.empty() && sharing_.top().done_at <= served_ * (1 + 1e-12));
      if (sharing_.empty()) served_ = 0;  // idle: a lone transfer then takes exactly latency + size / rate
      continue;
    }
    if (n > 0) served_ += rate(n) * (active_s - t_s_);
    t_s_ = active_s;
    const Waiting w = waiting_.front();
    waiting_.pop_front();
    sharing_.push({served_ + w.bytes, order_++, w.tag});
  }
}

std::optional<std::pair<double, std::uint32_t>> AccessLink::take_arrived(double now_s) {
  advance_to(now_s);
  if (arrived_.empty()) return std::nullopt;
  const auto a = arrived_.front();
  arrived_.pop_front();
  return a;
}

}  // namespace twinbench::sim
