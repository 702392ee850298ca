#pragma once
// The edge runtime: what runs on a gateway, under simulation and for real. Event-driven and non-blocking:
// the host's event loop delivers transport callbacks and fires Clock timers; the runtime never waits.
// Devices connect to its MQTT broker (mqtt::Broker: sessions, subscriptions, retained messages, wills,
// QoS 0/1/2). The runtime sees every message published to it: it ingests telemetry records and forwards
// them to the cloud in batches, relays desired properties and commands from the cloud to the devices
// with a twin model (TwinService), and scores telemetry with the anomaly detector with edge AI.

#include <cstdint>
#include <array>
#include <deque>
#include <map>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "twinbench/runtime/AnomalyDetector.hpp"
#include "twinbench/runtime/ModelUpdates.hpp"
#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/TelemetryBinding.hpp"
#include "twinbench/runtime/TwinService.hpp"
#include "twinbench/runtime/UplinkLog.hpp"
#include "twinbench/runtime/AlertBook.hpp"
#include "twinbench/runtime/Webhooks.hpp"
#include "twinbench/runtime/lwm2m/Server.hpp"
#include "twinbench/runtime/mqtt/Broker.hpp"
#include "twinbench/runtime/mqtt/Client.hpp"
#include "twinbench/runtime/ports/Audit.hpp"
#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Compute.hpp"
#include "twinbench/runtime/ports/Datagram.hpp"
#include "twinbench/runtime/ports/Http.hpp"
#include "twinbench/runtime/ports/Sink.hpp"
#include "twinbench/runtime/ports/Storage.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime {

/**
 * Devices of another asset class on a shared gateway, on topics of their own: each record on a topic
 * matching `telemetry_filter` is checked against `telemetry_model` and scored by this class's model.
 */
struct DeviceClass {
  std::string telemetry_filter;              ///< its records' topics (an MQTT topic filter)
  std::vector<ChannelRule> telemetry_model;  ///< one rule per record channel; empty = not checked
  std::optional<DetectorConfig> detector;    ///< its model (detector.asset_class: what rules scope by); none: not scored
  std::shared_ptr<Scorer> scorer;
};

