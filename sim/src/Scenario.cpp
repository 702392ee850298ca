#include "twinbench/sim/Scenario.hpp"

#include <cctype>
#include <map>

namespace twinbench::sim {

namespace {
// Order-of-magnitude defaults for a message of ~100 bytes; every value can be overridden per site.
// Energy: active radio power / PHY rate, plus the wake-up (Wi-Fi association keep-alive, LTE tail, LoRa
// preamble) cost of one transmission. Latency is a shifted log-normal where a measurement gives its
// shape: Wi-Fi fitted to Sui et al. (MobiSys 2016: p50 3 ms, p90 20 ms, p99 250 ms over 47,000 devices),
// LTE to Edwards et al. (WCNC 2019: one-way p99.9 95 ms with DRX at sparse traffic). Sources, fits and
// caveats in docs/fidelity.md ("Link presets").
const std::map<std::string, LinkSpec>& presets() {
  static const std::map<std::string, LinkSpec> p = {
      {"ethernet", {"ethernet", 100e6, 0.3, 0.0, 58, 5, 0, 0, 0, std::nullopt}},
      {"wifi", {"wifi", 20e6, 1.0, 0.001, 70, 20, 1e6, 2.0, 2.0, std::nullopt}},
      {"cellular-4g", {"cellular-4g", 10e6, 25.0, 0.002, 80, 100, 50e6, 20.0, 0.405, std::nullopt}},
      {"lorawan", {"lorawan", 5470, 60.0, 0.01, 13, 24000, 20e6, 0, 0, std::nullopt}},
  };
  return p;
}
}  // namespace

std::optional<LinkSpec> link_preset(const std::string& name) {
  auto it = presets().find(name);
  if (it == presets().end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> link_preset_names() {
  std::vector<std::string> names;
  for (const auto& [name, spec] : presets()) names.push_back(name);
  return names;
}

std::vector<GatewayRef> Scenario::gateways() const {
  std::vector<GatewayRef> out;
  for (std::size_t s = 0; s < sites.size(); ++s)
    for (std::uint32_t g = 0; g < sites[s].gateways; ++g) out.push_back({s, g, sites[s].name + "-gw-" + std::to_string(g)});
  return out;
}

std::uint64_t Scenario::device_count() const {
  std::uint64_t n = 0;
  for (const auto& s : sites) n += std::uint64_t{s.gateways} * s.devices_per_gateway_all();
  return n;
}

std::uint64_t Scenario::estimated_peak_bytes() const {
  // Measured peak RSS (2026-12-05): 40 MiB without a model, 192 MiB with libtorch's plugin; about 1.2 KB per
  // MQTT device with edge AI (1.1 KB at 100k without), 1.8 KB per LwM2M device; a gateway's runtime,
  // broker and KPI state a few tens of KiB. Rounded up.
  double bytes = 48.0 * (1 << 20);
  bool model = false;
  for (const SiteSpec& s : sites) {
    for (std::size_t k = 0; k < s.groups(); ++k) {
      const DeviceGroup& g = s.group(k);
      const double devices = static_cast<double>(s.gateways) * g.devices_per_gateway;
      bytes += devices * (g.device.protocol == DeviceSpec::Protocol::lwm2m ? 2048 : 1280);
      model = model || g.edge_ai.has_value();
    }
    bytes += static_cast<double>(s.gateways) * (128 << 10);
  }
  if (model) bytes += 160.0 * (1 << 20);
  return bytes >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(bytes);
}

std::string_view to_string(DriftInjection::Kind k) {
  switch (k) {
    case DriftInjection::Kind::ambient_shift: return "ambient_shift";
    case DriftInjection::Kind::sensor_bias_creep: return "sensor_bias_creep";
    case DriftInjection::Kind::new_variant: return "new_variant";
  }
  return "?";
}

std::string next_version(const std::string& v) {
  // The last run of digits goes up by one; a version without one gets ".1".
  std::size_t end = v.size();
  while (end > 0 && !std::isdigit(static_cast<unsigned char>(v[end - 1]))) --end;
  std::size_t begin = end;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(v[begin - 1]))) --begin;
  if (begin == end || end - begin > 9) return v + ".1";
  return v.substr(0, begin) + std::to_string(std::stoul(v.substr(begin, end - begin)) + 1) + v.substr(end);
}

}  // namespace twinbench::sim
