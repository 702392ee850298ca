// A site's devices (scenario-format.md, `sites[i]` and "devices"): the asset class and how many, the
// device protocol (MQTT or LwM2M), the DTDL twin and its telemetry binding, and the edge AI that scores them.
#include <cmath>
#include <cstdio>

#include "LoaderParts.hpp"
#include "twinbench/ai/Torch.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/twins/dtdl/Topics.hpp"
#include "twinbench/twins/dtdl/TwinRegistry.hpp"

namespace twinbench::sim::loader {

using core::JsonObject;

namespace {

bool lwm2m_resource_path(std::string_view p) {
  int levels = 0;
  for (std::size_t at = 0; at < p.size(); ++levels) {
    const std::size_t end = std::min(p.find('/', at + 1), p.size());
    if (p[at] != '/' || end == at + 1 || end - at > 6) return false;
    for (std::size_t i = at + 1; i < end; ++i)
      if (p[i] < '0' || p[i] > '9') return false;
    at = end;
  }
  return levels == 3;
}

/** device.protocol and device.lwm2m; `asset` is the site's class (its channels' IPSO resources are the default). */
void read_protocol(const JsonObject& d, const twins::AssetDescriptor& asset, DeviceSpec& device) {
  const std::string protocol = d.string_or("protocol", "mqtt");
  if (protocol != "mqtt" && protocol != "lwm2m") d.fail("protocol", "expected \"mqtt\" or \"lwm2m\", got '" + protocol + "'");
  auto l = d.optional_object("lwm2m");
  if (protocol == "mqtt") {
    if (l) d.fail("lwm2m", "needs \"protocol\": \"lwm2m\"");
    return;
  }
  device.protocol = DeviceSpec::Protocol::lwm2m;
  if (asset.lwm2m.empty() && !(l && l->has("resources"))) d.fail("protocol", "the " + asset.name + " class has no LwM2M mapping: list lwm2m.resources, one per channel (" + asset.channel_names() + ")");
  device.lwm2m.resources = asset.lwm2m;
  if (!l) {
    if (device.lwm2m.lifetime_s < 2 * device.period_s)
      d.fail("period_s", "expected at most half the LwM2M lifetime (" + std::to_string(device.lwm2m.lifetime_s) + " s): set lwm2m.lifetime_s");
    return;
  }
  l->allow({"resources", "mode", "lifetime_s"});
  if (l->has("resources")) {
    device.lwm2m.resources.clear();
    for (const auto& [j, path] : l->array("resources", true)) {
      if (!j->is_string() || !lwm2m_resource_path(j->get<std::string>()))
        JsonObject::fail_at(l->file(), path, "expected a resource path /object/instance/resource, like \"/3303/0/5700\"");
      if (std::find(device.lwm2m.resources.begin(), device.lwm2m.resources.end(), j->get<std::string>()) != device.lwm2m.resources.end())
        JsonObject::fail_at(l->file(), path, "resource '" + j->get<std::string>() + "' is listed twice");
      device.lwm2m.resources.push_back(j->get<std::string>());
    }
    if (device.lwm2m.resources.size() != asset.channels.size())
      l->fail("resources", "expected one resource per channel of the " + asset.name + " class (" + asset.channel_names() + "), got " +
                               std::to_string(device.lwm2m.resources.size()));
  }
  const std::string mode = l->string_or("mode", "send");
  if (mode != "send" && mode != "observe") l->fail("mode", "expected \"send\" or \"observe\", got '" + mode + "'");
  device.lwm2m.observe = mode == "observe";
  device.lwm2m.lifetime_s = static_cast<std::uint32_t>(l->integer_or("lifetime_s", 1, 31'536'000, device.lwm2m.lifetime_s));
  if (device.lwm2m.lifetime_s < 2 * device.period_s)
    l->fail("lifetime_s", "expected at least twice device.period_s (a device updates its registration when it reports)");
}

/** The site's twin and how its Telemetry is fed from the physics. */
void read_twin(const Scenario& sc, const JsonObject& o, DeviceGroup& s) {
  if (!o.has("twin")) {
    if (o.has("telemetry_binding")) o.fail("telemetry_binding", "needs \"twin\" (the Interface whose Telemetry it binds)");
    return;
  }
  s.twin = o.string("twin");
  if (!sc.models) o.fail("twin", "needs \"models\" at the top level (the DTDL files or folders that define '" + s.twin + "')");
  if (!sc.models->find(s.twin)) o.fail("twin", "no Interface '" + s.twin + "' in the scenario's models");
  if (!o.has("telemetry_binding")) o.fail("telemetry_binding", "missing: with a twin, say which channel of the asset class feeds each Telemetry");
  s.telemetry = runtime::read_telemetry_binding(o.object("telemetry_binding"), *sc.models, s.twin, s.asset->descriptor);
  if (s.telemetry.empty()) o.fail("telemetry_binding", "binds no Telemetry");
  // An Mqtt telemetryTopic (DTDL Mqtt extension) says where the devices publish; they fill {senderId}
  // (their client id) and {modelId} (the Interface's DTMI).
  if (auto it = sc.models->find(s.twin)->mqtt.find("telemetryTopic"); it != sc.models->find(s.twin)->mqtt.end()) {
    std::string error;
    if (!twins::dtdl::expand_topic(it->second, {{"senderId", "d0"}, {"modelId", s.twin}}, &error))
      o.fail("twin", s.twin + "'s telemetryTopic '" + it->second + "': " + error + " (the simulated devices fill {senderId} and {modelId})");
    s.telemetry_topic = it->second;
  }
}

/** The site's edge AI: the model package (loaded and checked with libtorch), rules, batching, cost. */
void read_edge_ai(const Scenario& sc, const JsonObject& o, DeviceGroup& s) {
  o.allow({"model", "rules", "batch_max", "batch_latency_ms", "inference_cost", "site_baseline"});
  EdgeAiSpec e;
  try {
    const ai::ModelPackage pkg = ai::load_package(scenario_path(sc, o.string("model")));
    e.model = pkg.manifest;
    e.model_dir = pkg.dir;
    e.scorer = ai::load_torch_scorer(pkg);
  } catch (const core::InputError& err) {
    o.fail("model", err.what());
  }
  if (e.model.period_s > 0 && std::abs(e.model.period_s - s.device.period_s) > 1e-9) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "the model was trained on samples every %g s, but the site's devices report every %g s", e.model.period_s,
                  s.device.period_s);
    o.fail("model", msg);
  }
  e.rules = o.has("rules") ? read_rules_file(sc, o, "rules") : runtime::default_rules();
  e.batch_max = o.integer_or("batch_max", 1, 65'536, e.batch_max);
  e.batch_latency_ms = o.non_negative_or("batch_latency_ms", e.batch_latency_ms);
  if (auto c = o.optional_object("inference_cost")) {
    c->allow({"fixed_us", "per_window_us"});
    e.cost_fixed_us = c->non_negative_or("fixed_us", e.cost_fixed_us);
    e.cost_per_window_us = c->non_negative_or("per_window_us", e.cost_per_window_us);
  }
  if (auto b = o.optional_object("site_baseline")) e.baseline = runtime::read_site_baseline(*b, ai::healthy_quantile(e.model), ai::threshold_margin(e.model));
  if (e.model.asset_class != s.asset->descriptor.name)
    o.fail("model", "the model reads " + e.model.asset_class + " channels, but the site's devices are of the " + s.asset->descriptor.name + " class");
  // Each model channel must be in the site's records: the twin's bound telemetry, or every channel of the class.
  std::string missing;
  e.positions = runtime::record_positions(e.model.channels, s.asset->descriptor, s.telemetry, missing);
  if (e.positions.empty()) o.fail("model", "the model reads '" + missing + "', which the site's telemetry_binding does not send");
  s.edge_ai = std::move(e);
}

}  // namespace

