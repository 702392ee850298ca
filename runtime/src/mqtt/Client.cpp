#include "twinbench/runtime/mqtt/Client.hpp"

#include <algorithm>
#include <cassert>

namespace twinbench::runtime::mqtt {

TimeUs Backoff::delay_us(std::uint32_t attempt, core::RngStream& rng) const {
  TimeUs d = initial_us;
  for (std::uint32_t i = 0; i < attempt && d < max_us; ++i) d *= 2;
  d = std::min(d, max_us);
  return d / 2 + static_cast<TimeUs>(rng.below(static_cast<std::uint64_t>(d - d / 2) + 1));
}

Client::Client(ClientConfig config, ClientPorts ports, ClientHooks& hooks)
    : config_(std::move(config)), clock_(ports.clock), transport_(ports.transport), rng_(ports.rng), hooks_(hooks),
      client_id_(config_.client_id), keepalive_s_(config_.keepalive_s) {
  assert(config_.max_inflight > 0);
}

std::uint16_t Client::window() const { return std::min(config_.max_inflight, limits_.receive_maximum); }

Client::~Client() { cancel_timer(); }

void Client::set_timer(TimeUs delay_us, std::function<void()> fn) {
  cancel_timer();
  timer_ = clock_.schedule(delay_us, [this, fn = std::move(fn)] {
    timer_ = 0;
    fn();
  });
}

void Client::cancel_timer() {
  if (timer_ != 0) clock_.cancel(timer_);
  timer_ = 0;
}

void Client::start() {
  if (state_ == State::idle) attempt();
}

void Client::attempt() {
  state_ = State::opening;
  conn_ = transport_.connect(config_.endpoint, *this);
  if (conn_ == kNoConn) lost();  // no route right now: the next attempt after the backoff
}

void Client::on_open(ConnId conn) {
  if (conn != conn_ || state_ != State::opening) return;
  Connect c;
  c.client_id = client_id_;
  c.keepalive_s = config_.keepalive_s;
  c.clean_session = config_.clean_session;
  c.protocol_level = static_cast<std::uint8_t>(config_.version);
  if (v5()) {
    const std::uint32_t expiry = config_.session_expiry_s.value_or(config_.clean_session ? 0 : 0xFFFFFFFFu);
    if (expiry != 0) c.properties.push_back({PropertyId::session_expiry_interval, expiry});
    if (config_.max_packet_bytes < kMaxRemainingLength + 5)
      c.properties.push_back({PropertyId::maximum_packet_size, static_cast<std::uint32_t>(config_.max_packet_bytes)});
    if (config_.will && config_.will->delay_s != 0) c.will_properties.push_back({PropertyId::will_delay_interval, config_.will->delay_s});
  }
  if (config_.will) {
    c.will = true;
    c.will_topic = config_.will->topic;
    c.will_message = config_.will->payload;
    c.will_qos = config_.will->qos;
    c.will_retain = config_.will->retain;
  }
  if (config_.username) {
    c.has_username = true;
    c.username = *config_.username;
  }
  if (config_.password) {
    c.has_password = true;
    c.password = std::span(reinterpret_cast<const std::uint8_t*>(config_.password->data()), config_.password->size());
  }
  encode(c, tx_);
  flush();
  state_ = State::awaiting_connack;
  set_timer(config_.connack_timeout_us, [this] {
    transport_.close(conn_);
    lost();
  });
}

void Client::on_closed(ConnId conn) {
  if (conn != conn_) return;
  lost();
}

void Client::lost() {
  const bool was_attempting = state_ != State::idle && state_ != State::backing_off;
  if (state_ == State::connected) hooks_.on_connection_lost();
  conn_ = kNoConn;
  rx_.clear();
  ping_outstanding_ = false;
  if (!was_attempting) return;
  ++stats_.losses;
  state_ = State::backing_off;
  set_timer(config_.backoff.delay_us(attempt_++, rng_), [this] { attempt(); });
}

void Client::stop() {
  cancel_timer();
  if (state_ == State::connected) {
    encode(Disconnect{}, tx_, config_.version);  // MQTT-3.14.4-3: the broker discards the will
    flush();
  }
  if (conn_ != kNoConn) transport_.close(conn_);
  conn_ = kNoConn;
  state_ = State::idle;
}

void Client::on_bytes(ConnId conn, std::span<const std::uint8_t> bytes) {
  if (conn != conn_) return;
  rx_.insert(rx_.end(), bytes.begin(), bytes.end());
  std::size_t pos = 0;
  while (conn_ == conn && pos < rx_.size()) {
    const DecodeResult r = decode(std::span(rx_).subspan(pos), config_.max_packet_bytes, config_.version);
    if (r.status == DecodeStatus::need_more) break;
    if (r.status != DecodeStatus::ok) {  // a broker that sends garbage: drop it and try again later
      drop(r.status == DecodeStatus::packet_too_large ? 0x95 : 0x81);  // MQTT 5: Packet too large / Malformed Packet
      return;
    }
    pos += r.consumed;
    ping_outstanding_ = false;  // the broker is alive
    last_rx_us_ = clock_.now_us();
    handle(r.packet);
  }
  if (conn_ == conn) rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(pos));
}

