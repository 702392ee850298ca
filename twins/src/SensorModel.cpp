#include "twinbench/twins/SensorModel.hpp"

#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>

namespace twinbench::twins {

SensorSpec default_compressor_sensors() {
  SensorSpec s;
  //            current  pressure  temp  vibration  power  duty
  s.noise_sd = {0.25,    0.015,    0.3,  0.08,      0.15,  0.0};
  s.bias_sd = {0.3,      0.02,     0.5,  0.05,      0.2,   0.0};
  s.quantum = {0.1,      0.01,     0.1,  0.01,      0.1,   0.01};
  s.dropout_probability = 0.0005;
  return s;
}

SensorBank::SensorBank(std::size_t n, const SensorSpec& spec, core::RngStream calibration) : spec_(spec) {
  bias_.resize(kChannels, static_cast<Eigen::Index>(n));
  for (Eigen::Index d = 0; d < bias_.cols(); ++d)
    for (int c = 0; c < kChannels; ++c) bias_(c, d) = static_cast<float>(spec.bias_sd[c] * calibration.normal());
}

void SensorBank::read(std::span<const std::uint32_t> idx, const Eigen::ArrayXXd& truth, std::span<core::RngStream> rng,
                      Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic>& out) const {
  static_assert(kChannels % 2 == 0, "Box-Muller draws normals in pairs");
  const auto m = static_cast<Eigen::Index>(idx.size());
  assert(truth.cols() == m && truth.rows() == kChannels);
  // Draw the uniforms per device (each from its own stream, in a fixed order), then turn them into
  // normals in one vectorised Box-Muller pass over the batch, in float (Eigen vectorises float log and
  // sin/cos; readings are float anyway).
  Eigen::ArrayXXf u1(kChannels / 2, m), u2(kChannels / 2, m);
  for (Eigen::Index j = 0; j < m; ++j) {
    core::RngStream& r = rng[idx[static_cast<std::size_t>(j)]];
    for (int k = 0; k < kChannels / 2; ++k) {
      u1(k, j) = static_cast<float>(r.uniform_open0());
      u2(k, j) = static_cast<float>(r.uniform());
    }
  }
  u1 = u1.max(std::numeric_limits<float>::min());  // rounding to float may reach 0; log(0) must not happen
  const Eigen::ArrayXXf radius = (-2.0f * u1.log()).sqrt();
  const Eigen::ArrayXXf angle = static_cast<float>(2.0 * std::numbers::pi) * u2;
  Eigen::ArrayXXf z(kChannels, m);
  z.topRows(kChannels / 2) = radius * angle.cos();
  z.bottomRows(kChannels / 2) = radius * angle.sin();

  out.resize(kChannels, m);
  for (int c = 0; c < kChannels; ++c) {
    Eigen::ArrayXd v = truth.row(c).transpose() + spec_.noise_sd[c] * z.row(c).transpose().cast<double>();
    for (Eigen::Index j = 0; j < m; ++j) v[j] += bias_(c, idx[static_cast<std::size_t>(j)]);
    if (spec_.quantum[c] > 0) v = (v / spec_.quantum[c]).round() * spec_.quantum[c];
    out.row(c) = v.cast<float>().transpose();
  }
  if (spec_.dropout_probability > 0) {
    for (Eigen::Index j = 0; j < m; ++j) {
      core::RngStream& r = rng[idx[static_cast<std::size_t>(j)]];
      for (int c = 0; c < kChannels; ++c)
        if (r.bernoulli(spec_.dropout_probability)) out(c, j) = std::numeric_limits<float>::quiet_NaN();
    }
  }
}

}  // namespace twinbench::twins
