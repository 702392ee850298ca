#include "twinbench/runtime/mqtt/Broker.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

#include "BrokerState.hpp"

namespace twinbench::runtime::mqtt {

using namespace broker_detail;

Broker::Broker(BrokerConfig config, BrokerPorts ports, BrokerHooks& hooks) : config_(config), ports_(ports), hooks_(hooks) {
  assert(config_.max_inflight > 0);
}

Broker::~Broker() {
  for (const Session& s : sessions_)
    if (s.will_timer != 0) ports_.clock.cancel(s.will_timer);
}

Broker::Connection& Broker::connection(ConnId conn) {
  if (conn >= connections_.size()) connections_.resize(static_cast<std::size_t>(conn) + 1);
  return connections_[conn];
}

bool Broker::connected(ConnId conn) const {
  return conn < connections_.size() && connections_[conn].state == Connection::State::connected;
}

std::string_view Broker::client_id(ConnId conn) const {
  if (conn >= connections_.size() || connections_[conn].session == kNoSession) return {};
  return sessions_[connections_[conn].session].client_id;
}

void Broker::on_open(ConnId conn) {
  Connection& c = connection(conn);
  assert(c.state == Connection::State::closed);
  if (open_ >= config_.max_connections) {  // refused before it can hold anything: no state, no CONNACK
    ++stats_.connections_refused;
    emit(conn, ev::ProtocolError{.code = static_cast<std::int64_t>(Violation::too_many_connections)});
    ports_.transport.close(conn);
    return;
  }
  ++open_;
  ++c.generation;
  c.state = Connection::State::awaiting_connect;
  c.version = Version::v311;
  c.last_rx_us = c.opened_us = ports_.clock.now_us();
  c.partial.clear();
  sweep_due_us_ = std::min(sweep_due_us_, deadline(c));
}

void Broker::on_closed(ConnId conn) {
  Connection& c = connection(conn);
  if (c.state != Connection::State::closed) end_connection(conn, c, CloseReason::peer_closed, false);
}

void Broker::on_bytes(ConnId conn, std::span<const std::uint8_t> bytes) {
  Connection& c = connection(conn);
  if (c.state == Connection::State::closed) return;  // late bytes of a connection we already closed
  c.last_rx_us = ports_.clock.now_us();
  if (c.partial.empty() && c.state != Connection::State::authenticating) {
    const std::ptrdiff_t used = consume(conn, c, bytes);
    if (used >= 0) connections_[conn].partial.assign(bytes.begin() + used, bytes.end());
    return;
  }
  c.partial.insert(c.partial.end(), bytes.begin(), bytes.end());
  if (c.state == Connection::State::authenticating) {  // they wait for the answer, within one packet's room
    if (c.partial.size() > config_.max_packet_bytes)
      refuse(conn, c, static_cast<std::int64_t>(DecodeStatus::packet_too_large), kPacketTooLarge);
    return;
  }
  drain(conn);
}

void Broker::drain(ConnId conn) {
  Connection& c = connections_[conn];
  std::vector<std::uint8_t> buffered;
  buffered.swap(c.partial);
  const std::ptrdiff_t used = consume(conn, c, buffered);
  if (used >= 0) connections_[conn].partial.assign(buffered.begin() + used, buffered.end());
}

void Broker::refuse(ConnId conn, Connection& c, std::int64_t why, std::uint8_t reason) {
  emit(conn, ev::ProtocolError{.code = why});
  end_connection(conn, c, CloseReason::protocol_error, true, reason);
}

std::ptrdiff_t Broker::consume(ConnId conn, Connection& c, std::span<const std::uint8_t> bytes) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    DecodeResult r = decode(bytes.subspan(pos), config_.max_packet_bytes, c.version);
    if (r.status == DecodeStatus::need_more) break;
    ports_.compute.charge(config_.packet_cost_flops);
    if (r.status != DecodeStatus::ok) {
      if (r.status == DecodeStatus::bad_protocol_level && c.state == Connection::State::awaiting_connect) {
        encode(Connack{false, ConnackCode::bad_protocol_version}, out_);  // MQTT-3.1.2-2: a level we do not speak
        send(conn);
      }
      const bool malformed = r.status != DecodeStatus::bad_property && r.status != DecodeStatus::bad_reason_code &&
                             r.status != DecodeStatus::bad_subscription_options;
      refuse(conn, c, static_cast<std::int64_t>(r.status), r.status == DecodeStatus::packet_too_large ? kPacketTooLarge
                                                           : malformed                                 ? kMalformed
                                                                                                       : kProtocolError);
      return -1;
    }
    const auto packet = bytes.subspan(pos, r.consumed);
    pos += r.consumed;
    if (!handle(conn, c, r.packet, packet)) return -1;
    if (connections_[conn].state == Connection::State::authenticating) break;  // the rest waits for the password check
  }
  return static_cast<std::ptrdiff_t>(pos);
}

