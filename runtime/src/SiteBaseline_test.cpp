#include "twinbench/runtime/SiteBaseline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace twinbench::runtime {
namespace {

TEST(SiteBaselineLearner, TheThresholdIsTheEmpiricalQuantileRoundedUpToItsBinTimesTheMargin) {
  // Oracle: the k-th smallest of the scores, k = ceil(q n), from sorting them (as training chooses a
  // package's threshold). Log-normal scores over five decades.
  std::mt19937_64 gen(42);
  std::lognormal_distribution<double> dist(-3, 2);
  for (double q : {0.9, 0.99, 0.999}) {
    BaselineLearner l(SiteBaseline{1, q, 1.5});
    std::vector<float> scores(20'000);
    for (float& x : scores) l.add(x = static_cast<float>(dist(gen)));
    std::sort(scores.begin(), scores.end());
    const double exact = scores[static_cast<std::size_t>(std::ceil(q * 20'000.0)) - 1] * 1.5;
    ASSERT_TRUE(l.threshold()) << q;
    EXPECT_GE(*l.threshold(), exact) << q;
    EXPECT_LE(*l.threshold(), exact * std::pow(10.0, 12.0 / 4096)) << q;  // one bin: 12 decades / 4096
  }
  BaselineLearner few(SiteBaseline{1, 0.999, 1.5});
  EXPECT_EQ(few.min_windows(), 10'000u);
  for (int i = 0; i < 9'999; ++i) few.add(1);
  EXPECT_FALSE(few.threshold());
  few.add(1);
  ASSERT_TRUE(few.threshold());
  EXPECT_NEAR(*few.threshold(), 1.5, 1.5 * 0.007);
}

}  // namespace
}  // namespace twinbench::runtime
