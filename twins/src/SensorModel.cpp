#include "twinbench/twins/SensorModel.hpp"

#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

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

SensorBank::SensorBank(std::size_t n, const SensorSpec& spec, core::RngStream calibration)
    : spec_(spec), dropout_threshold_(static_cast<std::uint32_t>(std::llround(spec.dropout_probability * (1 << 21)))) {
  bias_.resize(kChannels, static_cast<Eigen::Index>(n));
  for (Eigen::Index d = 0; d < bias_.cols(); ++d)
    for (int c = 0; c < kChannels; ++c) bias_(c, d) = static_cast<float>(spec.bias_sd[c] * calibration.normal());
}

void SensorBank::read(std::span<const std::uint32_t> idx, const Eigen::Ref<const Eigen::ArrayXXd>& truth, std::span<core::RngStream> rng,
                      Eigen::Ref<Eigen::ArrayXXf> out) const {
  // Always checked: a wrong size would write out of bounds in a Release build.
  if (truth.rows() != kChannels || truth.cols() != static_cast<Eigen::Index>(idx.size()) || out.rows() != kChannels || out.cols() != truth.cols())
    throw std::invalid_argument("SensorBank::read: truth and out must be kChannels x idx.size()");
  constexpr std::size_t kChunk = CompressorFleet::kChunk;
  for (std::size_t k = 0; k < idx.size(); k += kChunk) {
    const auto m = std::min(kChunk, idx.size() - k);
    const auto col = static_cast<Eigen::Index>(k), cols = static_cast<Eigen::Index>(m);
    read_chunk(idx.subspan(k, m), truth.middleCols(col, cols), rng, out.middleCols(col, cols));
  }
}

void SensorBank::read_chunk(std::span<const std::uint32_t> idx, const Eigen::Ref<const Eigen::ArrayXXd>& truth,
                            std::span<core::RngStream> rng, Eigen::Ref<Eigen::ArrayXXf> out) const {
  static_assert(kChannels % 2 == 0, "Box-Muller draws normals in pairs");
  constexpr int kPairs = kChannels / 2;
  using Buf = Eigen::Array<float, Eigen::Dynamic, 1, Eigen::ColMajor, CompressorFleet::kChunk * kPairs, 1>;
  const auto m = static_cast<Eigen::Index>(idx.size());
  // One 64-bit draw per normal pair: 24 bits for each uniform (float precision), each device from its own
  // stream in a fixed order. The transcendental part runs vectorised over contiguous arrays.
  Buf u1(m * kPairs), u2(m * kPairs);
  for (Eigen::Index j = 0; j < m; ++j) {
    core::RngStream& r = rng[idx[static_cast<std::size_t>(j)]];
    for (int p = 0; p < kPairs; ++p) {
      const std::uint64_t x = r.next_u64();
      u1[j * kPairs + p] = static_cast<float>((x >> 40) + 1) * 0x1.0p-24f;  // (0, 1]: safe for log
      u2[j * kPairs + p] = static_cast<float>(x & 0xFFFFFF) * 0x1.0p-24f;   // [0, 1)
    }
  }
  const Buf radius = (-2.0f * u1.log()).sqrt();
  const Buf angle = static_cast<float>(2.0 * std::numbers::pi) * u2;
  const Buf zc = radius * angle.cos(), zs = radius * angle.sin();

  for (Eigen::Index j = 0; j < m; ++j) {
    const std::uint32_t device = idx[static_cast<std::size_t>(j)];
    for (int c = 0; c < kChannels; ++c) {
      const float z = c < kPairs ? zc[j * kPairs + c] : zs[j * kPairs + c - kPairs];
      double v = truth(c, j) + spec_.noise_sd[c] * z + bias_(c, device);
      if (spec_.quantum[c] > 0) {
        const double steps = v / spec_.quantum[c];  // round half away from zero without a libm call
        v = static_cast<double>(static_cast<std::int64_t>(steps + (steps >= 0 ? 0.5 : -0.5))) * spec_.quantum[c];
      }
      out(c, j) = static_cast<float>(v);
    }
    if (dropout_threshold_ > 0) {
      // Three 21-bit Bernoulli draws per 64-bit word: probability resolution 2^-21 (about 5e-7).
      core::RngStream& r = rng[device];
      for (int c = 0; c < kChannels; c += 3) {
        const std::uint64_t x = r.next_u64();
        for (int b = 0; b < 3 && c + b < kChannels; ++b)
          if (((x >> (21 * b)) & 0x1FFFFF) < dropout_threshold_) out(c + b, j) = std::numeric_limits<float>::quiet_NaN();
      }
    }
  }
}

}  // namespace twinbench::twins
