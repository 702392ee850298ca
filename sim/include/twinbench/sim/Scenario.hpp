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
#include "twinbench/core/Economics.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/Rules.hpp"
#include "twinbench/runtime/Scorer.hpp"
#include "twinbench/runtime/drift/Monitor.hpp"
#include "twinbench/twins/Asset.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"
#include "twinbench/core/Economics.hpp"
#include "twinbench/core/LinkModel.hpp"

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
  /// Latency variability (LinkModel.hpp): each message also waits a log-normal extra beyond latency_ms
  /// (jitter_median_ms, jitter_sigma in log space); none while jitter_median_ms is 0.
  double jitter_median_ms = 0;
  double jitter_sigma = 0;
  /// Bursty loss (Gilbert-Elliott, LinkModel.hpp), in place of loss_probability.
  std::optional<core::BurstLoss> burst_loss;
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
  /// Store-and-forward group commits (docs/store-and-forward.md): every sync_interval_s (0: at each
  /// forward) and whenever sync_records wait (0: no count); a power cut loses what is not yet stored.
  double sync_interval_s = 0;
  std::uint64_t sync_records = 0;
  double ingest_cost_flops = 5000;               ///< per decoded packet
  runtime::mqtt::BrokerConfig mqtt;              ///< the embedded broker's limits, as twinbench-edge's "mqtt" keys
};

struct DeviceSpec {
  double period_s = 10;
  std::uint8_t qos = 1;
  std::uint16_t keepalive_s = 60;
  double reconnect_initial_s = 1, reconnect_max_s = 60;  ///< backoff after a lost connection (mqtt::Backoff)
  std::uint16_t buffer_messages = 16;                    ///< QoS 1 messages kept until acknowledged
  enum class Protocol : std::uint8_t { mqtt, lwm2m };
  Protocol protocol = Protocol::mqtt;
  /** LwM2M devices (CoAP/UDP): the IPSO resource of each channel, how they report, their lifetime. */
  struct Lwm2m {
    std::vector<std::string> resources;  ///< one per channel of the site's asset class, in its order
    bool observe = false;                ///< notifications of the gateway's Observe-Composite; else Send
    std::uint32_t lifetime_s = 300;
  } lwm2m;
};

/** One record channel: a DTDL Telemetry of the site's twin, fed by a channel of the site's asset class. */
using ChannelBinding = runtime::TelemetryBinding;  ///< a record channel of devices with a twin

/** Anomaly detection at the site's gateways: a model package, its alert rules, batching and cost. */
struct EdgeAiSpec {
  ai::Manifest model;                      ///< the package's manifest, checked
  std::string model_dir;                   ///< the package's folder
  std::shared_ptr<runtime::Scorer> scorer;  ///< the loaded model, shared by the site's gateways
  runtime::RuleSet rules;                  ///< from the site's rules file, or the default rule (the model's threshold)
  std::vector<std::uint16_t> positions;    ///< record channel of each model channel
  std::size_t batch_max = 64;
  double batch_latency_ms = 200;
  double cost_fixed_us = 13;               ///< per model call, on the reference CPU (1e9 "flops"/s: this bench machine)
  double cost_per_window_us = 2.7;
  std::optional<runtime::SiteBaseline> baseline;  ///< edge_ai.site_baseline: each gateway learns its threshold
};

/** Devices of one asset class behind each gateway of a site: how many, how they talk, their twin and edge AI. */
struct DeviceGroup {
  std::uint32_t devices_per_gateway = 1;
  const twins::AssetClass* asset = nullptr;  ///< the devices' asset class (registered; "asset_class", default compressor)
  twins::SensorSpec sensors;                 ///< the class's default sensors, scaled by the scenario's "sensors"
  DeviceSpec device;
  std::string twin;                       ///< DTMI of the devices' Interface; empty = no twin model
  std::vector<ChannelBinding> telemetry;  ///< record layout when `twin` is set (sorted by telemetry name)
  std::string telemetry_topic;            ///< the twin Interface's Mqtt telemetryTopic, if any
  std::optional<EdgeAiSpec> edge_ai;
};

