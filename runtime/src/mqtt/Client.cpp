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
    : config_(std::move(config)), clock_(ports.clock), transport_(ports.transport), rng_(ports.rng), hooks_(hooks) {
  assert(config_.max_inflight > 0);
}

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
  c.client_id = config_.client_id;
  c.keepalive_s = config_.keepalive_s;
  c.clean_session = config_.clean_session;
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
    encode(Disconnect{}, tx_);  // MQTT-3.14.4-3: the broker discards the will
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
    const DecodeResult r = decode(std::span(rx_).subspan(pos), config_.max_packet_bytes);
    if (r.status == DecodeStatus::need_more) break;
    if (r.status != DecodeStatus::ok) {  // a broker that sends garbage: drop it and try again later
      transport_.close(conn_);
      lost();
      return;
    }
    pos += r.consumed;
    ping_outstanding_ = false;  // the broker is alive
    handle(r.packet);
  }
  if (conn_ == conn) rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(pos));
}

void Client::handle(const Packet& packet) {
  if (state_ == State::awaiting_connack) {
    if (const auto* c = std::get_if<Connack>(&packet)) on_connack(*c);
    else {
      transport_.close(conn_);  // MQTT-3.2.0-1: the first packet from the server is CONNACK
      lost();
    }
    return;
  }
  if (const auto* p = std::get_if<Publish>(&packet)) {
    if (p->qos == 2) {
      if (std::find(qos2_received_.begin(), qos2_received_.end(), p->packet_id) == qos2_received_.end()) {
        qos2_received_.push_back(p->packet_id);
        hooks_.on_message(*p);
      }
      encode(Pubrec{p->packet_id}, tx_);
    } else {
      hooks_.on_message(*p);
      if (p->qos == 1) encode(Puback{p->packet_id}, tx_);
    }
  } else if (const auto* rel = std::get_if<Pubrel>(&packet)) {
    qos2_received_.erase(std::remove(qos2_received_.begin(), qos2_received_.end(), rel->packet_id), qos2_received_.end());
    encode(Pubcomp{rel->packet_id}, tx_);
  } else if (const auto* ack = std::get_if<Puback>(&packet)) {
    auto it = std::find_if(inflight_.begin(), inflight_.end(), [&](const Outgoing& m) { return m.id == ack->packet_id && m.qos == 1; });
    if (it != inflight_.end()) {
      inflight_.erase(it);
      ++stats_.acked;
    }
  } else if (const auto* rec = std::get_if<Pubrec>(&packet)) {
    auto it = std::find_if(inflight_.begin(), inflight_.end(), [&](const Outgoing& m) { return m.id == rec->packet_id && m.qos == 2; });
    if (it != inflight_.end()) {
      it->released = true;
      it->payload = {};  // delivered: only the id waits for PUBCOMP
    }
    encode(Pubrel{rec->packet_id}, tx_);
  } else if (const auto* comp = std::get_if<Pubcomp>(&packet)) {
    auto it = std::find_if(inflight_.begin(), inflight_.end(), [&](const Outgoing& m) { return m.id == comp->packet_id && m.released; });
    if (it != inflight_.end()) {
      inflight_.erase(it);
      ++stats_.acked;
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
      if (m.released) encode(Pubrel{m.id}, tx_);
      else send_publish(m, /*dup=*/true);
    } else if (!m.released) {
      send_publish(m, false);  // a new publication with the same id (free again in a new session)
    }
  }
  if (!resumed) {  // a released QoS 2 message was delivered already; a new session has nothing to complete
    inflight_.erase(std::remove_if(inflight_.begin(), inflight_.end(), [](const Outgoing& m) { return m.released; }), inflight_.end());
  }
  pump();
  flush();
  arm_keepalive();
  hooks_.on_connected(c.session_present);
}

void Client::arm_keepalive() {
  if (config_.keepalive_s == 0 || state_ != State::connected) return;
  const TimeUs keepalive = TimeUs{config_.keepalive_s} * 1'000'000;
  const TimeUs idle = clock_.now_us() - last_tx_us_;
  set_timer(ping_outstanding_ ? keepalive : std::max<TimeUs>(keepalive - idle, 1), [this, keepalive] {
    if (ping_outstanding_) {  // no answer within a keepalive: the connection is dead
      transport_.close(conn_);
      lost();
      return;
    }
    if (clock_.now_us() - last_tx_us_ >= keepalive) {
      encode(Pingreq{}, tx_);
      flush();
      ping_outstanding_ = true;
    }
    arm_keepalive();
  });
}

bool Client::publish(std::string_view topic, std::span<const std::uint8_t> payload, std::uint8_t qos, bool retain) {
  assert(qos <= 2);
  if (qos == 0) {
    if (state_ != State::connected) {
      ++stats_.refused;
      return false;
    }
    encode(Publish{topic, payload, 0, retain, false, 0}, tx_);
    flush();
    return true;
  }
  if (queued_.size() >= config_.max_queued) {
    ++stats_.refused;
    return false;
  }
  queued_.push_back({std::string(topic), {payload.begin(), payload.end()}, qos, retain});
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
    encode(Subscribe{next_id(), {{subscriptions_.back().first, qos}}}, tx_);
    flush();
  }
}

void Client::send_subscriptions() {
  if (subscriptions_.empty()) return;
  Subscribe s{next_id(), {}};
  for (const auto& [filter, qos] : subscriptions_) s.subscriptions.push_back({filter, qos});
  encode(s, tx_);
}

std::uint16_t Client::next_id() {
  for (;;) {
    const std::uint16_t id = next_id_;
    next_id_ = static_cast<std::uint16_t>(next_id_ == 65535 ? 1 : next_id_ + 1);
    if (std::none_of(inflight_.begin(), inflight_.end(), [&](const Outgoing& m) { return m.id == id; })) return id;
  }
}

void Client::pump() {
  while (state_ == State::connected && !queued_.empty() && inflight_.size() < config_.max_inflight) {
    Outgoing m = std::move(queued_.front());
    queued_.pop_front();
    m.id = next_id();
    send_publish(m, false);
    inflight_.push_back(std::move(m));
  }
}

void Client::send_publish(const Outgoing& m, bool dup) { encode(Publish{m.topic, m.payload, m.qos, m.retain, dup, m.id}, tx_); }

void Client::flush() {
  if (tx_.empty()) return;
  if (conn_ != kNoConn) {
    (void)transport_.send(conn_, tx_);  // a failed send shows up as a closed connection
    last_tx_us_ = clock_.now_us();
  }
  tx_.clear();
}

}  // namespace twinbench::runtime::mqtt