struct EdgeConfig {
  std::uint32_t gateway_index = 0;          ///< stamped on every Sink event
  std::string name = "gateway";             ///< uplink topic is tb/uplink/<name>
  TimeUs forward_interval_us = 10'000'000;  ///< how often buffered records go to the cloud
  /// Store-and-forward (UplinkLog.hpp, on EdgePorts::uplink_storage): the records held are bounded in bytes
  /// (the oldest go, counted); the open batch is committed (stored and synced) every uplink_sync_interval_us
  /// (0: at each forward), and when it holds uplink_sync_records (0: no count).
  std::size_t uplink_buffer_bytes_max = 1u << 20;
  TimeUs uplink_sync_interval_us = 0;
  std::size_t uplink_sync_records = 0;
  double ingest_cost_flops = 5000;          ///< simulated CPU cost of decoding one packet
  TimeUs session_sweep_us = 5'000'000;      ///< how often keepalive expiry is checked
  /// The embedded broker's limits (its gateway_index and packet_cost_flops are taken from the fields above).
  mqtt::BrokerConfig broker;
  /// Topics whose PUBLISHes are telemetry records (a topic filter); every message is also routed to subscribers.
  std::string telemetry_filter = "#";
  /// OPC UA PubSub JSON (opcua/PubSubJson.hpp) on topics matching this filter ("" = none): each DataSetMessage
  /// with a Payload becomes a telemetry record of the publishing connection, record position i taking the
  /// DataSet field named opcua_fields[i] (a delta frame keeps the fields it leaves out; missing or Bad = NaN).
  std::string opcua_filter;
  std::vector<std::string> opcua_fields;
  TimeUs utc_at_start_us = 0;  ///< UTC (us since 1970) at runtime time 0: OPC UA and SenML timestamps are absolute
  /// LwM2M devices (lwm2m/Server.hpp) over the Datagrams port, when EdgePorts has one: the resources named
  /// here ("/3303/0/5700") are the record positions, as opcua_fields are; every Send or notification from a
  /// registered device becomes a record of it (resources it leaves out keep their last value).
  std::vector<std::string> lwm2m_fields;
  lwm2m::ServerConfig lwm2m;
  /// Who may connect to the broker and what they may do (docs/security.md); none: anyone may do anything
  /// (a simulation without "security"). The runtime adds its own topics: tb/cloud/<name>/# (rules, OTA,
  /// cloud messages) writable by access->control_identities only, and what it publishes itself
  /// (tb/uplink, alerts, twin, drift, ota /<name>) by no client. Refusals are audited.
  std::optional<mqtt::AccessConfig> access;
  /// Where the uplink goes (cloud messages come back the same way, on tb/cloud/<name>[/...]):
  ///  - external_broker: QoS 1 through an MQTT client session (`uplink_client`) with the cloud's broker, a
  ///    real one or the simulated cloud's (endpoint "cloud"): the same code either way;
  ///  - own_broker: published on this gateway's broker, for clients of it to take.
  enum class Uplink : std::uint8_t { external_broker, own_broker };
  Uplink uplink = Uplink::external_broker;
  mqtt::ClientConfig uplink_client;  ///< for external_broker (gateway_uplink_client() gives the defaults)
  std::uint64_t seed = 1;            ///< the uplink client's reconnect jitter comes from it
  /// The device model's telemetry, one rule per record channel; empty = records are not checked.
  /// A record that breaks a rule is refused (counted, not forwarded); a NaN reading is a missing one.
  std::vector<ChannelRule> telemetry_model;
  /// The devices' DTDL Interface (`twin_dtmi` in `models`): set both to relay desired properties and
  /// commands. Device topics are tb/<name>/<device>/..., twin results go up on tb/twin/<name>.
  std::shared_ptr<const twins::dtdl::ModelSet> models;
  std::string twin_dtmi;
  TimeUs command_timeout_us = 30'000'000;   ///< a command without a response by then fails (504)
  TimeUs control_delay_us = 1'000'000;     ///< twin results and alerts decided within this long go up together
  /// Edge AI: with a detector and a scorer, every accepted record feeds the anomaly detector; alerts go
  /// to the cloud on tb/alerts/<name>, rule changes come from it on tb/cloud/<name>/rules.
  std::optional<DetectorConfig> detector;
  std::shared_ptr<Scorer> scorer;
  RuleSet rules;
  std::size_t alert_queue_max = 10'000;     ///< alerts held while the uplink is down; the oldest go first (counted)
  /// A shared gateway: devices of further asset classes, each class on topics of its own (matched before
  /// telemetry_filter). The fields above (telemetry_model, detector, scorer) are the gateway's own class's:
  /// over-the-air model updates apply to its model only; the alert rules go to every class's detector,
  /// each keeping the rules of its asset class.
  std::vector<DeviceClass> other_classes;
  /// Keep each device's last accepted record (last_record()): twinbench-edge's console shows them; off in the simulation.
  bool keep_last_records = false;
  /// Partners that take this gateway's alerts as signed webhooks (Webhooks.hpp, docs/webhooks.md), posted
  /// through EdgePorts::http, queued on EdgePorts::uplink_storage (in memory without it).
  std::vector<WebhookPartner> webhooks;
  /// Over-the-air updates from the cloud (ModelUpdates.hpp); models need EdgePorts::storage for their slots.
  std::optional<OtaConfig> ota;
  /// The audit trail's head goes to the cloud this often, on tb/audit/<name> {"records": n, "head": hex}
  /// (docs/audit.md): a second place, out of the gateway's reach, that a log cut short or rewritten is
  /// checked against. 0: never (and never for a trail without a head of its own, as a simulation's).
  TimeUs audit_head_interval_us = 0;
};

/**
 * @brief The uplink client session a gateway named `name` uses by default, in twinbench-edge and in the
 * simulation alike: client id "twinbench-edge-<name>", a persistent session (the cloud's broker queues
 * what it sends while the gateway is away), keepalive 30 s, reconnects after 0.5 s doubling to 30 s.
 */
mqtt::ClientConfig gateway_uplink_client(std::string_view name, std::string endpoint);

struct EdgePorts {
  Clock& clock;
  Transport& transport;
  Compute& compute;
  Sink& sink;
  Datagrams* datagrams = nullptr;  ///< CoAP/LwM2M devices; none = no LwM2M server
  Storage* storage = nullptr;      ///< the model slots (OTA); kept across reboots
  AuditTrail* audit = nullptr;     ///< configuration, rules, drift, OTA, rollbacks and refusals are recorded here
  PasswordCheck* passwords = nullptr;  ///< with EdgeConfig::access; none: checked inline
  Storage* uplink_storage = nullptr;   ///< the store-and-forward log; none: it is in memory (a restart loses it)
  HttpClient* http = nullptr;          ///< posts EdgeConfig::webhooks; none: no webhooks
};

