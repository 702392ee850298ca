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

TEST(Histogram, MergingIsAddingTheSamples) {
  Histogram a, b, both;
  for (std::int64_t v = 0; v < 5000; v += 7) a.add(v), both.add(v);
  for (std::int64_t v = 100000; v < 300000; v += 13) b.add(v), both.add(v);
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_DOUBLE_EQ(a.mean(), both.mean());
  for (double q : {0.01, 0.3, 0.5, 0.9, 0.999}) EXPECT_EQ(a.percentile(q), both.percentile(q)) << q;
  Histogram empty;
  empty.merge(Histogram{});
  EXPECT_TRUE(empty.empty());
}

TEST(Histogram, BucketsCoverEverySampleInOrder) {
  Histogram h;
  h.add(3, 2);
  h.add(3000);
  const auto b = h.buckets();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].lowest, 3u);
  EXPECT_EQ(b[0].highest, 3u);
  EXPECT_EQ(b[0].count, 2u);
  // 3000 = 187 x 16 + 8: the bucket of 16 values from 2992, capped at the maximum.
  EXPECT_EQ(b[1].lowest, 2992u);
  EXPECT_EQ(b[1].highest, 3000u);
}

}  // namespace
}  // namespace twinbench::results
