#include "Pump.hpp"

#include <cmath>
#include <numbers>

namespace twinbench::twins::pump {

namespace {
constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kRhoG = 1000.0 * 9.81;      // water, N/m^3
constexpr double kAtmBar = 1.013, kVapourBar = 0.023;  // atmosphere; water's vapour pressure at 20 C
}  // namespace

AssetClass asset_class() {
  AssetDescriptor d;
  d.name = "pump";
  d.interface = "dtmi:twinbench:Pump;1";
  d.channels = {{"flow_m3_h", "cubicMetrePerHour", "flow"},
                {"head_m", "metre", "head"},
                {"suction_pressure_bar", "bar", "suctionPressure"},
                {"motor_current_a", "ampere", "motor/current"},
                {"power_kw", "kilowatt", "power"},
                {"bearing_temp_c", "degreeCelsius", "bearingTemperature"},
                {"vibration_rms_mm_s", "mm/s", "vibrationRms"}};
  d.faults = {{"cavitation", "suction pressure falls (up to -1.75 bar); near NPSH required the head drops (3 % at margin 1) and broadband vibration rises"},
              {"impeller_wear", "shutoff head -25 %, efficiency -12 %: flow and head fall at the same speed; imbalance vibration +1.5 mm/s"},
              {"seal_leak", "up to 20 % of BEP flow lost before the flow meter: delivered flow falls, pumped flow and power rise"},
              {"bearing_wear", "vibration rises (severity^1.5, +8 mm/s), bearing temperature up to +35 C, friction power +4 %"}};
  // Magnetic flow meter (0.5 % of reading class), pressure transmitters, motor CT, RTD, velocity sensor.
  //                  flow   head   suction  current  power  bearing  vibration
  d.sensors.noise_sd = {0.6,  0.15,  0.01,    0.15,    0.08,  0.2,     0.06};
  d.sensors.bias_sd = {0.5,   0.2,   0.01,    0.2,     0.1,   0.4,     0.04};
  d.sensors.quantum = {0.1,   0.01,  0.001,   0.1,     0.01,  0.1,     0.01};
  d.sensors.dropout_probability = 0.0005;
  d.power_channel = power_kw;
  // IPSO Smart Objects have no flow or head object: Generic Sensor instances (3300/0-2) carry flow, head
  // and vibration; Pressure (3323), Current (3317), Power Measurement (3305: 5800 active power), Temperature (3303).
  d.lwm2m = {"/3300/0/5700", "/3300/1/5700", "/3323/0/5700", "/3317/0/5700", "/3305/0/5800", "/3303/0/5700", "/3300/2/5700"};
  d.variant = "the motor draws current_scale x the current and power; the bearings run temp_rise_c hotter";
  return {std::move(d), [](std::size_t n, Ambient ambient, core::RngStream variation) -> std::unique_ptr<AssetFleet> {
            return std::make_unique<Fleet>(n, Spec{}, ambient, variation);
          }};
}

Fleet::Fleet(std::size_t n, const Spec& spec, Ambient ambient, core::RngStream variation)
    : AssetFleet(n, kChannels, 4, ambient), spec_(spec) {
  const double q2 = spec.bep_flow_m3_h * spec.bep_flow_m3_h;
  k_pump_ = (spec.shutoff_head_m - spec.bep_head_m) / q2;
  k_system_ = (spec.bep_head_m - spec.static_head_m) / q2;
  const auto N = static_cast<Eigen::Index>(n);
  demand_.resize(N);
  phase_s_.resize(N);
  head_scale_.resize(N);
  vibration_.resize(N);
  for (Eigen::Index i = 0; i < N; ++i) {
    demand_[i] = 0.90 + 0.08 * variation.uniform();
    phase_s_[i] = 3600.0 * (variation.uniform() - 0.5);  // networks peak within an hour of each other
    head_scale_[i] = 1.0 + 0.02 * variation.normal();     // casting and trim tolerance of the curve
    vibration_[i] = spec.vibration_base_mm_s * (0.8 + 0.4 * variation.uniform());
  }
  // Start at the bearings' equilibrium for a mean load at the daily mean ambient.
  temp_c_ = Eigen::ArrayXd::Constant(N, ambient.mean_c + 12.0 + 18.0 * 0.75);
  last_t_s_ = Eigen::ArrayXd::Zero(N);
}

void Fleet::step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) {
  const auto m = static_cast<Eigen::Index>(idx.size());
  const Index I(idx.data(), m);
  const Times t(t_s.data(), m);
  const Col sev_cav = severity(I, t, cavitation), sev_wear = severity(I, t, impeller_wear);
  const Col sev_seal = severity(I, t, seal_leak), sev_bearing = severity(I, t, bearing_wear);
  const Col ambient = ambient_c(t, day_angle(t));

  // Drive speed (fraction of full) follows the network's demand: a morning and an evening peak.
  const Col local = t + phase_s_(I);
  const ColF day = day_angle(Times(local.data(), m));
  const Col s = (demand_(I) * (0.88 + 0.07 * (day - static_cast<float>(kTwoPi * 0.05)).sin().cast<double>() +
                               0.05 * (2.0f * day - static_cast<float>(kTwoPi * 0.15)).sin().cast<double>()))
                    .max(0.55)
                    .min(1.0);

  // Operating point: pump curve H0 s^2 - k Qp^2 (Qp pumped = Qs delivered + leak) meets the system Hs + Ks Qs^2.
  const double Qb = spec_.bep_flow_m3_h, k = k_pump_, Ks = k_system_, Hs = spec_.static_head_m;
  const Col H0 = spec_.shutoff_head_m * head_scale_(I) * (1.0 - 0.25 * sev_wear);
  const Col leak = 0.20 * Qb * s * sev_seal;
  const Col c = k * leak.square() - H0 * s.square() + Hs;
  const double a = k + Ks;
  const Col q_sys = ((-2.0 * k * leak + (4.0 * k * k * leak.square() - 4.0 * a * c).max(0.0).sqrt()) / (2.0 * a)).max(0.0);
  const Col q_pump = q_sys + leak;
  const Col head = (H0 * s.square() - k * q_pump.square()).max(0.0);

  // Suction: NPSH available against NPSH required; below a margin of 1.3 the pump starts to cavitate, and
  // at margin 1 the head has dropped 3 % (the definition of NPSH3).
  const Col suction = spec_.suction_bar - spec_.suction_loss_bar * (q_pump / Qb).square() - 1.75 * sev_cav;
  const Col npsha = (suction + (kAtmBar - kVapourBar)).max(0.0) * 1e5 / kRhoG;
  const Col npshr = spec_.npshr_bep_m * s.square() * (q_pump / (Qb * s)).square().max(0.3);
  const Col x = ((1.3 - npsha / npshr) / 0.3).max(0.0).min(2.0);
  const Col drop = 0.03 * x.square();

  // Power: hydraulic over a parabolic efficiency curve through the BEP (which moves with speed).
  const Col eta_bep = spec_.bep_efficiency * (1.0 - 0.12 * sev_wear);
  const Col r = q_pump / (Qb * s);
  const Col eta = (eta_bep * (2.0 * r - r.square())).max(0.2);
  const Col shaft_kw = 9.81 * q_pump * head / 3600.0 / eta * (1.0 + 0.04 * sev_bearing);
  Col power = shaft_kw / spec_.motor_efficiency;
  Col rise = Col::Zero(m);
  if (const auto v = variant(I, t)) {
    power *= 1.0 + v->is * (v->current_scale - 1.0);
    rise = v->is * v->temp_rise_c;
  }
  const double rated_shaft_kw = 9.81 * Qb * spec_.bep_head_m / 3600.0 / spec_.bep_efficiency;
  out.row(flow_m3_h) = (q_sys * (1.0 - drop).sqrt()).transpose();
  out.row(head_m) = (head * (1.0 - drop)).transpose();
  out.row(suction_pressure_bar) = suction.transpose();
  out.row(power_kw) = power.transpose();
  out.row(motor_current_a) = (power * 1000.0 / (std::sqrt(3.0) * spec_.voltage_v * spec_.power_factor)).transpose();

  // The bearing housing lags towards ambient + a load-dependent rise.
  const Col target = ambient + 12.0 + 18.0 * shaft_kw / rated_shaft_kw + 35.0 * sev_bearing + rise;
  const Col dt = (t - last_t_s_(I)).max(0.0);
  const Col temp = target + (temp_c_(I) - target) * (-dt / spec_.thermal_tau_s).exp();
  temp_c_(I) = temp;
  last_t_s_(I) = t;
  out.row(bearing_temp_c) = temp.transpose();
  out.row(vibration_rms_mm_s) =
      (vibration_(I) * s.square() + 8.0 * sev_bearing * sev_bearing.sqrt() + 2.5 * x + 1.5 * sev_wear).transpose();
}

}  // namespace twinbench::twins::pump