/**
 * A site: its gateways and network, and the devices behind each gateway. Its own fields (the DeviceGroup
 * it is) are its first device group; a site that lists "devices" is a plant of shared gateways, with a
 * group per asset class: each group's devices publish on <prefix>/<device>/telemetry/<class>, and each
 * gateway scores each class with its own model.
 */
struct SiteSpec : DeviceGroup {
  std::string name;
  std::uint32_t gateways = 1;
  twins::Ambient ambient;
  LinkSpec link;
  WanSpec wan;
  GatewaySpec gateway;
  bool shared = false;                    ///< "devices" lists the groups (telemetry topics end in /<class>)
  std::vector<DeviceGroup> other_groups;  ///< the groups after the first, with "devices"

  std::size_t groups() const { return 1 + other_groups.size(); }
  /** @brief Group k: 0 is the site's own fields. */
  const DeviceGroup& group(std::size_t k) const { return k == 0 ? *this : other_groups.at(k - 1); }
  /** @brief Devices behind each gateway, every group's. */
  std::uint32_t devices_per_gateway_all() const {
    std::uint32_t n = devices_per_gateway;
    for (const DeviceGroup& g : other_groups) n += g.devices_per_gateway;
    return n;
  }
};

struct AssetFault {
  double at_s = 0;
  std::string mode;       ///< a fault of the asset class of every site in scope (of every device group with a class that has it)
  const twins::AssetClass* asset = nullptr;  ///< only devices of this class ("asset_class"); nullptr = every class with the mode
  std::size_t mode_index = 0;  ///< into Scenario::fault_modes
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

/**
 * A partner that takes the gateways' events as signed webhooks (runtime/Webhooks, docs/webhooks.md), its
 * endpoint behind the WAN: a gateway's post crosses its site's WAN, then `latency_ms` more each way.
 */
struct PartnerSpec {
  std::string name;
  std::vector<std::string> kinds = {"alert"};  ///< "alert", "summary"
  double latency_ms = 20;                      ///< beyond the WAN, each way
  double timeout_s = 10;                       ///< a post unanswered this long fails (no answer)
  std::uint64_t queue_bytes = 4u << 20;        ///< each gateway's queue for it
  double sla_s = 60;                           ///< the results count the events delivered within this long
};

/**
 * The plant's people, simulated: a technician at each site takes on every alert routed to technicians
 * `acknowledge_after_s` after it was raised, through the runtime's alert book, the same acknowledgement
 * (and audit record) as a person's at twinbench-edge's console.
 */
struct PeopleSpec {
  double acknowledge_after_s = 600;
};

/** A partner's endpoint answers `status` (a 5xx: retried; a 4xx: refused for good) from at_s for duration_s. */
struct PartnerOutage {
  double at_s = 0, duration_s = 0;
  std::size_t partner = 0;  ///< into Scenario::partners
  int status = 503;
};

/** A gateway reboots: its runtime stops (uplink flushed, connections closed), refuses connections for
 * `duration_s`, and starts afresh (no sessions). */
struct GatewayReboot {
  double at_s = 0;
  double duration_s = 0;
  std::size_t site = 0;
  std::optional<std::uint32_t> gateway;  ///< nullopt = every gateway of the site
  bool power_cut = false;  ///< the power goes: no clean stop, and what the gateway had not stored is lost
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

/** Scheduled drift of the data (ground truth: `drift_onset` events at each gateway in scope). */
struct DriftInjection {
  enum class Kind : std::uint8_t { ambient_shift = 0, sensor_bias_creep = 1, new_variant = 2 };
  Kind kind = Kind::ambient_shift;
  double at_s = 0;
  double ramp_s = 0;            ///< ambient_shift: from at_s to the full shift
  double delta_c = 0;           ///< ambient_shift: the site gets this much warmer
  std::string channel;          ///< sensor_bias_creep: the drifting sensor (a channel of every site in scope)
  double per_day = 0;           ///< sensor_bias_creep: its reading's bias grows this much a day
  double fraction = 1;          ///< sensor_bias_creep, new_variant: of the devices in scope
  double current_scale = 1.25;  ///< new_variant: its motor's current (and power) against the old one's
  double temp_rise_c = 8;       ///< new_variant: it runs this much hotter (where: the class's descriptor says)
  std::optional<std::size_t> site;  ///< nullopt = every site
};
std::string_view to_string(DriftInjection::Kind k);

/** How an OTA rollout proceeds: a canary wave, then batches, each one soaked and gated before the next. */
struct WavePlan {
  double canary_percent = 5;    ///< of the targets (at least one)
  double batch_percent = 25;    ///< each later wave
  double soak_s = 1800;         ///< after a wave's targets have all reported, before its gate
  double retry_s = 600;         ///< targets silent this long get the job again (resumed where they stopped)
  double wave_timeout_s = 7200; ///< targets still silent then count as failed
};

/** What the health gate after each wave requires of that wave (unset = not checked). */
struct HealthGate {
  double max_failure_rate = 0.05;                      ///< targets rolled back or failed / targets
  std::optional<double> max_alert_rate_per_device_h;   ///< alerts from the wave's devices during the soak
  std::optional<double> max_inference_error;           ///< models: windows over threshold / windows scored since install
};

/** An OTA rollout the cloud starts at `at_s` (firmware to devices, or a model package to gateways). */
struct RolloutSpec {
  enum class Artifact : std::uint8_t { firmware = 0, model = 1 };
  Artifact artifact = Artifact::firmware;
  double at_s = 0;
  std::string version;
  std::uint64_t size_bytes = 0;    ///< firmware image size
  std::uint32_t chunk_bytes = 16384;
  double crash_fraction = 0;       ///< firmware: of the devices, crash on boot (the bad firmware)
  enum class Tamper : std::uint8_t { none, manifest, image };
  Tamper tampered = Tamper::none;  ///< a forged manifest (gateways refuse it) or an image altered after signing (devices refuse it)
  std::string model_dir;           ///< model: the package to roll out
  std::optional<std::size_t> site;
  WavePlan waves;
  HealthGate gate;
};

/** When and how the cloud retrains a model after drift reports, and how it rolls the new version out. */
struct RetrainPolicy {
  std::uint32_t min_gateways = 1;   ///< distinct gateways reporting drift...
  double within_s = 86'400;         ///< ... within this long
  double cooldown_s = 172'800;      ///< between two retrainings
  double settle_s = 0;              ///< from the trigger to the training: the data is then the drifted state, not the change
  double data_window_s = 86'400;    ///< the most recent data the cloud received
  std::uint32_t devices_per_gateway = 8;  ///< whose records the cloud keeps for training
  std::uint32_t epochs = 4;
  double learning_rate = 1e-3;
  double cloud_flops = 1e10;        ///< the training's speed in the cloud (its flops are charged at this rate)
  std::uint32_t chunk_bytes = 8192;
  WavePlan waves;
  HealthGate gate;
};

/** The devices' side of firmware updates (Mender-like states: docs/ota.md). */
struct OtaDeviceSpec {
  std::string firmware = "1.0.0";   ///< what the fleet runs at the start
  std::uint8_t boot_limit = 3;      ///< trial boots before the bootloader goes back
  double reboot_s = 45;
  double install_s = 20;
  std::uint32_t parallel_downloads = 8;  ///< per gateway
};

/** Lifecycle governance: drift monitoring, retraining, OTA rollouts (issue 6). */
struct LifecycleSpec {
  std::optional<runtime::drift::MonitorConfig> drift;  ///< at gateways with edge AI (and a model with a drift reference)
  std::optional<RetrainPolicy> retraining;
  std::vector<RolloutSpec> rollouts;
  OtaDeviceSpec devices;
  double versions_interval_s = 600;  ///< how often versions.csv samples the fleet
  bool any() const { return drift || retraining || !rollouts.empty(); }
};

/** The version after `v` ("1" -> "2", "1.4" -> "1.5", "x" -> "x.1"). */
std::string next_version(const std::string& v);

/** What faults and alerts cost: the scenario's business case (see docs/edge-ai.md). */
using Economics = core::Economics;

/** How the results are cut (timeseries.csv). */
struct ResultsSpec {
  double interval_s = 3600;  ///< one row per site and interval
};

struct Assertion {
  std::string kpi;  ///< JSON pointer into summary.json
  std::optional<double> min, max;
  /// A statistic of the KPI over a sweep's seeds ("mean", "p90"...: results::Statistic); empty: every run's
  /// value. twinbench sweep checks such a gate, twinbench run lists it as not evaluated.
  std::string over_seeds;
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

/**
 * Broker authentication in a simulation (docs/security.md): the gateways run the runtime's access rules
 * and every device logs in with a password of its own (username: its index; its own topics only). A
 * password check costs the gateway's CPU what scrypt at 2^password_cost_log2 costs (the checks themselves
 * run at the least cost, to keep runs fast). Rogue clients try to connect or act without the right.
 */
struct SecuritySpec {
  unsigned password_cost_log2 = 15;
  struct Rogue {
    enum class Attack : std::uint8_t { wrong_password, anonymous, fake_rules, read_all };
    Attack attack = Attack::wrong_password;
    std::size_t site = 0;
    std::optional<std::uint32_t> gateway;  ///< nullopt = every gateway of the site
    double at_s = 0, every_s = 10;
    std::uint32_t attempts = 1;
  };
  std::vector<Rogue> rogues;
};

struct Scenario {
  std::string file;  ///< where it was loaded from (for messages)
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  double duration_s = 0;
  double batch_window_ms = 100;  ///< device->gateway coalescing window; 0 = one comm per message
  /// "sensors": scales every class's default sensors (and replaces their dropout probability, when set).
  struct SensorScaling {
    std::optional<double> dropout_probability;
    double noise_scale = 1, bias_scale = 1;
  } sensor_scaling;
  std::vector<SiteSpec> sites;
  /// Every fault mode of the sites' asset classes, by name, the classes in site order: FaultOnset's mode indexes it.
  std::vector<std::string> fault_modes;
  std::vector<AssetFault> asset_faults;
  std::vector<LinkFault> link_faults;
  std::vector<GatewayReboot> gateway_reboots;
  std::vector<PartnerSpec> partners;
  std::optional<PeopleSpec> people;
  std::vector<PartnerOutage> partner_outages;
  std::optional<SecuritySpec> security;
  std::vector<TwinOperation> twin_operations;
  std::vector<RuleChange> rule_changes;
  std::vector<DriftInjection> drift_injections;
  LifecycleSpec lifecycle;
  std::optional<Economics> economics;
  std::vector<Assertion> assertions;
  ResultsSpec results;
  HilSpec hil;
  std::shared_ptr<const twins::dtdl::ModelSet> models;  ///< the DTDL models named by "models", resolved

  /** @brief Every gateway of the plant, site by site. */
  std::vector<GatewayRef> gateways() const;
  std::uint64_t device_count() const;
  /** @brief The memory a run needs at its peak, estimated from the plant's size with figures measured on
   * whole runs (docs/performance.md): a base, libtorch when a site has a model, and bytes per device and
   * per gateway. Within a factor of 2; meant to refuse runs that cannot fit, not to plan capacity. */
  std::uint64_t estimated_peak_bytes() const;
};

}  // namespace twinbench::sim
