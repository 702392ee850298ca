// The link model against its definitions: Gilbert-Elliott's stationary loss ratio and burst lengths,
// and the jitter's log-normal distribution (a Kolmogorov-Smirnov test).
#include "twinbench/core/LinkModel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace twinbench::core {
namespace {

TEST(LinkModel, GilbertElliottLosesItsStationaryShareInBurstsOfGeometricLength) {
  const BurstLoss g{0.01, 0.2, 0, 1};  // every message in the bad state lost, none in the good
  const double pi = g.bad_share(), lambda = 1 - g.p_enter_bad - g.p_leave_bad;
  EXPECT_DOUBLE_EQ(pi, 0.01 / 0.21);
  EXPECT_DOUBLE_EQ(g.loss_ratio(), pi);
  RngStream rng(7);
  constexpr std::size_t n = 400'000;
  bool bad = false;
  std::size_t lost = 0, runs = 0, run = 0;
  double run_sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (g.lose(bad, rng)) {
      ++lost, ++run;
    } else if (run > 0) {
      ++runs, run_sum += static_cast<double>(run), run = 0;
    }
  }
  // The loss ratio of a two-state chain: variance pi (1 - pi) (1 + lambda) / (1 - lambda) / n.
  const double sd = std::sqrt(pi * (1 - pi) * (1 + lambda) / (1 - lambda) / n);
  EXPECT_NEAR(static_cast<double>(lost) / n, pi, 4 * sd);
  // Each burst lasts until the chain leaves the bad state: geometric, mean 1 / p_leave, variance (1 - r) / r^2.
  const double r = g.p_leave_bad;
  EXPECT_NEAR(run_sum / static_cast<double>(runs), 1 / r, 4 * std::sqrt((1 - r) / (r * r) / static_cast<double>(runs)));
}

TEST(LinkModel, IndependentLossesAreTheDegenerateChain) {
  // p_enter + p_leave = 1: the state is redrawn every message, so losses are Bernoulli(p_enter).
  const BurstLoss g{0.3, 0.7, 0, 1};
  RngStream rng(9);
  bool bad = false, previous = false;
  std::size_t lost = 0, both = 0;
  constexpr std::size_t n = 200'000;
  for (std::size_t i = 0; i < n; ++i) {
    const bool l = g.lose(bad, rng);
    lost += l, both += l && previous;
    previous = l;
  }
  const double p = 0.3, sd = std::sqrt(p * (1 - p) / n);
  EXPECT_NEAR(static_cast<double>(lost) / n, p, 4 * sd);
  EXPECT_NEAR(static_cast<double>(both) / n, p * p, 4 * std::sqrt(p * p * (1 - p * p) * 3 / n));  // no memory between messages
}

TEST(LinkModel, JitterIsLogNormalWithItsMedianAndSigma) {
  const Jitter j{2000, 0.8};
  RngStream rng(11);
  constexpr std::size_t n = 20'000;
  std::vector<double> x(n);
  for (double& v : x) v = j.draw_us(rng);
  std::sort(x.begin(), x.end());
  double ks = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double cdf = 0.5 * std::erfc(-(std::log(x[i] / j.median_us) / j.sigma) / std::sqrt(2.0));
    ks = std::max({ks, cdf - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - cdf});
  }
  EXPECT_LT(ks, 1.949 / std::sqrt(static_cast<double>(n)));  // Kolmogorov-Smirnov at alpha = 0.001
  EXPECT_NEAR(j.quantile_us(2.326348), 2000 * std::exp(0.8 * 2.326348), 1e-9);
  EXPECT_FALSE(Jitter{}.any());
}

}  // namespace
}  // namespace twinbench::core
