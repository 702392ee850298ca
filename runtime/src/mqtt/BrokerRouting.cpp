// The broker's outbound side: retained messages, routing a message to the sessions it matches, the
// in-flight window and queue of each session, and encoding a PUBLISH for the session's version.
#include <algorithm>
#include <cassert>

#include "BrokerState.hpp"
#include "twinbench/runtime/mqtt/Broker.hpp"

namespace twinbench::runtime::mqtt {

using namespace broker_detail;

void Broker::retain(const std::shared_ptr<const Message>& m, std::uint8_t qos) {
  // An empty payload removes the topic's retained message (MQTT-3.3.1-10/11).
  if (m->payload.empty()) {
    if (auto it = retained_.find(m->topic); it != retained_.end()) retained_.erase(it);
  } else {
    retained_.insert_or_assign(m->topic, Retained{m, qos});
  }
}

void Broker::publish(std::string_view topic, std::span<const std::uint8_t> payload, std::uint8_t qos, bool retain_flag) {
  assert(qos <= 2);
  if (!retain_flag && subscriptions_.size() == 0) return;
  auto m = std::make_shared<Message>();
  m->topic = topic;
  m->payload.assign(payload.begin(), payload.end());
  m->received_us = ports_.clock.now_us();
  if (retain_flag) retain(m, qos);
  if (subscriptions_.size() > 0) route(m, qos, retain_flag, kNoSession);
}

bool Broker::send_to(ConnId conn, std::string_view topic, std::span<const std::uint8_t> payload) {
  if (!connected(conn)) return false;
  encode(Publish{topic, payload, 0, false, false, 0}, out_, connections_[conn].version);
  send(conn);
  return true;
}

void Broker::route(const std::shared_ptr<const Message>& m, std::uint8_t qos, bool retain_flag, SessionId publisher) {
  // MQTT-3.3.1-9: a message forwarded to existing subscriptions goes out with RETAIN 0, unless the
  // subscription asked for Retain As Published (MQTT 5).
  subscriptions_.match(m->topic, publisher, [&](ConnId session, const MatchResult& r) {
    deliver(session, m, std::min(qos, r.qos), retain_flag && r.retain_as_published, r.identifiers);
  });
}

bool Broker::expired(const Message& m) const {
  return m.expiry_s != kNeverExpires && ports_.clock.now_us() - m.received_us >= TimeUs{m.expiry_s} * 1'000'000;
}

void Broker::deliver(SessionId id, const std::shared_ptr<const Message>& m, std::uint8_t qos, bool retain_flag,
                     const std::vector<std::uint32_t>& subscription_ids) {
  Session& s = sessions_[id];
  if (qos == 0) {
    if (s.conn == kNoConn) return;  // QoS 0 is not kept for an offline session
    encode_publish(s, *m, 0, retain_flag, false, 0, subscription_ids);
    if (out_.empty()) {
      ++stats_.too_large;
      return;
    }
    ++stats_.delivered;
    send(s.conn);
    return;
  }
  if (!s.out) s.out = std::make_unique<Outbox>();
  auto& q = s.out->queued;
  if (q.size() >= config_.max_queued) {
    q.pop_front();
    ++stats_.queue_dropped;
  }
  q.push_back({m, qos, retain_flag, subscription_ids});
  if (s.conn != kNoConn) pump(s);
}

void Broker::pump(Session& s) {
  Outbox& o = *s.out;
  const std::size_t window = std::min<std::size_t>(config_.max_inflight, s.receive_maximum);  // MQTT-3.3.4-7
  while (s.conn != kNoConn && !o.queued.empty() && o.inflight.size() < window) {
    Outbox::Queued q = std::move(o.queued.front());
    o.queued.pop_front();
    if (expired(*q.message)) {  // MQTT 5 3.3.2.3.3: an expired message is not sent
      ++stats_.expired;
      continue;
    }
    std::uint16_t id = s.next_id;
    while (std::any_of(o.inflight.begin(), o.inflight.end(), [&](const auto& m) { return m.id == id; }) || id == 0) ++id;
    encode_publish(s, *q.message, q.qos, q.retain, false, id, q.subscription_ids);
    if (out_.empty()) {  // too large for this client: dropped
      ++stats_.too_large;
      continue;
    }
    s.next_id = static_cast<std::uint16_t>(id + 1);
    ++stats_.delivered;
    send(s.conn);
    o.inflight.push_back({id, q.qos, q.retain, false, std::move(q.message), std::move(q.subscription_ids)});
  }
}

void Broker::encode_publish(const Session& s, const Message& m, std::uint8_t qos, bool retain_flag, bool dup, std::uint16_t id,
                            const std::vector<std::uint32_t>& subscription_ids) {
  Publish p{m.topic, m.payload, qos, retain_flag, dup, id};
  const Version version = connections_[s.conn].version;  // only connected sessions are sent to
  if (version == Version::v5) {
    p.properties = m.properties.list;
    if (m.expiry_s != kNeverExpires) {  // the time it has left (MQTT 5 3.3.2.3.3)
      const TimeUs waited_s = (ports_.clock.now_us() - m.received_us) / 1'000'000;
      Property e;
      e.id = PropertyId::message_expiry_interval;
      e.number = static_cast<std::uint32_t>(std::max<TimeUs>(1, TimeUs{m.expiry_s} - waited_s));
      p.properties.push_back(e);
    }
    for (std::uint32_t sid : subscription_ids) {
      Property i;
      i.id = PropertyId::subscription_identifier;
      i.number = sid;
      p.properties.push_back(i);
    }
  }
  const std::size_t before = out_.size();
  encode(p, out_, version);
  if (s.maximum_packet != 0 && out_.size() - before > s.maximum_packet) out_.resize(before);  // MQTT-3.1.2-24 (v5): not sent
}

void Broker::send(ConnId conn) {
  // A failed send is not an error of ours: the client's session recovers or times out.
  (void)ports_.transport.send(conn, out_);
  out_.clear();
}

}  // namespace twinbench::runtime::mqtt
