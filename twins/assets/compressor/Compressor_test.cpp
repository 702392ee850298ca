#include "Compressor.hpp"

#include <gtest/gtest.h>

#include "AssetTesting.hpp"

#include <numeric>
#include <vector>

namespace twinbench::twins::compressor {
namespace {

using twins::testing::mean_channel;

/** Sample device `i` every `period_s` from t0 to t1 and return the mean of channel `c`. */

Fleet make_fleet(std::size_t n = 4) { return Fleet(n, Spec{}, Ambient{20, 6}, core::Rng(1).stream("fleet")); }

TEST(Compressor, HealthyOutputsAreInPlausibleRanges) {
  Fleet f = make_fleet(50);
  Eigen::ArrayXXd out(kChannels, 50);
  std::vector<std::uint32_t> idx(50);
  std::iota(idx.begin(), idx.end(), 0);
  for (double t = 0; t < 86400; t += 600) {
    std::vector<double> ts(50, t);
    f.step(idx, ts, out);
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      ASSERT_GT(out(motor_current_a, j), 15.0);
      ASSERT_LT(out(motor_current_a, j), 75.0);
      ASSERT_GT(out(discharge_pressure_bar, j), 6.5);
      ASSERT_LE(out(discharge_pressure_bar, j), 7.5);
      ASSERT_GT(out(discharge_temp_c, j), 40.0);
      ASSERT_LT(out(discharge_temp_c, j), 110.0);
      ASSERT_GT(out(vibration_rms_mm_s, j), 0.5);
      ASSERT_LT(out(vibration_rms_mm_s, j), 3.0);  // ISO 10816 zone A/B for a healthy machine
      ASSERT_GE(out(duty_cycle, j), 0.05);
      ASSERT_LE(out(duty_cycle, j), 1.0);
    }
  }
}

TEST(Compressor, PowerFollowsThreePhaseFormula) {
  Fleet f = make_fleet();
  Eigen::ArrayXXd out(kChannels, 1);
  const std::uint32_t idx[] = {0};
  const double ts[] = {1234.0};
  f.step(idx, ts, out);
  EXPECT_NEAR(out(power_kw, 0), std::sqrt(3.0) * 400 * 0.86 * out(motor_current_a, 0) / 1000, 1e-9);
}

TEST(Compressor, AfternoonIsHotterThanNight) {
  Fleet f = make_fleet();
  const double night = mean_channel(f, 0, 2 * 3600, 4 * 3600, discharge_temp_c);
  const double afternoon = mean_channel(f, 0, 14 * 3600, 16 * 3600, discharge_temp_c);
  EXPECT_GT(afternoon - night, 8.0);
}

TEST(Compressor, SeverityRampsQuadraticallyFromOnsetToFailure) {
  Fleet f = make_fleet();
  f.set_fault(1, valve_leak, 1000, 100);
  EXPECT_EQ(f.severity(1, valve_leak, 999), 0.0);
  EXPECT_DOUBLE_EQ(f.severity(1, valve_leak, 1050), 0.25);
  EXPECT_EQ(f.severity(1, valve_leak, 5000), 1.0);
  EXPECT_EQ(f.severity(1, bearing_wear, 5000), 0.0);
  EXPECT_EQ(f.severity(0, valve_leak, 5000), 0.0);
}

TEST(Compressor, EachFaultShowsInItsSignature) {
  const double day = 86400;
  EXPECT_EQ(testing::check_signatures(asset_class().descriptor, [] { return std::make_unique<Fleet>(4, Spec{}, Ambient{20, 6}, core::Rng(1).stream("fleet")); },
                                      {{bearing_wear, vibration_rms_mm_s, 6.0}, {valve_leak, duty_cycle, 0.1}, {valve_leak, power_kw, 3.0},
                                       {cooling_fault, discharge_temp_c, 30.0}},
                                      day / 2, day, day + 7200),
            "");
}

TEST(Compressor, TemperatureLagsTowardsItsTarget) {
  Fleet f = make_fleet();
  f.set_fault(0, cooling_fault, 3600, 1);  // a step change at t = 1 h
  Eigen::ArrayXXd out(kChannels, 1);
  const std::uint32_t idx[] = {0};
  double before = 0, after_1tau = 0, after_5tau = 0;
  for (double t = 0; t <= 3600 + 1500; t += 10) {
    const double ts[] = {t};
    f.step(idx, ts, out);
    if (t == 3590) before = out(discharge_temp_c, 0);
    if (t == 3900) after_1tau = out(discharge_temp_c, 0);
    if (t == 3600 + 1500) after_5tau = out(discharge_temp_c, 0);
  }
  EXPECT_NEAR((after_1tau - before) / 45.0, 1 - std::exp(-1.0), 0.08);  // ~63 % of the step after one tau
  EXPECT_NEAR(after_5tau - before, 45.0, 4.0);
}

TEST(Compressor, BatchedSteppingEqualsOneDeviceAtATime) {
  // 150 devices: more than two chunks, so chunk boundaries are crossed.
  const std::uint32_t n = 150;
  Fleet batched = make_fleet(n), single = make_fleet(n);
  batched.set_fault(3, bearing_wear, 100, 5000);
  single.set_fault(3, bearing_wear, 100, 5000);
  std::vector<std::uint32_t> idx(n);
  for (std::uint32_t j = 0; j < n; ++j) idx[j] = (j * 7) % n;  // a permutation, not the identity
  Eigen::ArrayXXd all(kChannels, n), one(kChannels, 1);
  for (double t = 0; t < 600; t += 10) {
    std::vector<double> ts(n);
    for (std::uint32_t j = 0; j < n; ++j) ts[j] = t + 0.01 * j;
    batched.step(idx, ts, all);
    for (std::size_t j = 0; j < idx.size(); ++j) {
      single.step(std::span(&idx[j], 1), std::span(&ts[j], 1), one);
      for (int c = 0; c < kChannels; ++c) ASSERT_EQ(all(c, static_cast<Eigen::Index>(j)), one(c, 0)) << "device " << idx[j];
    }
  }
}

TEST(Compressor, WrongOutputSizeIsRejectedNotWrittenPast) {
  Fleet f = make_fleet(4);
  const std::uint32_t idx[] = {0, 1};
  const double ts[] = {1.0, 1.0};
  Eigen::ArrayXXd too_small(kChannels, 1);
  EXPECT_THROW(f.step(idx, ts, too_small), std::invalid_argument);
}

TEST(Compressor, AnAmbientShiftWarmsTheDischargeAfterItsRampAndANewVariantDrawsMoreCurrent) {
  Fleet base = make_fleet(), drifted = make_fleet();
  drifted.add_ambient_shift(86'400, 43'200, 10);
  drifted.set_variant(1, 86'400, 1.25, 8);
  // Before the drift: identical to an undrifted fleet.
  EXPECT_DOUBLE_EQ(mean_channel(drifted, 0, 0, 86'400, discharge_temp_c), mean_channel(base, 0, 0, 86'400, discharge_temp_c));
  // A day after the ramp ended the whole 10 degrees show (the thermal lag has long settled).
  const double hot = mean_channel(drifted, 0, 172'800, 259'200, discharge_temp_c), cool = mean_channel(base, 0, 172'800, 259'200, discharge_temp_c);
  EXPECT_NEAR(hot - cool, 10.0, 0.2);
  const double current = mean_channel(drifted, 1, 172'800, 259'200, motor_current_a);
  const double old_current = mean_channel(base, 1, 172'800, 259'200, motor_current_a);
  EXPECT_NEAR(current / old_current, 1.25, 0.01);
  EXPECT_GT(mean_channel(drifted, 1, 172'800, 259'200, discharge_temp_c), hot);  // the variant runs hotter still
}

TEST(Compressor, TheDescriptorNamesTheChannelsAndFaultsInThePhysicsOrder) {
  const AssetDescriptor d = asset_class().descriptor;
  ASSERT_EQ(d.channels.size(), std::size_t{kChannels});
  EXPECT_EQ(d.channel("motor_current_a"), std::size_t{motor_current_a});
  EXPECT_EQ(d.channel("duty_cycle"), std::size_t{duty_cycle});
  EXPECT_EQ(d.power_channel, std::size_t{power_kw});
  EXPECT_EQ(d.fault("valve_leak"), std::size_t{valve_leak});
  EXPECT_EQ(d.fault("cooling_fault"), std::size_t{cooling_fault});
  EXPECT_FALSE(d.fault("rust").has_value());
}

}  // namespace
}  // namespace twinbench::twins::compressor
