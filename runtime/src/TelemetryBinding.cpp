#include "twinbench/runtime/TelemetryBinding.hpp"

#include <cfloat>
#include <climits>

#include "twinbench/twins/Asset.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"
#include "twinbench/twins/dtdl/Terms.hpp"

namespace twinbench::runtime {

namespace {

/** A Telemetry of the Interface ("name") or of one of its Components ("component/name"). */
const twins::dtdl::Content* find_telemetry(const twins::dtdl::ModelSet& models, const std::string& dtmi, const std::string& name) {
  std::string iface = dtmi, element = name;
  if (auto slash = name.find('/'); slash != std::string::npos) {
    iface.clear();
    for (const auto* c : models.all_contents(dtmi))
      if (c->kind == twins::dtdl::ContentKind::component && c->name == name.substr(0, slash)) iface = c->component_interface;
    element = name.substr(slash + 1);
  }
  for (const auto* c : models.all_contents(iface))
    if (c->kind == twins::dtdl::ContentKind::telemetry && c->name == element) return c;
  return nullptr;
}

}  // namespace

std::vector<TelemetryBinding> read_telemetry_binding(const core::JsonObject& b, const twins::dtdl::ModelSet& models, const std::string& dtmi,
                                                     const twins::AssetDescriptor& asset) {
  const std::string channels = asset.channel_names();
  std::vector<TelemetryBinding> out;
  for (const auto& [telemetry, value] : b.raw().items()) {  // nlohmann's objects iterate by key: the records' order
    const twins::dtdl::Content* t = find_telemetry(models, dtmi, telemetry);
    if (!t) b.fail(telemetry, "no Telemetry '" + telemetry + "' in " + dtmi + " (or its Components)");
    const auto* schema = t->schema.get();
    if (!schema || schema->kind != twins::dtdl::SchemaKind::primitive || !twins::dtdl::is_numeric_schema(schema->primitive))
      b.fail(telemetry, "Telemetry '" + telemetry + "' has a schema that is not a number (double, float, integer, long); the physics can only feed numbers");
    if (!value.is_string()) b.fail(telemetry, "expected a channel name of the " + asset.name + " class (" + channels + "), got " + core::JsonObject::show(value));
    TelemetryBinding cb;
    cb.telemetry = telemetry;
    const auto physics = asset.channel(value.get<std::string>());
    if (physics) cb.physics = static_cast<std::uint16_t>(*physics);
    else b.fail(telemetry, "the " + asset.name + " class has no channel '" + value.get<std::string>() + "' (expected one of: " + channels + ")");
    const std::string& p = schema->primitive;
    cb.rule.name = telemetry;
    cb.rule.integral = p == "integer" || p == "long";
    if (p == "integer") cb.rule.min = INT32_MIN, cb.rule.max = INT32_MAX;
    if (p == "float") cb.rule.min = -FLT_MAX, cb.rule.max = FLT_MAX;
    out.push_back(std::move(cb));
  }
  return out;
}

std::vector<std::uint16_t> record_positions(const std::vector<std::string>& channels, const twins::AssetDescriptor& asset,
                                            const std::vector<TelemetryBinding>& binding, std::string& missing) {
  std::vector<std::uint16_t> positions;
  for (const std::string& name : channels) {
    const auto ch = asset.channel(name);
    std::optional<std::size_t> pos;
    if (binding.empty()) pos = ch;
    for (std::size_t i = 0; i < binding.size(); ++i)
      if (ch && binding[i].physics == *ch) pos = i;
    if (!pos) {
      missing = name;
      return {};
    }
    positions.push_back(static_cast<std::uint16_t>(*pos));
  }
  return positions;
}

}  // namespace twinbench::runtime
