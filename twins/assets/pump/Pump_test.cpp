#include "Pump.hpp"

#include <gtest/gtest.h>

#include "AssetTesting.hpp"

#include <cmath>
#include <numeric>
#include <vector>

namespace twinbench::twins::pump {
namespace {

using twins::testing::mean_channel;

Fleet make_fleet(std::size_t n = 4) { return Fleet(n, Spec{}, Ambient{20, 6}, core::Rng(1).stream("fleet")); }

/** Mean of channel `c` of device `i` sampled every `period_s` in [t0, t1). */

TEST(Pump, AHealthyPumpRunsOnTheSystemCurveWithPlausibleEfficiency) {
  // Worked by hand from Spec: the system curve H = 20 + (40 - 20) / 100^2 Q^2; shaft power = rho g Q H / eta.
  Fleet f = make_fleet(20);
  Eigen::ArrayXXd out(kChannels, 20);
  std::vector<std::uint32_t> idx(20);
  std::iota(idx.begin(), idx.end(), 0);
  for (double t = 0; t < 86400; t += 900) {
    std::vector<double> ts(20, t);
    f.step(idx, ts, out);
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      const double q = out(flow_m3_h, j), h = out(head_m, j);
      ASSERT_NEAR(h, 20.0 + 0.002 * q * q, 1e-9) << "t " << t;
      ASSERT_GT(q, 20.0);  // at the lowest speed (0.55) the static head leaves little
      ASSERT_LT(q, 105.0);
      const double hydraulic_kw = 1000 * 9.81 * (q / 3600) * h / 1000;
      const double eta = hydraulic_kw / (out(power_kw, j) * 0.93);  // less the motor's losses
      ASSERT_GT(eta, 0.5);
      ASSERT_LE(eta, 0.78 + 1e-9);
      ASSERT_NEAR(out(motor_current_a, j), out(power_kw, j) * 1000 / (std::sqrt(3.0) * 400 * 0.85), 1e-9);
      ASSERT_GT(out(suction_pressure_bar, j), 0.7);  // a full tank: no cavitation
      ASSERT_LT(out(vibration_rms_mm_s, j), 2.8);      // ISO 10816-7 zone A/B
      ASSERT_GT(out(bearing_temp_c, j), 25.0);
      ASSERT_LT(out(bearing_temp_c, j), 70.0);
    }
  }
}

TEST(Pump, EachFaultShowsInItsSignature) {
  const double day = 86400;
  EXPECT_EQ(testing::check_signatures(asset_class().descriptor, [] { return std::make_unique<Fleet>(4, Spec{}, Ambient{20, 6}, core::Rng(1).stream("fleet")); },
                                      {{cavitation, suction_pressure_bar, -1.5}, {cavitation, vibration_rms_mm_s, 2.0}, {impeller_wear, flow_m3_h, -8.0},
                                       {impeller_wear, head_m, -4.0}, {seal_leak, flow_m3_h, -4.0}, {seal_leak, power_kw, 0.3},
                                       {bearing_wear, vibration_rms_mm_s, 6.0}, {bearing_wear, bearing_temp_c, 25.0}},
                                      day / 2, day, day + 7200),
            "");
}

TEST(Pump, CavitationStartsOnlyNearTheNpshRequired) {
  // Half-way through the ramp (severity 1/4) the suction has fallen 0.44 bar, NPSH available is still about
  // 13 m against 4 m required: the head and the vibration are untouched. At failure the pump cavitates.
  Fleet healthy = make_fleet(), faulty = make_fleet();
  faulty.set_fault(0, cavitation, 0, 7200);
  Eigen::ArrayXXd a(kChannels, 1), b(kChannels, 1);
  const std::uint32_t idx[] = {0};
  const double early[] = {3600}, late[] = {7200 + 3600};
  healthy.step(idx, early, a);
  faulty.step(idx, early, b);
  EXPECT_NEAR(b(suction_pressure_bar, 0) - a(suction_pressure_bar, 0), -1.75 * 0.25, 1e-9);
  EXPECT_EQ(b(head_m, 0), a(head_m, 0));
  EXPECT_EQ(b(vibration_rms_mm_s, 0), a(vibration_rms_mm_s, 0));
  healthy.step(idx, late, a);
  faulty.step(idx, late, b);
  EXPECT_LT(b(head_m, 0), 0.95 * a(head_m, 0));
  EXPECT_GT(b(vibration_rms_mm_s, 0), a(vibration_rms_mm_s, 0) + 2.0);
}

TEST(Pump, ASealLeakPumpsMoreThanItDelivers) {
  // The leak is 20 % of the BEP flow at the speed: pumped = delivered + leak, and both sit on their curves.
  Fleet healthy = make_fleet(), faulty = make_fleet();
  faulty.set_fault(1, seal_leak, 0, 1);
  Eigen::ArrayXXd a(kChannels, 1), b(kChannels, 1);
  const std::uint32_t idx[] = {1};
  const double ts[] = {43'200};
  healthy.step(idx, ts, a);
  faulty.step(idx, ts, b);
  EXPECT_LT(b(flow_m3_h, 0), a(flow_m3_h, 0) - 3.0);
  EXPECT_LT(b(head_m, 0), a(head_m, 0));  // the pump runs further right on its curve
  EXPECT_GT(b(power_kw, 0), a(power_kw, 0));
  EXPECT_NEAR(b(head_m, 0), 20.0 + 0.002 * b(flow_m3_h, 0) * b(flow_m3_h, 0), 1e-9);  // the system sees only what is delivered
}

TEST(Pump, TheDescriptorNamesTheChannelsAndFaultsInThePhysicsOrder) {
  const AssetDescriptor d = asset_class().descriptor;
  ASSERT_EQ(d.channels.size(), std::size_t{kChannels});
  EXPECT_EQ(d.channel("flow_m3_h"), std::size_t{flow_m3_h});
  EXPECT_EQ(d.channel("vibration_rms_mm_s"), std::size_t{vibration_rms_mm_s});
  EXPECT_EQ(d.power_channel, std::size_t{power_kw});
  EXPECT_EQ(d.fault("seal_leak"), std::size_t{seal_leak});
  EXPECT_EQ(d.faults.size(), 4u);
}

}  // namespace
}  // namespace twinbench::twins::pump
