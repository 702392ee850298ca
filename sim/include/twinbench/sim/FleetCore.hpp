#pragma once
// The devices behind one gateway, as state machines driven by one timer queue (not one actor each).
// produce() runs every device due before a time: batched physics, sensor readings, real MQTT bytes.
// consume() applies what the gateway sent back, including the twin protocol (runtime/TwinService.hpp):
// the simulated firmware acknowledges desired properties and runs commands; `reportingPeriod` and
// `setReportingPeriod` change the device's period. No SimGrid here: the actor that owns a FleetCore only
// moves its batches across the simulated network, so this part is unit-tested and benchmarked alone.
//
// The devices' MQTT sessions: a device connects with its first report (CONNECT and PUBLISH together).
// When the gateway closes or refuses its connection it reconnects after an exponential backoff with
// jitter (mqtt::Backoff, the client session's), sending CONNECT alone and waiting for CONNACK (or a
// timeout). QoS 1 messages stay in the device's buffer until their PUBACK: those sent and not
// acknowledged are sent again with DUP after a reconnect, those made while offline follow them; a full
// buffer drops its oldest. QoS 0 reports made while offline are dropped.
//
// Or the devices speak LwM2M 1.1 over CoAP/UDP (FleetConfig::lwm2m, FleetLwm2m.cpp): a device registers
// with its first report (CON POST /rd, retried with the same backoff until the 2.01 comes), updates its
// registration at half its lifetime, and reports its readings in SenML JSON, either as a Send (NON
// POST /dp) or, when the gateway observes its object instances, as notifications (NON 2.05, one per
// instance). A Send refused (4.03), an Update to a registration the gateway lost (4.04) or a reset
// notification makes it register again. Reports made while it is not registered are dropped.

#include <Eigen/Core>
#include <nlohmann/json_fwd.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <utility>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/core/Random.hpp"
#include "twinbench/runtime/mqtt/Client.hpp"
#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/core/LinkModel.hpp"
#include "twinbench/sim/DueRings.hpp"
#include "twinbench/sim/FaultEnergy.hpp"
#include "twinbench/sim/Wire.hpp"
#include "twinbench/twins/Asset.hpp"

