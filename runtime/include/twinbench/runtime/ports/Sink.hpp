#pragma once
// Sink port: the structured events that results/ turns into KPIs and the trace hash.
//
// An event is a small POD (56 bytes) so that emitting one per message costs a few nanoseconds: a time, a
// kind, the gateway and device it concerns, and up to four integer fields. Each kind is declared once,
// with TWINBENCH_EVENT, as a struct whose members name those fields:
//
//   TWINBENCH_EVENT(Telemetry, 3, "telemetry", mqtt_bytes, latency_us, qos)
//   sink.emit(now, gateway, device, ev::Telemetry{.mqtt_bytes = n, .latency_us = l, .qos = 1});
//   const auto t = e.as<ev::Telemetry>();  // t.latency_us
//
// The kinds below are the edge runtime's (ids 1-19 and 60-79). The host adds its own from 20 to 59: the simulation's
// (devices, cloud, ground truth) are in sim/Events.hpp, never here.

#include <cassert>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime {

/** @brief An event kind's id; the kinds themselves are the TWINBENCH_EVENT structs. */
enum class EventKind : std::uint16_t {};
/** @brief A list of event kinds (each layer lists its own, for whoever dispatches on them). */
template <class... Kinds>
struct EventKinds {};

/// Declares event kind `Type` with its id, its name in traces and docs, and its fields (at most four,
/// each an int64 in the event). Fields not given when emitting are 0.
#define TWINBENCH_EVENT(Type, id, event_name, ...)                                   \
  struct Type {                                                                      \
    static constexpr ::twinbench::runtime::EventKind kind{id};                       \
    static constexpr std::string_view name = event_name;                             \
    static constexpr std::string_view field_names = #__VA_ARGS__;                    \
    TWINBENCH_EVENT_FIELDS(__VA_ARGS__)                                              \
  }
#define TWINBENCH_EVENT_FIELD(f) std::int64_t f = 0;
#define TWINBENCH_EVENT_FIELDS_1(a) TWINBENCH_EVENT_FIELD(a)
#define TWINBENCH_EVENT_FIELDS_2(a, b) TWINBENCH_EVENT_FIELD(a) TWINBENCH_EVENT_FIELD(b)
#define TWINBENCH_EVENT_FIELDS_3(a, b, c) TWINBENCH_EVENT_FIELDS_2(a, b) TWINBENCH_EVENT_FIELD(c)
#define TWINBENCH_EVENT_FIELDS_4(a, b, c, d) TWINBENCH_EVENT_FIELDS_3(a, b, c) TWINBENCH_EVENT_FIELD(d)
#define TWINBENCH_EVENT_PICK(_1, _2, _3, _4, chosen, ...) chosen
#define TWINBENCH_EVENT_FIELDS(...)                                                                                      \
  TWINBENCH_EVENT_PICK(__VA_ARGS__, TWINBENCH_EVENT_FIELDS_4, TWINBENCH_EVENT_FIELDS_3, TWINBENCH_EVENT_FIELDS_2, \
                       TWINBENCH_EVENT_FIELDS_1, )(__VA_ARGS__)
/// An event kind without fields.
#define TWINBENCH_EVENT0(Type, id, event_name)                                       \
  struct Type {                                                                      \
    static constexpr ::twinbench::runtime::EventKind kind{id};                       \
    static constexpr std::string_view name = event_name;                             \
    static constexpr std::string_view field_names = "";                              \
  }

struct Event {
  TimeUs t_us = 0;
  EventKind kind{};
  std::uint32_t gateway = 0;  ///< global gateway index
  ConnId device = 0;          ///< device (connection) index within the gateway; kNoConn for gateway-wide events
  std::int64_t field[4] = {};  ///< the kind's fields, in declaration order

  template <class P>
  static Event of(TimeUs t, std::uint32_t gateway, ConnId device, const P& payload) {
    Event e{t, P::kind, gateway, device, {}};
    if constexpr (!std::is_empty_v<P>) {
      static_assert(std::is_trivially_copyable_v<P> && sizeof(P) <= sizeof e.field && sizeof(P) % 8 == 0, "at most four int64 fields");
      std::memcpy(e.field, &payload, sizeof(P));
    }
    return e;
  }
  /** @brief The fields as kind P's struct (the event must be of kind P). */
  template <class P>
  P as() const {
    assert(kind == P::kind);
    P p{};
    if constexpr (!std::is_empty_v<P>) std::memcpy(&p, field, sizeof(P));
    return p;
  }
  template <class P>
  bool is() const { return kind == P::kind; }
};

class Sink {
public:
  virtual ~Sink() = default;
  virtual void emit(const Event& e) = 0;
  template <class P>
  void emit(TimeUs t, std::uint32_t gateway, ConnId device, const P& payload) { emit(Event::of(t, gateway, device, payload)); }
};

enum class CloseReason : std::uint8_t { keepalive_timeout = 1, protocol_error = 2, client_disconnect = 3, peer_closed = 4,
                                       taken_over = 5, gateway_shutdown = 6 };  ///< taken_over: the client id connected again elsewhere

