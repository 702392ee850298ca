#include "twinbench/twins/SensorModel.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

namespace twinbench::twins {
namespace {

constexpr int kN = 6;

SensorSpec uniform_spec(std::size_t channels, double noise, double bias, double quantum) {
  SensorSpec s = SensorSpec::ideal(channels);
  s.noise_sd.assign(channels, noise);
  s.bias_sd.assign(channels, bias);
  s.quantum.assign(channels, quantum);
  return s;
}

/** A transmitter-like spec: noise, bias and resolution differ per channel, rare dropouts. */
SensorSpec mixed_spec() {
  SensorSpec s;
  s.noise_sd = {0.25, 0.015, 0.3, 0.08, 0.15, 0.0};
  s.bias_sd = {0.3, 0.02, 0.5, 0.05, 0.2, 0.0};
  s.quantum = {0.1, 0.01, 0.1, 0.01, 0.1, 0.01};
  s.dropout_probability = 0.0005;
  return s;
}

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
    Eigen::ArrayXXf out(truth.rows(), static_cast<Eigen::Index>(n));
    bank.read(idx, truth, rng, out);
    return out;
  }
};

TEST(SensorModel, NoiseHasTheConfiguredSpreadAroundTruthPlusBias) {
  Bench b(4, uniform_spec(kN, 0.5, 1.0, 0.0));
  const Eigen::ArrayXXd truth = Eigen::ArrayXXd::Constant(kN, 4, 10.0);
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
  Bench b(3, uniform_spec(kN, 0.3, 0.0, 0.25));
  const Eigen::ArrayXXf out = b.read(Eigen::ArrayXXd::Constant(kN, 3, 1.0));
  for (Eigen::Index i = 0; i < out.size(); ++i) EXPECT_FLOAT_EQ(std::round(out(i) / 0.25f) * 0.25f, out(i));
}

TEST(SensorModel, DropoutRateMatchesItsProbability) {
  SensorSpec spec = SensorSpec::ideal(kN);
  spec.dropout_probability = 0.1;
  Bench b(10, spec);
  int missing = 0, total = 0;
  for (int r = 0; r < 2000; ++r) {
    const Eigen::ArrayXXf out = b.read(Eigen::ArrayXXd::Zero(kN, 10));
    missing += static_cast<int>(out.isNaN().count());
    total += static_cast<int>(out.size());
  }
  EXPECT_NEAR(static_cast<double>(missing) / total, 0.1, 0.01);
}

TEST(SensorModel, ChunkedReadsMatchOneDeviceAtATime) {
  const SensorSpec spec = mixed_spec();
  Bench all(150, spec), one(150, spec);
  const Eigen::ArrayXXd truth = Eigen::ArrayXXd::Constant(kN, 150, 3.0);
  const Eigen::ArrayXXf batched = all.read(truth);
  Eigen::ArrayXXf single(kN, 1);
  for (std::uint32_t d = 0; d < 150; ++d) {
    one.bank.read(std::span(&d, 1), truth.col(d), one.rng, single);
    for (int c = 0; c < kN; ++c) ASSERT_TRUE(batched(c, d) == single(c, 0) || (std::isnan(batched(c, d)) && std::isnan(single(c, 0))));
  }
}

TEST(SensorModel, SameStreamsGiveSameReadings) {
  const SensorSpec spec = mixed_spec();
  Bench a(5, spec), b(5, spec);
  const Eigen::ArrayXXd truth = Eigen::ArrayXXd::Constant(kN, 5, 3.0);
  for (int r = 0; r < 10; ++r) {
    const Eigen::ArrayXXf x = a.read(truth), y = b.read(truth);
    ASSERT_TRUE(((x == y) || (x.isNaN() && y.isNaN())).all());
  }
}

TEST(SensorModel, EveryChannelOfAnOddCountGetsItsOwnNoise) {
  // Normals come in Box-Muller pairs: with 7 channels the last takes the 4th pair's sine alone.
  for (const int n : {1, 7}) {
    Bench b(2, uniform_spec(static_cast<std::size_t>(n), 0.5, 0.0, 0.0));
    const Eigen::ArrayXXd truth = Eigen::ArrayXXd::Constant(n, 2, 10.0);
    Eigen::ArrayXd sum = Eigen::ArrayXd::Zero(n), sum2 = Eigen::ArrayXd::Zero(n);
    double cross = 0;
    const int reps = 20000;
    for (int r = 0; r < reps; ++r) {
      const Eigen::ArrayXd e = b.read(truth).col(0).cast<double>() - 10.0;
      sum += e;
      sum2 += e.square();
      cross += e(0) * e(n - 1);
    }
    for (int c = 0; c < n; ++c) {
      EXPECT_NEAR(sum(c) / reps, 0.0, 0.02) << n << " channels, channel " << c;
      EXPECT_NEAR(std::sqrt(sum2(c) / reps), 0.5, 0.02) << n << " channels, channel " << c;
    }
    if (n > 1) {
      EXPECT_NEAR(cross / reps, 0.0, 0.02) << "the first and last channels' noise are independent";
    }
  }
}

TEST(SensorModel, ASpecWithoutOneEntryPerChannelIsRefused) {
  SensorSpec s = SensorSpec::ideal(3);
  s.quantum.pop_back();
  EXPECT_THROW(SensorBank(1, s, core::Rng(1).stream("c")), std::invalid_argument);
  EXPECT_THROW(SensorBank(1, SensorSpec::ideal(0), core::Rng(1).stream("c")), std::invalid_argument);
  EXPECT_THROW(SensorBank(1, SensorSpec::ideal(kMaxSensorChannels + 1), core::Rng(1).stream("c")), std::invalid_argument);
}

}  // namespace
}  // namespace twinbench::twins
