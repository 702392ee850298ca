#include "twinbench/runtime/FeatureWindows.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace twinbench::runtime {
namespace {

FeatureLayout layout(std::uint32_t window, std::uint32_t hop) { return {2, window, hop, {10.0f, 0.0f}, {2.0f, 1.0f}}; }

TEST(FeatureWindows, WindowsAreNormalisedOldestFirstAndDueEveryHop) {
  FeatureWindows w(layout(3, 2));
  std::vector<bool> due;
  for (int i = 0; i < 7; ++i) {
    const float s[] = {10.0f + 2.0f * static_cast<float>(i), static_cast<float>(-i)};
    due.push_back(w.push(4, s));
  }
  // Full after 3 samples, then every 2nd.
  EXPECT_EQ(due, (std::vector<bool>{false, false, true, false, true, false, true}));
  std::vector<float> out(w.input_dim());
  w.copy(4, out);
  EXPECT_EQ(out, (std::vector<float>{4, -4, 5, -5, 6, -6}));  // samples 4, 5, 6
}

TEST(FeatureWindows, MissingReadingsBecomeTheTrainingMeanAndDevicesAreIndependent) {
  FeatureWindows w(layout(2, 1));
  const float a[] = {12.0f, NAN}, b[] = {14.0f, 1.0f}, other[] = {0.0f, 0.0f};
  w.push(0, a);
  w.push(1, other);
  EXPECT_TRUE(w.push(0, b));
  std::vector<float> out(w.input_dim());
  w.copy(0, out);
  EXPECT_EQ(out, (std::vector<float>{1, 0, 2, 1}));
  w.reset(0);
  EXPECT_FALSE(w.push(0, b));
  EXPECT_TRUE(w.push(0, b));
  EXPECT_EQ(w.bytes_per_device(), 4 * sizeof(float) + sizeof(std::uint32_t));
}

}  // namespace
}  // namespace twinbench::runtime
