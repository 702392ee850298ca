#pragma once
// Asset physics of an industrial air compressor (load/unload control), for many devices at once.
// State lives in structure-of-arrays form so a batch of devices is stepped with Eigen array expressions.
// Three faults develop over time: bearing wear (vibration), valve leak (efficiency, power, duty) and a
// cooling fault (discharge temperature). Severity grows as ((t - onset) / ramp)^2, capped at 1 = failure.

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/core/Random.hpp"

namespace twinbench::twins {

enum class FaultMode : std::uint8_t { bearing_wear = 0, valve_leak = 1, cooling_fault = 2 };
inline constexpr int kFaultModes = 3;
std::string_view to_string(FaultMode m);
std::optional<FaultMode> fault_mode_from_string(std::string_view s);

/// Telemetry channels, in record order.
enum Channel : int {
  motor_current_a = 0, discharge_pressure_bar, discharge_temp_c, vibration_rms_mm_s, power_kw, duty_cycle,
  kChannels
};
inline constexpr std::array<std::string_view, kChannels> kChannelNames = {
    "motor_current_a", "discharge_pressure_bar", "discharge_temp_c", "vibration_rms_mm_s", "power_kw", "duty_cycle"};
std::optional<Channel> channel_from_string(std::string_view s);
/** @brief "motor_current_a, discharge_pressure_bar, ...": for messages. */
std::string channel_names();

/** @brief Nameplate and plant constants shared by a fleet; devices vary around them. */
struct CompressorSpec {
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

/** @brief Site ambient temperature: a daily sine with its peak at 15:00. */
struct Ambient {
  double mean_c = 20.0;
  double amplitude_c = 5.0;
};

class CompressorFleet {
public:
  /** @brief `n` compressors; per-device variation (load, phase, nameplate scatter) drawn from `variation`. */
  CompressorFleet(std::size_t n, const CompressorSpec& spec, Ambient ambient, core::RngStream variation);

  std::size_t size() const { return static_cast<std::size_t>(base_load_.size()); }

  /** @brief Schedule a fault on device `i`: severity 0 before `onset_s`, 1 (failure) from onset_s + ramp_s. */
  void set_fault(std::size_t i, FaultMode mode, double onset_s, double ramp_s);
  /**
   * @brief Concept drift of the whole fleet's climate: from `start_s` the ambient temperature rises by
   * `delta_c` x min(1, (t - start_s) / ramp_s) (a season changing). Shifts add up.
   */
  void add_ambient_shift(double start_s, double ramp_s, double delta_c);
  /**
   * @brief From `from_s` device `i` is a new compressor variant: its motor draws `current_scale` times
   * the current (and power) and its discharge runs `temp_rise_c` hotter when loaded.
   */
  void set_variant(std::size_t i, double from_s, double current_scale, double temp_rise_c);
  /** @brief The earliest fault onset on device `i`, if it has a fault. */
  std::optional<double> first_onset_s(std::size_t i) const;
  /** @brief Severity in [0, 1] of `mode` on device `i` at time `t_s`. */
  double severity(std::size_t i, FaultMode mode, double t_s) const;

  /**
   * @brief Advance devices `idx` to times `t_s` (each device its own time, never earlier than its last)
   * and write their true outputs to `out` (kChannels x idx.size()): one column per device, rows in Channel order.
   */
  void step(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out);

  /// Devices are stepped in chunks of at most this many, with stack-allocated temporaries.
  static constexpr int kChunk = 64;

private:
  void step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out);

  CompressorSpec spec_;
  Ambient ambient_;
  Eigen::ArrayXd base_load_, phase_s_, rated_current_a_, vibration_base_;  // per-device constants
  Eigen::ArrayXd temp_c_, last_t_s_;                                      // per-device state
  std::array<Eigen::ArrayXd, kFaultModes> onset_s_, ramp_s_;              // +inf onset = no fault
  struct AmbientShift {
    double start_s, ramp_s, delta_c;
  };
  std::vector<AmbientShift> shifts_;
  Eigen::ArrayXd variant_from_s_, variant_current_, variant_temp_c_;     // +inf = the original variant
  bool has_variant_ = false;                                             // any device set_variant
};

}  // namespace twinbench::twins
