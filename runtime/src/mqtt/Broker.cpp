#include "twinbench/runtime/mqtt/Broker.hpp"

#include <algorithm>
#include <cassert>
#include <deque>

namespace twinbench::runtime::mqtt {

/** One published message, shared by every session it goes to. */
struct Broker::Message {
  std::string topic;
  std::vector<std::uint8_t> payload;
};

/** A session's outbound QoS 1/2 state; allocated on its first such message (most devices never get one). */
struct Broker::Outbox {
  struct Inflight {
    std::uint16_t id;
    std::uint8_t qos;
    bool retain;
    bool released;  ///< QoS 2: PUBREC received, PUBREL sent, awaiting PUBCOMP
    std::shared_ptr<const Message> message;
  };
  struct Queued {
    std::shared_ptr<const Message> message;
    std::uint8_t qos;
    bool retain;
  };
  std::vector<Inflight> inflight;  ///< in the order sent, which is the order of redelivery (MQTT-4.6.0-1)
  std::deque<Queued> queued;
};

struct Broker::Session {
  std::string client_id;
  ConnId conn = kNoConn;
  bool clean = true;
  std::uint16_t next_id = 1;
  std::vector<std::uint16_t> qos2_received;  ///< QoS 2 ids routed, awaiting PUBREL (exactly once)
  struct Will {
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint8_t qos;
    bool retain;
  };
  std::unique_ptr<Will> will;
  std::unique_ptr<Outbox> out;
};

struct Broker::Connection {
  enum class State : std::uint8_t { closed, awaiting_connect, connected };
  State state = State::closed;
  std::uint16_t keepalive_s = 0;
  TimeUs last_rx_us = 0;
  SessionId session = kNoSession;
  std::vector<std::uint8_t> partial;  ///< bytes of an incomplete packet (empty in the common case)
};

Broker::Broker(BrokerConfig config, BrokerPorts ports, BrokerHooks& hooks) : config_(config), ports_(ports), hooks_(hooks) {
  assert(config_.max_inflight > 0);
}

Broker::~Broker() = default;

void Broker::emit(EventKind k, ConnId conn, std::int64_t a) {
  ports_.sink.emit({ports_.clock.now_us(), k, config_.gateway_index, conn, a, 0, 0, 0});
}

Broker::Connection& Broker::connection(ConnId conn) {
  if (conn >= connections_.size()) connections_.resize(static_cast<std::size_t>(conn) + 1);
  return connections_[conn];
}

bool Broker::connected(ConnId conn) const {
  return conn < connections_.size() && connections_[conn].state == Connection::State::connected;
}

void Broker::on_open(ConnId conn) {
  Connection& c = connection(conn);
  assert(c.state == Connection::State::closed);
  c.state = Connection::State::awaiting_connect;
  c.last_rx_us = ports_.clock.now_us();
  c.partial.clear();
}

void Broker::on_closed(ConnId conn) {
  Connection& c = connection(conn);
  if (c.state != Connection::State::closed) end_connection(conn, c, CloseReason::peer_closed, false);
}

void Broker::on_bytes(ConnId conn, std::span<const std::uint8_t> bytes) {
  Connection& c = connection(conn);
  if (c.state == Connection::State::closed) return;  // late bytes of a connection we already closed
  c.last_rx_us = ports_.clock.now_us();
  if (c.partial.empty()) {
    const std::ptrdiff_t used = consume(conn, c, bytes);
    if (used >= 0) connections_[conn].partial.assign(bytes.begin() + used, bytes.end());
    return;
  }
  c.partial.insert(c.partial.end(), bytes.begin(), bytes.end());
  std::vector<std::uint8_t> buffered;
  buffered.swap(c.partial);
  const std::ptrdiff_t used = consume(conn, c, buffered);
  if (used >= 0) connections_[conn].partial.assign(buffered.begin() + used, buffered.end());
}

std::ptrdiff_t Broker::consume(ConnId conn, Connection& c, std::span<const std::uint8_t> bytes) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    DecodeResult r = decode(bytes.subspan(pos), config_.max_packet_bytes);
    if (r.status == DecodeStatus::need_more) break;
    ports_.compute.charge(config_.packet_cost_flops);
    if (r.status != DecodeStatus::ok) {
      if (r.status == DecodeStatus::bad_protocol_level && c.state == Connection::State::awaiting_connect) {
        encode(Connack{false, ConnackCode::bad_protocol_version}, out_);  // MQTT-3.1.2-2 (an MQTT 5 client, say)
        send(conn);
      }
      emit(EventKind::protocol_error, conn, static_cast<std::int64_t>(r.status));
      end_connection(conn, c, CloseReason::protocol_error, true);
      return -1;
    }
    pos += r.consumed;
    if (!handle(conn, c, r.packet, r.consumed)) return -1;
  }
  return static_cast<std::ptrdiff_t>(pos);
}