/** Alert rules from a file the scenario names; their errors keep the scenario's path in front. */
runtime::RuleSet read_rules_file(const Scenario& sc, const JsonObject& o, std::string_view key, std::string* text) {
  const std::string file = scenario_path(sc, o.string(key));
  try {
    const std::string body = core::read_text_file(file, "rules");
    if (text) *text = body;
    return runtime::parse_rules(core::parse_json(body, file), file);
  } catch (const core::InputError& e) {
    o.fail(key, e.what());
  }
}

/** A device group: a site's own keys, or an entry of its "devices". The site's link is read first (LwM2M checks it). */
void read_group(const Scenario& sc, const JsonObject& o, DeviceGroup& s) {
  const std::string asset = o.string_or("asset_class", "compressor");
  s.asset = twins::find_asset_class(asset);
  if (!s.asset) o.fail("asset_class", "unknown asset class '" + asset + "' (expected one of: " + twins::asset_class_names() + ")");
  s.sensors = s.asset->descriptor.sensors;
  const Scenario::SensorScaling& scale = sc.sensor_scaling;
  if (scale.dropout_probability) s.sensors.dropout_probability = *scale.dropout_probability;
  for (auto& x : s.sensors.noise_sd) x *= scale.noise_scale;
  for (auto& x : s.sensors.bias_sd) x *= scale.bias_scale;
  s.devices_per_gateway = static_cast<std::uint32_t>(o.integer("devices_per_gateway", 1, kDevicesPerGatewayMax));
  if (auto d = o.optional_object("device")) {
    d->allow({"period_s", "qos", "keepalive_s", "reconnect", "buffer_messages", "protocol", "lwm2m"});
    s.device.period_s = d->positive_or("period_s", s.device.period_s);
    if (s.device.period_s < 0.001) d->fail("period_s", "expected a period of at least 0.001 s, got " + std::to_string(s.device.period_s));
    s.device.qos = static_cast<std::uint8_t>(d->integer_or("qos", 0, 1, s.device.qos));
    s.device.keepalive_s = static_cast<std::uint16_t>(d->integer_or("keepalive_s", 0, 65535, s.device.keepalive_s));
    s.device.buffer_messages = static_cast<std::uint16_t>(d->integer_or("buffer_messages", 1, 65535, s.device.buffer_messages));
    if (auto r = d->optional_object("reconnect")) {
      r->allow({"initial_s", "max_s"});
      s.device.reconnect_initial_s = r->positive_or("initial_s", s.device.reconnect_initial_s);
      s.device.reconnect_max_s = r->positive_or("max_s", s.device.reconnect_max_s);
      if (s.device.reconnect_max_s < s.device.reconnect_initial_s) r->fail("max_s", "expected at least initial_s");
    }
    // Devices keep their session alive by publishing; they send no PINGREQ in between (yet). The gateway
    // drops a session silent for 1.5 x keepalive, so a longer period would reconnect on every message.
    if (s.device.keepalive_s > 0 && s.device.period_s > s.device.keepalive_s) {
      char period[32];
      std::snprintf(period, sizeof period, "%g", s.device.period_s);
      d->fail(d->has("keepalive_s") ? "keepalive_s" : "period_s",
              "expected keepalive_s >= period_s, or keepalive_s 0 (devices do not send PINGREQ between reports); got period_s " +
                  std::string(period) + " with keepalive_s " + std::to_string(s.device.keepalive_s));
    }
    read_protocol(*d, s.asset->descriptor, s.device);
  }
  if (s.device.protocol == DeviceSpec::Protocol::lwm2m && o.has("twin"))
    o.fail("twin", "LwM2M devices have no twin relay (properties and commands go over MQTT): drop \"twin\" or use \"protocol\": \"mqtt\"");
  read_twin(sc, o, s);
  if (auto e = o.optional_object("edge_ai")) read_edge_ai(sc, *e, s);
}

}  // namespace twinbench::sim::loader
