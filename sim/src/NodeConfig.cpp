#include "NodeConfig.hpp"
#include "SimHttp.hpp"

#include <algorithm>
#include <array>

#include "SimPorts.hpp"
#include "twinbench/runtime/mqtt/Passwords.hpp"
#include "twinbench/sim/Credentials.hpp"

namespace twinbench::sim {

using runtime::TimeUs;

FleetConfig fleet_config(const Scenario& sc, const SiteSpec& site, const std::string& name, std::uint64_t seed) {
  FleetConfig fc;
  fc.topic_prefix = "tb/" + name;
  fc.telemetry_topic = site.telemetry_topic;
  fc.topic_tokens = {{"modelId", site.twin}};
  fc.devices = site.devices_per_gateway_all();
  fc.period_us = std::max<TimeUs>(1, to_us(site.device.period_s));
  fc.qos = site.device.qos;
  fc.keepalive_s = site.device.keepalive_s;
  if (fc.keepalive_s > 0) fc.period_max_us = TimeUs{fc.keepalive_s} * 1'000'000;
  fc.loss_probability = site.link.loss_probability;
  fc.burst_loss = site.link.burst_loss;
  fc.jitter = {site.link.jitter_median_ms * 1e3, site.link.jitter_sigma};
  fc.overhead_bytes_per_message = site.link.overhead_bytes_per_message;
  fc.energy_nj_per_bit = site.link.energy_nj_per_bit;
  fc.energy_nj_per_message = site.link.energy_nj_per_message;
  fc.reconnect = {std::max<TimeUs>(1, to_us(site.device.reconnect_initial_s)), std::max<TimeUs>(1, to_us(site.device.reconnect_max_s))};
  fc.buffer_messages = site.device.buffer_messages;
  for (const ChannelBinding& b : site.telemetry) fc.record_channels.push_back(b.physics);
  fc.power_channel = site.asset->descriptor.power_channel;
  if (site.shared) fc.telemetry_suffix = telemetry_suffix(site);
  const bool lwm2m = site.device.protocol == DeviceSpec::Protocol::lwm2m;
  if (lwm2m) {
    fc.lwm2m.resources = site.device.lwm2m.resources;
    fc.lwm2m.observe = site.device.lwm2m.observe;
    fc.lwm2m.lifetime_s = site.device.lwm2m.lifetime_s;
    fc.lwm2m.utc_at_start_us = kSimEpochUs;
  }
  if (sc.security && !lwm2m) fc.passwords = device_passwords(seed, name, fc.devices);  // each its own
  return fc;
}

std::string telemetry_suffix(const DeviceGroup& g) { return "/" + g.asset->descriptor.name; }

std::vector<FleetGroup> fleet_groups(const SiteSpec& site, const core::Rng& rng, const std::string& name) {
  std::vector<FleetGroup> out;
  for (std::size_t k = 0; k < site.groups(); ++k) {
    const DeviceGroup& g = site.group(k);
    // The first group's streams keep their names: a site of one class runs as it did before groups.
    const std::string tag = k == 0 ? "" : "/" + g.asset->descriptor.name;
    FleetGroup fg;
    fg.devices = g.devices_per_gateway;
    fg.physics = g.asset->make_fleet(fg.devices, site.ambient, rng.stream(name + "/physics" + tag));
    fg.sensors.emplace(fg.devices, g.sensors, rng.stream(name + "/calibration" + tag));
    for (const ChannelBinding& b : g.telemetry) fg.record_channels.push_back(b.physics);
    fg.power_channel = g.asset->descriptor.power_channel;
    if (site.shared) fg.telemetry_suffix = telemetry_suffix(g);
    out.push_back(std::move(fg));
  }
  return out;
}

namespace {

runtime::DetectorConfig detector_config(const DeviceGroup& g) {
  // Costs are measured in microseconds on the reference CPU, whose speed is 1e9 in cpu_flops units.
  const EdgeAiSpec& ai = *g.edge_ai;
  runtime::DetectorConfig dc;
  dc.model_id = ai.model.model_id;
  dc.model_version = ai.model.version;
  dc.asset_class = g.asset->descriptor.name;
  dc.stream_names = ai.model.channels;
  dc.stream_names.emplace_back("log_score");
  dc.model_threshold = ai.model.threshold;
  dc.layout = ai.model.features;
  dc.positions = ai.positions;
  dc.batch_max = ai.batch_max;
  dc.batch_latency_us = to_us(ai.batch_latency_ms * 1e-3);
  dc.max_gap_us = to_us(2.5 * ai.model.period_s);
  dc.cost_fixed_flops = ai.cost_fixed_us * 1e3;
  dc.cost_per_window_flops = ai.cost_per_window_us * 1e3;
  dc.baseline = ai.baseline;
  return dc;
}

std::vector<runtime::ChannelRule> telemetry_model(const DeviceGroup& g) {
  std::vector<runtime::ChannelRule> rules;
  for (const ChannelBinding& b : g.telemetry) rules.push_back(b.rule);
  return rules;
}

}  // namespace

runtime::EdgeConfig edge_config(const Scenario& sc, const SiteSpec& site, std::uint32_t index, const std::string& name, std::uint64_t seed) {
  const bool lwm2m = site.device.protocol == DeviceSpec::Protocol::lwm2m;
  runtime::EdgeConfig ec;
  ec.gateway_index = index;
  ec.name = name;
  ec.seed = seed;  // the uplink client's reconnect jitter, the LwM2M server's tokens
  ec.uplink_client = runtime::gateway_uplink_client(name, "cloud");  // twinbench-edge's, to the simulated cloud's broker
  ec.forward_interval_us = std::max<TimeUs>(1, to_us(site.gateway.forward_interval_s));
  ec.uplink_buffer_bytes_max = site.gateway.uplink_buffer_bytes_max;
  ec.uplink_sync_interval_us = to_us(site.gateway.sync_interval_s);
  ec.uplink_sync_records = site.gateway.sync_records;
  ec.ingest_cost_flops = site.gateway.ingest_cost_flops;
  ec.broker = site.gateway.mqtt;
  ec.telemetry_model = telemetry_model(site);
  if (lwm2m) {  // the gateway's LwM2M server, on the same simulated access link
    ec.lwm2m_fields = site.device.lwm2m.resources;
    ec.utc_at_start_us = kSimEpochUs;
    if (site.device.lwm2m.observe) {
      ec.lwm2m.observe = runtime::lwm2m::instances_of(ec.lwm2m_fields);
      ec.lwm2m.composite = true;
    }
  }
  for (const PartnerSpec& p : sc.partners) {  // posted through SimHttp; dated from the simulation's epoch (summaries at its midnights)
    runtime::WebhookPartner w;
    w.name = p.name;
    w.url = SimHttp::url_of(p);
    const std::string key = "simulated partner " + p.name;  // signs the posts as in production; never leaves the run
    w.secret.assign(key.begin(), key.end());
    w.kinds = p.kinds;
    w.queue_bytes_max = p.queue_bytes;
    ec.webhooks.push_back(std::move(w));
    ec.utc_at_start_us = kSimEpochUs;
  }
  if (!site.twin.empty()) {
    ec.models = sc.models;
    ec.twin_dtmi = site.twin;
  }
  if (site.edge_ai) {
    ec.detector = detector_config(site);
    ec.scorer = site.edge_ai->scorer;
    ec.rules = site.edge_ai->rules;
  }
  if (site.shared) {
    // Each group's records on topics of their own; each group's rules scoped to its class (a rule of its
    // rules file for any class is its class's), gathered into the gateway's one rule set. The first group
    // with edge AI routes the alerts' severities.
    const auto filter = [&](const DeviceGroup& g) { return "tb/" + name + "/+/telemetry" + telemetry_suffix(g); };
    ec.telemetry_filter = filter(site);
    ec.rules = {};
    bool routed = false;
    for (std::size_t k = 0; k < site.groups(); ++k) {
      const DeviceGroup& g = site.group(k);
      if (k > 0) {
        runtime::DeviceClass c;
        c.telemetry_filter = filter(g);
        c.telemetry_model = telemetry_model(g);
        if (g.edge_ai) c.detector = detector_config(g), c.scorer = g.edge_ai->scorer;
        ec.other_classes.push_back(std::move(c));
      }
      if (!g.edge_ai) continue;
      for (runtime::Rule& r : runtime::scoped_to(g.edge_ai->rules, g.asset->descriptor.name).rules) ec.rules.rules.push_back(std::move(r));
      if (!routed) ec.rules.routes = g.edge_ai->rules.routes, routed = true;
    }
  }
  return ec;
}

runtime::mqtt::AccessConfig device_access(const core::Rng& rng, const std::string& name, const std::vector<std::string>& passwords) {
  runtime::mqtt::AccessConfig a;
  core::RngStream salts = rng.stream(name + "/salts");
  for (std::size_t d = 0; d < passwords.size(); ++d) {
    std::array<std::uint8_t, 16> salt{};
    for (std::size_t k = 0; k < salt.size(); k += 8) {
      const std::uint64_t v = salts.next_u64();
      for (std::size_t b = 0; b < 8; ++b) salt[k + b] = static_cast<std::uint8_t>(v >> (8 * b));
    }
    a.passwords.hashes.emplace(std::to_string(d), runtime::mqtt::hash_password(passwords[d], salt, runtime::mqtt::kLeastPasswordCost));
  }
  a.acl.push_back({"*", {"tb/%g/%u/#"}, {"tb/%g/%u/#"}});
  return a;
}

}  // namespace twinbench::sim
