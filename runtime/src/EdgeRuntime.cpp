#include "twinbench/runtime/EdgeRuntime.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"

namespace twinbench::runtime {

namespace {
// A code outside mqtt::DecodeStatus for protocol errors that are about order, not encoding.
constexpr std::int64_t kViolationNotConnected = 100;   // first packet was not CONNECT (MQTT-3.1.0-1)
constexpr std::int64_t kViolationSecondConnect = 101;  // CONNECT on a connected session (MQTT-3.1.0-2)
constexpr std::int64_t kViolationUnexpected = 102;     // a packet a client must not send to us
constexpr std::int64_t kViolationBadRecord = 103;      // telemetry payload is not a valid record (session kept)
}  // namespace

EdgeRuntime::EdgeRuntime(EdgeConfig config, EdgePorts ports)
    : config_(std::move(config)), ports_(ports), uplink_topic_("tb/uplink/" + config_.name) {
  assert(config_.forward_interval_us > 0 && config_.session_sweep_us > 0);
  if (config_.models && !config_.twin_dtmi.empty())
    twins_ = std::make_unique<TwinService>(config_.models, config_.twin_dtmi, "tb/" + config_.name, ports_.clock, static_cast<TwinHost&>(*this),
                                           config_.command_timeout_us);
  if (config_.detector && config_.scorer)
    detector_ = std::make_unique<AnomalyDetector>(*config_.detector, config_.scorer, config_.rules, ports_.clock, ports_.compute, ports_.sink,
                                                  config_.gateway_index, [this](const AlertChange& a) { on_alert(a); });
}

void EdgeRuntime::start() {
  uplink_ = ports_.transport.connect("cloud");
  ports_.clock.schedule(config_.forward_interval_us, [this] { forward(); });
  ports_.clock.schedule(config_.session_sweep_us, [this] { sweep_sessions(); });
}

void EdgeRuntime::emit(EventKind k, ConnId conn, std::int64_t a, std::int64_t b, std::int64_t c) {
  ports_.sink.emit({ports_.clock.now_us(), k, config_.gateway_index, conn, a, b, c, 0});
}

EdgeRuntime::Session& EdgeRuntime::session(ConnId conn) {
  if (conn >= sessions_.size()) sessions_.resize(static_cast<std::size_t>(conn) + 1);
  return sessions_[conn];
}

void EdgeRuntime::on_open(ConnId conn) {
  Session& s = session(conn);
  assert(s.state == State::closed);
  s.state = State::awaiting_connect;
  s.last_rx_us = ports_.clock.now_us();
  s.partial.clear();
}

void EdgeRuntime::on_closed(ConnId conn) {
  Session& s = session(conn);
  if (s.state == State::connected) {
    --connected_;
    emit(EventKind::session_closed, conn, static_cast<std::int64_t>(CloseReason::peer_closed));
  }
  s.state = State::closed;
  s.partial.clear();
}

void EdgeRuntime::on_bytes(ConnId conn, std::span<const std::uint8_t> bytes) {
  if (conn == uplink_) {
    on_cloud_bytes(bytes);
    return;
  }
  Session& s = session(conn);
  if (s.state == State::closed) return;  // late bytes of a connection we already closed
  s.last_rx_us = ports_.clock.now_us();
  if (s.partial.empty()) {
    const std::ptrdiff_t used = consume(conn, s, bytes);
    if (used >= 0) s.partial.assign(bytes.begin() + used, bytes.end());
    return;
  }
  s.partial.insert(s.partial.end(), bytes.begin(), bytes.end());
  std::vector<std::uint8_t> buffered;
  buffered.swap(s.partial);
  const std::ptrdiff_t used = consume(conn, s, buffered);
  if (used >= 0) s.partial.assign(buffered.begin() + used, buffered.end());
}

std::ptrdiff_t EdgeRuntime::consume(ConnId conn, Session& s, std::span<const std::uint8_t> bytes) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const mqtt::DecodeResult r = mqtt::decode(bytes.subspan(pos), config_.max_packet_bytes);
    if (r.status == mqtt::DecodeStatus::need_more) break;
    ports_.compute.charge(config_.ingest_cost_flops);
    if (r.status != mqtt::DecodeStatus::ok) {
      emit(EventKind::protocol_error, conn, static_cast<std::int64_t>(r.status));
      close_session(conn, s, CloseReason::protocol_error);
      return -1;
    }
    pos += r.consumed;
    std::int64_t violation = 0;
    if (const auto* c = std::get_if<mqtt::Connect>(&r.packet)) {
      if (s.state == State::connected) {
        violation = kViolationSecondConnect;
      } else {
        s.state = State::connected;
        s.keepalive_s = c->keepalive_s;
        ++connected_;
        emit(EventKind::session_opened, conn, c->keepalive_s);
        mqtt::encode(mqtt::Connack{false, mqtt::ConnackCode::accepted}, out_);
        send(conn);
        if (twins_) twins_->on_device_online(conn);
      }
    } else if (s.state != State::connected) {
      violation = kViolationNotConnected;
    } else if (const auto* p = std::get_if<mqtt::Publish>(&r.packet)) {
      if (twins_ && !p->topic.ends_with(twin_topic::telemetry) && twins_->on_device_publish(conn, p->topic, p->payload)) {
        // A twin answer (QoS 0): nothing to acknowledge.
      } else if (p->qos < 2) {
        ingest_telemetry(conn, p->payload, r.consumed, p->qos);
        if (p->qos == 1) mqtt::encode(mqtt::Puback{p->packet_id}, out_);
      } else {
        // Exactly once (MQTT 4.3.3, method B): ingest on the first PUBLISH of an id, until its PUBREL.
        auto& pending = s.qos2_awaiting_pubrel;
        if (std::find(pending.begin(), pending.end(), p->packet_id) == pending.end()) {
          pending.push_back(p->packet_id);
          ingest_telemetry(conn, p->payload, r.consumed, p->qos);
        }
        mqtt::encode(mqtt::Pubrec{p->packet_id}, out_);
      }
      if (!out_.empty()) send(conn);
    } else if (const auto* rel = std::get_if<mqtt::Pubrel>(&r.packet)) {
      auto& pending = s.qos2_awaiting_pubrel;
      pending.erase(std::remove(pending.begin(), pending.end(), rel->packet_id), pending.end());
      mqtt::encode(mqtt::Pubcomp{rel->packet_id}, out_);  // even for an unknown id (MQTT-4.3.3-2)
      send(conn);
    } else if (const auto* sub = std::get_if<mqtt::Subscribe>(&r.packet)) {
      // No broker side yet: refuse every filter rather than grant a subscription nothing will serve.
      mqtt::encode(mqtt::Suback{sub->packet_id, std::vector<std::uint8_t>(sub->subscriptions.size(), mqtt::kSubackFailure)}, out_);
      send(conn);
    } else if (const auto* unsub = std::get_if<mqtt::Unsubscribe>(&r.packet)) {
      mqtt::encode(mqtt::Unsuback{unsub->packet_id}, out_);
      send(conn);
    } else if (std::holds_alternative<mqtt::Pingreq>(r.packet)) {
      mqtt::encode(mqtt::Pingresp{}, out_);
      send(conn);
    } else if (std::holds_alternative<mqtt::Disconnect>(r.packet)) {
      close_session(conn, s, CloseReason::client_disconnect);
      return -1;
    } else {
      violation = kViolationUnexpected;
    }
    if (violation != 0) {
      emit(EventKind::protocol_error, conn, violation);
      close_session(conn, s, CloseReason::protocol_error);
      return -1;
    }
  }
  return static_cast<std::ptrdiff_t>(pos);
}

