#pragma once
// A scenario (format v1): the plant, its network, the workload, the faults and the assertions of one run.
// Units are in every name. docs/scenario-format.md is the user-facing reference for the JSON form.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "twinbench/ai/ModelPackage.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/Rules.hpp"
#include "twinbench/runtime/Scorer.hpp"
#include "twinbench/twins/Compressor.hpp"
#include "twinbench/twins/SensorModel.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"

namespace twinbench::sim {

/** @brief Device-to-gateway access network of one gateway (a shared medium). */
struct LinkSpec {
  std::string preset;                     ///< wifi, ethernet, cellular-4g, lorawan
  double bandwidth_bps = 0;               ///< shared by the gateway's devices
  double latency_ms = 0;
  double loss_probability = 0;            ///< a message is not delivered (after link-layer retries)
  double overhead_bytes_per_message = 0;  ///< link + network + transport headers on the wire
  double energy_nj_per_bit = 0;           ///< device radio energy while transmitting
  double energy_nj_per_message = 0;       ///< wake-up / tail energy of one transmission
};

/** @brief The preset's values; nullopt for an unknown name. */
std::optional<LinkSpec> link_preset(const std::string& name);
/** @brief Names of all presets, sorted, for error messages and docs. */
std::vector<std::string> link_preset_names();

struct WanSpec {
  double bandwidth_bps = 20e6;
  double latency_ms = 30;
};

struct GatewaySpec {
  double cpu_flops = 1e9;                        ///< simulated gateway CPU speed
  double forward_interval_s = 10;
  std::uint64_t uplink_buffer_bytes_max = 4u << 20;
  double ingest_cost_flops = 5000;               ///< per decoded packet
};

struct DeviceSpec {
  double period_s = 10;
  std::uint8_t qos = 1;
  std::uint16_t keepalive_s = 60;
  double reconnect_initial_s = 1, reconnect_max_s = 60;  ///< backoff after a lost connection (mqtt::Backoff)
  std::uint16_t buffer_messages = 16;                    ///< QoS 1 messages kept until acknowledged
  enum class Protocol : std::uint8_t { mqtt, lwm2m };
  Protocol protocol = Protocol::mqtt;
  /** LwM2M devices (CoAP/UDP): the IPSO resource of each physics channel, how they report, their lifetime. */
  struct Lwm2m {
    std::vector<std::string> resources;  ///< one per physics channel, in Channel order
    bool observe = false;                ///< notifications of the gateway's Observe-Composite; else Send
    std::uint32_t lifetime_s = 300;
  } lwm2m;
};

/** The IPSO resources LwM2M compressors report their physics channels as, in Channel order. */
std::vector<std::string> default_lwm2m_resources();

/** One record channel: a DTDL Telemetry of the site's twin, fed by a physics channel. */
struct ChannelBinding {
  std::string telemetry;            ///< "name" or "component/name"
  twins::Channel physics{};         ///< where its value comes from
  runtime::ChannelRule rule;        ///< what the model allows, checked by the gateway
};

/** Anomaly detection at the site's gateways: a model package, its alert rules, batching and cost. */
struct EdgeAiSpec {
  ai::Manifest model;                      ///< the package's manifest, checked
  std::shared_ptr<runtime::Scorer> scorer;  ///< the loaded model, shared by the site's gateways
  runtime::RuleSet rules;                  ///< from the site's rules file, or the default rule (the model's threshold)
  std::vector<std::uint16_t> positions;    ///< record channel of each model channel
  std::size_t batch_max = 64;
  double batch_latency_ms = 200;
  double cost_fixed_us = 13;               ///< per model call, on the reference CPU (1e9 "flops"/s: this bench machine)
  double cost_per_window_us = 2.7;
};

struct SiteSpec {
  std::string name;
  std::uint32_t gateways = 1;
  std::uint32_t devices_per_gateway = 1;
  twins::Ambient ambient;
  DeviceSpec device;
  LinkSpec link;
  WanSpec wan;
  GatewaySpec gateway;
  std::string twin;                       ///< DTMI of the devices' Interface; empty = no twin model
  std::vector<ChannelBinding> telemetry;  ///< record layout when `twin` is set (sorted by telemetry name)
  std::string telemetry_topic;            ///< the twin Interface's Mqtt telemetryTopic, if any
  std::optional<EdgeAiSpec> edge_ai;
};

struct AssetFault {
  double at_s = 0;
  twins::FaultMode mode{};
  double fraction = 0;    ///< of the devices in scope, rounded to the nearest whole device
  double ramp_s = 0;      ///< from onset to failure (severity 1)
  std::optional<std::size_t> site;  ///< index into sites; nullopt = whole fleet
};

enum class LinkKind : std::uint8_t { access = 0, wan = 1 };

struct LinkFault {
  double at_s = 0;
  double duration_s = 0;
  LinkKind link = LinkKind::access;
  std::size_t site = 0;
  std::optional<std::uint32_t> gateway;  ///< nullopt = every gateway of the site
};

/** A gateway reboots: its runtime stops (uplink flushed, connections closed), refuses connections for
 * `duration_s`, and starts afresh (no sessions). */
struct GatewayReboot {
  double at_s = 0;
  double duration_s = 0;
  std::size_t site = 0;
  std::optional<std::uint32_t> gateway;  ///< nullopt = every gateway of the site
};

/** A desired property or a command the cloud sends to the devices of a site (or of one of its gateways). */
struct TwinOperation {
  enum class Kind : std::uint8_t { set_property, command };
  double at_s = 0;
  Kind kind = Kind::set_property;
  std::string name;        ///< "name" or "component/name" (property), "name" or "component*name" (command)
  std::string value_json;  ///< the property value or the command request (JSON; "null" for none)
  std::size_t site = 0;
  std::optional<std::uint32_t> gateway;  ///< nullopt = every gateway of the site
};

/** New alert rules the cloud sends to the gateways of a site (or of every site) mid-run. */
struct RuleChange {
  double at_s = 0;
  std::optional<std::size_t> site;
  std::string rules_json;  ///< the rules file's text, as sent
};

/** What faults and alerts cost: the scenario's business case (see docs/edge-ai.md). */
struct Economics {
  std::string currency = "EUR";
  double downtime_cost_per_hour = 0;
  double unplanned_downtime_h = 0;   ///< a failure nobody saw coming
  double planned_repair_h = 0;       ///< a repair scheduled on an alert
  double truck_roll_cost = 0;        ///< a technician's visit (every repair, every false alert)
  double missed_failure_cost = 0;    ///< parts and collateral damage of a failure
  double edge_ai_cost_per_device_per_year = 0;
  double edge_ai_fixed_cost = 0;     ///< gateways, integration: once, for the run
  double energy_price_per_kwh = 0;
};

struct Assertion {
  std::string kpi;  ///< JSON pointer into summary.json
  std::optional<double> min, max;
};

/** @brief One gateway of the expanded plant, in global gateway-index order. */
struct GatewayRef {
  std::size_t site = 0;
  std::uint32_t index_in_site = 0;
  std::string name;  ///< <site>-gw-<k>
};

/** How `twinbench hil` paces the scenario to the wall clock (hil/Pacer); `twinbench run` ignores it. */
struct HilSpec {
  double speed = 1.0;             ///< simulated seconds per wall second
  bool hard_limit = false;        ///< false: best effort (lag reported); true: stop past max_lag_ms
  double max_lag_ms = 100;
  double tick_ms = 10;            ///< wall time between pacing ticks
  /// Simulated gateways played by real ones, by gateway name: where its devices go ("mqtt://host:port" for
  /// MQTT devices, "coap://host:port" for LwM2M ones), and the MQTT broker its uplink is published on.
  struct Bridge {
    std::string devices, uplink;
  };
  std::map<std::string, Bridge> gateways;
};

struct Scenario {
  std::string file;  ///< where it was loaded from (for messages)
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  double duration_s = 0;
  double batch_window_ms = 100;  ///< device->gateway coalescing window; 0 = one comm per message
  twins::SensorSpec sensors = twins::default_compressor_sensors();
  std::vector<SiteSpec> sites;
  std::vector<AssetFault> asset_faults;
  std::vector<LinkFault> link_faults;
  std::vector<GatewayReboot> gateway_reboots;
  std::vector<TwinOperation> twin_operations;
  std::vector<RuleChange> rule_changes;
  std::optional<Economics> economics;
  std::vector<Assertion> assertions;
  HilSpec hil;
  std::shared_ptr<const twins::dtdl::ModelSet> models;  ///< the DTDL models named by "models", resolved

  /** @brief Every gateway of the plant, site by site. */
  std::vector<GatewayRef> gateways() const;
  std::uint64_t device_count() const;
};

}  // namespace twinbench::sim
