#include "twinbench/hil/Shaper.hpp"

#include <algorithm>
#include <cmath>

namespace twinbench::hil {

TimeUs ShapedLink::serialize(TimeUs now_us, std::size_t bytes) {
  if (s_.bandwidth_bps <= 0) return now_us;
  const TimeUs start = std::max(now_us, busy_until_us_);
  busy_until_us_ = start + static_cast<TimeUs>(std::llround(static_cast<double>(bytes) * 8e6 / s_.bandwidth_bps));
  return busy_until_us_;
}

bool ShapedLink::lose(Flow& f) {
  const bool lost = s_.burst_loss ? s_.burst_loss->lose(f.bad, f.rng) : (s_.loss_probability > 0 && f.rng.bernoulli(s_.loss_probability));
  lost_ += lost;
  return lost;
}

TimeUs ShapedLink::delay_us(Flow& f) const {
  double us = s_.latency_ms * 1e3;
  if (s_.jitter.any()) us += std::min(s_.jitter.draw_us(f.rng), 1e9);  // the simulation's tail cut (1000 s)
  return static_cast<TimeUs>(std::llround(us));
}

TimeUs ShapedLink::stream_due_us(Flow& f, TimeUs now_us, std::size_t bytes) {
  TimeUs due = serialize(now_us, bytes);
  double rto_us = s_.retransmit_ms * 1e3;
  for (int tries = 0; lose(f) && tries < s_.retransmits_max; ++tries) {
    due += static_cast<TimeUs>(std::llround(rto_us));
    rto_us *= 2;
    ++retransmits_;
  }
  due += delay_us(f);
  f.last_due_us = due = std::max(due, f.last_due_us);
  return due;
}

std::optional<TimeUs> ShapedLink::datagram_due_us(Flow& f, TimeUs now_us, std::size_t bytes) {
  const TimeUs sent = serialize(now_us, bytes);  // a lost datagram still took its airtime
  if (lose(f)) return std::nullopt;
  return sent + delay_us(f);
}

}  // namespace twinbench::hil
