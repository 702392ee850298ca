#include "twinbench/twins/Compressor.hpp"

#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace twinbench::twins {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kDay_s = 86400.0;
}  // namespace

std::string_view to_string(FaultMode m) {
  switch (m) {
    case FaultMode::bearing_wear: return "bearing_wear";
    case FaultMode::valve_leak: return "valve_leak";
    case FaultMode::cooling_fault: return "cooling_fault";
  }
  return "unknown";
}

std::optional<FaultMode> fault_mode_from_string(std::string_view s) {
  for (int m = 0; m < kFaultModes; ++m)
    if (to_string(static_cast<FaultMode>(m)) == s) return static_cast<FaultMode>(m);
  return std::nullopt;
}

std::optional<Channel> channel_from_string(std::string_view s) {
  for (int c = 0; c < kChannels; ++c)
    if (kChannelNames[static_cast<std::size_t>(c)] == s) return static_cast<Channel>(c);
  return std::nullopt;
}

std::string channel_names() {
  std::string out;
  for (auto n : kChannelNames) (out += out.empty() ? "" : ", ") += n;
  return out;
}

CompressorFleet::CompressorFleet(std::size_t n, const CompressorSpec& spec, Ambient ambient, core::RngStream variation)
    : spec_(spec), ambient_(ambient) {
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
  variant_from_s_ = Eigen::ArrayXd::Constant(N, kInf);
  variant_current_ = Eigen::ArrayXd::Ones(N);
  variant_temp_c_ = Eigen::ArrayXd::Zero(N);
  for (int m = 0; m < kFaultModes; ++m) {
    onset_s_[m] = Eigen::ArrayXd::Constant(N, kInf);
    ramp_s_[m] = Eigen::ArrayXd::Ones(N);
  }
}

void CompressorFleet::set_fault(std::size_t i, FaultMode mode, double onset_s, double ramp_s) {
  assert(i < size() && ramp_s > 0);
  onset_s_[static_cast<int>(mode)][static_cast<Eigen::Index>(i)] = onset_s;
  ramp_s_[static_cast<int>(mode)][static_cast<Eigen::Index>(i)] = ramp_s;
}

void CompressorFleet::add_ambient_shift(double start_s, double ramp_s, double delta_c) {
  assert(ramp_s >= 0);
  shifts_.push_back({start_s, ramp_s, delta_c});
}

void CompressorFleet::set_variant(std::size_t i, double from_s, double current_scale, double temp_rise_c) {
  assert(i < size() && current_scale > 0);
  const auto k = static_cast<Eigen::Index>(i);
  variant_from_s_[k] = from_s;
  variant_current_[k] = current_scale;
  variant_temp_c_[k] = temp_rise_c;
  has_variant_ = true;
}

std::optional<double> CompressorFleet::first_onset_s(std::size_t i) const {
  double onset = kInf;
  for (int m = 0; m < kFaultModes; ++m) onset = std::min(onset, onset_s_[m][static_cast<Eigen::Index>(i)]);
  if (!std::isfinite(onset)) return std::nullopt;
  return onset;
}

double CompressorFleet::severity(std::size_t i, FaultMode mode, double t_s) const {
  const auto m = static_cast<int>(mode);
  const auto k = static_cast<Eigen::Index>(i);
  const double x = std::clamp((t_s - onset_s_[m][k]) / ramp_s_[m][k], 0.0, 1.0);
  return x * x;
}

void CompressorFleet::step(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) {
  // Always checked: a wrong size would write out of bounds in a Release build.
  if (idx.size() != t_s.size() || out.rows() != kChannels || out.cols() != static_cast<Eigen::Index>(idx.size()))
    throw std::invalid_argument("CompressorFleet::step: out must be kChannels x idx.size(), t_s as long as idx");
  for (std::size_t k = 0; k < idx.size(); k += kChunk) {
    const std::size_t m = std::min<std::size_t>(kChunk, idx.size() - k);
    step_chunk(idx.subspan(k, m), t_s.subspan(k, m), out.middleCols(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(m)));
  }
}

void CompressorFleet::step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) {
  // Fixed maximum sizes keep every temporary on the stack: a window of devices costs no heap allocation.
  using Col = Eigen::Array<double, Eigen::Dynamic, 1, Eigen::ColMajor, kChunk, 1>;
  using ColF = Eigen::Array<float, Eigen::Dynamic, 1, Eigen::ColMajor, kChunk, 1>;
  const auto m = static_cast<Eigen::Index>(idx.size());
  const Eigen::Map<const Eigen::Array<std::uint32_t, Eigen::Dynamic, 1>> I(idx.data(), m);
  const Eigen::Map<const Eigen::ArrayXd> t(t_s.data(), m);

  auto severity_of = [&](FaultMode mode) -> Col {
    const auto k = static_cast<int>(mode);
    return ((t - onset_s_[k](I)) / ramp_s_[k](I)).max(0.0).min(1.0).square();
  };
  const Col sev_bearing = severity_of(FaultMode::bearing_wear);
  const Col sev_valve = severity_of(FaultMode::valve_leak);
  const Col sev_cooling = severity_of(FaultMode::cooling_fault);

  // Daily cycles in single precision: Eigen vectorises float sin (not double), and a daily sine needs
  // no more than 7 digits. The phase is reduced to [0, 1) in double first to keep that accuracy.
  const ColF day = (kTwoPi * (t / kDay_s - (t / kDay_s).floor())).cast<float>();
  Col ambient = ambient_.mean_c + ambient_.amplitude_c * (day - static_cast<float>(kTwoPi * 0.375)).sin().cast<double>();
  for (const AmbientShift& sh : shifts_)
    ambient += sh.delta_c * ((t - sh.start_s) / std::max(sh.ramp_s, 1e-9)).max(0.0).min(1.0);
  const Col demand = base_load_(I) * (0.75 + 0.25 * (day - static_cast<float>(kTwoPi * 0.30)).sin().cast<double>());
  // A leaking valve delivers less air per loaded second, so the controller loads longer.
  const Col duty = (demand / (1.0 - 0.35 * sev_valve)).max(0.05).min(1.0);
  const Col cycle = (t + phase_s_(I)) / spec_.cycle_s;
  const Col loaded = ((cycle - cycle.floor()) < duty).cast<double>();

  Col current = rated_current_a_(I) * (loaded * (0.95 + 0.05 * demand) * (1.0 + 0.08 * sev_valve + 0.05 * sev_bearing) +
                                       (1.0 - loaded) * spec_.unload_current_ratio);
  Col target = ambient + spec_.unloaded_temp_rise_c + duty * (spec_.loaded_temp_rise_c - spec_.unloaded_temp_rise_c) +
               45.0 * sev_cooling + 10.0 * sev_valve;
  if (has_variant_) {  // only fleets with a new variant pay for it: this is the simulation's hottest loop
    const Col is_variant = (t >= variant_from_s_(I)).cast<double>();
    current *= 1.0 + is_variant * (variant_current_(I) - 1.0);
    target += is_variant * duty * variant_temp_c_(I);
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

}  // namespace twinbench::twins
