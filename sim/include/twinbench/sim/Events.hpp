#pragma once
// The simulation's event kinds (ids 20 to 59), beside the edge runtime's (runtime/ports/Sink.hpp): what
// the simulated devices did, what reached the simulated cloud, what the cloud's lifecycle did, and the
// ground truth of the scenario. Only a simulation emits them; results/ turns them into KPIs.

#include "twinbench/runtime/ports/Sink.hpp"

namespace twinbench::sim::ev {

// Devices (a gateway's fleet).
/// One batch window: messages sent, their MQTT and wire bytes, and the radio energy they cost.
TWINBENCH_EVENT(DevicesSent, 20, "devices_sent", messages, mqtt_bytes, wire_bytes, radio_energy_nj);
/// Messages lost on the radio (the link's loss probability).
TWINBENCH_EVENT(DevicesLost, 21, "devices_lost", messages);
/// Messages not sent because the access link was down.
TWINBENCH_EVENT(DevicesDropped, 22, "devices_dropped", messages);
TWINBENCH_EVENT(AcksReceived, 23, "acks_received", pubacks, connacks, resets);
/// Gateway -> devices frames dropped (access link down).
TWINBENCH_EVENT(DownlinkDropped, 24, "downlink_dropped", frames);
/// Frames refused on connections the gateway had closed (the device gets a reset).
TWINBENCH_EVENT(TransportReset, 25, "transport_reset", frames);
/// One batch window: reports made; QoS 1 reports kept (no connection); never sent (QoS 0 offline, or pushed out of a full buffer).
TWINBENCH_EVENT(DevicesMade, 26, "devices_made", reports, kept_offline, dropped_offline);
/// After reconnects: QoS 1 messages sent again with DUP, and kept ones sent at last.
TWINBENCH_EVENT(DevicesResent, 27, "devices_resent", resent, flushed);
/// A device's CONNACK after a lost connection: how long it was without, and its failed attempts.
TWINBENCH_EVENT(DeviceReconnected, 28, "device_reconnected", took_us, failed_attempts);
/// A batch reached a rebooting gateway (each frame gets a reset): the PUBLISH packets in it.
TWINBENCH_EVENT(GatewayRefused, 29, "gateway_refused", publishes);

// The cloud.
/// An uplink message reached the cloud.
TWINBENCH_EVENT(CloudReceived, 30, "cloud_received", bytes, records, duplicates);
/// The outcome of a twin operation reached the cloud; status 200 = ok.
TWINBENCH_EVENT(TwinResult, 31, "twin_result", operation, status);
/// An alert reached the cloud; raised_us: when the gateway raised it (its clock); roles: a mask of runtime::role_*.
TWINBENCH_EVENT(AlertReceived, 32, "alert_received", rule, severity, raised_us, roles);
/// The cloud retrained its model; version: an index into the run's model versions.
TWINBENCH_EVENT(ModelTrained, 33, "model_trained", version, windows, training_us, flops);
/// artifact: 0 firmware, 1 model; version: an index into the run's versions of that artifact.
TWINBENCH_EVENT(RolloutStarted, 34, "rollout_started", rollout, artifact, version, targets);
/// what: 0 started, 1 gate passed, 2 gate failed.
TWINBENCH_EVENT(RolloutWave, 35, "rollout_wave", rollout, wave, targets, what);
/// state: 1 completed, 2 halted.
TWINBENCH_EVENT(RolloutDone, 36, "rollout_done", rollout, state, waves, committed);
/// The cloud heard a target's outcome (device, or kNoConn: the gateway's model; kNoConn for firmware: the
/// gateway refused the job); state: a runtime::OtaState; reverted: 1 if a revert the cloud ordered.
TWINBENCH_EVENT(OtaOutcome, 37, "ota_outcome", rollout, state, version, reverted);
/// OTA bytes moved over the WAN and the access link (device: who received them).
TWINBENCH_EVENT(OtaBytes, 38, "ota_bytes", rollout, wan, access);
/// Sampled every versions_interval_s, per gateway: units of artifact (0 firmware, 1 model) on a version, of all units.
TWINBENCH_EVENT(VersionShare, 39, "version_share", artifact, version, units, total);

// The scenario and its ground truth.
/// Ground truth: an asset fault starts (a twins::FaultMode) and fails ramp_s later.
TWINBENCH_EVENT(FaultOnset, 40, "fault_onset", mode, ramp_s, site);
/// link: a LinkKind (0 access, 1 wan).
TWINBENCH_EVENT(LinkDown, 41, "link_down", link);
TWINBENCH_EVENT(LinkUp, 42, "link_up", link);
/// The cloud sends a twin operation to a gateway.
TWINBENCH_EVENT(TwinOperationSent, 43, "twin_operation", operation, devices);
/// Ground truth, hourly: a faulty device's excess energy since its fault's onset, and its healthy power.
TWINBENCH_EVENT(FaultEnergy, 44, "fault_energy", excess_wh, healthy_w);
/// A gateway reboots: its runtime stops, cleanly (uplink flushed, connections closed) or, with power_cut = 1,
/// at once, losing the records it had taken but not yet stored (records_lost).
TWINBENCH_EVENT(GatewayDown, 45, "gateway_down", power_cut, records_lost);
/// The rebooted gateway's runtime starts afresh.
TWINBENCH_EVENT0(GatewayUp, 46, "gateway_up");
/// Ground truth: drift injected at this gateway; drift: a DriftInjection::Kind.
TWINBENCH_EVENT(DriftOnset, 47, "drift_onset", drift, devices);
/// At the end of a run: devices of the gateway that booted the rollout's firmware (on trial or for good).
TWINBENCH_EVENT(OtaRan, 48, "ota_ran", rollout, devices);
/// At the end of every timeseries interval, per gateway: its CPU's busy time so far and the records in its uplink buffer.
TWINBENCH_EVENT(GatewaySample, 49, "gateway_sample", cpu_busy_us, uplink_pending);
/// The end of a gateway's run: records pending in its uplink buffer, its CPU's busy time, its assets'
/// energy, and QoS 1 messages its devices still hold (unacknowledged or never sent).
TWINBENCH_EVENT(RunEnd, 50, "run_end", uplink_pending, cpu_busy_us, asset_wh, qos1_held);

/// A rogue client's attempt (a scenario's security.rogue_clients) ended: attack (SecuritySpec::Rogue::Attack);
/// outcome 0 refused (every step got a refusal), 1 succeeded (something it should not do was allowed).
TWINBENCH_EVENT(RogueAttempt, 51, "rogue_attempt", attack, outcome);

using All = runtime::EventKinds<DevicesSent, DevicesLost, DevicesDropped, AcksReceived, DownlinkDropped, TransportReset, DevicesMade,
                                DevicesResent, DeviceReconnected, GatewayRefused, CloudReceived, TwinResult, AlertReceived, ModelTrained,
                                RolloutStarted, RolloutWave, RolloutDone, OtaOutcome, OtaBytes, VersionShare, FaultOnset, LinkDown, LinkUp,
                                TwinOperationSent, FaultEnergy, GatewayDown, GatewayUp, DriftOnset, OtaRan, GatewaySample, RunEnd, RogueAttempt>;

}  // namespace twinbench::sim::ev
