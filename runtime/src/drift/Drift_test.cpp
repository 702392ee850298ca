#include "twinbench/runtime/drift/Drift.hpp"

#include <gtest/gtest.h>

#include "twinbench/core/Random.hpp"

namespace twinbench::runtime::drift {
namespace {

std::vector<double> normal(std::size_t n, double mean, double sd, std::uint64_t seed) {
  core::RngStream rng(seed);
  std::vector<double> v(n);
  for (double& x : v) x = mean + sd * rng.normal();
  return v;
}

TEST(Drift, KolmogorovTailMatchesItsTabulatedCriticalValues) {
  EXPECT_NEAR(kolmogorov_q(1.3581), 0.05, 0.0005);  // the 5 % critical value
  EXPECT_NEAR(kolmogorov_q(1.6276), 0.01, 0.0002);  // the 1 % one
  EXPECT_DOUBLE_EQ(kolmogorov_q(0.0), 1.0);
  EXPECT_LT(kolmogorov_q(3.0), 1e-7);
}

TEST(Drift, KsAndPsiSeeAShiftedSampleAndNotAnotherDrawOfTheSame) {
  const auto ref = normal(2000, 0, 1, 1);
  const auto same = normal(500, 0, 1, 2);
  const auto shifted = normal(500, 0.5, 1, 3);
  const auto wider = normal(500, 0, 2, 4);
  EXPECT_GT(ks_two_sample(ref, same).p_value, 0.05);
  EXPECT_LT(psi(ref, same), 0.1);
  const KsResult s = ks_two_sample(ref, shifted);
  EXPECT_LT(s.p_value, 1e-6);
  EXPECT_NEAR(s.statistic, 0.197, 0.05);  // Phi(0.25) - Phi(-0.25) for a half-sigma shift
  EXPECT_GT(psi(ref, shifted), 0.2);
  EXPECT_LT(ks_two_sample(ref, wider).p_value, 1e-6);  // KS sees a change of spread too
  EXPECT_GT(psi(ref, wider), 0.25);
  // Exact small case: disjoint samples have D = 1.
  const double a[] = {1, 2, 3}, b[] = {4, 5, 6, 7};
  EXPECT_DOUBLE_EQ(ks_two_sample(a, b).statistic, 1.0);
  EXPECT_DOUBLE_EQ(ks_two_sample(a, a).statistic, 0.0);
}

TEST(Drift, PageHinkleyCatchesAStepSoonAndStaysQuietOnAStationaryStream) {
  PageHinkley::Config c{0.25, 30, 30};  // tolerance a quarter sigma; a one-sigma step gains 0.75 a sample
  PageHinkley quiet(c);
  int false_alarms = 0;
  for (double x : normal(20000, 10, 1, 5)) false_alarms += quiet.update(x) != PageHinkley::Alarm::none;
  EXPECT_EQ(false_alarms, 0);

  for (double step : {+1.0, -1.0}) {
    PageHinkley ph(c);
    for (double x : normal(1000, 10, 1, 6)) ASSERT_EQ(ph.update(x), PageHinkley::Alarm::none);
    int delay = 0;
    PageHinkley::Alarm a = PageHinkley::Alarm::none;
    for (double x : normal(1000, 10 + step, 1, 7)) {
      ++delay;
      if ((a = ph.update(x)) != PageHinkley::Alarm::none) break;
    }
    EXPECT_EQ(a, step > 0 ? PageHinkley::Alarm::increase : PageHinkley::Alarm::decrease);
    EXPECT_LE(delay, 80) << "a one-sigma step is seen within 80 samples (30 / 0.75 = 40, plus noise)";
    EXPECT_EQ(ph.samples(), 0u);  // it starts over after an alarm
  }
}

}  // namespace
}  // namespace twinbench::runtime::drift
