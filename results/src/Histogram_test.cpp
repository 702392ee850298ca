#include "twinbench/results/Histogram.hpp"

#include <gtest/gtest.h>

namespace twinbench::results {
namespace {

TEST(Histogram, BucketsAreExactBelow256AndContiguousAbove) {
  for (std::uint64_t v = 0; v < 256; ++v) EXPECT_EQ(Histogram::bucket_of(v), v);
  std::size_t prev = Histogram::bucket_of(255);
  for (std::uint64_t v = 256; v < 1u << 20; ++v) {
    const std::size_t b = Histogram::bucket_of(v);
    ASSERT_TRUE(b == prev || b == prev + 1) << v;
    ASSERT_LE(Histogram::lowest_in(b), v);
    ASSERT_GT(Histogram::lowest_in(b + 1), v);
    prev = b;
  }
}

TEST(Histogram, PercentilesAreWithinOnePercent) {
  Histogram h;
  for (std::int64_t v = 1; v <= 100000; ++v) h.add(v);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.max(), 100000);
  EXPECT_DOUBLE_EQ(h.mean(), 50000.5);
  for (double q : {0.5, 0.9, 0.99, 0.999}) EXPECT_NEAR(h.percentile(q), q * 100000, q * 100000 * 0.01) << q;
  EXPECT_EQ(h.percentile(1.0), 100000);
}

TEST(Histogram, EmptyAndSingleValue) {
  Histogram h;
  EXPECT_EQ(h.percentile(0.5), 0);
  h.add(42);
  EXPECT_EQ(h.percentile(0.01), 42);
  EXPECT_EQ(h.percentile(0.99), 42);
}

}  // namespace
}  // namespace twinbench::results
