#pragma once
// Sink port: the structured events that results/ turns into KPIs and the trace hash.
// An event is a small POD so that emitting one per message costs a few nanoseconds.

#include <cstdint>

#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime {

enum class EventKind : std::uint16_t {
  // edge runtime (gateway)
  session_opened = 1,    ///< device: CONNECT accepted; a = keepalive_s
  session_closed = 2,    ///< device; a = CloseReason
  telemetry = 3,         ///< device; a = MQTT bytes, b = latency_us (arrival - device timestamp), c = qos
  protocol_error = 4,    ///< device; a = mqtt::DecodeStatus or ProtocolViolation code
  uplink_sent = 5,       ///< a = bytes, b = records
  uplink_deferred = 6,   ///< uplink unreachable; a = bytes kept, b = records kept
  uplink_dropped = 7,    ///< buffer full; a = records dropped
  telemetry_checked = 8, ///< against the twin model, since the last report: a = records refused, b = readings missing (NaN)
  twin_checked = 9,      ///< twin messages refused since the last report (malformed, or not fitting the model); a = count
  inference = 10,        ///< device: a window scored; a = score x 1e6, b = latency_us (its newest sample taken -> scored), c = batch size
  alert_raised = 11,     ///< device; a = rule, b = Severity, c = score x 1e6
  alert_cleared = 12,    ///< device; a = rule, b = Severity, c = score x 1e6
  alerts_dropped = 13,   ///< the alert queue to the cloud was full; a = alerts dropped (the oldest)
  rules_changed = 14,    ///< new alert rules from the cloud are in force; a = rules that apply to the model
  rules_refused = 15,    ///< alert rules from the cloud were malformed (or the gateway has no detector): the old ones stay
  drift_detected = 16,   ///< the drift monitor found a change; a = stream (model channel, or channels = the score), b = drift::Test, c = statistic x 1e6
  // fleet (device side)
  devices_sent = 20,     ///< one batch window; a = messages, b = MQTT bytes, c = wire bytes, d = radio energy nJ
  devices_lost = 21,     ///< a = messages lost on the radio (loss probability)
  devices_dropped = 22,  ///< a = messages not sent because the access link was down
  acks_received = 23,    ///< a = PUBACKs, b = CONNACKs
  downlink_dropped = 24, ///< gateway -> devices frames dropped (access link down); a = frames
  transport_reset = 25,  ///< frames refused on connections the gateway had closed (device gets a reset); a = frames
  devices_made = 26,     ///< one batch window; a = reports made, b = QoS 1 reports kept (no connection), c = never sent (QoS 0 offline, or pushed out of a full buffer)
  devices_resent = 27,   ///< after reconnects; a = QoS 1 messages sent again with DUP, b = kept ones sent at last
  device_reconnected = 28,  ///< device: CONNACK after a lost connection; a = microseconds since it was lost, b = failed attempts before
  gateway_refused = 29,  ///< a batch reached a rebooting gateway (each frame gets a reset); a = PUBLISH packets in it
  // cloud
  cloud_received = 30,   ///< a = bytes, b = records
  twin_result = 31,      ///< device: the outcome of a twin operation reached the cloud; a = operation, b = status (200 = ok)
  alert_received = 32,   ///< device: an alert reached the cloud; a = rule, b = Severity, c = raised at (gateway time, us), d = roles mask
  model_trained = 33,    ///< the cloud retrained its model; a = version index, b = training windows, c = simulated training time us, d = flops
  rollout_started = 34,  ///< a = rollout, b = artifact (0 firmware, 1 model), c = version index, d = targets
  rollout_wave = 35,     ///< a = rollout, b = wave, c = its targets, d = 0 started, 1 gate passed, 2 gate failed
  rollout_done = 36,     ///< a = rollout, b = 1 completed, 2 halted, c = waves, d = targets committed
  ota_outcome = 37,      ///< the cloud heard a target's outcome (device, or kNoConn: the gateway's model; kNoConn for firmware: the gateway refused the job);
                         ///< a = rollout, b = runtime::OtaState, c = version index, d = 1 if a revert the cloud ordered
  ota_bytes = 38,        ///< OTA bytes moved; a = rollout, b = over the WAN, c = over the access link (device: who received them)
  version_share = 39,    ///< sampled every versions_interval_s; a = artifact (0 firmware, 1 model), b = version index, c = units on it, d = units
  // scenario
  fault_onset = 40,      ///< ground truth: device; a = FaultMode, b = ramp_s, c = site index
  link_down = 41,        ///< a = LinkKind (0 access, 1 wan)
  link_up = 42,          ///< a = LinkKind
  fault_energy = 44,     ///< ground truth, hourly: device; a = excess energy since the fault's onset in Wh, b = healthy power in W
  twin_operation = 43,   ///< the cloud sends a twin operation to a gateway; a = operation, b = devices targeted
  gateway_down = 45,     ///< a gateway reboots: its runtime stops (uplink flushed, connections closed)
  gateway_up = 46,       ///< the rebooted gateway's runtime starts afresh
  drift_onset = 47,      ///< ground truth: drift injected at this gateway; a = DriftInjection::Kind, b = devices affected
  ota_ran = 48,          ///< at the end of a run: a = rollout, b = devices of the gateway that booted its firmware (on trial or for good)
  run_end = 50,          ///< a = records pending in the gateway's uplink buffer, b = gateway CPU busy time in us, c = asset energy in Wh,
                         ///< d = QoS 1 messages its devices still hold (unacknowledged or never sent)
};

enum class CloseReason : std::uint8_t { keepalive_timeout = 1, protocol_error = 2, client_disconnect = 3, peer_closed = 4,
                                       taken_over = 5, gateway_shutdown = 6 };  ///< taken_over: the client id connected again elsewhere

struct Event {
  TimeUs t_us = 0;
  EventKind kind{};
  std::uint32_t gateway = 0;  ///< global gateway index
  ConnId device = 0;          ///< device (connection) index within the gateway; kNoConn for gateway-wide events
  std::int64_t a = 0, b = 0, c = 0, d = 0;
};

class Sink {
public:
  virtual ~Sink() = default;
  virtual void emit(const Event& e) = 0;
};

}  // namespace twinbench::runtime
