#include "twinbench/twins/SensorModel.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

namespace twinbench::twins {
namespace {

struct Bench {
  std::size_t n;
  SensorBank bank;
  std::vector<core::RngStream> rng;
  Bench(std::size_t n_, const SensorSpec& spec) : n(n_), bank(n_, spec, core::Rng(9).stream("cal")) {
    for (std::size_t i = 0; i < n; ++i) rng.push_back(core::Rng(9).stream("dev", i));
  }
  Eigen::ArrayXXf read(const Eigen::ArrayXXd& truth) {
    std::vector<std::uint32_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    Eigen::ArrayXXf out(kChannels, static_cast<Eigen::Index>(n));
    bank.read(idx, truth, rng, out);
    return out;
  }
};

TEST(SensorModel, NoiseHasTheConfiguredSpreadAroundTruthPlusBias) {
  SensorSpec spec;
  spec.noise_sd.fill(0.5);
  spec.bias_sd.fill(1.0);
  Bench b(4, spec);
  const Eigen::ArrayXXd truth = Eigen::ArrayXXd::Constant(kChannels, 4, 10.0);
  double sum = 0, sum2 = 0;
  const int reps = 20000;
  for (int r = 0; r < reps; ++r) {
    const double e = b.read(truth)(2, 1) - 10.0 - b.bank.bias(1, 2);
    sum += e;
    sum2 += e * e;
  }
  EXPECT_NEAR(sum / reps, 0.0, 0.02);
  EXPECT_NEAR(std::sqrt(sum2 / reps), 0.5, 0.02);
  EXPECT_NE(b.bank.bias(0, 2), b.bank.bias(1, 2));
}

TEST(SensorModel, ReadingsAreQuantised) {
  SensorSpec spec;
  spec.noise_sd.fill(0.3);
  spec.quantum.fill(0.25);
  Bench b(3, spec);
  const Eigen::ArrayXXf out = b.read(Eigen::ArrayXXd::Constant(kChannels, 3, 1.0));
  for (Eigen::Index i = 0; i < out.size(); ++i) EXPECT_FLOAT_EQ(std::round(out(i) / 0.25f) * 0.25f, out(i));
}

TEST(SensorModel, DropoutRateMatchesItsProbability) {
  SensorSpec spec;
  spec.dropout_probability = 0.1;
  Bench b(10, spec);
  int missing = 0, total = 0;
  for (int r = 0; r < 2000; ++r) {
    const Eigen::ArrayXXf out = b.read(Eigen::ArrayXXd::Zero(kChannels, 10));
    missing += static_cast<int>(out.isNaN().count());
    total += static_cast<int>(out.size());
  }
  EXPECT_NEAR(static_cast<double>(missing) / total, 0.1, 0.01);
}

TEST(SensorModel, ChunkedReadsMatchOneDeviceAtATime) {
  const SensorSpec spec = default_compressor_sensors();
  Bench all(150, spec), one(150, spec);
  const Eigen::ArrayXXd truth = Eigen::ArrayXXd::Constant(kChannels, 150, 3.0);
  const Eigen::ArrayXXf batched = all.read(truth);
  Eigen::ArrayXXf single(kChannels, 1);
  for (std::uint32_t d = 0; d < 150; ++d) {
    one.bank.read(std::span(&d, 1), truth.col(d), one.rng, single);
    for (int c = 0; c < kChannels; ++c) ASSERT_TRUE(batched(c, d) == single(c, 0) || (std::isnan(batched(c, d)) && std::isnan(single(c, 0))));
  }
}

TEST(SensorModel, SameStreamsGiveSameReadings) {
  const SensorSpec spec = default_compressor_sensors();
  Bench a(5, spec), b(5, spec);
  const Eigen::ArrayXXd truth = Eigen::ArrayXXd::Constant(kChannels, 5, 3.0);
  for (int r = 0; r < 10; ++r) {
    const Eigen::ArrayXXf x = a.read(truth), y = b.read(truth);
    ASSERT_TRUE(((x == y) || (x.isNaN() && y.isNaN())).all());
  }
}

}  // namespace
}  // namespace twinbench::twins
