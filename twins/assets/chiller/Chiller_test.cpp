#include "Chiller.hpp"

#include <gtest/gtest.h>

#include "AssetTesting.hpp"

#include <cmath>
#include <numeric>
#include <vector>

namespace twinbench::twins::chiller {
namespace {

using twins::testing::mean_channel;

Fleet make_fleet(std::size_t n = 4, Ambient a = {24, 7}) { return Fleet(n, Spec{}, a, core::Rng(1).stream("fleet")); }


TEST(Chiller, R134aSaturationPressuresMatchNistWithinOnePercent) {
  // NIST Chemistry WebBook, R-134a saturation (absolute): -10 C 2.006 bar, 10 C 4.146, 30 C 7.702, 40 C 10.166, 60 C 16.82.
  for (const auto& [t, p] : {std::pair{-10.0, 2.006}, {10.0, 4.146}, {30.0, 7.702}, {40.0, 10.166}, {60.0, 16.82}})
    EXPECT_NEAR(r134a_saturation_bar(t), p, 0.01 * p) << t << " C";
}

TEST(Chiller, AHealthyChillerHoldsItsSetpointAndItsEnergyBalance) {
  // Cooling = m cp (return - supply) with m cp = 350 kW / 5 K; COP = cooling / compressor power; COP below Carnot's.
  Fleet f = make_fleet(20);
  Eigen::ArrayXXd out(kChannels, 20);
  std::vector<std::uint32_t> idx(20);
  std::iota(idx.begin(), idx.end(), 0);
  for (double t = 0; t < 2 * 86400; t += 600) {
    std::vector<double> ts(20, t);
    f.step(idx, ts, out);
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      ASSERT_NEAR(out(supply_temp_c, j), 7.0, 1e-9) << "t " << t;
      const double cooling = 70.0 * (out(return_temp_c, j) - out(supply_temp_c, j));
      const double compressor_kw = out(power_kw, j) - 10.0;
      ASSERT_NEAR(out(cop, j) * compressor_kw, cooling, 1e-6 * cooling);
      ASSERT_GT(out(cop, j), 2.5);
      ASSERT_LT(out(cop, j), 8.0);  // a mild night at part load: a small lift
      // Carnot between the refrigerant's saturation temperatures, read back from the pressures.
      const auto sat_c = [](double p) { return 2654.8 / (10.7946 - std::log(p)) - 273.15; };
      const double te = sat_c(out(evaporator_pressure_bar, j)) + 273.15, tc = sat_c(out(condenser_pressure_bar, j)) + 273.15;
      ASSERT_LT(out(cop, j), te / (tc - te));
      ASSERT_NEAR(out(compressor_current_a, j), compressor_kw * 1000 / (std::sqrt(3.0) * 400 * 0.88), 1e-9);
    }
  }
}

TEST(Chiller, AHotterSiteLoadsItsChillersMore) {
  Fleet mild = make_fleet(1, {15, 5}), hot = make_fleet(1, {32, 6});
  EXPECT_GT(mean_channel(hot, 0, 0, 86400, power_kw, 60), 1.5 * mean_channel(mild, 0, 0, 86400, power_kw, 60));
  EXPECT_LT(mean_channel(hot, 0, 0, 86400, cop, 60), mean_channel(mild, 0, 0, 86400, cop, 60));
}

TEST(Chiller, EachFaultShowsInItsSignature) {
  // In the afternoon, when the load is highest.
  const double day = 86400;
  EXPECT_EQ(testing::check_signatures(asset_class().descriptor, [] { return std::make_unique<Fleet>(4, Spec{}, Ambient{24, 7}, core::Rng(1).stream("fleet")); },
                                      {{refrigerant_leak, evaporator_pressure_bar, -0.5}, {refrigerant_leak, cop, -0.5},
                                       {condenser_fouling, condenser_pressure_bar, 2.5}, {condenser_fouling, cop, -0.5},
                                       {stuck_expansion_valve, evaporator_pressure_bar, -0.5}, {stuck_expansion_valve, supply_temp_c, 0.5}},
                                      day / 2, day + 12 * 3600, day + 17 * 3600),
            "");
}

TEST(Chiller, TheDescriptorNamesTheChannelsAndFaultsInThePhysicsOrder) {
  const AssetDescriptor d = asset_class().descriptor;
  ASSERT_EQ(d.channels.size(), std::size_t{kChannels});
  EXPECT_EQ(d.channel("cop"), std::size_t{cop});
  EXPECT_EQ(d.channel("supply_temp_c"), std::size_t{supply_temp_c});
  EXPECT_EQ(d.power_channel, std::size_t{power_kw});
  EXPECT_EQ(d.fault("stuck_expansion_valve"), std::size_t{stuck_expansion_valve});
}

}  // namespace
}  // namespace twinbench::twins::chiller