Broker::Inflight* Broker::inflight(Session& s, std::uint16_t id) {
  if (!s.out) return nullptr;
  auto& f = s.out->inflight;
  auto it = std::find_if(f.begin(), f.end(), [&](const auto& m) { return m.id == id; });
  return it == f.end() ? nullptr : &*it;
}

void Broker::complete(Session& s, const Inflight& m) {
  auto& f = s.out->inflight;
  f.erase(f.begin() + (&m - f.data()));
  pump(s);  // the window has room again
}

bool Broker::handle(ConnId conn, Connection& c, Packet& packet, std::span<const std::uint8_t> raw) {
  const std::size_t packet_bytes = raw.size();
  Violation violation{};
  if (const auto* p = std::get_if<Connect>(&packet)) {
    if (c.state == Connection::State::connected) {
      violation = Violation::second_connect;
    } else {
      handle_connect(conn, c, *p, raw);
      const auto state = connections_[conn].state;
      return state == Connection::State::connected || state == Connection::State::authenticating;
    }
  } else if (c.state != Connection::State::connected) {
    violation = Violation::not_connected;
  } else {
    Session& s = sessions_[c.session];
    const Version v = c.version;
    if (const auto* pub = std::get_if<Publish>(&packet)) {
      if (find_property(pub->properties, PropertyId::topic_alias)) {
        refuse(conn, c, static_cast<std::int64_t>(Violation::unexpected), kTopicAliasInvalid);  // we allow none (MQTT 5 3.3.2.3.4)
        return false;
      }
      handle_publish(conn, s, *pub, packet_bytes);
      return connected(conn);  // refused (Receive Maximum), or closed by the host
    } else if (const auto* ack = std::get_if<Puback>(&packet)) {
      if (auto* m = inflight(s, ack->packet_id); m && m->qos == 1) complete(s, *m);
    } else if (const auto* rec = std::get_if<Pubrec>(&packet)) {
      auto* m = inflight(s, rec->packet_id);
      const bool known = m && m->qos == 2;
      if (known && rec->reason >= 0x80) {  // MQTT 5: the receiver refused it; the exchange ends here
        complete(s, *m);
        return true;
      }
      if (known) {
        m->released = true;
        m->message.reset();  // the message is delivered; only its id waits for PUBCOMP (4.3.3)
      }
      encode(Pubrel{rec->packet_id, static_cast<std::uint8_t>(known || v == Version::v311 ? 0 : 0x92)}, out_, v);
      send(conn);
    } else if (const auto* comp = std::get_if<Pubcomp>(&packet)) {
      if (auto* m = inflight(s, comp->packet_id); m && m->released) complete(s, *m);
    } else if (const auto* rel = std::get_if<Pubrel>(&packet)) {
      auto& pending = s.qos2_received;
      const auto it = std::find(pending.begin(), pending.end(), rel->packet_id);
      const bool known = it != pending.end();
      if (known) pending.erase(it);
      // Even for an unknown id (MQTT-4.3.3-2); MQTT 5 says so with 0x92 (packet identifier not found).
      encode(Pubcomp{rel->packet_id, static_cast<std::uint8_t>(known || v == Version::v311 ? 0 : 0x92)}, out_, v);
      send(conn);
    } else if (const auto* sub = std::get_if<Subscribe>(&packet)) {
      handle_subscribe(conn, *sub);
    } else if (const auto* unsub = std::get_if<Unsubscribe>(&packet)) {
      Unsuback ack{unsub->packet_id};
      for (std::string_view f : unsub->filters) {
        const bool existed = subscriptions_.unsubscribe(c.session, f);
        ack.reason_codes.push_back(existed ? 0x00 : kNoSubscriptionExisted);
      }
      encode(ack, out_, v);  // MQTT-3.10.4-4/5, also when nothing matched
      send(conn);
    } else if (std::holds_alternative<Pingreq>(packet)) {
      encode(Pingresp{}, out_, v);
      send(conn);
    } else if (const auto* d = std::get_if<Disconnect>(&packet)) {
      // A clean DISCONNECT discards the will (MQTT-3.14.4-3), unless MQTT 5's 0x04 asks for it.
      if (d->reason != 0x04) s.will.reset();
      if (const auto* e = find_property(d->properties, PropertyId::session_expiry_interval)) {
        if (s.expiry_s == 0 && e->number != 0) {  // MQTT-3.14.2-2
          refuse(conn, c, static_cast<std::int64_t>(Violation::unexpected), kProtocolError);
          return false;
        }
        s.expiry_s = e->number;
      }
      end_connection(conn, c, CloseReason::client_disconnect, true);
      return false;
    } else {
      violation = Violation::unexpected;  // CONNACK, SUBACK, UNSUBACK, PINGRESP, AUTH we never asked for
    }
  }
  if (violation == Violation{}) return true;
  refuse(conn, c, static_cast<std::int64_t>(violation), kProtocolError);
  return false;
}

