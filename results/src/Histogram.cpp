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

Histogram& Histogram::operator=(const Histogram& o) {
  if (this == &o) return *this;
  for (std::size_t p = 0; p < kPages; ++p) pages_[p] = o.pages_[p] ? std::make_unique<Page>(*o.pages_[p]) : nullptr;
  count_ = o.count_;
  max_ = o.max_;
  sum_ = o.sum_;
  return *this;
}

void Histogram::add(std::int64_t v, std::uint64_t n) {
  assert(v >= 0);
  const auto u = static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0));
  const std::size_t b = std::min(bucket_of(u), kBuckets - 1);
  auto& page = pages_[b / kPage];
  if (!page) page = std::make_unique<Page>();
  (*page)[b % kPage] += n;
  count_ += n;
  max_ = std::max(max_, v);
  sum_ += static_cast<__int128>(v) * n;
}

void Histogram::merge(const Histogram& o) {
  for (std::size_t p = 0; p < kPages; ++p) {
    if (!o.pages_[p]) continue;
    if (!pages_[p]) pages_[p] = std::make_unique<Page>();
    for (std::size_t i = 0; i < kPage; ++i) (*pages_[p])[i] += (*o.pages_[p])[i];
  }
  if (o.count_) max_ = count_ ? std::max(max_, o.max_) : o.max_;
  count_ += o.count_;
  sum_ += o.sum_;
}

std::int64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t p = 0; p < kPages; ++p) {
    if (!pages_[p]) continue;
    for (std::size_t i = 0; i < kPage; ++i) {
      seen += (*pages_[p])[i];
      // The highest value the bucket stands for (as HdrHistogram reports), never above the true maximum.
      if (seen >= rank) return std::min<std::int64_t>(static_cast<std::int64_t>(lowest_in(p * kPage + i + 1) - 1), max_);
    }
  }
  return max_;
}

std::vector<Histogram::Bucket> Histogram::buckets() const {
  std::vector<Bucket> out;
  for (std::size_t p = 0; p < kPages; ++p) {
    if (!pages_[p]) continue;
    for (std::size_t i = 0; i < kPage; ++i)
      if (const std::uint64_t n = (*pages_[p])[i]) {
        const std::size_t b = p * kPage + i;
        out.push_back({lowest_in(b), std::min<std::uint64_t>(lowest_in(b + 1) - 1, static_cast<std::uint64_t>(max_)), n});
      }
  }
  return out;
}

}  // namespace twinbench::results
