#include "twinbench/results/Histogram.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

namespace twinbench::results {

std::size_t Histogram::bucket_of(std::uint64_t v) {
  if (v < 256) return v;
  const int e = 63 - std::countl_zero(v);  // >= 8
  const int shift = e - 7;
  return static_cast<std::size_t>(shift) * 128 + (v >> shift);  // v >> shift in [128, 255]
}

std::uint64_t Histogram::lowest_in(std::size_t bucket) {
  if (bucket < 256) return bucket;
  const std::size_t shift = bucket / 128 - 1;
  return static_cast<std::uint64_t>(bucket - shift * 128) << shift;
}

void Histogram::add(std::int64_t v) {
  assert(v >= 0);
  const auto u = static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0));
  ++counts_[std::min(bucket_of(u), kBuckets - 1)];
  ++count_;
  max_ = std::max(max_, v);
  sum_ += v;
}

std::int64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    // The highest value the bucket stands for (as HdrHistogram reports), never above the true maximum.
    if (seen >= rank) return std::min<std::int64_t>(static_cast<std::int64_t>(lowest_in(b + 1) - 1), max_);
  }
  return max_;
}

}  // namespace twinbench::results