void Broker::handle_connect(ConnId conn, Connection& c, const Connect& p, std::span<const std::uint8_t> raw) {
  const bool v5 = p.protocol_level == static_cast<std::uint8_t>(Version::v5);
  c.version = v5 ? Version::v5 : Version::v311;
  Connack ack;
  if (v5 && find_property(p.properties, PropertyId::authentication_method)) {
    ack.code = static_cast<ConnackCode>(kBadAuthMethod);  // no enhanced authentication here (MQTT 5 4.12)
    encode(ack, out_, c.version);
    send(conn);
    emit(conn, ev::ProtocolError{.code = static_cast<std::int64_t>(Violation::unexpected)});
    end_connection(conn, c, CloseReason::protocol_error, true);
    return;
  }
  if (!ports_.access) return admit(conn, c, p, {});
  const auto a = ports_.access->admit(p.has_username ? std::optional(p.username) : std::nullopt, p.has_password,
                                      ports_.transport.peer_certificate_name(conn));
  using K = Access::Admission::Kind;
  switch (a.kind) {
    case K::admit: return admit(conn, c, p, a.identity.name);
    case K::refuse_credentials: return refuse_connect(conn, c, p, ConnectRefusal::credentials);
    case K::refuse_not_authorized: return refuse_connect(conn, c, p, ConnectRefusal::not_authorized);
    case K::verify_password: break;
  }
  c.state = Connection::State::authenticating;
  c.connect_packet.assign(raw.begin(), raw.end());
  assert(ports_.passwords);
  ports_.passwords->check(std::string(reinterpret_cast<const char*>(p.password.data()), p.password.size()), std::string(a.hash),
                          [this, conn, generation = c.generation, identity = a.identity.name](PasswordVerdict v) {
                            on_password_checked(conn, generation, identity, v);
                          });
}

void Broker::on_password_checked(ConnId conn, std::uint32_t generation, const std::string& identity, PasswordVerdict verdict) {
  if (conn >= connections_.size()) return;
  Connection& c = connections_[conn];
  if (c.state != Connection::State::authenticating || c.generation != generation) return;  // closed meanwhile
  std::vector<std::uint8_t> raw;
  raw.swap(c.connect_packet);
  const DecodeResult r = decode(raw, config_.max_packet_bytes, c.version);
  const Connect& p = std::get<Connect>(r.packet);  // it decoded before
  if (verdict != PasswordVerdict::match)
    return refuse_connect(conn, c, p, verdict == PasswordVerdict::busy ? ConnectRefusal::busy : ConnectRefusal::credentials);
  admit(conn, c, p, identity);
  if (connected(conn) && !connections_[conn].partial.empty()) drain(conn);
}

