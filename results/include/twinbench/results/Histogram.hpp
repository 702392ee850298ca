#pragma once
// Log-linear histogram of non-negative integers (HdrHistogram's layout, 128 sub-buckets per power of two):
// < 0.8 % relative error, exact below 256. For latency percentiles over millions of samples.
// Buckets live in pages of 128, one page per power of two, made when a value first lands in it: a
// histogram of latencies that span three powers of two holds three pages (3 KiB), so runs can keep one
// per gateway, site and interval.

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace twinbench::results {

class Histogram {
public:
  Histogram() = default;
  Histogram(const Histogram& o) { *this = o; }
  Histogram& operator=(const Histogram& o);
  Histogram(Histogram&&) noexcept = default;
  Histogram& operator=(Histogram&&) noexcept = default;

  void add(std::int64_t v) { add(v, 1); }
  void add(std::int64_t v, std::uint64_t n);
  /** @brief Adds every sample of `o`. */
  void merge(const Histogram& o);
  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::int64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  /** @brief A value v with at least q of the samples <= v, at most 0.8 % above the exact one and never above max(); 0 when empty. */
  std::int64_t percentile(double q) const;

  struct Bucket {
    std::uint64_t lowest, highest, count;  ///< the values [lowest, highest] it stands for
  };
  /** @brief The non-empty buckets, in order (for CDFs). */
  std::vector<Bucket> buckets() const;

  static std::size_t bucket_of(std::uint64_t v);
  static std::uint64_t lowest_in(std::size_t bucket);

private:
  static constexpr std::size_t kPage = 128;
  static constexpr std::size_t kPages = 2 + 56;  ///< values below 256 (exact), then one page per power of two
  static constexpr std::size_t kBuckets = kPages * kPage;
  using Page = std::array<std::uint64_t, kPage>;
  std::array<std::unique_ptr<Page>, kPages> pages_{};
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
  __int128 sum_ = 0;
};

}  // namespace twinbench::results