namespace twinbench::sim {

struct FleetConfig {
  std::string topic_prefix;  ///< devices publish to <prefix>/<device>/telemetry, and use <prefix>/<device>/... for twin messages
  /// With broker authentication (a scenario's "security"): device i logs in as username "i" with passwords[i].
  std::vector<std::string> passwords;
  /// The twin Interface's telemetryTopic (DTDL Mqtt extension), if it has one: devices publish telemetry
  /// there instead, with {senderId} = their client id and the other tokens from `topic_tokens`.
  std::string telemetry_topic;
  std::map<std::string, std::string, std::less<>> topic_tokens;
  std::uint32_t devices = 0;
  runtime::TimeUs period_us = 10'000'000;
  std::uint8_t qos = 1;
  std::uint16_t keepalive_s = 60;
  /// The longest period the firmware accepts (it sends no PINGREQ, so at most keepalive_s when that is set).
  runtime::TimeUs period_max_us = 86'400'000'000;
  double loss_probability = 0;
  std::optional<core::BurstLoss> burst_loss;  ///< in place of loss_probability (Gilbert-Elliott, per device)
  core::Jitter jitter;                        ///< each message's extra latency on the access link
  double overhead_bytes_per_message = 0;
  double energy_nj_per_bit = 0;
  double energy_nj_per_message = 0;
  runtime::mqtt::Backoff reconnect;  ///< after the gateway closed or refused a connection
  runtime::TimeUs connack_timeout_us = 10'000'000;
  std::uint16_t buffer_messages = 16;  ///< QoS 1 messages a device keeps until acknowledged; the oldest go first
  /// Record layout: the asset class's channel of each record position (from the twin's telemetry binding);
  /// empty = every channel of the class, in its order. (With device groups, each group has its own.)
  std::vector<std::uint16_t> record_channels;
  std::size_t power_channel = 0;  ///< the class's electrical power channel (kW), for the energy KPIs
  std::string telemetry_suffix;   ///< appended to <prefix>/<device>/telemetry: "/<class>" on a shared gateway
  /// LwM2M devices instead of MQTT ones when `resources` is set: the resource path of each record position.
  struct Lwm2m {
    std::vector<std::string> resources;  ///< "/3303/0/5700"
    bool observe = false;                ///< report as notifications of the gateway's observations (else LwM2M Send)
    std::uint32_t lifetime_s = 300;
    runtime::TimeUs utc_at_start_us = 0;  ///< SenML times are absolute: UTC at simulated time 0
  };
  Lwm2m lwm2m;
};

/**
 * Devices of one asset class behind the gateway. A shared gateway has several groups: the first group's
 * devices come first (indices 0..), each further group's after them. Each has its own physics, sensors,
 * record layout, power channel and topic suffix (the edge runtime routes records by topic).
 */
struct FleetGroup {
  std::uint32_t devices = 0;
  std::unique_ptr<twins::AssetFleet> physics;  ///< of `devices` devices (indexed from 0 within the group)
  std::optional<twins::SensorBank> sensors;
  std::vector<std::uint16_t> record_channels;  ///< as FleetConfig::record_channels
  std::size_t power_channel = 0;
  std::string telemetry_suffix;
};

struct WindowStats {
  std::uint32_t generated = 0; ///< reports made
  std::uint32_t messages = 0;  ///< handed to the radio
  std::uint32_t lost = 0;      ///< of those, not delivered (loss probability)
  std::uint32_t dropped = 0;   ///< not sent: the access link was down
  std::uint32_t dropped_offline = 0;  ///< never sent: QoS 0 (or an LwM2M Send) made without a connection or registration, or QoS 1 pushed out of a full buffer
  std::uint32_t buffered = 0;  ///< QoS 1 reports kept for later: the device had no connection
  std::uint64_t mqtt_bytes = 0, wire_bytes = 0;
  double energy_nj = 0;
  double asset_kwh = 0;  ///< what the devices sampled in this window drew over their period (true power)
};


struct AckStats {
  std::uint32_t pubacks = 0, connacks = 0, resets = 0;
  std::uint32_t resent = 0;    ///< QoS 1 messages sent again (DUP) after a reconnect
  std::uint32_t flushed = 0;   ///< QoS 1 messages made while offline, sent after a reconnect
  std::uint32_t twin_messages = 0;  ///< desired properties and commands handled (each answered)
  std::uint32_t observed = 0;       ///< LwM2M: observations the gateway started
};

class FleetCore {
public:
  /**
   * @brief Devices [0, config.devices) with their physics, sensors and streams. Device i's stream is
   * `rng.stream(stream_family, i)`: its phase, radio losses and sensor noise come from it alone.
   */
  FleetCore(FleetConfig config, std::unique_ptr<twins::AssetFleet> physics, twins::SensorBank sensors, const core::Rng& rng,
            const std::string& stream_family);
  /**
   * @brief A shared gateway's devices: `groups` in order (their devices add up to config.devices; the
   * config's record layout, power channel and suffix are ignored for each group's own). Device i's
   * stream is `rng.stream(stream_family, i)` whatever its group.
   */
  FleetCore(FleetConfig config, std::vector<FleetGroup> groups, const core::Rng& rng, const std::string& stream_family);

  /** @brief When the next device is due. */
  runtime::TimeUs next_due_us();
  /**
   * @brief Every device due strictly before `until_us` (or exactly at it when `inclusive`) samples its
   * sensors and, when `link_up`, appends its packets to `out` with their delay after `send_us` (the time
   * the batch leaves, <= every due time); each device is rescheduled one period later. A device comes due
   * at most once per call: if one would come due again before `until_us`, the call stops there and the
   * caller calls again.
   */
  WindowStats produce(runtime::TimeUs send_us, runtime::TimeUs until_us, bool inclusive, bool link_up, WireBatch& out);
  /**
   * @brief Apply frames the gateway sent at `now_us` (CONNACK, PUBACK, resets, twin messages); the
   * devices' answers go to `replies`. A malformed packet or twin message from our own gateway is a bug:
   * std::logic_error.
   */
  AckStats consume(const WireBatch& in, runtime::TimeUs now_us, WireBatch& replies);
  /** @brief Track the excess energy of a device whose fault begins at `onset_s` (hourly reports). */
  void track_fault_energy(std::uint32_t device, double onset_s);
  /** @brief Fault `mode` (of the device's class's catalogue) from `onset_s`, failing after `ramp_s`; its excess energy tracked. */
  void set_fault(std::uint32_t device, std::size_t mode, double onset_s, double ramp_s);
  /** @brief The group `device` belongs to. */
  std::size_t group_of(std::uint32_t device) const { return group_of_.empty() ? 0 : group_of_[device]; }
  std::size_t groups() const { return groups_.size(); }
  /**
   * @brief The device reboots (a firmware update): it reports nothing until `until_us`, forgets its
   * connection and what it held in RAM (unacknowledged QoS 1 messages), and connects afresh with its next
   * report. (The gateway sees the new connection replace the old one, as after a device's reset.)
   */
  void suspend(std::uint32_t device, runtime::TimeUs until_us);
  /** @brief Sensor drift: from `start_s` device's `channel` reads `per_s` x (t - start_s) high (bias creep). */
  void add_sensor_creep(std::uint32_t device, std::size_t channel, double start_s, double per_s);
  /** @brief Excess-energy reports since the last call. */
  std::vector<EnergyReport> take_energy_reports() { return fault_energy_.take(); }
  /** @brief Reconnections since the last call: device, microseconds from the lost connection to CONNACK, attempts that failed first. */
  struct Reconnect {
    std::uint32_t device;
    runtime::TimeUs took_us;
    std::uint32_t failed_attempts;
  };
  std::vector<Reconnect> take_reconnects() { return std::exchange(reconnects_done_, {}); }
  /** @brief QoS 1 messages the devices still hold (unacknowledged or never sent). */
  std::uint64_t qos1_pending() const;
  /** @brief Device's current reporting period. */
  runtime::TimeUs period_us(std::uint32_t device) const { return due_.period_us(device); }