/** The edge runtime's event kinds (a gateway's). */
namespace ev {
/// A device's CONNECT was accepted.
TWINBENCH_EVENT(SessionOpened, 1, "session_opened", keepalive_s);
/// A device's session ended; reason: a CloseReason.
TWINBENCH_EVENT(SessionClosed, 2, "session_closed", reason);
/// A device's record reached the gateway; latency_us: arrival - the device's timestamp.
TWINBENCH_EVENT(Telemetry, 3, "telemetry", mqtt_bytes, latency_us, qos);
/// Malformed input from a device; code: an mqtt::DecodeStatus, or a protocol violation code.
TWINBENCH_EVENT(ProtocolError, 4, "protocol_error", code);
/// One uplink batch left for the cloud.
TWINBENCH_EVENT(UplinkSent, 5, "uplink_sent", bytes, records);
/// The uplink was unreachable: the batch stays buffered.
TWINBENCH_EVENT(UplinkDeferred, 6, "uplink_deferred", bytes_kept, records_kept);
/// The uplink buffer is full: records dropped since the last report.
TWINBENCH_EVENT(UplinkDropped, 7, "uplink_dropped", records);
/// Against the twin model, since the last report: records refused, readings missing (NaN).
TWINBENCH_EVENT(TelemetryChecked, 8, "telemetry_checked", records_refused, readings_missing);
/// Twin messages refused since the last report (malformed, or not fitting the model).
TWINBENCH_EVENT(TwinChecked, 9, "twin_checked", refused);
/// A device's window scored; latency_us: its newest sample taken -> scored.
TWINBENCH_EVENT(Inference, 10, "inference", score_x1e6, latency_us, batch_size);
/// An alert raised at the gateway; severity: a Severity.
TWINBENCH_EVENT(AlertRaised, 11, "alert_raised", rule, severity, score_x1e6);
TWINBENCH_EVENT(AlertCleared, 12, "alert_cleared", rule, severity, score_x1e6);
/// The alert queue to the cloud was full: the oldest alerts dropped.
TWINBENCH_EVENT(AlertsDropped, 13, "alerts_dropped", alerts);
/// New alert rules from the cloud are in force; rules: those that apply to the model.
TWINBENCH_EVENT(RulesChanged, 14, "rules_changed", rules);
/// Alert rules from the cloud were malformed (or the gateway has no detector): the old ones stay.
TWINBENCH_EVENT0(RulesRefused, 15, "rules_refused");
/// The drift monitor found a change; stream: a model channel, or the channel count = the score; test: a drift::Test.
TWINBENCH_EVENT(DriftDetected, 16, "drift_detected", stream, test, statistic_x1e6);
/// The broker refused a client: what: an mqtt::Refusal::What (connect, publish, subscribe); code: the reason code it answered.
TWINBENCH_EVENT(AccessRefused, 17, "access_refused", what, code);
/// The uplink's client session reached its broker; session_present: the broker kept our session (CONNACK);
/// resent: publications sent again on this connection (unacknowledged when the last one was lost).
TWINBENCH_EVENT(UplinkConnected, 18, "uplink_connected", session_present, resent);
/// The uplink's client session lost its connection (closed, refused, or keepalive unanswered).
TWINBENCH_EVENT0(UplinkLost, 19, "uplink_lost");
/// At start, the store-and-forward log of a previous run held records (they go up again) and torn segments (lost, counted).
TWINBENCH_EVENT(UplinkRecovered, 60, "uplink_recovered", records, torn_segments);
/// A gateway's site baseline learned (device 0): the threshold it applies from now on (the model's if too few windows), from how many.
TWINBENCH_EVENT(BaselineLearned, 61, "baseline_learned", threshold_x1e6, windows, applied);
/// Partner hand-off (Webhooks.hpp); partner: its index in EdgeConfig::webhooks. An event was queued for it.
TWINBENCH_EVENT(WebhookQueued, 62, "webhook_queued", partner);
/// A post was answered 2xx: latency_us from its event to the answer; attempts: the posts it took.
TWINBENCH_EVENT(WebhookDelivered, 63, "webhook_delivered", partner, latency_us, attempts);
/// A post was not answered 2xx: status is the answer (0: none: no connection, no route, timed out).
TWINBENCH_EVENT(WebhookFailed, 64, "webhook_failed", partner, status);
/// The partner refused a post for good (4xx other than 408, 429): dropped, not sent again.
TWINBENCH_EVENT(WebhookRejected, 65, "webhook_rejected", partner, status);
/// The partner's queue was full: its oldest posts dropped.
TWINBENCH_EVENT(WebhookDropped, 66, "webhook_dropped", partner, posts);
/// At start, the partner's queue held posts from before (they go out first); those of a queue in memory are gone.
TWINBENCH_EVENT(WebhookRecovered, 67, "webhook_recovered", partner, posts);
/// A person acknowledged an alert (the device's): its id in the alert book, and how long after it was raised.
TWINBENCH_EVENT(AlertAcknowledged, 68, "alert_acknowledged", alert, latency_us);
/// A person said what an alert was: outcome 1 a fault, 2 a false alarm (AlertOutcome); how long after it was raised.
TWINBENCH_EVENT(AlertResolved, 69, "alert_resolved", alert, outcome, latency_us);

using All = EventKinds<SessionOpened, SessionClosed, Telemetry, ProtocolError, UplinkSent, UplinkDeferred, UplinkDropped, TelemetryChecked,
                       TwinChecked, Inference, AlertRaised, AlertCleared, AlertsDropped, RulesChanged, RulesRefused, DriftDetected, AccessRefused,
                       UplinkConnected, UplinkLost, UplinkRecovered, BaselineLearned, WebhookQueued, WebhookDelivered, WebhookFailed,
                       WebhookRejected, WebhookDropped, WebhookRecovered, AlertAcknowledged, AlertResolved>;
}  // namespace ev

}  // namespace twinbench::runtime