void Client::handle(const Packet& packet) {
  if (state_ == State::awaiting_connack) {
    if (const auto* c = std::get_if<Connack>(&packet)) on_connack(*c);
    else drop(0x82);  // MQTT-3.2.0-1: the first packet from the server is CONNACK (else: Protocol Error)
    return;
  }
  if (const auto* d = std::get_if<Disconnect>(&packet)) {  // MQTT 5: the server ends the connection
    stats_.last_disconnect = d->reason;
    transport_.close(conn_);
    lost();
    return;
  }
  if (std::holds_alternative<Auth>(packet)) return drop(0x82);  // we never began an enhanced authentication
  if (const auto* p = std::get_if<Publish>(&packet)) {
    if (p->topic.empty()) return drop(0x94);  // a Topic Alias: we allow none (Topic Alias Maximum 0)
    if (p->qos == 2) {
      if (std::find(qos2_received_.begin(), qos2_received_.end(), p->packet_id) == qos2_received_.end()) {
        qos2_received_.push_back(p->packet_id);
        hooks_.on_message(*p);
      }
      encode(Pubrec{p->packet_id}, tx_, config_.version);
    } else {
      hooks_.on_message(*p);
      if (p->qos == 1) encode(Puback{p->packet_id}, tx_, config_.version);
    }
  } else if (const auto* rel = std::get_if<Pubrel>(&packet)) {
    const auto known = std::find(qos2_received_.begin(), qos2_received_.end(), rel->packet_id);
    const bool found = known != qos2_received_.end();
    if (found) qos2_received_.erase(known);
    encode(Pubcomp{rel->packet_id, static_cast<std::uint8_t>(found || !v5() ? 0 : 0x92)}, tx_, config_.version);  // 0x92: id not found
  } else if (const auto* ack = std::get_if<Puback>(&packet)) {
    auto it = std::find_if(inflight_.begin(), inflight_.end(), [&](const Outgoing& m) { return m.id == ack->packet_id && m.qos == 1; });
    if (it != inflight_.end()) {
      const std::uint64_t n = it->publication;
      inflight_.erase(it);
      ++(ack->reason >= 0x80 ? stats_.rejected : stats_.acked);
      hooks_.on_completed(n, ack->reason < 0x80);
    }
  } else if (const auto* rec = std::get_if<Pubrec>(&packet)) {
    auto it = std::find_if(inflight_.begin(), inflight_.end(), [&](const Outgoing& m) { return m.id == rec->packet_id && m.qos == 2; });
    if (rec->reason >= 0x80) {  // MQTT 5: refused; the exchange ends here (MQTT-4.3.3-?), no PUBREL
      if (it != inflight_.end() && !it->released) {
        const std::uint64_t n = it->publication;
        inflight_.erase(it);
        ++stats_.rejected;
        hooks_.on_completed(n, false);
      }
    } else {
      if (it != inflight_.end()) {
        it->released = true;
        it->payload = {};  // delivered: only the id waits for PUBCOMP
        it->properties = {};
      }
      encode(Pubrel{rec->packet_id, static_cast<std::uint8_t>(it != inflight_.end() || !v5() ? 0 : 0x92)}, tx_, config_.version);
    }
  } else if (const auto* comp = std::get_if<Pubcomp>(&packet)) {
    auto it = std::find_if(inflight_.begin(), inflight_.end(), [&](const Outgoing& m) { return m.id == comp->packet_id && m.released; });
    if (it != inflight_.end()) {
      const std::uint64_t n = it->publication;
      inflight_.erase(it);
      ++stats_.acked;
      hooks_.on_completed(n, true);
    }
  }
  // SUBACK, UNSUBACK, PINGRESP: nothing to do beyond the liveness already noted.
  pump();
  flush();
}

