// The scenario's lifecycle parts: drift faults, and the "lifecycle" object (docs/scenario-format.md).
#include <algorithm>
#include <cmath>

#include "LoaderParts.hpp"
#include "twinbench/ai/ModelPackage.hpp"

namespace twinbench::sim::loader {

using core::JsonObject;

bool read_drift_fault(Scenario& sc, const JsonObject& o, const std::string& kind) {
  DriftInjection d;
  if (kind == "ambient_shift") {
    o.allow({"kind", "at_s", "ramp_s", "delta_c", "site"});
    d.kind = DriftInjection::Kind::ambient_shift;
    d.ramp_s = o.non_negative_or("ramp_s", 0);
    d.delta_c = o.number_or("delta_c", std::nan(""));
    if (!std::isfinite(d.delta_c) || d.delta_c == 0) o.fail("delta_c", "expected the shift of the ambient temperature in °C (not 0)");
  } else if (kind == "sensor_bias_creep") {
    o.allow({"kind", "at_s", "channel", "per_day", "fraction", "site"});
    d.kind = DriftInjection::Kind::sensor_bias_creep;
    d.channel = o.string("channel");
    d.per_day = o.number_or("per_day", std::nan(""));
    if (!std::isfinite(d.per_day) || d.per_day == 0) o.fail("per_day", "expected the bias added per day, in the channel's unit (not 0)");
    d.fraction = o.probability_or("fraction", 1);
  } else if (kind == "new_variant") {
    o.allow({"kind", "at_s", "fraction", "current_scale", "temp_rise_c", "site"});
    d.kind = DriftInjection::Kind::new_variant;
    d.fraction = o.probability_or("fraction", 1);
    d.current_scale = o.positive_or("current_scale", d.current_scale);
    d.temp_rise_c = o.number_or("temp_rise_c", d.temp_rise_c);
  } else {
    return false;
  }
  d.at_s = scheduled_at(sc, o);
  if (o.has("site")) d.site = site_index(sc, o, "site");
  refuse_shared(sc, o, d.site, o.has("site") ? "site" : "kind", "drift injection");
  if (d.kind == DriftInjection::Kind::sensor_bias_creep) {  // every site in scope reads the channel
    bool anywhere = false;
    for (const SiteSpec& s : sc.sites) anywhere = anywhere || s.asset->descriptor.channel(d.channel);
    if (!anywhere) {
      std::vector<std::string> names;
      for (const SiteSpec& s : sc.sites)
        for (const twins::ChannelInfo& c : s.asset->descriptor.channels)
          if (std::find(names.begin(), names.end(), c.name) == names.end()) names.push_back(c.name);
      o.fail("channel", "unknown channel '" + d.channel + "' (expected one of: " + joined(names) + ")");
    }
    for (std::size_t s = 0; s < sc.sites.size(); ++s) {
      const twins::AssetDescriptor& asset = sc.sites[s].asset->descriptor;
      if ((!d.site || *d.site == s) && !asset.channel(d.channel))
        o.fail("channel", "site '" + sc.sites[s].name + "' has " + asset.name + " devices, which have no channel '" + d.channel +
                              "' (expected one of: " + asset.channel_names() + ")" + (d.site ? "" : "; name a \"site\" to scope it"));
    }
  }
  sc.drift_injections.push_back(d);
  return true;
}

namespace {

WavePlan read_waves(const JsonObject& o, WavePlan w) {
  o.allow({"canary_percent", "batch_percent", "soak_s", "retry_s", "wave_timeout_s"});
  w.canary_percent = o.positive_or("canary_percent", w.canary_percent);
  w.batch_percent = o.positive_or("batch_percent", w.batch_percent);
  if (w.canary_percent > 100) o.fail("canary_percent", "expected a percentage in (0, 100]");
  if (w.batch_percent > 100) o.fail("batch_percent", "expected a percentage in (0, 100]");
  w.soak_s = o.non_negative_or("soak_s", w.soak_s);
  w.retry_s = o.positive_or("retry_s", w.retry_s);
  w.wave_timeout_s = o.positive_or("wave_timeout_s", w.wave_timeout_s);
  if (w.wave_timeout_s < w.retry_s) o.fail("wave_timeout_s", "expected at least retry_s");
  return w;
}

HealthGate read_gate(const JsonObject& o) {
  o.allow({"max_failure_rate", "max_alert_rate_per_device_h", "max_inference_error"});
  HealthGate g;
  g.max_failure_rate = o.probability_or("max_failure_rate", g.max_failure_rate);
  if (o.has("max_alert_rate_per_device_h")) g.max_alert_rate_per_device_h = o.non_negative_or("max_alert_rate_per_device_h", 0);
  if (o.has("max_inference_error")) g.max_inference_error = o.probability("max_inference_error");
  return g;
}

void read_rollout_plan(const JsonObject& o, WavePlan& waves, HealthGate& gate) {
  if (auto w = o.optional_object("waves")) waves = read_waves(*w, waves);
  if (auto g = o.optional_object("gate")) gate = read_gate(*g);
}

/** The first site with edge AI in scope (nullopt: every site), or bad input if there is none. */
const EdgeAiSpec& edge_ai_in_scope(const Scenario& sc, const JsonObject& o, std::optional<std::size_t> site, std::string_view key) {
  for (std::size_t i = 0; i < sc.sites.size(); ++i)
    if (sc.sites[i].edge_ai && (!site || *site == i)) return *sc.sites[i].edge_ai;
  o.fail(key, "no site in scope has \"edge_ai\": there is no model to retrain or roll out");
}

void read_rollout(Scenario& sc, const JsonObject& o) {
  o.allow({"at_s", "artifact", "version", "size_bytes", "chunk_bytes", "crash_fraction", "tampered", "model", "site", "waves", "gate"});
  RolloutSpec r;
  r.at_s = scheduled_at(sc, o);
  if (o.has("site")) r.site = site_index(sc, o, "site");
  refuse_shared(sc, o, r.site, o.has("site") ? "site" : "artifact", "an OTA rollout");
  const std::string artifact = o.string("artifact");
  if (artifact == "firmware") {
    r.artifact = RolloutSpec::Artifact::firmware;
    r.version = o.string("version");
    if (r.version.empty()) o.fail("version", "expected the firmware's version");
    r.size_bytes = o.integer("size_bytes", 1, std::uint64_t{1} << 32);
    r.crash_fraction = o.probability_or("crash_fraction", 0);
    if (o.has("model")) o.fail("model", "a firmware rollout takes no model");
  } else if (artifact == "model") {
    r.artifact = RolloutSpec::Artifact::model;
    const EdgeAiSpec& ai = edge_ai_in_scope(sc, o, r.site, "artifact");
    try {
      const ai::ModelPackage p = ai::load_package(scenario_path(sc, o.string("model")));
      if (p.manifest.model_id != ai.model.model_id || p.manifest.asset_class != ai.model.asset_class || p.manifest.channels != ai.model.channels)
        o.fail("model", "expected a version of model '" + ai.model.model_id + "' reading the same channels, got '" + p.manifest.model_id + "'");
      r.model_dir = p.dir;
      r.version = p.manifest.version;
    } catch (const core::InputError& e) {
      o.fail("model", e.what());
    }
    if (o.has("size_bytes") || o.has("crash_fraction")) o.fail(o.has("size_bytes") ? "size_bytes" : "crash_fraction", "a model rollout takes neither (the package is the image)");
  } else {
    o.fail("artifact", "expected \"firmware\" or \"model\", got '" + artifact + "'");
  }
  // A model's chunks are MQTT packets to the gateway, whose runtime takes packets up to 64 KiB.
  const std::uint64_t chunk_max = r.artifact == RolloutSpec::Artifact::model ? 60'000 : 16u << 20;
  r.chunk_bytes = static_cast<std::uint32_t>(o.integer_or("chunk_bytes", 256, chunk_max, r.chunk_bytes));
  const std::string t = o.string_or("tampered", "none");
  if (t == "none") r.tampered = RolloutSpec::Tamper::none;
  else if (t == "manifest") r.tampered = RolloutSpec::Tamper::manifest;
  else if (t == "image") r.tampered = RolloutSpec::Tamper::image;
  else o.fail("tampered", "expected \"none\", \"manifest\" (a forged signature) or \"image\" (altered after signing), got '" + t + "'");
  read_rollout_plan(o, r.waves, r.gate);
  sc.lifecycle.rollouts.push_back(std::move(r));
}

}  // namespace

void read_lifecycle(Scenario& sc, const JsonObject& o) {
  o.allow({"drift", "retraining", "rollouts", "devices", "versions_interval_s"});
  LifecycleSpec& l = sc.lifecycle;
  if (auto d = o.optional_object("drift")) {
    refuse_shared(sc, o, std::nullopt, "drift", "drift monitoring");
    l.drift = runtime::drift::read_monitor_config(*d);
    bool any = false;
    for (const SiteSpec& s : sc.sites) any = any || s.edge_ai;
    if (!any) o.fail("drift", "no site has \"edge_ai\": there is no model whose inputs to watch");
    for (const SiteSpec& s : sc.sites)
      if (s.edge_ai && s.edge_ai->model.reference.streams.empty())
        o.fail("drift", "model '" + s.edge_ai->model.model_id + "' of site '" + s.name +
                            "' has no drift reference (\"reference\" in its manifest; `twinbench train` writes one)");
  }
  if (auto r = o.optional_object("retraining")) {
    refuse_shared(sc, o, std::nullopt, "retraining", "retraining");
    r->allow({"min_gateways", "within_s", "cooldown_s", "settle_s", "data_window_s", "devices_per_gateway", "epochs", "learning_rate", "cloud_flops",
              "chunk_bytes", "waves", "gate"});
    if (!l.drift) r->fail("min_gateways", "retraining is triggered by drift reports: \"lifecycle\" needs \"drift\" too");
    RetrainPolicy p;
    p.min_gateways = static_cast<std::uint32_t>(r->integer_or("min_gateways", 1, 1'000'000, p.min_gateways));
    p.within_s = r->positive_or("within_s", p.within_s);
    p.cooldown_s = r->non_negative_or("cooldown_s", p.cooldown_s);
    p.settle_s = r->non_negative_or("settle_s", p.settle_s);
    p.data_window_s = r->positive_or("data_window_s", p.data_window_s);
    p.devices_per_gateway = static_cast<std::uint32_t>(r->integer_or("devices_per_gateway", 1, 1'000'000, p.devices_per_gateway));
    p.epochs = static_cast<std::uint32_t>(r->integer_or("epochs", 1, 1000, p.epochs));
    p.learning_rate = r->positive_or("learning_rate", p.learning_rate);
    p.cloud_flops = r->positive_or("cloud_flops", p.cloud_flops);
    p.chunk_bytes = static_cast<std::uint32_t>(r->integer_or("chunk_bytes", 256, 60'000, p.chunk_bytes));  // MQTT packets to the gateway
    read_rollout_plan(*r, p.waves, p.gate);
    l.retraining = p;
  }
  for (const auto& [j, path] : o.array("rollouts", false)) read_rollout(sc, JsonObject(*j, path, o.file()));
  if (auto d = o.optional_object("devices")) {
    d->allow({"firmware", "boot_limit", "reboot_s", "install_s", "parallel_downloads"});
    l.devices.firmware = d->string_or("firmware", l.devices.firmware);
    l.devices.boot_limit = static_cast<std::uint8_t>(d->integer_or("boot_limit", 1, 255, l.devices.boot_limit));
    l.devices.reboot_s = d->positive_or("reboot_s", l.devices.reboot_s);
    l.devices.install_s = d->non_negative_or("install_s", l.devices.install_s);
    l.devices.parallel_downloads = static_cast<std::uint32_t>(d->integer_or("parallel_downloads", 1, 1'000'000, l.devices.parallel_downloads));
  }
  l.versions_interval_s = o.positive_or("versions_interval_s", l.versions_interval_s);
}

}  // namespace twinbench::sim::loader
