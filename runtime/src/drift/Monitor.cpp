#include "twinbench/runtime/drift/Monitor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace twinbench::runtime::drift {

std::string_view to_string(Test t) {
  switch (t) {
    case Test::page_hinkley: return "page_hinkley";
    case Test::psi: return "psi";
    case Test::ks: return "ks";
  }
  return "?";
}

Monitor::Monitor(Reference reference, MonitorConfig config, TimeUs start_us)
    : reference_(std::move(reference)), c_(config), block_end_us_(start_us + std::max<TimeUs>(1, config.block_us)),
      baseline_end_us_(config.baseline_us > 0 ? start_us + config.baseline_us : std::numeric_limits<TimeUs>::max()) {
  c_.window_blocks = std::max<std::uint32_t>(1, c_.window_blocks);
  for (const StreamReference& r : reference_.streams) {
    Stream s{r, PageHinkley(c_.page_hinkley), {}, 0, {}, {}, 0, 0, {}, 0};
    if (!(s.ref.sd > 0)) s.ref.sd = 1;
    const std::size_t bins = r.cuts.size() + 1;
    s.block.assign(bins, 0);
    s.window.assign(bins * c_.window_blocks, 0);
    s.window_sum.assign(c_.window_blocks, 0);
    if (c_.baseline_us > 0) s.baseline.assign(bins, 0);
    s_.push_back(std::move(s));
  }
}

void Monitor::add(std::size_t stream, double value, TimeUs now_us) {
  if (now_us >= baseline_end_us_) end_baseline();
  if (now_us >= block_end_us_) close_block(now_us);
  if (stream >= s_.size() || std::isnan(value)) return;
  Stream& s = s_[stream];
  const auto bin = static_cast<std::size_t>(std::upper_bound(s.ref.cuts.begin(), s.ref.cuts.end(), value) - s.ref.cuts.begin());
  if (baseline_end_us_ != std::numeric_limits<TimeUs>::max()) {  // still learning the site's baseline: no tests yet
    ++s.baseline[bin];
    s.baseline_sum += value;
    return;
  }
  ++s.block[bin];
  s.block_sum += (value - s.ref.mean) / s.ref.sd;
}

void Monitor::end_baseline() {
  baseline_end_us_ = std::numeric_limits<TimeUs>::max();
  for (Stream& s : s_) {
    std::uint64_t n = 0;
    for (std::uint64_t c : s.baseline) n += c;
    if (n == 0) continue;
    s.ref.shares.assign(s.baseline.size(), 0);
    for (std::size_t k = 0; k < s.baseline.size(); ++k)
      s.ref.shares[k] = std::max(static_cast<double>(s.baseline[k]), 0.5) / static_cast<double>(n);  // an empty bin: half a value
    s.ref.mean = s.baseline_sum / static_cast<double>(n);
    s.baseline = {};
    std::fill(s.window.begin(), s.window.end(), 0);  // the window tests wait for a window of data after the baseline
    s.window_filled = 0;
  }
}

std::vector<Finding> Monitor::poll(TimeUs now_us) {
  if (now_us >= baseline_end_us_) end_baseline();
  if (now_us >= block_end_us_) close_block(now_us);
  return std::exchange(found_, {});
}

void Monitor::close_block(TimeUs now_us) {
  while (block_end_us_ <= now_us) {
    const TimeUs end = block_end_us_;
    const std::size_t slot = blocks_ % c_.window_blocks;
    for (std::size_t k = 0; k < s_.size(); ++k) {
      Stream& s = s_[k];
      const std::size_t bins = s.block.size();
      std::uint64_t n = 0;
      for (std::uint64_t c : s.block) n += c;
      std::copy(s.block.begin(), s.block.end(), s.window.begin() + static_cast<std::ptrdiff_t>(slot * bins));
      s.window_sum[slot] = s.block_sum;
      s.window_filled = std::min<std::uint64_t>(s.window_filled + 1, c_.window_blocks);
      const double block_mean = n ? s.block_sum / static_cast<double>(n) : 0;
      std::fill(s.block.begin(), s.block.end(), 0);
      s.block_sum = 0;
      const bool quiet = end < s.quiet_until_us;
      auto found = [&](Finding f) {
        f.t_us = end;
        f.stream = k;
        found_.push_back(f);
        s.quiet_until_us = end + c_.cooldown_us;
      };
      // Page-Hinkley on the level, one value per block with data (it starts over after an alarm).
      if (n > 0) {
        if (s.ph.update(block_mean) != PageHinkley::Alarm::none && !quiet) {
          found({0, k, Test::page_hinkley, s.ph.statistic(), 1, block_mean, n});
          continue;
        }
      }
      // The window tests, once the window is full.
      if (s.window_filled < c_.window_blocks || quiet) continue;
      counts_.assign(bins, 0);
      double sum = 0;
      for (std::size_t b = 0; b < c_.window_blocks; ++b) {
        for (std::size_t i = 0; i < bins; ++i) counts_[i] += s.window[b * bins + i];
        sum += s.window_sum[b];
      }
      std::uint64_t total = 0;
      for (std::uint64_t c : counts_) total += c;
      if (total < c_.min_window_samples) continue;
      const double mean = sum / static_cast<double>(total);
      if (const double p = psi_binned(counts_, s.ref.shares); p > c_.psi_threshold) {
        found({0, k, Test::psi, p, 1, mean, total});
        continue;
      }
      if (const KsResult ks = ks_binned(counts_, reference_.samples, s.ref.shares); ks.p_value < c_.ks_alpha && ks.statistic >= c_.ks_min_statistic)
        found({0, k, Test::ks, ks.statistic, ks.p_value, mean, total});
    }
    ++blocks_;
    block_end_us_ += std::max<TimeUs>(1, c_.block_us);
  }
}

}  // namespace twinbench::runtime::drift
