#include "twinbench/results/Stats.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace twinbench::results::stats {
namespace {

TEST(Stats, StudentTMatchesClosedFormsAndTables) {
  // Closed forms: df 1 is Cauchy (1/2 + atan(t)/pi); df 2 is 1/2 + t / (2 sqrt(2 + t^2)).
  for (double t : {-3.0, -0.5, 0.0, 0.7, 4.0}) {
    EXPECT_NEAR(t_cdf(t, 1), 0.5 + std::atan(t) / M_PI, 1e-12) << t;
    EXPECT_NEAR(t_cdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-12) << t;
  }
  // Two-sided 95 % critical values from the standard tables.
  EXPECT_NEAR(t_quantile(0.975, 1), 12.706205, 1e-5);
  EXPECT_NEAR(t_quantile(0.975, 5), 2.570582, 1e-5);
  EXPECT_NEAR(t_quantile(0.975, 10), 2.228139, 1e-5);
  EXPECT_NEAR(t_quantile(0.975, 19), 2.093024, 1e-5);
  EXPECT_NEAR(t_quantile(0.975, 30), 2.042272, 1e-5);
  EXPECT_NEAR(t_quantile(0.025, 19), -2.093024, 1e-5);
  EXPECT_NEAR(normal_quantile(0.975), 1.959964, 1e-6);
}

TEST(Stats, QuantilesInterpolateAsRType7) {
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.9), 3.7);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0), 1);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 1), 4);
  EXPECT_DOUBLE_EQ(quantile({5}, 0.05), 5);
}

TEST(Stats, MeanIntervalIsTTimesTheStandardError) {
  const std::vector<double> x = {1, 2, 3, 4, 5};  // mean 3, sd sqrt(2.5)
  const Interval ci = mean_ci(x);
  EXPECT_NEAR(ci.low, 3 - 2.776445 * std::sqrt(2.5 / 5), 1e-5);  // t(0.975, 4) = 2.776445
  EXPECT_NEAR(ci.high, 3 + 2.776445 * std::sqrt(2.5 / 5), 1e-5);
  const std::vector<double> one = {7};
  EXPECT_DOUBLE_EQ(mean_ci(one).low, 7);
}

TEST(Stats, WilsonMatchesNewcombesTable) {
  // R. G. Newcombe, "Two-sided confidence intervals for the single proportion", Stat. Med. 17 (1998), Table II.
  const Interval a = wilson(81, 263), b = wilson(0, 20), c = wilson(1, 29);
  EXPECT_NEAR(a.low, 0.2553, 5e-5);
  EXPECT_NEAR(a.high, 0.3662, 5e-5);
  EXPECT_NEAR(b.low, 0.0, 5e-5);
  EXPECT_NEAR(b.high, 0.1611, 5e-5);
  EXPECT_NEAR(c.low, 0.0061, 5e-5);
  EXPECT_NEAR(c.high, 0.1718, 5e-5);
}

TEST(Stats, WelchByHand) {
  // a: mean 3, variance 2.5; b: mean 6, variance 10. se^2 = 2.5/5 + 10/5 = 2.5; df = 2.5^2 / (0.5^2/4 + 2^2/4).
  const std::vector<double> a = {1, 2, 3, 4, 5}, b = {2, 4, 6, 8, 10};
  const TwoSample w = welch(a, b);
  EXPECT_NEAR(w.statistic, 3 / std::sqrt(2.5), 1e-12);
  EXPECT_NEAR(w.df, 6.25 / (0.0625 + 1), 1e-12);
  EXPECT_NEAR(w.p, 2 * (1 - t_cdf(3 / std::sqrt(2.5), 6.25 / 1.0625)), 1e-12);
  EXPECT_GT(w.p, 0.05);
  // Hedges' g: (6 - 3) / sqrt((4 * 2.5 + 4 * 10) / 8), times 1 - 3 / (4 * 10 - 9).
  EXPECT_NEAR(w.effect, 3 / std::sqrt(6.25) * (1 - 3.0 / 31), 1e-12);
  // Constants: the same (no change), or not (a certain one).
  const std::vector<double> c = {1, 1, 1}, d = {2, 2, 2};
  EXPECT_EQ(welch(c, c).p, 1);
  EXPECT_EQ(welch(c, d).p, 0);
}

TEST(Stats, MannWhitneyCountsPairsAndTies) {
  const std::vector<double> a = {1, 2, 3}, b = {4, 5, 6};
  const TwoSample m = mann_whitney(a, b);
  EXPECT_DOUBLE_EQ(m.statistic, 9);  // every b above every a
  EXPECT_DOUBLE_EQ(m.effect, 1);
  // Normal approximation: mu = 4.5, sigma = sqrt(3 * 3 / 12 * 7), continuity 0.5.
  EXPECT_NEAR(m.p, std::erfc((4.5 - 0.5) / std::sqrt(5.25) / std::sqrt(2.0)), 1e-12);
  const std::vector<double> x = {1, 2, 2}, y = {2, 3};
  // Pairs with y above: (1,2) (1,3) (2,3) (2,3) = 4, ties (2,2) x2 count half: U = 5.
  EXPECT_DOUBLE_EQ(mann_whitney(x, y).statistic, 5);
}

TEST(Stats, HolmAdjustsStepDown) {
  EXPECT_EQ(holm({0.01, 0.04, 0.03}), (std::vector<double>{0.03, 0.06, 0.06}));
}

}  // namespace
}  // namespace twinbench::results::stats
