#pragma once
// What a device's sensors make of the true physical values: per-device bias, Gaussian noise,
// quantisation to the sensor's resolution, and dropout (a missing reading, sent as NaN).

#include <Eigen/Core>
#include <span>
#include <vector>

#include "twinbench/core/Random.hpp"

namespace twinbench::twins {

/// The most channels a device's sensors read (a class of more would need a wider stack buffer).
inline constexpr int kMaxSensorChannels = 16;

/** One entry per channel, in the asset class's channel order. */
struct SensorSpec {
  std::vector<double> noise_sd;   ///< standard deviation of each reading's noise
  std::vector<double> bias_sd;    ///< spread of the fixed per-device calibration bias
  std::vector<double> quantum;    ///< resolution (0 = none)
  double dropout_probability = 0.0;  ///< per reading

  /** @brief `channels` perfect sensors (no noise, bias, quantisation or dropout). */
  static SensorSpec ideal(std::size_t channels);
  std::size_t channels() const { return noise_sd.size(); }
};

class SensorBank {
public:
  /** @brief Sensors of `n` devices; calibration biases are drawn from `calibration`. The spec's three
   * vectors must be equally long, 1 to kMaxSensorChannels (std::invalid_argument otherwise). */
  SensorBank(std::size_t n, const SensorSpec& spec, core::RngStream calibration);

  /**
   * @brief Readings of devices `idx` given their true values `truth` (channels x idx.size(), one column per
   * device): draws noise and dropout from each device's own stream `rng[idx[j]]`, writes floats to `out`.
   */
  void read(std::span<const std::uint32_t> idx, const Eigen::Ref<const Eigen::ArrayXXd>& truth, std::span<core::RngStream> rng,
            Eigen::Ref<Eigen::ArrayXXf> out) const;

  const SensorSpec& spec() const { return spec_; }
  float bias(std::size_t device, int channel) const { return bias_(channel, static_cast<Eigen::Index>(device)); }

private:
  static constexpr std::size_t kChunk = 64;  ///< devices per chunk, with stack-allocated temporaries
  void read_chunk(std::span<const std::uint32_t> idx, const Eigen::Ref<const Eigen::ArrayXXd>& truth, std::span<core::RngStream> rng,
                  Eigen::Ref<Eigen::ArrayXXf> out) const;

  SensorSpec spec_;
  int channels_;
  std::uint32_t dropout_threshold_ = 0;  ///< dropout_probability in units of 2^-21
  Eigen::ArrayXXf bias_;                 ///< channels x devices
};

}  // namespace twinbench::twins
