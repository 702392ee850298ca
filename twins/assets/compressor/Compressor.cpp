#include "Compressor.hpp"

#include <cmath>
#include <numbers>

namespace twinbench::twins::compressor {

namespace {
constexpr double kTwoPi = 2.0 * std::numbers::pi;
}  // namespace

AssetClass asset_class() {
  AssetDescriptor d;
  d.name = "compressor";
  d.interface = "dtmi:twinbench:Compressor;1";
  d.channels = {{"motor_current_a", "ampere", "motor/current"},
                {"discharge_pressure_bar", "bar", "dischargePressure"},
                {"discharge_temp_c", "degreeCelsius", "dischargeTemperature"},
                {"vibration_rms_mm_s", "mm/s", "vibrationRms"},
                {"power_kw", "kilowatt", "power"},
                {"duty_cycle", "1", "dutyCycle"}};
  d.faults = {{"bearing_wear", "vibration rises (severity^1.5), current +5 %"},
              {"valve_leak", "less air per loaded second: duty up, current +8 %, pressure sags when loaded, discharge +10 C"},
              {"cooling_fault", "discharge temperature up to +45 C"}};
  // Industrial transmitters, 16-bit ADC class.
  //                  current  pressure  temp  vibration  power  duty
  d.sensors.noise_sd = {0.25,  0.015,    0.3,  0.08,      0.15,  0.0};
  d.sensors.bias_sd = {0.3,    0.02,     0.5,  0.05,      0.2,   0.0};
  d.sensors.quantum = {0.1,    0.01,     0.1,  0.01,      0.1,   0.01};
  d.sensors.dropout_probability = 0.0005;
  d.power_channel = power_kw;
  // IPSO Smart Objects: Current (3317), Pressure (3323), Temperature (3303), a Generic Sensor (3300) for
  // the vibration, Power Measurement (3305: 5800 is the instantaneous active power) and Percentage (3320).
  d.lwm2m = {"/3317/0/5700", "/3323/0/5700", "/3303/0/5700", "/3300/0/5700", "/3305/0/5800", "/3320/0/5700"};
  d.variant = "the motor draws current_scale x the current and power; the discharge runs temp_rise_c hotter when loaded";
  return {std::move(d), [](std::size_t n, Ambient ambient, core::RngStream variation) -> std::unique_ptr<AssetFleet> {
            return std::make_unique<Fleet>(n, Spec{}, ambient, variation);
          }};
}

Fleet::Fleet(std::size_t n, const Spec& spec, Ambient ambient, core::RngStream variation)
    : AssetFleet(n, kChannels, 3, ambient), spec_(spec) {
  const auto N = static_cast<Eigen::Index>(n);
  base_load_.resize(N);
  phase_s_.resize(N);
  rated_current_a_.resize(N);
  vibration_base_.resize(N);
  for (Eigen::Index i = 0; i < N; ++i) {
    base_load_[i] = 0.45 + 0.35 * variation.uniform();
    phase_s_[i] = spec.cycle_s * variation.uniform();
    rated_current_a_[i] = spec.rated_current_a * (1.0 + 0.03 * variation.normal());
    vibration_base_[i] = spec.vibration_base_mm_s * (0.8 + 0.4 * variation.uniform());
  }
  // Start in thermal equilibrium at midnight with the mean duty.
  const double ambient0 = ambient.mean_c + ambient.amplitude_c * std::sin(-kTwoPi * 0.375);
  temp_c_ = ambient0 + spec.unloaded_temp_rise_c + base_load_ * (spec.loaded_temp_rise_c - spec.unloaded_temp_rise_c);
  last_t_s_ = Eigen::ArrayXd::Zero(N);
}

void Fleet::step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) {
  // Fixed maximum sizes keep every temporary on the stack: a window of devices costs no heap allocation.
  const auto m = static_cast<Eigen::Index>(idx.size());
  const Index I(idx.data(), m);
  const Times t(t_s.data(), m);

  const Col sev_bearing = severity(I, t, bearing_wear);
  const Col sev_valve = severity(I, t, valve_leak);
  const Col sev_cooling = severity(I, t, cooling_fault);

  const ColF day = day_angle(t);
  const Col ambient = ambient_c(t, day);
  const Col demand = base_load_(I) * (0.75 + 0.25 * (day - static_cast<float>(kTwoPi * 0.30)).sin().cast<double>());
  // A leaking valve delivers less air per loaded second, so the controller loads longer.
  const Col duty = (demand / (1.0 - 0.35 * sev_valve)).max(0.05).min(1.0);
  const Col cycle = (t + phase_s_(I)) / spec_.cycle_s;
  const Col loaded = ((cycle - cycle.floor()) < duty).cast<double>();

  Col current = rated_current_a_(I) * (loaded * (0.95 + 0.05 * demand) * (1.0 + 0.08 * sev_valve + 0.05 * sev_bearing) +
                                       (1.0 - loaded) * spec_.unload_current_ratio);
  Col target = ambient + spec_.unloaded_temp_rise_c + duty * (spec_.loaded_temp_rise_c - spec_.unloaded_temp_rise_c) +
               45.0 * sev_cooling + 10.0 * sev_valve;
  if (const auto v = variant(I, t)) {  // only fleets with a new variant pay for it: this is the simulation's hottest loop
    current *= 1.0 + v->is * (v->current_scale - 1.0);
    target += v->is * duty * v->temp_rise_c;
  }
  out.row(motor_current_a) = current.transpose();
  out.row(power_kw) = (std::sqrt(3.0) * spec_.voltage_v * spec_.power_factor / 1000.0 * current).transpose();
  out.row(discharge_pressure_bar) = (spec_.setpoint_bar - loaded * 0.6 * sev_valve - (1.0 - loaded) * 0.5).transpose();

  // Thermal mass averages the load cycle: first-order lag towards the duty-weighted target.
  const Col dt = (t - last_t_s_(I)).max(0.0);
  const Col temp = target + (temp_c_(I) - target) * (-dt / spec_.thermal_tau_s).exp();
  temp_c_(I) = temp;
  last_t_s_(I) = t;
  out.row(discharge_temp_c) = temp.transpose();

  out.row(vibration_rms_mm_s) = (vibration_base_(I) * (0.6 + 0.4 * loaded) + 9.0 * sev_bearing * sev_bearing.sqrt()).transpose();
  out.row(duty_cycle) = duty.transpose();
}

}  // namespace twinbench::twins::compressor
