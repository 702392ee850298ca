#include "Chiller.hpp"

#include <cmath>
#include <numbers>

namespace twinbench::twins::chiller {

namespace {
constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kKelvin = 273.15;
// ln p[bar] = A - B / T[K], through NIST's R-134a saturation pressures at 0 C (2.928 bar) and 50 C (13.18 bar).
constexpr double kSatA = 10.7946, kSatB = 2654.8;
}  // namespace

double r134a_saturation_bar(double t_c) { return std::exp(kSatA - kSatB / (t_c + kKelvin)); }

AssetClass asset_class() {
  AssetDescriptor d;
  d.name = "chiller";
  d.interface = "dtmi:twinbench:Chiller;1";
  d.channels = {{"supply_temp_c", "degreeCelsius", "supplyTemperature"},
                {"return_temp_c", "degreeCelsius", "returnTemperature"},
                {"evaporator_pressure_bar", "bar", "evaporatorPressure"},
                {"condenser_pressure_bar", "bar", "condenserPressure"},
                {"compressor_current_a", "ampere", "motor/current"},
                {"power_kw", "kilowatt", "power"},
                {"cop", "1", "cop"},
                {"outdoor_temp_c", "degreeCelsius", "outdoorTemperature"}};
  d.faults = {{"refrigerant_leak", "undercharge: evaporating temperature down to -5 K, capacity -30 %, COP -15 %"},
              {"condenser_fouling", "condensing temperature up to +12 K (head pressure up), capacity -10 %: COP and power follow"},
              {"stuck_expansion_valve", "a starved evaporator: evaporating temperature down to -7 K, capacity -45 %; the supply warms under load"}};
  // Thermistors (0.1 K), pressure transducers, the compressor's CT, a power meter, COP from the controller,
  // and the outdoor-air sensor at the condenser coil.
  //                  supply  return  evap   cond   current  power  cop   outdoor
  d.sensors.noise_sd = {0.05,  0.05,   0.02,  0.05,  0.5,     0.3,   0.02, 0.2};
  d.sensors.bias_sd = {0.1,    0.1,    0.02,  0.05,  0.6,     0.4,   0.0,  0.3};
  d.sensors.quantum = {0.01,   0.01,   0.01,  0.01,  0.1,     0.1,   0.01, 0.1};
  d.sensors.dropout_probability = 0.0005;
  d.power_channel = power_kw;
  // IPSO: Temperature (3303/0-2), Pressure (3323/0-1), Current (3317), Power Measurement (3305/5800), and a
  // Generic Sensor (3300) for the COP.
  d.lwm2m = {"/3303/0/5700", "/3303/1/5700", "/3323/0/5700", "/3323/1/5700", "/3317/0/5700", "/3305/0/5800", "/3300/0/5700", "/3303/2/5700"};
  d.variant = "the compressor draws current_scale x the current and power; the condenser runs temp_rise_c hotter";
  return {std::move(d), [](std::size_t n, Ambient ambient, core::RngStream variation) -> std::unique_ptr<AssetFleet> {
            return std::make_unique<Fleet>(n, Spec{}, ambient, variation);
          }};
}

Fleet::Fleet(std::size_t n, const Spec& spec, Ambient ambient, core::RngStream variation)
    : AssetFleet(n, kChannels, 3, ambient), spec_(spec), flow_kw_per_k_(spec.rated_capacity_kw / spec.design_delta_t_k) {
  const auto N = static_cast<Eigen::Index>(n);
  building_.resize(N);
  phase_s_.resize(N);
  efficiency_.resize(N);
  for (Eigen::Index i = 0; i < N; ++i) {
    building_[i] = 0.60 + 0.25 * variation.uniform();          // peak load against the chiller's capacity
    phase_s_[i] = 3600.0 * (variation.uniform() - 0.5);        // occupancy starts within an hour of the others'
    efficiency_[i] = spec.carnot_fraction * (1.0 + 0.03 * variation.normal());
  }
  supply_c_ = Eigen::ArrayXd::Constant(N, spec.setpoint_c);
  last_t_s_ = Eigen::ArrayXd::Zero(N);
}

void Fleet::step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) {
  const auto m = static_cast<Eigen::Index>(idx.size());
  const Index I(idx.data(), m);
  const Times t(t_s.data(), m);
  const Col sev_leak = severity(I, t, refrigerant_leak), sev_foul = severity(I, t, condenser_fouling);
  const Col sev_valve = severity(I, t, stuck_expansion_valve);
  const Col ambient = ambient_c(t, day_angle(t));
  const double rated = spec_.rated_capacity_kw;

  // The building: a base load, the envelope's gain growing with the ambient, and occupancy (peak mid-afternoon).
  const Col local = t + phase_s_(I);
  const ColF day = day_angle(Times(local.data(), m));
  const Col occupancy = 0.5 + 0.5 * (day - static_cast<float>(kTwoPi * 0.35)).sin().cast<double>();
  const Col load = rated * building_(I) * (0.2 + 0.03 * (ambient - 10.0) + 0.25 * occupancy).max(0.05);
  // Air-cooled capacity falls 0.4 %/K above 35 C; faults take their share.
  const Col capacity = rated * (1.0 - 0.004 * (ambient - 35.0)).min(1.1) * (1.0 - 0.30 * sev_leak) * (1.0 - 0.10 * sev_foul) *
                       (1.0 - 0.45 * sev_valve);
  const Col cooling = load.min(capacity);
  const Col plr = cooling / rated;

  // The loop: the supply holds the setpoint while capacity lasts, else warms by the shortfall (first-order lag).
  const Col target = spec_.setpoint_c + (load - cooling) / flow_kw_per_k_;
  const Col dt = (t - last_t_s_(I)).max(0.0);
  const Col supply = target + (supply_c_(I) - target) * (-dt / spec_.loop_tau_s).exp();
  supply_c_(I) = supply;
  last_t_s_(I) = t;

  Col rise = Col::Zero(m), scale = Col::Ones(m);
  if (const auto v = variant(I, t)) {
    rise = v->is * v->temp_rise_c;
    scale = 1.0 + v->is * (v->current_scale - 1.0);
  }
  const Col t_evap = supply - (1.0 + 2.0 * plr) - 5.0 * sev_leak - 7.0 * sev_valve;
  const Col t_cond = ambient + 6.0 + 10.0 * plr + 12.0 * sev_foul + rise;
  const Col carnot = (t_evap + kKelvin) / (t_cond - t_evap);
  const Col c = efficiency_(I) * carnot * (1.0 - 0.15 * (1.0 - plr)) * (1.0 - 0.15 * sev_leak);
  const Col compressor_kw = cooling / c * scale;

  out.row(supply_temp_c) = supply.transpose();
  out.row(return_temp_c) = (supply + load / flow_kw_per_k_).transpose();
  out.row(evaporator_pressure_bar) = (kSatA - kSatB / (t_evap + kKelvin)).exp().transpose();
  out.row(condenser_pressure_bar) = (kSatA - kSatB / (t_cond + kKelvin)).exp().transpose();
  out.row(compressor_current_a) = (compressor_kw * 1000.0 / (std::sqrt(3.0) * spec_.voltage_v * spec_.power_factor)).transpose();
  out.row(power_kw) = (compressor_kw + spec_.fan_kw).transpose();
  out.row(cop) = (cooling / compressor_kw).transpose();
  out.row(outdoor_temp_c) = ambient.transpose();
}

}  // namespace twinbench::twins::chiller