void EdgeRuntime::ingest_telemetry(ConnId conn, std::span<const std::uint8_t> payload, std::size_t packet_bytes,
                                   std::uint8_t qos) {
  RecordHeader h;
  if (!decode_record_header(payload, h)) {
    emit(EventKind::protocol_error, conn, kViolationBadRecord);
    return;
  }
  const TimeUs now = ports_.clock.now_us();
  emit(EventKind::telemetry, conn, static_cast<std::int64_t>(packet_bytes), now - h.t_us, qos);
  if (!config_.telemetry_model.empty() && !fits_model(payload, h)) {
    ++refused_by_model_;
    return;
  }
  if (detector_) detector_->on_record(conn, payload);
  const std::size_t entry = 6 + payload.size();
  if (uplink_buffer_.size() + entry > config_.uplink_buffer_bytes_max) {
    ++uplink_dropped_;
    return;
  }
  const std::uint8_t framing[6] = {static_cast<std::uint8_t>(conn), static_cast<std::uint8_t>(conn >> 8),
                                   static_cast<std::uint8_t>(conn >> 16), static_cast<std::uint8_t>(conn >> 24),
                                   static_cast<std::uint8_t>(payload.size()), static_cast<std::uint8_t>(payload.size() >> 8)};
  uplink_buffer_.insert(uplink_buffer_.end(), framing, framing + 6);
  uplink_buffer_.insert(uplink_buffer_.end(), payload.begin(), payload.end());
  ++uplink_records_;
}

