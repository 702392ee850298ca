#pragma once
// Asset class "pump": a centrifugal water pump on a variable-speed drive, feeding a system with static
// head and friction (docs/assets.md). The operating point is where the pump curve, scaled by the
// affinity laws, meets the system curve; efficiency follows a parabola through the best-efficiency point.
// Four faults: cavitation (suction pressure falls until NPSH available nears NPSH required: head drops,
// broadband vibration), impeller wear (head, flow and efficiency degrade), seal leak (water lost before
// the flow meter: more pumped, less delivered) and bearing wear (vibration, bearing temperature).
// Its DTDL Interface is models/dtdl/Pump.json.

#include "twinbench/twins/Asset.hpp"

namespace twinbench::twins::pump {

/// Telemetry channels, in record order (the descriptor's).
enum Channel : int { flow_m3_h = 0, head_m, suction_pressure_bar, motor_current_a, power_kw, bearing_temp_c, vibration_rms_mm_s, kChannels };
enum Fault : std::size_t { cavitation = 0, impeller_wear = 1, seal_leak = 2, bearing_wear = 3 };

/** @brief Pump, system and motor constants shared by a fleet (a 100 m3/h end-suction pump); devices vary around them. */
struct Spec {
  double shutoff_head_m = 50.0;       ///< H0: head at zero flow, full speed
  double bep_flow_m3_h = 100.0;       ///< best-efficiency flow at full speed
  double bep_head_m = 40.0;           ///< head at the best-efficiency point: the curve is H = H0 - k Q^2
  double bep_efficiency = 0.78;       ///< hydraulic efficiency at the best-efficiency point
  double static_head_m = 20.0;        ///< system curve H = Hs + Ks Q^2, through the BEP at full speed
  double motor_efficiency = 0.93;
  double voltage_v = 400.0;
  double power_factor = 0.85;
  double suction_bar = 1.0;           ///< suction gauge pressure at zero flow (a tank above the pump)
  double suction_loss_bar = 0.2;      ///< suction line loss at BEP flow (grows with Q^2)
  double npshr_bep_m = 4.0;           ///< NPSH required at the BEP, full speed (scales with speed^2 and (Q/Q_bep)^2)
  double thermal_tau_s = 1200.0;      ///< bearing housing temperature time constant
  double vibration_base_mm_s = 1.4;   ///< healthy RMS velocity at full speed (ISO 10816-7, zone A)
};

class Fleet final : public AssetFleet {
public:
  /** @brief `n` pumps; per-device variation (demand, phase, curve scatter) drawn from `variation`. */
  Fleet(std::size_t n, const Spec& spec, Ambient ambient, core::RngStream variation);

private:
  std::size_t class_bytes_per_device() const override { return 6 * sizeof(double); }
  void step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) override;

  Spec spec_;
  double k_pump_, k_system_;                                  // H = H0 s^2 - k Q^2, H = Hs + Ks Q^2
  Eigen::ArrayXd demand_, phase_s_, head_scale_, vibration_;  // per-device constants
  Eigen::ArrayXd temp_c_, last_t_s_;                          // per-device state
};

/** @brief The class: descriptor (channels, faults, sensors, LwM2M mapping) and fleets of `Fleet`. */
AssetClass asset_class();

}  // namespace twinbench::twins::pump
