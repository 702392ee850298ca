#include "twinbench/runtime/drift/Monitor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "twinbench/core/Random.hpp"

namespace twinbench::runtime::drift {
namespace {

constexpr TimeUs kHour = 3'600'000'000;

/** A reference of `streams` standard normal streams: 20 equally likely bins from 100,000 draws. */
Reference normal_reference(std::size_t streams) {
  core::RngStream rng(99);
  std::vector<double> v(100'000);
  for (double& x : v) x = rng.normal();
  std::sort(v.begin(), v.end());
  StreamReference s;
  for (std::size_t k = 1; k < 20; ++k) s.cuts.push_back(v[k * v.size() / 20]);
  return Reference{std::vector<StreamReference>(streams, s), v.size()};
}

/** Feed `hours` of 100 values an hour per stream; stream 0 shifted by `shift(t)` sigmas. Returns the findings. */
template <class Shift>
std::vector<Finding> feed(Monitor& m, double hours, std::uint64_t seed, Shift shift) {
  core::RngStream rng(seed);
  std::vector<Finding> all;
  const auto samples = static_cast<std::int64_t>(hours * 100);
  for (std::int64_t i = 0; i < samples; ++i) {
    const TimeUs t = i * kHour / 100;
    for (std::size_t s = 0; s < m.streams(); ++s) m.add(s, rng.normal() + (s == 0 ? shift(t) : 0.0), t);
    for (const Finding& f : m.poll(t)) all.push_back(f);
  }
  return all;
}

MonitorConfig config() {
  MonitorConfig c;
  c.min_window_samples = 1000;
  return c;
}

TEST(DriftMonitor, NoFindingOnStationaryStreamsForAQuarterYear) {
  Monitor m(normal_reference(3), config(), 0);
  EXPECT_TRUE(feed(m, 24 * 90, 1, [](TimeUs) { return 0.0; }).empty());
}

TEST(DriftMonitor, ALevelShiftIsFoundOnItsStreamWithEvidenceAndThenStaysQuiet) {
  Monitor m(normal_reference(2), config(), 0);
  const TimeUs onset = 48 * kHour;
  const auto found = feed(m, 24 * 5, 2, [&](TimeUs t) { return t >= onset ? 1.0 : 0.0; });
  ASSERT_FALSE(found.empty());
  for (std::size_t i = 0; i < found.size(); ++i) {
    EXPECT_EQ(found[i].stream, 0u);  // never the unshifted stream
    if (i > 0) {
      EXPECT_GE(found[i].t_us - found[i - 1].t_us, config().cooldown_us);  // a day's quiet between alarms
    }
  }
  EXPECT_GT(found[0].t_us, onset);
  EXPECT_LE(found[0].t_us, onset + 12 * kHour);
  EXPECT_GT(found[0].mean, 0.2);  // the block or window it was found in: partly after the shift
  EXPECT_GT(found[0].samples, 0u);
}

TEST(DriftMonitor, ASlowCreepIsFoundByAWindowTestOrTheLevelTest) {
  Monitor m(normal_reference(1), config(), 0);
  // 0.02 sigma an hour from day 2: one sigma after 50 hours.
  const auto found = feed(m, 24 * 8, 3, [](TimeUs t) { return std::max(0.0, static_cast<double>(t - 48 * kHour) / kHour * 0.02); });
  ASSERT_FALSE(found.empty());
  EXPECT_GT(found[0].t_us, 48 * kHour);
  EXPECT_LT(found[0].t_us, 48 * kHour + 72 * kHour);
}

TEST(DriftMonitor, AWiderSpreadIsFoundByTheWindowTestsThatPageHinkleyCannotSee) {
  MonitorConfig c = config();
  Monitor m(normal_reference(1), c, 0);
  core::RngStream noise(4);
  std::vector<Finding> found;
  for (std::int64_t i = 0; i < 24 * 4 * 100; ++i) {
    const TimeUs t = i * kHour / 100;
    m.add(0, noise.normal() * (t >= 24 * kHour ? 2.0 : 1.0), t);
    for (const Finding& f : m.poll(t)) found.push_back(f);
  }
  ASSERT_FALSE(found.empty());
  EXPECT_NE(found[0].test, drift::Test::page_hinkley);
  EXPECT_GT(found[0].statistic, c.psi_threshold * (found[0].test == drift::Test::psi));
}

TEST(DriftMonitor, ASiteNarrowerThanTheTrainingDataAlarmsAgainstThePackageButNotAgainstItsBaseline) {
  // The package saw several climates (a wide reference); this site is one of them.
  Reference wide = normal_reference(1);
  for (double& c : wide.streams[0].cuts) c *= 3;
  MonitorConfig c = config();
  EXPECT_FALSE(feed(*std::make_unique<Monitor>(wide, c, 0), 24 * 5, 6, [](TimeUs) { return 0.0; }).empty());
  c.baseline_us = 24 * kHour;
  Monitor site(wide, c, 0);
  EXPECT_TRUE(feed(site, 24 * 30, 6, [](TimeUs) { return 0.0; }).empty());
  Monitor drifting(wide, c, 0);  // the same site, one sigma warmer from day 3
  const auto found = feed(drifting, 24 * 6, 6, [](TimeUs t) { return t >= 72 * kHour ? 1.0 : 0.0; });
  ASSERT_FALSE(found.empty());
  EXPECT_GT(found[0].t_us, 72 * kHour);
  EXPECT_LT(found[0].t_us, 84 * kHour);
}

TEST(DriftMonitor, BinnedTestsAgreeWithTheirDefinitions) {
  const std::uint64_t uniform[] = {100, 100, 100, 100};
  EXPECT_NEAR(psi_binned(uniform), 0.0, 1e-12);
  EXPECT_NEAR(ks_binned(uniform, 1000).statistic, 0.0, 1e-12);
  const std::uint64_t skewed[] = {200, 100, 100, 0};
  EXPECT_NEAR(ks_binned(skewed, 1000).statistic, 0.25, 1e-12);  // F = 0.5 against 0.25 at the first edge
  // (0.5-0.25) ln 2 + 0 + 0 + (0.00125-0.25) ln(0.00125/0.25): an empty bin counts as half a value.
  EXPECT_NEAR(psi_binned(skewed), 0.25 * std::log(2.0) + (0.5 / 400 - 0.25) * std::log(0.5 / 400 / 0.25), 1e-9);
  const double shares[] = {0.5, 0.25, 0.25, 0.0};  // the reference's own shares: no drift at all
  EXPECT_NEAR(ks_binned(skewed, 1000, shares).statistic, 0.0, 1e-12);
  EXPECT_LT(psi_binned(skewed, shares), 0.01);
}

}  // namespace
}  // namespace twinbench::runtime::drift
