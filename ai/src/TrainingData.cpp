#include "twinbench/ai/TrainingData.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace twinbench::ai {

RawSamples simulate_fleet(const FleetDataSpec& spec, const std::vector<std::string>& channels, const core::Rng& rng,
                          const std::string& name, const std::vector<InjectedFault>& faults) {
  const twins::AssetClass* asset = spec.asset;
  if (!asset) throw std::invalid_argument("simulate_fleet: no asset class");
  const twins::AssetDescriptor& d = asset->descriptor;
  std::vector<std::size_t> rows;
  for (const std::string& c : channels) {
    const auto row = d.channel(c);
    if (!row) throw std::invalid_argument("simulate_fleet: the " + d.name + " class has no channel '" + c + "'");
    rows.push_back(*row);
  }
  const auto all = static_cast<Eigen::Index>(d.channels.size());
  RawSamples raw;
  raw.devices = spec.devices;
  raw.steps = static_cast<std::uint32_t>(spec.duration_s / spec.period_s);
  raw.channels = static_cast<std::uint32_t>(channels.size());
  raw.period_s = spec.period_s;
  raw.values.resize(static_cast<std::size_t>(raw.devices) * raw.steps * raw.channels);
  const auto climates = static_cast<std::uint32_t>(spec.ambients.size());
  for (std::uint32_t k = 0; k < climates; ++k) {
    std::vector<std::uint32_t> members;  // global device indices in climate k
    for (std::uint32_t i = k; i < spec.devices; i += climates) members.push_back(i);
    if (members.empty()) continue;
    const auto n = static_cast<std::uint32_t>(members.size());
    std::string prefix = name;
    (prefix += '/') += std::to_string(k);
    const std::unique_ptr<twins::AssetFleet> physics = asset->make_fleet(n, spec.ambients[k], rng.stream(prefix + "/physics"));
    twins::SensorBank sensors(n, spec.sensors ? *spec.sensors : d.sensors, rng.stream(prefix + "/calibration"));
    std::vector<core::RngStream> noise;
    std::vector<std::uint32_t> idx;
    for (std::uint32_t j = 0; j < n; ++j) {
      const std::uint32_t i = members[j];
      if (i < faults.size() && std::isfinite(faults[i].onset_s)) physics->set_fault(j, faults[i].mode, faults[i].onset_s, faults[i].ramp_s);
      noise.push_back(rng.stream(prefix + "/device", j));
      idx.push_back(j);
    }
    Eigen::ArrayXXd truth(all, n);
    Eigen::ArrayXXf readings(all, n);
    std::vector<double> t(n);
    for (std::uint32_t s = 0; s < raw.steps; ++s) {
      std::fill(t.begin(), t.end(), s * spec.period_s);
      physics->step(idx, t, truth);
      sensors.read(idx, truth, noise, readings);
      for (std::uint32_t j = 0; j < n; ++j) {
        float* out = raw.values.data() + (static_cast<std::size_t>(members[j]) * raw.steps + s) * raw.channels;
        for (std::uint32_t c = 0; c < raw.channels; ++c) out[c] = readings(static_cast<Eigen::Index>(rows[c]), j);
      }
    }
  }
  return raw;
}

void normalisation(const RawSamples& raw, std::vector<float>& mean, std::vector<float>& scale) {
  std::vector<double> sum(raw.channels, 0.0), sum2(raw.channels, 0.0), n(raw.channels, 0.0);
  for (std::size_t s = 0; s < raw.values.size(); s += raw.channels)
    for (std::uint32_t c = 0; c < raw.channels; ++c) {
      const double v = raw.values[s + c];
      if (std::isnan(v)) continue;
      sum[c] += v, sum2[c] += v * v, n[c] += 1;
    }
  mean.assign(raw.channels, 0.0f);
  scale.assign(raw.channels, 1.0f);
  for (std::uint32_t c = 0; c < raw.channels; ++c) {
    if (n[c] == 0) continue;
    const double m = sum[c] / n[c];
    mean[c] = static_cast<float>(m);
    scale[c] = static_cast<float>(std::max(1e-6, std::sqrt(std::max(0.0, sum2[c] / n[c] - m * m))));
  }
}

Windows make_windows(const RawSamples& raw, const runtime::FeatureLayout& layout) {
  runtime::FeatureWindows fw(layout);
  Windows w;
  w.dim = fw.input_dim();
  for (std::uint32_t d = 0; d < raw.devices; ++d)
    for (std::uint32_t k = 0; k < raw.steps; ++k)
      if (fw.push(d, std::span<const float>(raw.sample(d, k), raw.channels))) {
        w.x.resize(w.x.size() + w.dim);
        fw.copy(d, std::span<float>(w.x.data() + w.x.size() - w.dim, w.dim));
        w.device.push_back(d);
        w.end_s.push_back(k * raw.period_s);
      }
  return w;
}

}  // namespace twinbench::ai
