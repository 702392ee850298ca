#include "twinbench/twins/Asset.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <stdexcept>

namespace twinbench::twins {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kDay_s = 86400.0;

std::string joined(const auto& items) {
  std::string out;
  for (const auto& i : items) (out += out.empty() ? "" : ", ") += i.name;
  return out;
}
}  // namespace

std::optional<std::size_t> AssetDescriptor::channel(std::string_view n) const {
  for (std::size_t c = 0; c < channels.size(); ++c)
    if (channels[c].name == n) return c;
  return std::nullopt;
}

std::optional<std::size_t> AssetDescriptor::fault(std::string_view n) const {
  for (std::size_t f = 0; f < faults.size(); ++f)
    if (faults[f].name == n) return f;
  return std::nullopt;
}

std::string AssetDescriptor::channel_names() const { return joined(channels); }
std::string AssetDescriptor::fault_names() const { return joined(faults); }

AssetFleet::AssetFleet(std::size_t n, std::size_t channels, std::size_t faults, Ambient ambient)
    : n_(n), channels_(channels), ambient_(ambient) {
  const auto N = static_cast<Eigen::Index>(n);
  onset_s_.assign(faults, Eigen::ArrayXd::Constant(N, kInf));
  ramp_s_.assign(faults, Eigen::ArrayXd::Ones(N));
}

void AssetFleet::set_fault(std::size_t i, std::size_t mode, double onset_s, double ramp_s) {
  if (i >= n_ || mode >= onset_s_.size() || !(ramp_s > 0)) throw std::invalid_argument("AssetFleet::set_fault: no such device or mode, or ramp_s <= 0");
  onset_s_[mode][static_cast<Eigen::Index>(i)] = onset_s;
  ramp_s_[mode][static_cast<Eigen::Index>(i)] = ramp_s;
}

std::optional<double> AssetFleet::first_onset_s(std::size_t i) const {
  double onset = kInf;
  for (const auto& o : onset_s_) onset = std::min(onset, o[static_cast<Eigen::Index>(i)]);
  if (!std::isfinite(onset)) return std::nullopt;
  return onset;
}

double AssetFleet::severity(std::size_t i, std::size_t mode, double t_s) const {
  const auto k = static_cast<Eigen::Index>(i);
  const double x = std::clamp((t_s - onset_s_[mode][k]) / ramp_s_[mode][k], 0.0, 1.0);
  return x * x;
}

void AssetFleet::add_ambient_shift(double start_s, double ramp_s, double delta_c) {
  if (!(ramp_s >= 0)) throw std::invalid_argument("AssetFleet::add_ambient_shift: ramp_s < 0");
  shifts_.push_back({start_s, ramp_s, delta_c});
}

void AssetFleet::set_variant(std::size_t i, double from_s, double current_scale, double temp_rise_c) {
  if (i >= n_ || !(current_scale > 0)) throw std::invalid_argument("AssetFleet::set_variant: no such device, or current_scale <= 0");
  if (variant_from_s_.size() == 0) {
    const auto N = static_cast<Eigen::Index>(n_);
    variant_from_s_ = Eigen::ArrayXd::Constant(N, kInf);
    variant_current_ = Eigen::ArrayXd::Ones(N);
    variant_temp_c_ = Eigen::ArrayXd::Zero(N);
  }
  const auto k = static_cast<Eigen::Index>(i);
  variant_from_s_[k] = from_s;
  variant_current_[k] = current_scale;
  variant_temp_c_[k] = temp_rise_c;
}

std::size_t AssetFleet::bytes_per_device() const {
  return 2 * onset_s_.size() * sizeof(double) + (variant_from_s_.size() ? 3 * sizeof(double) : 0) + class_bytes_per_device();
}

void AssetFleet::step(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) {
  // Always checked: a wrong size would write out of bounds in a Release build.
  if (idx.size() != t_s.size() || out.rows() != static_cast<Eigen::Index>(channels_) || out.cols() != static_cast<Eigen::Index>(idx.size()))
    throw std::invalid_argument("AssetFleet::step: out must be channels x idx.size(), t_s as long as idx");
  for (std::size_t k = 0; k < idx.size(); k += kChunk) {
    const std::size_t m = std::min<std::size_t>(kChunk, idx.size() - k);
    step_chunk(idx.subspan(k, m), t_s.subspan(k, m), out.middleCols(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(m)));
  }
}

AssetFleet::Col AssetFleet::severity(const Index& I, const Times& t, std::size_t mode) const {
  return ((t - onset_s_[mode](I)) / ramp_s_[mode](I)).max(0.0).min(1.0).square();
}

AssetFleet::ColF AssetFleet::day_angle(const Times& t) {
  // A daily sine needs no more than 7 digits; the phase is reduced to [0, 1) in double first to keep them.
  return (kTwoPi * (t / kDay_s - (t / kDay_s).floor())).cast<float>();
}

AssetFleet::Col AssetFleet::ambient_c(const Times& t, const ColF& day) const {
  Col ambient = ambient_.mean_c + ambient_.amplitude_c * (day - static_cast<float>(kTwoPi * 0.375)).sin().cast<double>();
  for (const AmbientShift& sh : shifts_) ambient += sh.delta_c * ((t - sh.start_s) / std::max(sh.ramp_s, 1e-9)).max(0.0).min(1.0);
  return ambient;
}

std::optional<AssetFleet::Variant> AssetFleet::variant(const Index& I, const Times& t) const {
  if (variant_from_s_.size() == 0) return std::nullopt;
  return Variant{(t >= variant_from_s_(I)).cast<double>(), variant_current_(I), variant_temp_c_(I)};
}

// The registry. The built-in classes come from Assets.cpp; an ordered map keeps every listing sorted.
std::vector<AssetClass> builtin_asset_classes();

namespace {
using Registry = std::map<std::string, AssetClass, std::less<>>;

void add(Registry& r, AssetClass c) {
  const AssetDescriptor& d = c.descriptor;
  const std::size_t n = d.channels.size();
  if (d.name.empty() || n == 0 || n > static_cast<std::size_t>(kMaxSensorChannels) || d.sensors.channels() != n ||
      d.sensors.bias_sd.size() != n || d.sensors.quantum.size() != n || d.power_channel >= n || (!d.lwm2m.empty() && d.lwm2m.size() != n) ||
      !c.make_fleet)
    throw std::invalid_argument("asset class '" + d.name + "': inconsistent descriptor (channels, sensors, power channel, lwm2m, make_fleet)");
  const std::string name = d.name;
  if (!r.emplace(name, std::move(c)).second) throw std::invalid_argument("asset class '" + name + "' is registered twice");
}

Registry& registry() {
  static Registry r = [] {
    Registry b;
    for (AssetClass& c : builtin_asset_classes()) add(b, std::move(c));
    return b;
  }();
  return r;
}
}  // namespace

const AssetClass* find_asset_class(std::string_view name) {
  const Registry& r = registry();
  const auto it = r.find(name);
  return it == r.end() ? nullptr : &it->second;
}

std::vector<const AssetClass*> asset_classes() {
  std::vector<const AssetClass*> out;
  for (const auto& [name, c] : registry()) out.push_back(&c);
  return out;
}

std::string asset_class_names() {
  std::string out;
  for (const auto& [name, c] : registry()) (out += out.empty() ? "" : ", ") += name;
  return out;
}

void register_asset_class(AssetClass c) { add(registry(), std::move(c)); }

}  // namespace twinbench::twins
