#pragma once
// The broker's private state (Broker.cpp: connections and what clients send; BrokerRouting.cpp: what
// goes out to them). Included by those two files only.

#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "twinbench/runtime/mqtt/Broker.hpp"

namespace twinbench::runtime::mqtt {

namespace broker_detail {

inline constexpr std::uint32_t kNeverExpires = 0xFFFFFFFFu;

// MQTT 5 reason codes the broker sends.
inline constexpr std::uint8_t kMalformed = 0x81, kProtocolError = 0x82, kBadAuthMethod = 0x8C, kServerShuttingDown = 0x8B,
                       kSessionTakenOver = 0x8E, kKeepAliveTimeout = 0x8D, kTopicAliasInvalid = 0x94, kSharedNotSupported = 0x9E,
                       kNoSubscriptionExisted = 0x11, kPacketTooLarge = 0x95, kReceiveMaximumExceeded = 0x93, kNotAuthorized = 0x87,
                       kBadUserNameOrPassword = 0x86, kServerBusy = 0x89;

/** Properties with their own copy of every string and byte they refer to. */
struct OwnedProperties {
  std::string bytes;
  Properties list;

  /** Copy the properties of `src` that `keep` accepts. */
  template <typename Keep> void assign(const Properties& src, Keep keep) {
    std::size_t total = 0;
    for (const Property& p : src)
      if (keep(p)) total += p.text.size() + p.value.size() + p.data.size();
    bytes.reserve(total);  // no reallocation below: the views stay valid
    for (const Property& p : src) {
      if (!keep(p)) continue;
      Property q = p;
      auto copy = [&](std::string_view s) {
        const std::size_t at = bytes.size();
        bytes.append(s);
        return std::string_view(bytes.data() + at, s.size());
      };
      q.text = copy(p.text);
      q.value = copy(p.value);
      const auto d = copy(std::string_view(reinterpret_cast<const char*>(p.data.data()), p.data.size()));
      q.data = std::span(reinterpret_cast<const std::uint8_t*>(d.data()), d.size());
      list.push_back(q);
    }
  }
};

}  // namespace broker_detail

/** One published message, shared by every session it goes to. */
struct Broker::Message {
  using OwnedProperties = broker_detail::OwnedProperties;
  std::string topic;
  std::vector<std::uint8_t> payload;
  OwnedProperties properties;  ///< MQTT 5 properties forwarded as they came (not Topic Alias, Subscription Identifier, Message Expiry)
  TimeUs received_us = 0;
  std::uint32_t expiry_s = broker_detail::kNeverExpires;  ///< Message Expiry Interval, if it had one
};

/** An outbound QoS 1/2 message sent and not yet acknowledged. */
struct Broker::Inflight {
  std::uint16_t id;
  std::uint8_t qos;
  bool retain;
  bool released;  ///< QoS 2: PUBREC received, PUBREL sent, awaiting PUBCOMP
  std::shared_ptr<const Message> message;
  std::vector<std::uint32_t> subscription_ids;
};

/** A session's outbound QoS 1/2 state; allocated on its first such message (most devices never get one). */
struct Broker::Outbox {
  struct Queued {
    std::shared_ptr<const Message> message;
    std::uint8_t qos;
    bool retain;
    std::vector<std::uint32_t> subscription_ids;
  };
  std::vector<Inflight> inflight;  ///< in the order sent, which is the order of redelivery (MQTT-4.6.0-1)
  std::deque<Queued> queued;
};

struct Broker::Session {
  std::string client_id;
  ConnId conn = kNoConn;  ///< its connection's version is the session's
  std::uint32_t expiry_s = 0;       ///< how long the session outlives its connection (3.1.1: 0 if clean, else forever)
  TimeUs disconnected_us = 0;
  std::uint16_t receive_maximum = 0xFFFF;  ///< MQTT 5: the client's limit on our unacknowledged QoS 1/2 PUBLISHes
  std::uint32_t maximum_packet = 0;        ///< MQTT 5: the largest packet the client accepts; 0 = no limit
  std::uint16_t next_id = 1;
  std::vector<std::uint16_t> qos2_received;  ///< QoS 2 ids routed, awaiting PUBREL (exactly once)
  struct Will {
    std::shared_ptr<const Message> message;
    std::uint8_t qos;
    bool retain;
    std::uint32_t delay_s;
  };
  std::unique_ptr<Will> will;
  TimerId will_timer = 0;  ///< a will waiting for its Will Delay Interval
  std::unique_ptr<Outbox> out;
};

struct Broker::Connection {
  /// authenticating: its CONNECT waits for the password check (bytes that come meanwhile wait in `partial`)
  enum class State : std::uint8_t { closed, awaiting_connect, authenticating, connected };
  State state = State::closed;
  std::uint32_t generation = 0;  ///< counts on_open: a password check's answer for an earlier connection on this id is ignored
  std::string identity;          ///< who it is, once connected ("" anonymous)
  std::vector<std::uint8_t> connect_packet;  ///< authenticating: the CONNECT, decoded again when the check answers
  Version version = Version::v311;
  std::uint16_t keepalive_s = 0;
  TimeUs last_rx_us = 0;
  TimeUs opened_us = 0;  ///< for the CONNECT timeout
  SessionId session = kNoSession;
  std::vector<std::uint8_t> partial;  ///< bytes of an incomplete packet (empty in the common case)
};

}  // namespace twinbench::runtime::mqtt