void Broker::refuse_connect(ConnId conn, Connection& c, const Connect& p, ConnectRefusal why, std::string_view topic) {
  const bool v5 = c.version == Version::v5;
  std::uint8_t code = 0;
  switch (why) {
    case ConnectRefusal::credentials: code = v5 ? kBadUserNameOrPassword : static_cast<std::uint8_t>(ConnackCode::bad_username_or_password); break;
    case ConnectRefusal::not_authorized: code = v5 ? kNotAuthorized : static_cast<std::uint8_t>(ConnackCode::not_authorized); break;
    case ConnectRefusal::busy: code = v5 ? kServerBusy : static_cast<std::uint8_t>(ConnackCode::server_unavailable); break;
  }
  Connack ack;
  ack.code = static_cast<ConnackCode>(code);
  encode(ack, out_, c.version);
  send(conn);
  ++stats_.connects_refused;
  c.identity.assign(p.has_username ? p.username : std::string_view{});
  refused(conn, c, Refusal::What::connect, code, p.client_id, topic);
  end_connection(conn, c, CloseReason::protocol_error, true);
}

void Broker::refused(ConnId conn, const Connection& c, Refusal::What what, std::uint8_t code, std::string_view client_id, std::string_view topic) {
  emit(conn, ev::AccessRefused{.what = static_cast<std::int64_t>(what), .code = code});
  hooks_.on_refused(conn, Refusal{what, code, c.identity, client_id, topic});
}