bool EdgeRuntime::fits_model(std::span<const std::uint8_t> payload, const RecordHeader& h) {
  const auto& rules = config_.telemetry_model;
  if (h.channels != rules.size()) return false;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const double v = record_value(payload, i);
    if (std::isnan(v)) {
      ++readings_missing_;
      continue;
    }
    if (v < rules[i].min || v > rules[i].max || (rules[i].integral && v != std::trunc(v))) return false;
  }
  return true;
}

void EdgeRuntime::send(ConnId conn) {
  // A failed reply is not an error of ours: the device's session recovers or times out.
  (void)ports_.transport.send(conn, out_);
  out_.clear();
}

bool EdgeRuntime::online(ConnId device) const { return device < sessions_.size() && sessions_[device].state == State::connected; }

void EdgeRuntime::publish(ConnId device, std::string_view topic, std::string_view payload) {
  mqtt::encode_text_publish(topic, payload, out_);
  send(device);
}

void EdgeRuntime::on_cloud_bytes(std::span<const std::uint8_t> bytes) {
  // The cloud sends whole packets (the transport frames them): twin operations, or new alert rules on
  // .../rules. Anything else is refused and counted.
  while (!bytes.empty()) {
    const mqtt::DecodeResult r = mqtt::decode(bytes, config_.max_packet_bytes);
    const auto* p = r.status == mqtt::DecodeStatus::ok ? std::get_if<mqtt::Publish>(&r.packet) : nullptr;
    if (!p) {
      ++twin_refused_;
      return;
    }
    ports_.compute.charge(config_.ingest_cost_flops);
    if (p->topic.ends_with("/rules")) {
      try {
        if (!detector_) throw core::InputError("no anomaly detector on this gateway");
        const auto doc = nlohmann::json::parse(p->payload.begin(), p->payload.end());
        detector_->set_rules(parse_rules(doc, "rules from the cloud"));
        emit(EventKind::rules_changed, kNoConn, static_cast<std::int64_t>(detector_->active_rules()));
      } catch (const std::exception&) {
        emit(EventKind::rules_refused, kNoConn);  // malformed JSON or rules: the old rules stay
      }
    } else if (!twins_ || !twins_->on_cloud_operation(p->payload)) {
      ++twin_refused_;
    }
    bytes = bytes.subspan(r.consumed);
  }
}

void EdgeRuntime::on_alert(const AlertChange& a) {
  if (!a.raised) return;  // the cloud hears of raised alerts; clears stay local events
  if (alerts_.size() >= config_.alert_queue_max) {
    alerts_.pop_front();
    ++alerts_dropped_;
  }
  alerts_.push_back({a, ports_.clock.now_us()});
  control_ready();
}

void EdgeRuntime::close_session(ConnId conn, Session& s, CloseReason why) {
  if (s.state == State::connected) {
    --connected_;
    emit(EventKind::session_closed, conn, static_cast<std::int64_t>(why));
  }
  s.state = State::closed;
  s.partial.clear();
  s.qos2_awaiting_pubrel.clear();
  ports_.transport.close(conn);
}

