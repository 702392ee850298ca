#pragma once
// Log-linear histogram of non-negative integers (HdrHistogram's layout, 128 sub-buckets per power of two):
// constant memory, < 0.8 % relative error, exact below 256. For latency percentiles over millions of samples.

#include <array>
#include <cstdint>

namespace twinbench::results {

class Histogram {
public:
  void add(std::int64_t v);
  std::uint64_t count() const { return count_; }
  std::int64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  /** @brief A value v with at least q of the samples <= v, at most 0.8 % above the exact one and never above max(); 0 when empty. */
  std::int64_t percentile(double q) const;

  static std::size_t bucket_of(std::uint64_t v);
  static std::uint64_t lowest_in(std::size_t bucket);

private:
  static constexpr std::size_t kBuckets = 256 + 56 * 128;
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
  __int128 sum_ = 0;
};

}  // namespace twinbench::results