  /** @brief The first group's physics (a fleet of one class: all of it). */
  twins::AssetFleet& physics() { return *groups_[0].physics; }
  std::uint32_t size() const { return config_.devices; }
  /** @brief Approximate heap bytes held per device (for the memory budget). */
  std::size_t bytes_per_device() const;

private:
  /** The device's username and password in its CONNECT, with authentication. */
  void log_in(runtime::mqtt::Connect& c, std::uint32_t device) const;
  // The device's view of its MQTT connection: never connected; up; waiting for its reconnect timer;
  // CONNECT sent, no CONNACK yet.
  enum class Link : std::uint8_t { never, up, waiting, connecting };
  /** A reconnect timer: the device's next attempt (waiting) or its CONNACK deadline (connecting). */
  struct Retry {
    runtime::TimeUs t_us;
    std::uint32_t device;
    std::uint32_t gen;  ///< the device's retry generation when set; an older one is stale
    bool operator<(const Retry& o) const { return t_us != o.t_us ? t_us < o.t_us : device < o.device; }
  };
  /** The connection is gone or the attempt failed: wait for the next one. */
  void schedule_retry(std::uint32_t device, runtime::TimeUs now_us);
  /** Reconnect timers due by `until_us`: CONNECTs into `out`, timed-out attempts retried. */
  void run_retries(runtime::TimeUs send_us, runtime::TimeUs until_us, bool inclusive, bool link_up, WireBatch& out);
  /** Keep a QoS 1 packet until its PUBACK (dropping the oldest from a full buffer); false if it dropped a never-sent one. */
  bool keep(std::uint32_t device, std::span<const std::uint8_t> publish, bool sent);
  /** PUBACK for `id`: forget the packet. */
  bool acknowledge(std::uint32_t device, std::uint16_t id);
  /** CONNACK after a reconnect: the device is up again and sends what it kept. */
  void reconnected(std::uint32_t device, runtime::TimeUs now_us, WireBatch& replies, AckStats& st);

  void encode_device(std::uint32_t device, std::size_t column, runtime::TimeUs t_us, runtime::TimeUs send_us, WireBatch& out,
                     WindowStats& st);
  /** A report in packet_ goes on the radio: counted, lost with the loss probability, or added to `out`. */
  void transmit(std::uint32_t device, std::uint8_t flags, runtime::TimeUs t_us, runtime::TimeUs send_us, WireBatch& out, WindowStats& st);
  WindowStats produce_frames(runtime::TimeUs send_us, runtime::TimeUs until_us, bool inclusive, bool link_up, WireBatch& out);
  /** Frames held back by their jitter that reach the gateway within this window join `out`. */
  void take_late(runtime::TimeUs send_us, runtime::TimeUs until_us, bool inclusive, WireBatch& out);
  /** Frames of `out` from `first` on (sorted by delay) that reach the gateway after the window wait for a later one. */
  void defer_late(runtime::TimeUs send_us, runtime::TimeUs until_us, bool inclusive, std::size_t first, WireBatch& out);
  /** The firmware's handling of one twin message from the gateway; appends its answers to `replies`. */
  void on_twin_message(std::uint32_t device, std::string_view topic, std::span<const std::uint8_t> payload, runtime::TimeUs now_us,
                       WireBatch& replies);
  /** 200 and the new period, or 400 if the firmware does not accept `seconds`. */
  int set_period(std::uint32_t device, const nlohmann::json& seconds, runtime::TimeUs now_us);
  void reply(std::uint32_t device, std::string_view leaf, const std::string& payload, WireBatch& replies);