void Client::on_connack(const Connack& c) {
  if (c.code != ConnackCode::accepted) {
    stats_.last_refusal = c.code;
    transport_.close(conn_);
    lost();
    return;
  }
  if (c.session_present && config_.clean_session) return drop(0x82);  // MQTT-3.2.2-4 / MQTT 5 3.2.2.1.1
  limits_ = {};
  keepalive_s_ = config_.keepalive_s;
  for (const Property& p : c.properties) {  // MQTT 5 (the codec checked each one's range)
    switch (p.id) {
      case PropertyId::receive_maximum: limits_.receive_maximum = static_cast<std::uint16_t>(p.number); break;
      case PropertyId::maximum_qos: limits_.maximum_qos = static_cast<std::uint8_t>(p.number); break;
      case PropertyId::retain_available: limits_.retain_available = p.number != 0; break;
      case PropertyId::maximum_packet_size: limits_.maximum_packet_size = p.number; break;
      case PropertyId::server_keep_alive: keepalive_s_ = static_cast<std::uint16_t>(p.number); break;
      case PropertyId::assigned_client_identifier: client_id_ = std::string(p.text); break;
      default: break;
    }
  }
  state_ = State::connected;
  attempt_ = 0;
  ++stats_.connects;
  const bool resumed = c.session_present && !config_.clean_session;
  if (!resumed) {
    // The broker has no session for us: no QoS 2 receive state either, and our subscriptions are gone.
    qos2_received_.clear();
    send_subscriptions();
  }
  for (Outgoing& m : inflight_) {
    ++stats_.resent;
    if (resumed) {
      if (m.released) encode(Pubrel{m.id}, tx_, config_.version);
      else send_publish(m, /*dup=*/true);
    } else if (!m.released) {
      send_publish(m, false);  // a new publication with the same id (free again in a new session)
    }
  }
  if (!resumed) {  // a released QoS 2 message was delivered already; a new session has nothing to complete
    std::vector<std::uint64_t> done;
    for (const Outgoing& m : inflight_)
      if (m.released) done.push_back(m.publication);
    inflight_.erase(std::remove_if(inflight_.begin(), inflight_.end(), [](const Outgoing& m) { return m.released; }), inflight_.end());
    for (std::uint64_t n : done) hooks_.on_completed(n, true);
  }
  pump();
  flush();
  arm_keepalive();
  hooks_.on_connected(c.session_present);
}

void Client::arm_keepalive() {
  if (keepalive_s_ == 0 || state_ != State::connected) return;
  // A PINGREQ when we have sent nothing, or heard nothing, for a keepalive (as Paho does): a client that
  // keeps publishing into a dead connection would otherwise never ask, and wait for TCP to give up.
  const TimeUs keepalive = TimeUs{keepalive_s_} * 1'000'000;
  const TimeUs quiet = clock_.now_us() - std::min(last_tx_us_, last_rx_us_);
  set_timer(ping_outstanding_ ? keepalive : std::max<TimeUs>(keepalive - quiet, 1), [this, keepalive] {
    if (ping_outstanding_) {  // no answer within a keepalive: the connection is dead
      transport_.close(conn_);
      lost();
      return;
    }
    if (clock_.now_us() - std::min(last_tx_us_, last_rx_us_) >= keepalive) {
      encode(Pingreq{}, tx_, config_.version);
      flush();
      ping_outstanding_ = true;
    }
    arm_keepalive();
  });
}

