#pragma once
// Asset class "chiller": an air-cooled R-134a water chiller serving a building (docs/assets.md). The
// building's load follows the ambient temperature and a daily occupancy cycle; the chiller holds its
// chilled-water supply setpoint while its capacity lasts. Evaporating and condensing temperatures follow
// the water and the air with load-dependent approaches, pressures are R-134a saturation pressures, and
// the COP is a fraction of Carnot's between them (Gordon and Ng's reasoning), lower at part load.
// The controller also reports the outdoor air at its condenser coil: the weather its pressures answer to.
// Three faults: refrigerant leak (undercharge: evaporating pressure and capacity fall, COP down),
// condenser fouling (condensing pressure up, COP down) and a stuck expansion valve (a starved evaporator:
// suction pressure and capacity fall, the supply temperature rises when the load exceeds what is left).
// Its DTDL Interface is models/dtdl/Chiller.json.

#include "twinbench/twins/Asset.hpp"

namespace twinbench::twins::chiller {

/// Telemetry channels, in record order (the descriptor's).
enum Channel : int {
  supply_temp_c = 0, return_temp_c, evaporator_pressure_bar, condenser_pressure_bar, compressor_current_a, power_kw, cop, outdoor_temp_c,
  kChannels
};
enum Fault : std::size_t { refrigerant_leak = 0, condenser_fouling = 1, stuck_expansion_valve = 2 };

/** @brief A 350 kW air-cooled chiller and its building; devices vary around them. */
struct Spec {
  double rated_capacity_kw = 350.0;
  double design_delta_t_k = 5.0;        ///< chilled-water return - supply at rated load (fixes the flow)
  double setpoint_c = 7.0;              ///< chilled-water supply
  double carnot_fraction = 0.55;        ///< COP / Carnot COP at full load
  double fan_kw = 10.0;                 ///< condenser fans and controls
  double voltage_v = 400.0;
  double power_factor = 0.88;
  double loop_tau_s = 600.0;            ///< chilled-water loop thermal time constant
};

/** @brief R-134a saturation pressure in bar at `t_c` (a Clausius-Clapeyron fit to NIST's table, -10 to 60 C). */
double r134a_saturation_bar(double t_c);

class Fleet final : public AssetFleet {
public:
  /** @brief `n` chillers; per-device variation (building size, occupancy phase, efficiency) from `variation`. */
  Fleet(std::size_t n, const Spec& spec, Ambient ambient, core::RngStream variation);

private:
  std::size_t class_bytes_per_device() const override { return 5 * sizeof(double); }
  void step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) override;

  Spec spec_;
  double flow_kw_per_k_;                            // chilled-water m cp
  Eigen::ArrayXd building_, phase_s_, efficiency_;  // per-device constants
  Eigen::ArrayXd supply_c_, last_t_s_;              // per-device state
};

/** @brief The class: descriptor (channels, faults, sensors, LwM2M mapping) and fleets of `Fleet`. */
AssetClass asset_class();

}  // namespace twinbench::twins::chiller