bool Broker::handle(ConnId conn, Connection& c, Packet& packet, std::size_t packet_bytes) {
  Violation violation{};
  if (const auto* p = std::get_if<Connect>(&packet)) {
    if (c.state == Connection::State::connected) {
      violation = Violation::second_connect;
    } else if (p->protocol_level != static_cast<std::uint8_t>(Version::v311)) {
      // An MQTT 5 client: this broker speaks MQTT 3.1.1, and says so (MQTT-3.1.2-2).
      encode(Connack{false, ConnackCode::bad_protocol_version}, out_);
      send(conn);
      emit(EventKind::protocol_error, conn, static_cast<std::int64_t>(DecodeStatus::bad_protocol_level));
      end_connection(conn, c, CloseReason::protocol_error, true);
      return false;
    } else {
      handle_connect(conn, c, *p);
      return connections_[conn].state == Connection::State::connected;
    }
  } else if (c.state != Connection::State::connected) {
    violation = Violation::not_connected;
  } else {
    Session& s = sessions_[c.session];
    if (const auto* pub = std::get_if<Publish>(&packet)) {
      handle_publish(conn, s, *pub, packet_bytes);
    } else if (const auto* ack = std::get_if<Puback>(&packet)) {
      if (s.out) {
        auto& f = s.out->inflight;
        auto it = std::find_if(f.begin(), f.end(), [&](const auto& m) { return m.id == ack->packet_id && m.qos == 1; });
        if (it != f.end()) {
          f.erase(it);
          pump(s);
        }
      }
    } else if (const auto* rec = std::get_if<Pubrec>(&packet)) {
      if (s.out) {
        auto& f = s.out->inflight;
        auto it = std::find_if(f.begin(), f.end(), [&](const auto& m) { return m.id == rec->packet_id && m.qos == 2; });
        if (it != f.end()) {
          it->released = true;
          it->message.reset();  // the message is delivered; only its id waits for PUBCOMP (4.3.3)
        }
      }
      encode(Pubrel{rec->packet_id}, out_);
      send(conn);
    } else if (const auto* comp = std::get_if<Pubcomp>(&packet)) {
      if (s.out) {
        auto& f = s.out->inflight;
        auto it = std::find_if(f.begin(), f.end(), [&](const auto& m) { return m.id == comp->packet_id && m.released; });
        if (it != f.end()) {
          f.erase(it);
          pump(s);
        }
      }
    } else if (const auto* rel = std::get_if<Pubrel>(&packet)) {
      auto& pending = s.qos2_received;
      pending.erase(std::remove(pending.begin(), pending.end(), rel->packet_id), pending.end());
      encode(Pubcomp{rel->packet_id}, out_);  // even for an unknown id (MQTT-4.3.3-2)
      send(conn);
    } else if (const auto* sub = std::get_if<Subscribe>(&packet)) {
      handle_subscribe(conn, *sub);
    } else if (const auto* unsub = std::get_if<Unsubscribe>(&packet)) {
      for (std::string_view f : unsub->filters) subscriptions_.unsubscribe(c.session, f);
      encode(Unsuback{unsub->packet_id}, out_);  // MQTT-3.10.4-4/5, also when nothing matched
      send(conn);
    } else if (std::holds_alternative<Pingreq>(packet)) {
      encode(Pingresp{}, out_);
      send(conn);
    } else if (std::holds_alternative<Disconnect>(packet)) {
      s.will.reset();  // MQTT-3.14.4-3: a clean DISCONNECT discards the will
      end_connection(conn, c, CloseReason::client_disconnect, true);
      return false;
    } else {
      violation = Violation::unexpected;  // CONNACK, SUBACK, UNSUBACK, PINGRESP: server-to-client packets
    }
  }
  if (violation == Violation{}) return true;
  emit(EventKind::protocol_error, conn, static_cast<std::int64_t>(violation));
  end_connection(conn, c, CloseReason::protocol_error, true);
  return false;
}