void EdgeRuntime::forward() {
  ports_.clock.schedule(config_.forward_interval_us, [this] { forward(); });
  if (uplink_dropped_ > 0) {
    emit(EventKind::uplink_dropped, kNoConn, static_cast<std::int64_t>(uplink_dropped_));
    uplink_dropped_ = 0;
  }
  if (refused_by_model_ + readings_missing_ > 0) {
    emit(EventKind::telemetry_checked, kNoConn, static_cast<std::int64_t>(refused_by_model_), static_cast<std::int64_t>(readings_missing_));
    refused_by_model_ = readings_missing_ = 0;
  }
  if (twins_) twin_refused_ += twins_->take_refused();
  if (twin_refused_ > 0) {
    emit(EventKind::twin_checked, kNoConn, static_cast<std::int64_t>(twin_refused_));
    twin_refused_ = 0;
  }
  if (alerts_dropped_ > 0) {
    emit(EventKind::alerts_dropped, kNoConn, static_cast<std::int64_t>(alerts_dropped_));
    alerts_dropped_ = 0;
  }
  if (!twin_results_.empty() || !alerts_.empty()) flush_control();  // what an unreachable uplink held back
  if (uplink_records_ == 0) return;
  mqtt::encode(mqtt::Publish{uplink_topic_, uplink_buffer_, 0, false, false, 0}, out_);
  const SendStatus st = uplink_ == kNoConn ? SendStatus::unreachable : ports_.transport.send(uplink_, out_);
  const auto bytes = static_cast<std::int64_t>(out_.size());
  out_.clear();
  if (st == SendStatus::ok) {
    emit(EventKind::uplink_sent, kNoConn, bytes, static_cast<std::int64_t>(uplink_records_));
    uplink_buffer_.clear();
    uplink_records_ = 0;
  } else {
    emit(EventKind::uplink_deferred, kNoConn, bytes, static_cast<std::int64_t>(uplink_records_));
  }
}

void EdgeRuntime::control_ready() {
  // Twin results and alerts are control traffic: they go up within control_delay_us, not with the telemetry.
  if (control_flush_scheduled_) return;
  control_flush_scheduled_ = true;
  ports_.clock.schedule(config_.control_delay_us, [this] {
    control_flush_scheduled_ = false;
    flush_control();
  });
}

void EdgeRuntime::flush_control() {
  // Each kind is one PUBLISH, kept for the next forward tick if the uplink is down:
  //   tb/twin/<name>    {"results": [[op, device, status], ...]}
  //   tb/alerts/<name>  {"alerts": [[device, rule, severity, roles, raised_at_us, score_x1e6], ...]}
  auto publish_up = [&](const std::string& topic, const std::string& payload) {
    mqtt::encode_text_publish(topic, payload, out_);
    const SendStatus st = uplink_ == kNoConn ? SendStatus::unreachable : ports_.transport.send(uplink_, out_);
    out_.clear();
    return st == SendStatus::ok;
  };
  if (twins_) {
    auto fresh = twins_->take_results();
    twin_results_.insert(twin_results_.end(), fresh.begin(), fresh.end());
  }
  if (!twin_results_.empty()) {
    std::string payload = "{\"results\":[";
    for (const TwinResult& r : twin_results_) {
      if (payload.back() == ']') payload += ',';
      payload += '[' + std::to_string(r.op) + ',' + std::to_string(r.device) + ',' + std::to_string(r.status) + ']';
    }
    payload += "]}";
    if (publish_up("tb/twin/" + config_.name, payload)) twin_results_.clear();
  }
  if (!alerts_.empty()) {
    std::string payload = "{\"alerts\":[";
    for (const PendingAlert& a : alerts_) {
      if (payload.back() == ']') payload += ',';
      payload += '[' + std::to_string(a.change.device) + ',' + std::to_string(a.change.rule) + ',' + std::to_string(static_cast<int>(a.change.severity)) +
                 ',' + std::to_string(a.change.roles) + ',' + std::to_string(a.raised_us) + ',' +
                 std::to_string(std::llround(static_cast<double>(a.change.score) * 1e6)) + ']';
    }
    payload += "]}";
    if (publish_up("tb/alerts/" + config_.name, payload)) alerts_.clear();
  }
}

void EdgeRuntime::sweep_sessions() {
  ports_.clock.schedule(config_.session_sweep_us, [this] { sweep_sessions(); });
  const TimeUs now = ports_.clock.now_us();
  for (ConnId conn = 0; conn < sessions_.size(); ++conn) {
    Session& s = sessions_[conn];
    // MQTT-3.1.2-24: no packet within 1.5 x keepalive means the client is gone.
    if (s.state == State::connected && s.keepalive_s > 0 && (now - s.last_rx_us) * 2 > TimeUs{s.keepalive_s} * 3'000'000)
      close_session(conn, s, CloseReason::keepalive_timeout);
  }
}

}  // namespace twinbench::runtime
