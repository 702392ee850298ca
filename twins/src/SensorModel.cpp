#include "twinbench/twins/SensorModel.hpp"

#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace twinbench::twins {

SensorSpec SensorSpec::ideal(std::size_t channels) {
  SensorSpec s;
  s.noise_sd.assign(channels, 0.0);
  s.bias_sd.assign(channels, 0.0);
  s.quantum.assign(channels, 0.0);
  return s;
}

SensorBank::SensorBank(std::size_t n, const SensorSpec& spec, core::RngStream calibration)
    : spec_(spec),
      channels_(static_cast<int>(spec.channels())),
      dropout_threshold_(static_cast<std::uint32_t>(std::llround(spec.dropout_probability * (1 << 21)))) {
  if (channels_ < 1 || channels_ > kMaxSensorChannels || spec.bias_sd.size() != spec.channels() || spec.quantum.size() != spec.channels())
    throw std::invalid_argument("SensorBank: noise_sd, bias_sd and quantum need one entry per channel, 1 to 16 channels");
  bias_.resize(channels_, static_cast<Eigen::Index>(n));
  for (Eigen::Index d = 0; d < bias_.cols(); ++d)
    for (int c = 0; c < channels_; ++c) bias_(c, d) = static_cast<float>(spec.bias_sd[static_cast<std::size_t>(c)] * calibration.normal());
}

void SensorBank::read(std::span<const std::uint32_t> idx, const Eigen::Ref<const Eigen::ArrayXXd>& truth, std::span<core::RngStream> rng,
                      Eigen::Ref<Eigen::ArrayXXf> out) const {
  // Always checked: a wrong size would write out of bounds in a Release build.
  if (truth.rows() != channels_ || truth.cols() != static_cast<Eigen::Index>(idx.size()) || out.rows() != channels_ || out.cols() != truth.cols())
    throw std::invalid_argument("SensorBank::read: truth and out must be channels x idx.size()");
  for (std::size_t k = 0; k < idx.size(); k += kChunk) {
    const auto m = std::min(kChunk, idx.size() - k);
    const auto col = static_cast<Eigen::Index>(k), cols = static_cast<Eigen::Index>(m);
    read_chunk(idx.subspan(k, m), truth.middleCols(col, cols), rng, out.middleCols(col, cols));
  }
}

void SensorBank::read_chunk(std::span<const std::uint32_t> idx, const Eigen::Ref<const Eigen::ArrayXXd>& truth,
                            std::span<core::RngStream> rng, Eigen::Ref<Eigen::ArrayXXf> out) const {
  // Box-Muller draws normals in pairs: channel c < pairs takes a pair's cosine, the others its sine (with
  // an odd count the last sine goes unused).
  const int kPairs = (channels_ + 1) / 2;
  using Buf = Eigen::Array<float, Eigen::Dynamic, 1, Eigen::ColMajor, kChunk * kMaxSensorChannels / 2, 1>;
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
    for (int c = 0; c < channels_; ++c) {
      const auto k = static_cast<std::size_t>(c);
      const float z = c < kPairs ? zc[j * kPairs + c] : zs[j * kPairs + c - kPairs];
      double v = truth(c, j) + spec_.noise_sd[k] * z + bias_(c, device);
      if (spec_.quantum[k] > 0) {
        const double steps = v / spec_.quantum[k];  // round half away from zero without a libm call
        v = static_cast<double>(static_cast<std::int64_t>(steps + (steps >= 0 ? 0.5 : -0.5))) * spec_.quantum[k];
      }
      out(c, j) = static_cast<float>(v);
    }
    if (dropout_threshold_ > 0) {
      // Three 21-bit Bernoulli draws per 64-bit word: probability resolution 2^-21 (about 5e-7).
      core::RngStream& r = rng[device];
      for (int c = 0; c < channels_; c += 3) {
        const std::uint64_t x = r.next_u64();
        for (int b = 0; b < 3 && c + b < channels_; ++b)
          if (((x >> (21 * b)) & 0x1FFFFF) < dropout_threshold_) out(c + b, j) = std::numeric_limits<float>::quiet_NaN();
      }
    }
  }
}

}  // namespace twinbench::twins
