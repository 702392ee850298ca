#include "twinbench/ai/TrainingData.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace twinbench::ai {
namespace {

const std::vector<std::string> kChannels = {"motor_current_a", "vibration_rms_mm_s"};

TEST(TrainingData, FleetsAreSeededAndFaultsShowInTheSamples) {
  FleetDataSpec spec;
  spec.asset = twins::find_asset_class("compressor");
  spec.devices = 4;
  spec.duration_s = 7200;
  const twins::AssetDescriptor& compressor = twins::find_asset_class("compressor")->descriptor;
  spec.sensors = compressor.sensors;
  spec.sensors->dropout_probability = 0;
  const core::Rng rng(3);
  const RawSamples a = simulate_fleet(spec, kChannels, rng, "x"), b = simulate_fleet(spec, kChannels, rng, "x");
  EXPECT_EQ(a.steps, 720u);
  EXPECT_EQ(a.values, b.values);
  EXPECT_NE(a.values, simulate_fleet(spec, kChannels, rng, "y").values);
  // Bearing wear on device 1 from t = 0, failing at 3600 s: its late vibration is far above device 0's.
  const std::size_t wear = *compressor.fault("bearing_wear");
  const RawSamples f = simulate_fleet(spec, kChannels, rng, "x", {{wear, INFINITY, 0}, {wear, 0, 3600}});
  double healthy = 0, worn = 0;
  for (std::uint32_t k = 600; k < 720; ++k) healthy += f.sample(0, k)[1], worn += f.sample(1, k)[1];
  EXPECT_GT(worn, 2 * healthy);
}

TEST(TrainingData, AnUnknownClassOrChannelIsRefused) {
  FleetDataSpec spec;
  spec.asset = twins::find_asset_class("compressor");
  spec.devices = 1;
  spec.duration_s = 100;
  EXPECT_THROW(simulate_fleet(spec, {"no_such_channel"}, core::Rng(1), "x"), std::invalid_argument);
  spec.asset = nullptr;
  EXPECT_THROW(simulate_fleet(spec, kChannels, core::Rng(1), "x"), std::invalid_argument);
}

TEST(TrainingData, NormalisationAndWindowsFollowTheFeatureLayout) {
  RawSamples raw{2, 5, 2, 10.0, {}};
  for (int i = 0; i < 20; ++i) raw.values.push_back(static_cast<float>(i));
  raw.values[3] = NAN;
  std::vector<float> mean, scale;
  normalisation(raw, mean, scale);
  EXPECT_FLOAT_EQ(mean[0], 9.0f);  // 0 2 4 ... 18
  EXPECT_FLOAT_EQ(mean[1], (1 + 5 + 7 + 9 + 11 + 13 + 15 + 17 + 19) / 9.0f);
  const Windows w = make_windows(raw, {2, 3, 2, {0, 0}, {1, 1}});
  ASSERT_EQ(w.size(), 4u);  // per device: after samples 3 and 5
  EXPECT_EQ(w.device, (std::vector<std::uint32_t>{0, 0, 1, 1}));
  EXPECT_EQ(w.end_s, (std::vector<double>{20, 40, 20, 40}));
  EXPECT_EQ(std::vector<float>(w.x.begin(), w.x.begin() + 6), (std::vector<float>{0, 1, 2, 0, 4, 5}));  // the NaN became the mean (0)
}

}  // namespace
}  // namespace twinbench::ai