bool Client::publish(std::string_view topic, std::span<const std::uint8_t> payload, std::uint8_t qos, bool retain,
                     PublishProperties properties) {
  assert(qos <= 2);
  if (qos == 0) {
    if (state_ != State::connected) {
      ++stats_.refused;
      return false;
    }
    if (!send_publish({std::string(topic), {payload.begin(), payload.end()}, 0, retain, 0, false, std::move(properties)}, false)) {
      ++stats_.too_large;
      return false;
    }
    flush();
    return true;
  }
  if (queued_.size() >= config_.max_queued) {
    ++stats_.refused;
    return false;
  }
  queued_.push_back({std::string(topic), {payload.begin(), payload.end()}, qos, retain, 0, false, std::move(properties), ++publications_});
  if (state_ == State::connected) {
    pump();
    flush();
  }
  return true;
}

void Client::subscribe(std::string_view filter, std::uint8_t qos) {
  assert(valid_topic_filter(filter) && qos <= 2);
  subscriptions_.emplace_back(filter, qos);
  if (state_ == State::connected) {
    encode(Subscribe{next_id(), {{subscriptions_.back().first, qos}}}, tx_, config_.version);
    flush();
  }
}

void Client::send_subscriptions() {
  if (subscriptions_.empty()) return;
  Subscribe s{next_id(), {}};
  for (const auto& [filter, qos] : subscriptions_) s.subscriptions.push_back({filter, qos});
  encode(s, tx_, config_.version);
}

std::uint16_t Client::next_id() {
  for (;;) {
    const std::uint16_t id = next_id_;
    next_id_ = static_cast<std::uint16_t>(next_id_ == 65535 ? 1 : next_id_ + 1);
    if (std::none_of(inflight_.begin(), inflight_.end(), [&](const Outgoing& m) { return m.id == id; })) return id;
  }
}

void Client::pump() {
  while (state_ == State::connected && !queued_.empty() && inflight_.size() < window()) {
    Outgoing m = std::move(queued_.front());
    queued_.pop_front();
    if (m.qos > limits_.maximum_qos || (m.retain && !limits_.retain_available)) {  // MQTT-3.2.2-11, MQTT-3.2.2-14
      ++stats_.downgraded;
      m.qos = std::min(m.qos, limits_.maximum_qos);
      m.retain = m.retain && limits_.retain_available;
    }
    m.id = m.qos > 0 ? next_id() : 0;
    if (!send_publish(m, false)) {
      ++stats_.too_large;
      hooks_.on_completed(m.publication, false);
      continue;
    }
    if (m.qos > 0) inflight_.push_back(std::move(m));
    else hooks_.on_completed(m.publication, true);  // sent at QoS 0, as the server allows: nothing more will be heard
  }
}

bool Client::send_publish(const Outgoing& m, bool dup) {
  Publish p{m.topic, m.payload, m.qos, m.retain && limits_.retain_available, dup, m.id};
  if (v5()) {
    if (m.properties.message_expiry_s) p.properties.push_back({PropertyId::message_expiry_interval, *m.properties.message_expiry_s});
    if (!m.properties.content_type.empty()) p.properties.push_back({PropertyId::content_type, 0, m.properties.content_type});
    for (const auto& [name, value] : m.properties.user) p.properties.push_back({PropertyId::user_property, 0, name, value});
  }
  const std::size_t before = tx_.size();
  encode(p, tx_, config_.version);
  if (limits_.maximum_packet_size != 0 && tx_.size() - before > limits_.maximum_packet_size) {  // MQTT-3.2.2-15
    tx_.resize(before);
    return false;
  }
  return true;
}

void Client::drop(std::uint8_t reason) {
  if (v5()) {
    encode(Disconnect{reason}, tx_, config_.version);
    flush();
  }
  transport_.close(conn_);
  lost();
}

void Client::flush() {
  if (tx_.empty()) return;
  if (conn_ != kNoConn) {
    (void)transport_.send(conn_, tx_);  // a failed send shows up as a closed connection
    last_tx_us_ = clock_.now_us();
  }
  tx_.clear();
}

}  // namespace twinbench::runtime::mqtt