void Broker::admit(ConnId conn, Connection& c, const Connect& p, std::string identity) {
  const bool v5 = c.version == Version::v5;
  Connack ack;
  std::string client_id(p.client_id);
  bool assigned = false;
  if (client_id.empty()) {
    if (!v5 && !p.clean_session) {  // MQTT-3.1.3-8: a persistent session needs a name
      ack.code = ConnackCode::identifier_rejected;
      encode(ack, out_);
      send(conn);
      end_connection(conn, c, CloseReason::protocol_error, true);
      return;
    }
    client_id = "tb-auto-" + std::to_string(++generated_ids_);  // MQTT-3.1.3-6; MQTT 5 says which (3.2.2.3.7)
    assigned = true;
  }
  c.identity = std::move(identity);
  if (p.will && ports_.access && !ports_.access->may_publish({c.identity}, client_id, p.will_topic))
    return refuse_connect(conn, c, p, ConnectRefusal::not_authorized, p.will_topic);  // its will could not be published
  // clean_session is 3.1.1's Clean Session and MQTT 5's Clean Start; a 3.1.1 session without it lasts forever.
  std::uint32_t expiry = p.clean_session ? 0 : kNeverExpires;
  if (v5) {
    const auto* e = find_property(p.properties, PropertyId::session_expiry_interval);
    expiry = e ? e->number : 0;
  }
  auto it = by_client_id_.find(client_id);
  if (it != by_client_id_.end()) {
    Session& old = sessions_[it->second];
    if (old.conn != kNoConn) end_connection(old.conn, connections_[old.conn], CloseReason::taken_over, true, kSessionTakenOver);  // MQTT-3.1.4-2
    it = by_client_id_.find(client_id);  // a session that expires at once ends with its connection
    if (it != by_client_id_.end() && p.clean_session) {
      drop_session(it->second);  // MQTT-3.1.2-6 (Clean Start in MQTT 5)
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
    sessions_[id].client_id = client_id;
  }
  Session& s = sessions_[id];
  expiring_.erase(id);
  s.conn = conn;
  s.expiry_s = expiry;
  s.receive_maximum = 0xFFFF;
  s.maximum_packet = 0;
  if (v5) {
    if (const auto* r = find_property(p.properties, PropertyId::receive_maximum)) s.receive_maximum = static_cast<std::uint16_t>(r->number);
    if (const auto* m = find_property(p.properties, PropertyId::maximum_packet_size)) s.maximum_packet = m->number;
  }
  if (s.will_timer != 0) {  // back before its will was due: it is not published (MQTT 5 3.1.3.2.2)
    ports_.clock.cancel(s.will_timer);
    s.will_timer = 0;
  }
  s.will.reset();
  if (p.will) {
    auto m = std::make_shared<Message>();
    m->topic = p.will_topic;
    m->payload.assign(p.will_message.begin(), p.will_message.end());
    m->properties.assign(p.will_properties, [](const Property& q) {
      return q.id != PropertyId::will_delay_interval && q.id != PropertyId::message_expiry_interval;
    });
    if (const auto* e = find_property(p.will_properties, PropertyId::message_expiry_interval)) m->expiry_s = e->number;
    const auto* delay = find_property(p.will_properties, PropertyId::will_delay_interval);
    s.will = std::make_unique<Session::Will>(Session::Will{std::move(m), p.will_qos, p.will_retain, delay ? delay->number : 0});
  }
  c.state = Connection::State::connected;
  c.keepalive_s = p.keepalive_s;
  // MQTT 5: a client asking for no keepalive, or for more than we keep a silent connection, gets ours
  // (Server Keep Alive, which it must use). A 3.1.1 client cannot be told: its keepalive stands.
  const bool server_keepalive = v5 && config_.max_keepalive_s != 0 && (p.keepalive_s == 0 || p.keepalive_s > config_.max_keepalive_s);
  if (server_keepalive) c.keepalive_s = config_.max_keepalive_s;
  sweep_due_us_ = std::min(sweep_due_us_, deadline(c));
  c.session = id;
  ++connected_;
  emit(conn, ev::SessionOpened{.keepalive_s = c.keepalive_s});
  ack.session_present = session_present;
  if (v5) {
    const auto announce = [&](PropertyId id, std::uint32_t number) {
      Property q;
      q.id = id;
      q.number = number;
      ack.properties.push_back(q);
    };
    announce(PropertyId::shared_subscription_available, 0);  // $share/ filters are refused (0x9E)
    announce(PropertyId::receive_maximum, config_.receive_maximum);
    announce(PropertyId::maximum_packet_size, static_cast<std::uint32_t>(config_.max_packet_bytes));
    if (server_keepalive) announce(PropertyId::server_keep_alive, c.keepalive_s);
    if (assigned) {
      Property a;
      a.id = PropertyId::assigned_client_identifier;
      a.text = s.client_id;
      ack.properties.push_back(a);
    }
  }
  encode(ack, out_, c.version);
  send(conn);
  if (s.out) {
    // MQTT-4.4.0-1: resend what was unacknowledged, with the original ids: PUBLISH with DUP, or PUBREL.
    for (const auto& m : s.out->inflight) {
      if (m.released) encode(Pubrel{m.id}, out_, c.version);
      else encode_publish(s, *m.message, m.qos, m.retain, true, m.id, m.subscription_ids);
      if (!out_.empty()) send(conn);
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
    if (fresh && connections_[conn].version == Version::v5 && pending.size() >= config_.receive_maximum) {
      ++stats_.receive_maximum_exceeded;  // MQTT-3.3.4-9: more than it was told it may have in flight
      refuse(conn, connections_[conn], static_cast<std::int64_t>(Violation::receive_maximum_exceeded), kReceiveMaximumExceeded);
      return;
    }
    if (fresh) pending.push_back(p.packet_id);
  }
  const Version v = connections_[conn].version;
  if (fresh && ports_.access && !ports_.access->may_publish({connections_[conn].identity}, s.client_id, p.topic)) {
    // Not routed, not seen by the host. MQTT 5 says so in the acknowledgement (which ends a QoS 2 exchange);
    // a 3.1.1 client cannot be told, and is acknowledged as usual so that it does not send it again.
    ++stats_.publishes_refused;
    const std::uint8_t code = v == Version::v5 && p.qos > 0 ? kNotAuthorized : 0;
    refused(conn, connections_[conn], Refusal::What::publish, code, s.client_id, p.topic);
    if (p.qos == 2 && v == Version::v5) s.qos2_received.pop_back();
    if (p.qos == 1) encode(Puback{p.packet_id, code}, out_, v);
    if (p.qos == 2) encode(Pubrec{p.packet_id, code}, out_, v);
    if (!out_.empty()) send(conn);
    return;
  }
  if (fresh) {
    ++stats_.received;
    hooks_.on_publish(conn, p, packet_bytes);
    const SessionId from = connections_[conn].session;
    if (p.retain || subscriptions_.size() > 0) {
      auto m = std::make_shared<Message>();
      m->topic = p.topic;
      m->payload.assign(p.payload.begin(), p.payload.end());
      m->received_us = ports_.clock.now_us();
      m->properties.assign(p.properties, [](const Property& q) {
        return q.id != PropertyId::topic_alias && q.id != PropertyId::subscription_identifier && q.id != PropertyId::message_expiry_interval;
      });
      if (const auto* e = find_property(p.properties, PropertyId::message_expiry_interval)) m->expiry_s = e->number;
      if (p.retain) retain(m, p.qos);  // MQTT-3.3.1-5/10/11
      if (subscriptions_.size() > 0) route(m, p.qos, p.retain, from);
    }
  }
  if (!connected(conn)) return;  // the host may have closed the connection
  if (p.qos == 1) encode(Puback{p.packet_id}, out_, v);
  if (p.qos == 2) encode(Pubrec{p.packet_id}, out_, v);
  if (!out_.empty()) send(conn);
}

void Broker::handle_subscribe(ConnId conn, const Subscribe& p) {
  const SessionId id = connections_[conn].session;
  const Version v = connections_[conn].version;
  const auto* sub_id = find_property(p.properties, PropertyId::subscription_identifier);
  Suback ack;
  ack.packet_id = p.packet_id;
  std::vector<std::pair<const Subscription*, bool>> accepted;  // and whether each is new
  for (const auto& sub : p.subscriptions) {
    if (v == Version::v5 && sub.filter.starts_with("$share/")) {
      ack.return_codes.push_back(kSharedNotSupported);  // as the CONNACK said
      continue;
    }
    if (ports_.access && !ports_.access->may_subscribe({connections_[conn].identity}, sessions_[id].client_id, sub.filter)) {
      const std::uint8_t code = v == Version::v5 ? kNotAuthorized : kSubackFailure;
      ack.return_codes.push_back(code);
      ++stats_.subscriptions_refused;
      refused(conn, connections_[conn], Refusal::What::subscribe, code, sessions_[id].client_id, sub.filter);
      continue;
    }
    const SubscriptionOptions o{sub.qos, sub.no_local, sub.retain_as_published, sub_id ? sub_id->number : 0u};
    accepted.emplace_back(&sub, subscriptions_.subscribe(id, sub.filter, o));  // replaces an identical filter (MQTT-3.8.4-3)
    ack.return_codes.push_back(sub.qos);
  }
  encode(ack, out_, v);
  send(conn);
  // MQTT-3.3.1-6: a subscription gets the matching retained messages, with RETAIN set; MQTT 5's Retain
  // Handling 1 only when the subscription is new, 2 never.
  for (const auto& [sub, fresh] : accepted) {
    if (sub->retain_handling == 2 || (sub->retain_handling == 1 && !fresh)) continue;
    for (const auto& [topic, r] : retained_) {
      if (!topic_matches(sub->filter, topic)) continue;
      std::vector<std::uint32_t> ids;
      if (sub_id) ids.push_back(sub_id->number);
      deliver(id, r.message, std::min(r.qos, sub->qos), true, ids);
    }
  }
  for (const auto& [sub, fresh] : accepted) hooks_.on_subscribed(conn, sub->filter);
}

void Broker::end_connection(ConnId conn, Connection& c, CloseReason why, bool close_transport, std::uint8_t v5_reason) {
  const bool was_connected = c.state == Connection::State::connected;
  if (c.state != Connection::State::closed) --open_;
  const SessionId id = c.session;
  if (close_transport && v5_reason != 0 && c.version == Version::v5 && c.state != Connection::State::closed) {
    encode(Disconnect{v5_reason}, out_, Version::v5);  // MQTT 5: the server says why before it closes
    send(conn);
  }
  c.state = Connection::State::closed;
  c.session = kNoSession;
  c.partial.clear();
  c.connect_packet.clear();
  c.identity.clear();
  if (close_transport) ports_.transport.close(conn);
  if (!was_connected) return;
  --connected_;
  emit(conn, ev::SessionClosed{.reason = static_cast<std::int64_t>(why)});
  Session& s = sessions_[id];
  s.conn = kNoConn;
  s.disconnected_us = ports_.clock.now_us();
  if (s.will) {  // MQTT-3.1.2-8: the connection ended without (a will-discarding) DISCONNECT
    if (s.will->delay_s == 0 || s.expiry_s == 0) {
      publish_will(id);
    } else {
      const TimeUs delay = TimeUs{std::min(s.will->delay_s, s.expiry_s)} * 1'000'000;
      s.will_timer = ports_.clock.schedule(delay, [this, id] {
        sessions_[id].will_timer = 0;
        publish_will(id);
      });
    }
  }
  if (sessions_[id].expiry_s == 0) drop_session(id);  // MQTT-3.1.2-6: a clean session lasts as long as its connection
  else if (sessions_[id].expiry_s != kNeverExpires) expiring_.insert(id);
}

void Broker::publish_will(SessionId id) {
  auto will = std::move(sessions_[id].will);
  if (!will) return;
  ++stats_.wills;
  if (will->retain) retain(will->message, will->qos);
  route(will->message, will->qos, will->retain, kNoSession);
}

void Broker::drop_session(SessionId id) {
  Session& s = sessions_[id];
  if (s.will_timer != 0) {  // the session ends: its delayed will goes now (MQTT 5 3.1.2.5)
    ports_.clock.cancel(s.will_timer);
    s.will_timer = 0;
    publish_will(id);
  }
  subscriptions_.remove_client(id);
  expiring_.erase(id);
  by_client_id_.erase(s.client_id);
  sessions_[id] = Session{};
  free_sessions_.push_back(id);
}

void Broker::close_all() {
  for (ConnId conn = 0; conn < connections_.size(); ++conn)
    if (connections_[conn].state != Connection::State::closed)
      end_connection(conn, connections_[conn], CloseReason::gateway_shutdown, true, kServerShuttingDown);
}

TimeUs Broker::deadline(const Connection& c) const {
  switch (c.state) {
    case Connection::State::awaiting_connect:
    case Connection::State::authenticating:
      return c.opened_us + config_.connect_timeout_us;
    case Connection::State::connected:  // MQTT-3.1.2-24: silent for more than 1.5 x keepalive
      return c.keepalive_s > 0 ? c.last_rx_us + TimeUs{c.keepalive_s} * 1'500'000 + 1 : std::numeric_limits<TimeUs>::max();
    default:
      return std::numeric_limits<TimeUs>::max();
  }
}

void Broker::sweep() {
  const TimeUs now = ports_.clock.now_us();
  if (now >= sweep_due_us_) {
    sweep_due_us_ = std::numeric_limits<TimeUs>::max();
    for (ConnId conn = 0; conn < connections_.size(); ++conn) {
      Connection& c = connections_[conn];
      const TimeUs due = deadline(c);
      if (now < due) {
        sweep_due_us_ = std::min(sweep_due_us_, due);
      } else if (c.state == Connection::State::connected) {
        end_connection(conn, c, CloseReason::keepalive_timeout, true, kKeepAliveTimeout);
      } else {  // a socket that never spoke MQTT, or a check that never answered
        ++stats_.connect_timeouts;
        refuse(conn, c, static_cast<std::int64_t>(Violation::connect_timeout), 0);
      }
    }
  }
  // Sessions whose expiry interval has passed since their connection ended (MQTT 5 3.1.2.11.2).
  for (auto it = expiring_.begin(); it != expiring_.end();) {
    const SessionId id = *it++;
    const Session& s = sessions_[id];
    if (now - s.disconnected_us >= TimeUs{s.expiry_s} * 1'000'000) drop_session(id);
  }
}

}  // namespace twinbench::runtime::mqtt
