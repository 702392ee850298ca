#pragma once
// Asset class "compressor": an industrial air compressor with load/unload control (docs/assets.md).
// Three faults develop over time: bearing wear (vibration), valve leak (efficiency, power, duty) and a
// cooling fault (discharge temperature). Its DTDL Interface is models/dtdl/Compressor.json.

#include "twinbench/twins/Asset.hpp"

namespace twinbench::twins::compressor {

/// Telemetry channels, in record order (the descriptor's).
enum Channel : int { motor_current_a = 0, discharge_pressure_bar, discharge_temp_c, vibration_rms_mm_s, power_kw, duty_cycle, kChannels };
enum Fault : std::size_t { bearing_wear = 0, valve_leak = 1, cooling_fault = 2 };

/** @brief Nameplate and plant constants shared by a fleet; devices vary around them. */
struct Spec {
  double rated_current_a = 62.0;       ///< full-load motor current
  double unload_current_ratio = 0.35;  ///< unloaded current / rated current
  double voltage_v = 400.0;            ///< three-phase line voltage
  double power_factor = 0.86;
  double setpoint_bar = 7.5;           ///< discharge pressure when loaded
  double cycle_s = 120.0;              ///< load/unload control cycle
  double thermal_tau_s = 300.0;        ///< discharge temperature time constant
  double loaded_temp_rise_c = 62.0;    ///< discharge - ambient, fully loaded, healthy
  double unloaded_temp_rise_c = 30.0;
  double vibration_base_mm_s = 1.8;    ///< healthy RMS velocity when loaded (ISO 10816 zone A)
};

class Fleet final : public AssetFleet {
public:
  /** @brief `n` compressors; per-device variation (load, phase, nameplate scatter) drawn from `variation`. */
  Fleet(std::size_t n, const Spec& spec, Ambient ambient, core::RngStream variation);

private:
  std::size_t class_bytes_per_device() const override { return 6 * sizeof(double); }
  void step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) override;

  Spec spec_;
  Eigen::ArrayXd base_load_, phase_s_, rated_current_a_, vibration_base_;  // per-device constants
  Eigen::ArrayXd temp_c_, last_t_s_;                                      // per-device state
};

/** @brief The class: descriptor (channels, faults, sensors, LwM2M mapping) and fleets of `Fleet`. */
AssetClass asset_class();

}  // namespace twinbench::twins::compressor
