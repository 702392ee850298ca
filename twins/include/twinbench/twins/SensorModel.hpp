#pragma once
// What a device's sensors make of the true physical values: per-device bias, Gaussian noise,
// quantisation to the sensor's resolution, and dropout (a missing reading, sent as NaN).

#include <Eigen/Core>
#include <array>
#include <span>

#include "twinbench/core/Random.hpp"
#include "twinbench/twins/Compressor.hpp"

namespace twinbench::twins {

struct SensorSpec {
  std::array<double, kChannels> noise_sd{};  ///< standard deviation of each reading's noise
  std::array<double, kChannels> bias_sd{};   ///< spread of the fixed per-device calibration bias
  std::array<double, kChannels> quantum{};   ///< resolution (0 = none)
  double dropout_probability = 0.0;          ///< per reading
};

/** @brief Sensor defaults for the compressor channels (industrial transmitters, 16-bit ADC class). */
SensorSpec default_compressor_sensors();

class SensorBank {
public:
  /** @brief Sensors of `n` devices; calibration biases are drawn from `calibration`. */
  SensorBank(std::size_t n, const SensorSpec& spec, core::RngStream calibration);

  /**
   * @brief Readings of devices `idx` given their true values `truth` (one column per device):
   * draws noise and dropout from each device's own stream `rng[idx[j]]`, writes floats to `out`.
   */
  void read(std::span<const std::uint32_t> idx, const Eigen::ArrayXXd& truth, std::span<core::RngStream> rng,
            Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic>& out) const;

  const SensorSpec& spec() const { return spec_; }
  float bias(std::size_t device, int channel) const { return bias_(channel, static_cast<Eigen::Index>(device)); }

private:
  SensorSpec spec_;
  Eigen::Array<float, kChannels, Eigen::Dynamic> bias_;
};

}  // namespace twinbench::twins