void Broker::handle_connect(ConnId conn, Connection& c, const Connect& p) {
  std::string client_id(p.client_id);
  if (client_id.empty()) {
    if (!p.clean_session) {  // MQTT-3.1.3-8: a persistent session needs a name
      encode(Connack{false, ConnackCode::identifier_rejected}, out_);
      send(conn);
      c.state = Connection::State::closed;
      ports_.transport.close(conn);
      return;
    }
    client_id = "tb-auto-" + std::to_string(++generated_ids_);  // MQTT-3.1.3-6
  }
  auto it = by_client_id_.find(client_id);
  if (it != by_client_id_.end()) {
    Session& old = sessions_[it->second];
    if (old.conn != kNoConn) end_connection(old.conn, connections_[old.conn], CloseReason::taken_over, true);  // MQTT-3.1.4-2
    it = by_client_id_.find(client_id);  // a clean session ends with its connection
    if (it != by_client_id_.end() && p.clean_session) {
      drop_session(it->second);  // MQTT-3.1.2-6: a clean session starts afresh
      it = by_client_id_.end();
    }
  }
  const bool session_present = it != by_client_id_.end();
  SessionId id;
  if (session_present) {
    id = it->second;
  } else {
    if (free_sessions_.empty()) {
      id = static_cast<SessionId>(sessions_.size());
      sessions_.emplace_back();
    } else {
      id = free_sessions_.back();
      free_sessions_.pop_back();
    }
    by_client_id_.emplace(client_id, id);
    sessions_[id].client_id = std::move(client_id);
  }
  Session& s = sessions_[id];
  s.conn = conn;
  s.clean = p.clean_session;
  s.will.reset();
  if (p.will)
    s.will = std::make_unique<Session::Will>(
        Session::Will{std::string(p.will_topic), {p.will_message.begin(), p.will_message.end()}, p.will_qos, p.will_retain});
  c.state = Connection::State::connected;
  c.keepalive_s = p.keepalive_s;
  c.session = id;
  ++connected_;
  emit(EventKind::session_opened, conn, p.keepalive_s);
  encode(Connack{session_present, ConnackCode::accepted}, out_);
  send(conn);
  if (s.out) {
    // MQTT-4.4.0-1: resend what was unacknowledged, with the original ids: PUBLISH with DUP, or PUBREL.
    for (const auto& m : s.out->inflight) {
      if (m.released) encode(Pubrel{m.id}, out_);
      else encode_publish(*m.message, m.qos, m.retain, true, m.id);
      send(conn);
    }
    pump(s);
  }
  hooks_.on_connected(conn);
}

void Broker::handle_publish(ConnId conn, Session& s, const Publish& p, std::size_t packet_bytes) {
  bool fresh = true;
  if (p.qos == 2) {
    // Exactly once (4.3.3, method B): route on the first PUBLISH of an id, until its PUBREL.
    auto& pending = s.qos2_received;
    fresh = std::find(pending.begin(), pending.end(), p.packet_id) == pending.end();
    if (fresh) pending.push_back(p.packet_id);
  }
  if (fresh) {
    ++stats_.received;
    hooks_.on_publish(conn, p, packet_bytes);
    if (p.retain) retained_.set(p.topic, p.payload, p.qos);  // MQTT-3.3.1-5/10/11
    if (subscriptions_.size() > 0) route(std::make_shared<const Message>(Message{std::string(p.topic), {p.payload.begin(), p.payload.end()}}), p.qos, false);
  }
  if (!connected(conn)) return;  // the host may have closed the connection
  if (p.qos == 1) encode(Puback{p.packet_id}, out_);
  if (p.qos == 2) encode(Pubrec{p.packet_id}, out_);
  if (!out_.empty()) send(conn);
}

void Broker::handle_subscribe(ConnId conn, const Subscribe& p) {
  const SessionId id = connections_[conn].session;
  std::vector<std::uint8_t> granted;
  granted.reserve(p.subscriptions.size());
  for (const auto& sub : p.subscriptions) {
    subscriptions_.subscribe(id, sub.filter, sub.qos);  // replaces an identical filter (MQTT-3.8.4-3)
    granted.push_back(sub.qos);
  }
  encode(Suback{p.packet_id, std::move(granted)}, out_);
  send(conn);
  // MQTT-3.3.1-6: the new subscription gets the matching retained messages, with RETAIN set.
  for (const auto& sub : p.subscriptions) {
    retained_.match(sub.filter, [&](const std::string& topic, const RetainedStore::Message& m) {
      deliver(id, std::make_shared<const Message>(Message{topic, m.payload}), std::min(m.qos, sub.qos), true);
    });
  }
}

