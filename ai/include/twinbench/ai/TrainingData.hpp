#pragma once
// Training and validation data for anomaly models, simulated from the twins' physics and sensor model:
// healthy fleets for training, and held-out healthy and faulty fleets for choosing and checking the
// threshold. Windows are built by runtime::FeatureWindows, exactly as the gateway builds them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "twinbench/runtime/FeatureWindows.hpp"
#include "twinbench/twins/Asset.hpp"

namespace twinbench::ai {

struct FleetDataSpec {
  const twins::AssetClass* asset = nullptr;  ///< the devices' class (resolved by the caller, never looked up here)
  std::uint32_t devices = 64;
  double period_s = 10;
  double duration_s = 43'200;
  /// Site climates: device i lives in ambients[i % size()], so a model sees every climate it will serve.
  std::vector<twins::Ambient> ambients = std::vector<twins::Ambient>(1);
  std::optional<twins::SensorSpec> sensors;  ///< nullopt: the class's default sensors
};

/** Raw samples of a simulated fleet: devices x steps x channels floats (NaN = dropout). */
struct RawSamples {
  std::uint32_t devices = 0, steps = 0, channels = 0;
  double period_s = 0;
  std::vector<float> values;
  const float* sample(std::uint32_t device, std::uint32_t step) const {
    return values.data() + (static_cast<std::size_t>(device) * steps + step) * channels;
  }
};

/** A fault on a validation device (none: onset_s = +inf). */
struct InjectedFault {
  std::size_t mode = 0;  ///< in the class's fault catalogue
  double onset_s = 0, ramp_s = 0;
};

/**
 * @brief Simulate `spec.devices` devices of `spec.asset`, each sampled every period from t = 0, keeping
 * `channels` (names of the class's channels; std::invalid_argument without a class or for an unknown channel).
 * The devices of climate k form a fleet whose physics, calibration and noise come from streams
 * "<name>/<k>/physics", "<name>/<k>/calibration" and ("<name>/<k>/device", i) of `rng`. `faults`
 * (empty, or one per device) are injected first.
 */
RawSamples simulate_fleet(const FleetDataSpec& spec, const std::vector<std::string>& channels, const core::Rng& rng,
                          const std::string& name, const std::vector<InjectedFault>& faults = {});

/** @brief Per-channel mean and standard deviation over every non-missing sample (scale >= 1e-6). */
void normalisation(const RawSamples& raw, std::vector<float>& mean, std::vector<float>& scale);

/** Every due window of every device, row-major (windows x input_dim), with the time its last sample was taken. */
struct Windows {
  std::size_t dim = 0;
  std::vector<float> x;
  std::vector<std::uint32_t> device;
  std::vector<double> end_s;
  std::size_t size() const { return device.size(); }
};
Windows make_windows(const RawSamples& raw, const runtime::FeatureLayout& layout);

}  // namespace twinbench::ai
