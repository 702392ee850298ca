#include "twinbench/sim/DueRings.hpp"

#include <algorithm>

namespace twinbench::sim {

using runtime::TimeUs;

DueRings::DueRings(const std::vector<TimeUs>& first_due_us, TimeUs period_us)
    : period_us_(first_due_us.size(), period_us), gen_(first_due_us.size(), 0) {
  std::vector<Due> due;
  due.reserve(first_due_us.size());
  for (std::uint32_t i = 0; i < first_due_us.size(); ++i) due.push_back({first_due_us[i], i, 0});
  std::stable_sort(due.begin(), due.end(), [](const Due& a, const Due& b) { return a.t_us < b.t_us; });
  rings_.push_back({period_us, std::deque<Due>(due.begin(), due.end())});
}

DueRings::Ring& DueRings::earliest() {
  Ring* best = nullptr;
  for (auto it = rings_.begin(); it != rings_.end();) {
    auto& q = it->due;
    while (!q.empty() && q.front().gen != gen_[q.front().device]) q.pop_front();
    if (q.empty() && rings_.size() > 1) {
      best = nullptr;  // pointers into rings_ move with the erase: start over
      rings_.erase(it);
      it = rings_.begin();
      continue;
    }
    if (!q.empty() && (!best || q.front().t_us < best->due.front().t_us)) best = &*it;
    ++it;
  }
  return *best;  // every device is in some ring: never all empty
}

const DueRings::Due& DueRings::next() {
  if (!last_) last_ = &earliest();  // (asked several times between reports: the answer is kept)
  return last_->due.front();
}

TimeUs DueRings::reschedule() {
  Ring& r = *last_;
  const Due d = r.due.front();
  r.due.pop_front();
  r.due.push_back({d.t_us + r.period_us, d.device, d.gen});
  last_ = nullptr;
  return r.period_us;
}

void DueRings::set_period(std::uint32_t device, TimeUs period_us, TimeUs now_us) {
  period_us_[device] = period_us;
  const std::uint32_t gen = ++gen_[device];
  auto ring = std::find_if(rings_.begin(), rings_.end(), [&](const Ring& r) { return r.period_us == period_us; });
  if (ring == rings_.end()) ring = rings_.insert(rings_.end(), Ring{period_us, {}});
  ring->due.push_front({now_us, device, gen});
  last_ = nullptr;  // rings_ may have moved
}

}  // namespace twinbench::sim