  // LwM2M devices (FleetLwm2m.cpp).
  struct Lwm2mState {
    std::vector<std::string> instances;        ///< object instances of the resources, "/3303/0", first use first
    std::string links;                         ///< the Register payload: "</3303/0>,</3316/0>"
    std::vector<std::uint32_t> location;       ///< per device: its registration ("rd/<location>")
    std::vector<std::uint16_t> message_id;     ///< per device: the next one
    std::vector<runtime::TimeUs> updated_us;   ///< per device: its last Register or Update
    std::vector<std::uint64_t> token;          ///< per device x instance: 1 << 32 | 4-byte observe token, 0 = not observed
  };
  void init_lwm2m();
  /** CON POST /rd, and the deadline for its 2.01. */
  void lwm2m_register(std::uint32_t device, runtime::TimeUs t_us, runtime::TimeUs send_us, WireBatch& out);
  void encode_lwm2m(std::uint32_t device, std::span<const float> values, runtime::TimeUs t_us, runtime::TimeUs send_us, WireBatch& out,
                    WindowStats& st);
  void consume_lwm2m(std::uint32_t device, std::span<const std::uint8_t> bytes, runtime::TimeUs now_us, WireBatch& replies, AckStats& st);
  /** The gateway no longer knows the device's registration: register again after a backoff. */
  void registration_lost(std::uint32_t device, runtime::TimeUs now_us, AckStats& st);
  std::unique_ptr<Lwm2mState> lw_;

  /** A group's devices due in this window: their group-local indices and times, and their positions in idx_. */
  struct Group : FleetGroup {
    std::uint32_t first = 0;  ///< its first device
    Eigen::ArrayXXd truth;    ///< one column per device of the group (never reallocated)
    Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic> readings;
    std::vector<std::uint32_t> idx;
    std::vector<double> t_s;
  };
  /** Step a group's devices idx/t_s into its truth and readings (columns 0..). */
  void sample(Group& g, std::span<const std::uint32_t> local, std::span<const double> t_s);

  FleetConfig config_;
  std::vector<Group> groups_;
  std::vector<std::uint8_t> group_of_;  ///< per device, with more than one group
  std::vector<std::uint32_t> column_;   ///< per due device of the window: its column in its group's readings
  std::vector<core::RngStream> rng_;
  std::vector<std::uint32_t> seq_;
  std::vector<Link> connected_;
  std::vector<bool> channel_bad_;  ///< with a burst_loss: each device's channel state
  // With jitter: a frame whose delay takes it past its window's end travels with the window in which it
  // arrives, so one slow frame never holds up the frames after it (bytes in late_bytes_). A device's MQTT
  // frames share a TCP connection and arrive in order: none before its predecessor (stream_free_us_).
  struct LateFrame {
    runtime::TimeUs at_us;
    std::uint64_t order;  ///< ties at the same time keep the order the frames were made in
    std::uint32_t conn, offset, size;
    std::uint8_t flags;
  };
  std::vector<LateFrame> late_;
  std::vector<std::uint8_t> late_bytes_;
  std::uint64_t late_made_ = 0;
  std::vector<runtime::TimeUs> stream_free_us_;
  std::vector<std::uint8_t> attempt_;        ///< failed attempts since the connection was lost
  std::vector<std::uint32_t> retry_gen_;
  std::set<Retry> retries_;
  std::map<std::uint32_t, runtime::TimeUs> lost_at_;  ///< devices reconnecting: when they lost their connection
  std::vector<Reconnect> reconnects_done_;
  // QoS 1 packets kept until acknowledged, back to back per device (usually one, or none); the first
  // unacked_sent_ of them were sent on some connection, the rest were made while offline.
  std::vector<std::vector<std::uint8_t>> unacked_;
  std::vector<std::uint16_t> unacked_count_, unacked_sent_;
  std::uint64_t stream_seed_;
  DueRings due_;  ///< when each device reports next (its reporting period: the firmware's)
  FaultEnergy fault_energy_;  ///< ground truth: the excess energy of faulty devices
  struct Creep {
    std::size_t channel;
    double start_s, per_s;
  };
  std::map<std::uint32_t, std::vector<Creep>> creep_;  ///< sensor bias creep by device
  std::vector<runtime::TimeUs> offline_until_;         ///< per device, once any device has rebooted
  // Scratch reused across windows.
  std::vector<std::uint32_t> idx_;
  std::vector<double> t_s_;
  std::vector<runtime::TimeUs> t_us_;
  std::vector<std::uint8_t> packet_;
  std::string topics_;                    ///< every device's topic, back to back (formatted once)
  std::vector<std::uint32_t> topic_end_;  ///< device i's topic ends at topic_end_[i]
};

}  // namespace twinbench::sim