void Broker::end_connection(ConnId conn, Connection& c, CloseReason why, bool close_transport) {
  const bool was_connected = c.state == Connection::State::connected;
  const SessionId id = c.session;
  c.state = Connection::State::closed;
  c.session = kNoSession;
  c.partial.clear();
  if (close_transport) ports_.transport.close(conn);
  if (!was_connected) return;
  --connected_;
  emit(EventKind::session_closed, conn, static_cast<std::int64_t>(why));
  Session& s = sessions_[id];
  s.conn = kNoConn;
  if (auto will = std::move(s.will)) {  // MQTT-3.1.2-8: the connection ended without DISCONNECT
    ++stats_.wills;
    if (will->retain) retained_.set(will->topic, will->payload, will->qos);
    route(std::make_shared<const Message>(Message{std::move(will->topic), std::move(will->payload)}), will->qos, false);
  }
  if (sessions_[id].clean) drop_session(id);  // MQTT-3.1.2-6: a clean session lasts as long as its connection
}

void Broker::drop_session(SessionId id) {
  Session& s = sessions_[id];
  subscriptions_.remove_client(id);
  by_client_id_.erase(s.client_id);
  s = Session{};
  free_sessions_.push_back(id);
}

void Broker::publish(std::string_view topic, std::span<const std::uint8_t> payload, std::uint8_t qos, bool retain) {
  assert(qos <= 2);
  if (retain) retained_.set(topic, payload, qos);
  if (subscriptions_.size() > 0) route(std::make_shared<const Message>(Message{std::string(topic), {payload.begin(), payload.end()}}), qos, false);
}

bool Broker::send_to(ConnId conn, std::string_view topic, std::span<const std::uint8_t> payload) {
  if (!connected(conn)) return false;
  encode(Publish{topic, payload, 0, false, false, 0}, out_);
  send(conn);
  return true;
}

void Broker::route(std::shared_ptr<const Message> m, std::uint8_t qos, bool retain) {
  // MQTT-3.3.1-9: a message forwarded to existing subscriptions goes out with RETAIN 0.
  subscriptions_.match(m->topic, [&](ConnId session, std::uint8_t granted) { deliver(session, m, std::min(qos, granted), retain); });
}

void Broker::deliver(SessionId id, const std::shared_ptr<const Message>& m, std::uint8_t qos, bool retain) {
  Session& s = sessions_[id];
  if (qos == 0) {
    if (s.conn == kNoConn) return;  // QoS 0 is not kept for an offline session
    ++stats_.delivered;
    encode_publish(*m, 0, retain, false, 0);
    send(s.conn);
    return;
  }
  if (!s.out) s.out = std::make_unique<Outbox>();
  auto& q = s.out->queued;
  if (q.size() >= config_.max_queued) {
    q.pop_front();
    ++stats_.queue_dropped;
  }
  q.push_back({m, qos, retain});
  if (s.conn != kNoConn) pump(s);
}

void Broker::pump(Session& s) {
  Outbox& o = *s.out;
  while (s.conn != kNoConn && !o.queued.empty() && o.inflight.size() < config_.max_inflight) {
    Outbox::Queued q = std::move(o.queued.front());
    o.queued.pop_front();
    std::uint16_t id = s.next_id;
    while (std::any_of(o.inflight.begin(), o.inflight.end(), [&](const auto& m) { return m.id == id; }) || id == 0) ++id;
    s.next_id = static_cast<std::uint16_t>(id + 1);
    ++stats_.delivered;
    encode_publish(*q.message, q.qos, q.retain, false, id);
    send(s.conn);
    o.inflight.push_back({id, q.qos, q.retain, false, std::move(q.message)});
  }
}

void Broker::encode_publish(const Message& m, std::uint8_t qos, bool retain, bool dup, std::uint16_t id) {
  encode(Publish{m.topic, m.payload, qos, retain, dup, id}, out_);
}

void Broker::send(ConnId conn) {
  // A failed send is not an error of ours: the client's session recovers or times out.
  (void)ports_.transport.send(conn, out_);
  out_.clear();
}

void Broker::close_all() {
  for (ConnId conn = 0; conn < connections_.size(); ++conn)
    if (connections_[conn].state != Connection::State::closed) end_connection(conn, connections_[conn], CloseReason::gateway_shutdown, true);
}

void Broker::sweep() {
  const TimeUs now = ports_.clock.now_us();
  for (ConnId conn = 0; conn < connections_.size(); ++conn) {
    Connection& c = connections_[conn];
    // MQTT-3.1.2-24: no packet within 1.5 x keepalive means the client is gone.
    if (c.state == Connection::State::connected && c.keepalive_s > 0 && (now - c.last_rx_us) * 2 > TimeUs{c.keepalive_s} * 3'000'000)
      end_connection(conn, c, CloseReason::keepalive_timeout, true);
  }
}

}  // namespace twinbench::runtime::mqtt
