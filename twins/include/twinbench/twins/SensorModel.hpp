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
   * @brief Readings of devices `idx` given their true values `truth` (kChannels x idx.size(), one column per
   * device): draws noise and dropout from each device's own stream `rng[idx[j]]`, writes floats to `out`.
   */
  void read(std::span<const std::uint32_t> idx, const Eigen::Ref<const Eigen::ArrayXXd>& truth, std::span<core::RngStream> rng,
            Eigen::Ref<Eigen::ArrayXXf> out) const;

  const SensorSpec& spec() const { return spec_; }
  float bias(std::size_t device, int channel) const { return bias_(channel, static_cast<Eigen::Index>(device)); }

private:
  void read_chunk(std::span<const std::uint32_t> idx, const Eigen::Ref<const Eigen::ArrayXXd>& truth, std::span<core::RngStream> rng,
                  Eigen::Ref<Eigen::ArrayXXf> out) const;

  SensorSpec spec_;
  std::uint32_t dropout_threshold_ = 0;  ///< dropout_probability in units of 2^-21
  Eigen::Array<float, kChannels, Eigen::Dynamic> bias_;
};

}  // namespace twinbench::twins