class EdgeRuntime final : public TransportHandler, public DatagramHandler, private TwinHost, private mqtt::BrokerHooks,
                          private lwm2m::ServerHooks {
public:
  EdgeRuntime(EdgeConfig config, EdgePorts ports);
  /** @brief Cancels the runtime's timers: the clock may outlive it. */
  ~EdgeRuntime() override;
  EdgeRuntime(const EdgeRuntime&) = delete;
  EdgeRuntime& operator=(const EdgeRuntime&) = delete;

  /** @brief Open the cloud uplink and start the periodic timers. */
  void start();
  /** @brief Stop as for a reboot: what is buffered goes up now, then every device connection is closed. */
  void shutdown();

  void on_open(ConnId conn) override;
  void on_bytes(ConnId conn, std::span<const std::uint8_t> bytes) override;
  void on_closed(ConnId conn) override;
  void on_datagram(PeerId from, std::span<const std::uint8_t> bytes) override;

  /** @brief Records held for the uplink: not yet acknowledged by it (stored ones are sent again after a restart). */
  std::uint64_t records_pending() const { return log_.records(); }
  /** @brief Records taken but not yet stored: what a power cut now would lose. */
  std::uint64_t records_unstored() const { return log_.durable() ? log_.open_records() : log_.records(); }
  /** @brief What start() found in the uplink log of a previous run. */
  const UplinkLog::Recovery& uplink_recovery() const { return recovery_; }
  /** @brief Number of device sessions currently connected. */
  std::size_t sessions_connected() const { return broker_.connections(); }
  const mqtt::Broker& broker() const { return broker_; }
  /** @brief The uplink's client session; nullptr unless the uplink is an external broker (or before start()). */
  const mqtt::Client* uplink_client() const { return client_.get(); }
  /** @brief The anomaly detector of the gateway's own class; nullptr without edge AI. */
  const AnomalyDetector* detector() const { return detector_.get(); }
  /** @brief The detector of other_classes[i]; nullptr where it has none. */
  const AnomalyDetector* class_detector(std::size_t i) const { return others_.at(i).get(); }
  /** @brief The LwM2M server; nullptr without a Datagrams port. */
  const lwm2m::Server* lwm2m() const { return lwm2m_.get(); }
  /** @brief The version of the model the detector runs ("" without edge AI). */
  const std::string& model_version() const;
  /** @brief The host's report of one device's firmware update (a job from OtaConfig::firmware_job): goes to the cloud. */
  void firmware_outcome(std::uint32_t rollout, ConnId device, OtaState state, std::string_view reason = {});
  /** @brief The alerts raised here, as people see them (active, cleared, acknowledged). */
  AlertBook& alert_book() { return alert_book_; }
  const AlertBook& alert_book() const { return alert_book_; }
  /** @brief A person (`who`, an identity) acknowledges alert `id`: audited as alert_acknowledged when it is done. */
  AlertBook::Ack acknowledge_alert(std::uint64_t id, const std::string& who);
  /** @brief A person says what alert `id` was (a fault, repaired; a false alarm): audited as alert_resolved. */
  AlertBook::Ack resolve_alert(std::uint64_t id, AlertOutcome outcome, const std::string& who);
  /**
   * @brief New alert rules (a rules document, as a rules file has it) from `source` ("rules from the cloud",
   * the console): checked as a rules file is, in force at once for every detector, audited as rules_changed
   * (with `who` when a person made them). Throws core::InputError (malformed, or no detector): the old stay.
   */
  std::size_t apply_rules(const nlohmann::json& doc, const std::string& source, const std::string& who);
  struct RulesPreview {
    std::uint64_t alerts = 0;                ///< alerts the rules would have raised
    std::optional<TimeUs> scores_since_us;   ///< UTC: the oldest score kept (nullopt: none kept)
  };
  /** @brief What `doc`'s rules would have raised over the scores kept since `since_us` (UTC; DetectorConfig::score_history). */
  RulesPreview preview_rules(const nlohmann::json& doc, TimeUs since_us) const;
  struct LastRecord {
    TimeUs device_t_us = 0;           ///< the device's own timestamp
    TimeUs at_utc_us = 0;             ///< when the gateway took it
    std::vector<float> values;        ///< every channel
    std::optional<std::size_t> other; ///< its class: the gateway's own (none) or other_classes[*other]
  };
  /** @brief The last record `device` sent that the gateway accepted (EdgeConfig::keep_last_records); nullptr if none. */
  const LastRecord* last_record(ConnId device) const {
    return device < last_records_.size() && !last_records_[device].values.empty() ? &last_records_[device] : nullptr;
  }
  /** @brief Connection ids that have a last record (kept or not any more connected): [0, this). */
  std::size_t last_record_slots() const { return last_records_.size(); }
  /** @brief The gateway's name (EdgeConfig::name). */
  const std::string& name() const { return config_.name; }
  /** @brief The rules in force. */
  const RuleSet& rules() const { return config_.rules; }
  /** @brief The partners' webhooks; nullptr without any (or before start()). */
  const Webhooks* webhooks() const { return webhooks_.get(); }
  /** @brief The twin relay; nullptr without a twin model. */
  const TwinService* twins() const { return twins_.get(); }

private:
  void on_connected(ConnId conn) override;
  void on_publish(ConnId conn, const mqtt::Publish& p, std::size_t packet_bytes) override;
  void on_refused(ConnId conn, const mqtt::Refusal& r) override;
  /** A telemetry record of the gateway's own class (`other` none) or of other_classes[*other]. */
  void ingest_telemetry(ConnId conn, std::span<const std::uint8_t> payload, std::size_t packet_bytes, std::uint8_t qos,
                        std::optional<std::size_t> other = std::nullopt);
  /** OPC UA PubSub JSON: each DataSetMessage becomes a record for ingest_telemetry. */
  void ingest_opcua(ConnId conn, const mqtt::Publish& p, std::size_t packet_bytes);
  /** The latest reading of each mapped field of a device whose readings arrive in pieces (OPC UA delta
   * frames, LwM2M resources) becomes a record: `fields` names the positions. */
  struct DeltaDevice {
    std::vector<float> last;
    std::uint32_t seq = 0;
  };
  DeltaDevice& delta_device(ConnId device, std::size_t fields);
  void on_registered(const lwm2m::Registration& r) override;
  void on_deregistered(const lwm2m::Registration& r, lwm2m::Ended why) override;
  void on_values(const lwm2m::Registration& r, std::span<const senml::Record> records, std::size_t datagram_bytes) override;
  void on_problem(PeerId from, lwm2m::Problem p) override;
  /** False if the record breaks the telemetry model `rules` (counts missing readings on the way). */
  bool fits_model(std::span<const std::uint8_t> payload, const RecordHeader& h, const std::vector<ChannelRule>& rules);
  void on_cloud_publish(const mqtt::Publish& p);
  /** Publish on the uplink; false if it is unreachable (the caller keeps the data). */
  bool send_up(std::string_view topic, std::span<const std::uint8_t> payload);
  bool online(ConnId device) const override;
  void publish(ConnId device, std::string_view topic, std::string_view payload) override;
  void results_ready() override { control_ready(); }
  /** Twin results or alerts are waiting: they go up within control_delay_us. */
  void control_ready();
  /** An alert raised or cleared; `own`: by the gateway's own model (whose health OTA gates judge). */
  void on_alert(const AlertChange& a, bool own);
  void on_drift(const DetectorConfig& d, const drift::Finding& f);
  void audit(std::string_view action, const std::string& details_json);
  // Over-the-air updates (EdgeRuntimeOta.cpp).
  void on_ota_command(std::span<const std::uint8_t> payload);
  void on_ota_chunk(std::span<const std::uint8_t> payload);
  /** Boot the model slots (at start, and after an install): a trial image is checked, then committed or dropped. */
  void boot_model();
  bool use_model(std::span<const std::uint8_t> image, std::string& why);
  void make_detector();
  /** A detector for model `d` with its callbacks (its site baseline kept in storage per model version). */
  std::unique_ptr<AnomalyDetector> new_detector(const DetectorConfig& d, std::shared_ptr<Scorer> scorer, bool own);
  /** A report on tb/ota/<name>: the model's state and health; with a reason (a refusal, a rollback), and the
   * artifact it is about when that is not the gateway's model. */
  void report_ota(std::uint32_t rollout, std::string_view state, std::string_view reason = {}, const ota::Manifest* about = nullptr);
  void schedule_forward();
  /** Call `fn` every `interval_us` from now; `timer` holds the pending timer (cancelled with the runtime). */
  void every(TimeUs interval_us, TimerId& timer, void (EdgeRuntime::*fn)());
  /** Store the uplink log's open batch (audited if the storage fails). */
  void commit_log();
  void on_uplink_completed(std::uint64_t publication, bool accepted);
  void on_uplink_connected(bool session_present);
  /** Send what the uplink buffer holds (and report what was refused or dropped since the last time). */
  void forward();
  void flush_control();
  void sweep_sessions();
  template <class P>
  void emit(ConnId conn, const P& payload) { ports_.sink.emit(ports_.clock.now_us(), config_.gateway_index, conn, payload); }

  EdgeConfig config_;
  EdgePorts ports_;
  std::unique_ptr<const mqtt::Access> access_;  ///< from config_.access
  InlinePasswordCheck inline_passwords_;
  mqtt::Broker broker_;
  struct UplinkHooks final : mqtt::ClientHooks {
    explicit UplinkHooks(EdgeRuntime& r) : rt(r) {}
    void on_connected(bool session_present) override { rt.on_uplink_connected(session_present); }
    void on_connection_lost() override { rt.emit(kNoConn, ev::UplinkLost{}); }
    void on_message(const mqtt::Publish& p) override {
      rt.ports_.compute.charge(rt.config_.ingest_cost_flops);  // decoding it (the broker charges its own clients' packets)
      rt.on_cloud_publish(p);
    }
    void on_completed(std::uint64_t publication, bool accepted) override { rt.on_uplink_completed(publication, accepted); }
    EdgeRuntime& rt;
  } uplink_hooks_{*this};
  std::unique_ptr<mqtt::Client> client_;
  std::uint64_t client_resent_ = 0;          ///< the client's resent publications as of its last connection
  std::string uplink_topic_;
  std::string cloud_topic_;
  UplinkLog log_;
  UplinkLog::Recovery recovery_;
  struct InFlight {
    std::vector<std::uint64_t> segments;
    std::uint64_t records = 0;
  };
  std::map<std::uint64_t, InFlight> uplink_in_flight_;  ///< by the uplink client's publication number
  std::uint64_t uplink_refused_ = 0;         ///< records the uplink broker refused, since the last forward tick
  bool store_failing_ = false;               ///< the last commit failed (audited once per episode)
  std::size_t refused_by_model_ = 0;         ///< since the last forward tick
  std::size_t readings_missing_ = 0;         ///< since the last forward tick
  std::unique_ptr<TwinService> twins_;
  std::vector<TwinResult> twin_results_;     ///< decided, not yet accepted by the uplink
  std::size_t twin_refused_ = 0;             ///< since the last forward tick (cloud messages and device answers)
  TimerId forward_timer_ = 0, sweep_timer_ = 0, control_timer_ = 0, sync_timer_ = 0, audit_timer_ = 0;  ///< 0 = none pending
  std::string audit_head_pending_;  ///< the latest head not yet taken by the uplink ("" = none)
  std::uint64_t audit_head_sent_ = UINT64_MAX;  ///< records of the last head sent
  void send_audit_head();
  std::unique_ptr<AnomalyDetector> detector_;
  std::vector<std::unique_ptr<AnomalyDetector>> others_;
  std::unique_ptr<Webhooks> webhooks_;
  AlertBook alert_book_;
  std::vector<LastRecord> last_records_;  ///< by connection id, with keep_last_records
  static constexpr TimeUs kDayUs = 86'400'000'000;
  TimerId summary_timer_ = 0;
  TimeUs summary_from_us_ = 0;                        ///< UTC: the digest in preparation covers from here
  std::array<std::uint64_t, kSeverities> summary_alerts_{};  ///< alerts raised since, by severity
  void send_summary();
  std::vector<AnomalyDetector*> detectors() const;  ///< the gateway's own, then other classes'
  /// Per connection id: a hash of the client id last connected on it (0: none yet). Connection ids are given
  /// again after a disconnect; a different client on one starts the detectors' state for it afresh.
  std::vector<std::uint64_t> conn_client_;  ///< of other_classes (nullptr where none)
  struct PendingAlert {
    AlertChange change;
    TimeUs raised_us;
    std::string client_id;  ///< the device's MQTT client id, for a cloud that does not know our connection ids
  };
  std::deque<PendingAlert> alerts_;          ///< raised, not yet accepted by the uplink (oldest first)
  std::size_t alerts_dropped_ = 0;           ///< since the last forward tick
  std::map<ConnId, DeltaDevice> delta_devices_;  ///< OPC UA publishers (MQTT connections) and LwM2M devices
  std::unique_ptr<lwm2m::Server> lwm2m_;
  std::vector<std::string> drift_reports_;   ///< [t_us, stream, test, statistic, p, mean, samples, model, version] not yet sent
  std::vector<std::string> ota_reports_;     ///< tb/ota reports not yet sent
  std::unique_ptr<ota::Device> model_slots_;
  std::uint32_t model_rollout_ = 0;          ///< the rollout of the model being downloaded
  TimeUs model_since_us_ = 0;                ///< when the detector's model came into use
  std::uint64_t alerts_since_model_ = 0;     ///< alerts raised since then
  std::map<std::uint32_t, std::string> firmware_outcomes_;  ///< per rollout: "[device,state],..." not yet sent
};

}  // namespace twinbench::runtime
