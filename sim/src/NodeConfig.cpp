#include "NodeConfig.hpp"

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
  fc.devices = site.devices_per_gateway;
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
  for (const ChannelBinding& b : site.telemetry) ec.telemetry_model.push_back(b.rule);
  if (lwm2m) {  // the gateway's LwM2M server, on the same simulated access link
    ec.lwm2m_fields = site.device.lwm2m.resources;
    ec.utc_at_start_us = kSimEpochUs;
    if (site.device.lwm2m.observe) {
      ec.lwm2m.observe = runtime::lwm2m::instances_of(ec.lwm2m_fields);
      ec.lwm2m.composite = true;
    }
  }
  if (!site.twin.empty()) {
    ec.models = sc.models;
    ec.twin_dtmi = site.twin;
  }
  if (const auto& ai = site.edge_ai) {
    // Costs are measured in microseconds on the reference CPU, whose speed is 1e9 in cpu_flops units.
    runtime::DetectorConfig dc;
    dc.model_id = ai->model.model_id;
    dc.model_version = ai->model.version;
    dc.asset_class = site.asset->descriptor.name;
    dc.stream_names = ai->model.channels;
    dc.stream_names.emplace_back("log_score");
    dc.model_threshold = ai->model.threshold;
    dc.layout = ai->model.features;
    dc.positions = ai->positions;
    dc.batch_max = ai->batch_max;
    dc.batch_latency_us = to_us(ai->batch_latency_ms * 1e-3);
    dc.max_gap_us = to_us(2.5 * ai->model.period_s);
    dc.cost_fixed_flops = ai->cost_fixed_us * 1e3;
    dc.cost_per_window_flops = ai->cost_per_window_us * 1e3;
    dc.baseline = ai->baseline;
    ec.detector = dc;
    ec.scorer = ai->scorer;
    ec.rules = ai->rules;
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
