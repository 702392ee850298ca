#pragma once
// The MQTT broker a gateway runs for its devices (3.1.1 and 5, per connection), sans-IO: bytes in through
// on_open/on_bytes/on_closed, bytes out through the Transport port, time from the Clock port. The same
// code is the simulated gateway's broker and twinbench-edge's embedded broker on a TCP port.
//
// What it does (MQTT 3.1.1 section numbers in the code):
//  - sessions by client id: clean sessions end with their connection; persistent ones (clean session 0)
//    keep their subscriptions, their QoS 1/2 messages in flight and queued, and their QoS 2 receive
//    state across connections, and redeliver on reconnect (DUP set, same packet ids, PUBRELs again);
//    a second connection with a client id takes the session over;
//  - subscriptions with '+' and '#' (SubscriptionTree), retained messages, last will
//    (published when a connection ends without DISCONNECT);
//  - QoS 0, 1 and 2 both ways: the received QoS 2 message is routed once (method B, 4.3.3); outbound
//    messages go out at min(published QoS, granted QoS), at most `max_inflight` unacknowledged per
//    session, the rest queued (bounded: the oldest are dropped and counted);
//  - keepalive: a session silent for 1.5 x its keepalive is closed by sweep() and its will published;
//  - bounds: at most max_connections open, CONNECT within connect_timeout_us, session queues bounded,
//    MQTT 5 Receive Maximum announced and enforced (0x93), Maximum Packet Size and Server Keep Alive
//    announced; what is not delivered is counted by cause (Stats);
//  - access (BrokerPorts::access, Access.hpp): CONNECTs authenticated (passwords checked through the
//    PasswordCheck port, which may answer later: the connection waits, its further bytes buffered),
//    CONNACK 0x04/0x05 (MQTT 5: 0x86/0x87, 0x89 when the checks are too many); a will, publish or
//    subscription the ACL does not allow is refused (SUBACK 0x80 / 0x87; MQTT 5 PUBACK/PUBREC 0x87; a
//    3.1.1 publish is acknowledged and dropped); every refusal is counted, emitted and given to the host.
// MQTT 5 (docs/protocols.md): Session Expiry Interval instead of Clean Session, Receive Maximum and
// Maximum Packet Size of the client respected, message properties forwarded (Message Expiry counted
// down, expired messages not sent), subscription options (No Local, Retain As Published, Retain
// Handling) and Subscription Identifiers, reason codes in acknowledgements, Will Delay Interval, a
// DISCONNECT with a reason before the broker closes a connection. Not supported, and said so: topic
// aliases from clients (Topic Alias Maximum 0), shared subscriptions (0x9E), enhanced authentication (0x8C).
// Every malformed packet or protocol violation closes the connection and is reported to the Sink.
// Ordered containers throughout: the same input gives the same deliveries on every run.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/runtime/mqtt/Access.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/runtime/mqtt/Subscriptions.hpp"
#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Compute.hpp"
#include "twinbench/runtime/ports/PasswordCheck.hpp"
#include "twinbench/runtime/ports/Sink.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime::mqtt {

struct BrokerConfig {
  std::uint32_t gateway_index = 0;       ///< stamped on Sink events
  std::size_t max_packet_bytes = 65536;  ///< larger packets are protocol errors; MQTT 5: announced (Maximum Packet Size)
  std::uint16_t max_inflight = 32;       ///< unacknowledged outbound QoS 1/2 messages per session
  std::size_t max_queued = 1000;         ///< further QoS 1/2 messages held per session; beyond it the oldest go (counted)
  double packet_cost_flops = 5000;       ///< simulated CPU cost of decoding one packet
  // Bounds on what clients can make the broker hold (docs/protocols.md):
  std::size_t max_connections = 100'000;    ///< open connections; one beyond is closed at once (counted)
  TimeUs connect_timeout_us = 10'000'000;   ///< a connection that has not sent CONNECT by then is closed (counted)
  std::uint16_t receive_maximum = 256;      ///< MQTT 5: announced; more QoS 2 PUBLISHes of a client awaiting PUBREL: DISCONNECT 0x93
  std::uint16_t max_keepalive_s = 0;        ///< MQTT 5: announced as Server Keep Alive to a client asking for none or for more (0: theirs)
};

/** What the broker refused a client (with BrokerPorts::access): for the host's audit log. */
struct Refusal {
  enum class What : std::uint8_t { connect = 1, publish = 2, subscribe = 3 };
  What what;
  std::uint8_t code;           ///< the reason code answered (CONNACK, PUBACK/PUBREC or SUBACK); 0 if none could be
  std::string_view identity;   ///< who asked ("" anonymous; for a connect, the username given, if any)
  std::string_view client_id;
  std::string_view topic;      ///< the topic or filter (a will's topic for a connect refused for it)
};

/** The broker's host: it sees every message clients publish (the edge runtime ingests telemetry from it). */
class BrokerHooks {
public:
  virtual ~BrokerHooks() = default;
  /** @brief The broker refused a client something; every refusal comes here once. */
  virtual void on_refused(ConnId, const Refusal&) {}
  /** @brief A client's session is open and its CONNACK sent. */
  virtual void on_connected(ConnId conn) = 0;
  /**
   * @brief A client published `p` (`packet_bytes` on the wire). Called once per message, QoS 2 included,
   * before the broker routes it to subscribers.
   */
  virtual void on_publish(ConnId conn, const Publish& p, std::size_t packet_bytes) = 0;
  /** @brief A client's subscription to `filter` is in place (its SUBACK sent): what is published from now on reaches it. */
  virtual void on_subscribed(ConnId /*conn*/, std::string_view /*filter*/) {}
};

struct BrokerPorts {
  Clock& clock;
  Transport& transport;
  Compute& compute;
  Sink& sink;
  /// Authentication and authorisation (docs/security.md); null: every client may do everything (tests,
  /// and simulations without a "security" section). With it, `passwords` checks passwords.
  const Access* access = nullptr;
  PasswordCheck* passwords = nullptr;
};

/** Protocol errors that are about the order of packets, not their encoding (Event::a of protocol_error). */
enum class Violation : std::int64_t {
  not_connected = 100,   ///< first packet was not CONNECT (MQTT-3.1.0-1)
  second_connect = 101,  ///< CONNECT on a connected session (MQTT-3.1.0-2)
  unexpected = 102,      ///< a packet a client must not send to a server
  bad_record = 103,      ///< telemetry payload is not a valid record (the session is kept; reported by the runtime)
  connect_timeout = 104,          ///< no CONNECT within BrokerConfig::connect_timeout_us
  too_many_connections = 105,     ///< a connection beyond BrokerConfig::max_connections
  receive_maximum_exceeded = 106, ///< MQTT 5: more QoS 2 PUBLISHes awaiting PUBREL than the Receive Maximum announced
};

class Broker {
public:
  struct Stats {
    std::uint64_t received = 0;       ///< PUBLISHes from clients (QoS 2 counted once)
    std::uint64_t delivered = 0;      ///< PUBLISHes sent to subscribers (redeliveries not counted)
    std::uint64_t wills = 0;          ///< wills published
    // Deliveries not made, by cause:
    std::uint64_t queue_dropped = 0;  ///< QoS 1/2 messages dropped from full session queues (a slow or absent consumer)
    std::uint64_t expired = 0;        ///< MQTT 5: messages whose Message Expiry passed before they could be sent
    std::uint64_t too_large = 0;      ///< MQTT 5: messages larger than the subscriber's Maximum Packet Size
    // Connections refused or closed by the bounds:
    std::uint64_t connections_refused = 0;  ///< beyond max_connections
    std::uint64_t connect_timeouts = 0;     ///< no CONNECT within connect_timeout_us
    std::uint64_t receive_maximum_exceeded = 0;  ///< MQTT 5 clients disconnected with 0x93
    // Refused by BrokerPorts::access:
    std::uint64_t connects_refused = 0;       ///< bad credentials, not authorised, or busy checking passwords
    std::uint64_t publishes_refused = 0;      ///< not routed (MQTT 5: PUBACK/PUBREC 0x87)
    std::uint64_t subscriptions_refused = 0;  ///< SUBACK 0x80 (MQTT 5: 0x87)
  };

  Broker(BrokerConfig config, BrokerPorts ports, BrokerHooks& hooks);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  void on_open(ConnId conn);
  void on_bytes(ConnId conn, std::span<const std::uint8_t> bytes);
  void on_closed(ConnId conn);
  /** @brief Close every connection (the gateway is shutting down). */
  void close_all();
  /** @brief Close connections silent for more than 1.5 x their keepalive (MQTT-3.1.2-24), and those that
   * sent no CONNECT within connect_timeout_us. Call periodically. */
  void sweep();

  /** @brief Publish as the broker's host: routed to subscribers (and retained) like a client's message. */
  void publish(std::string_view topic, std::span<const std::uint8_t> payload, std::uint8_t qos, bool retain);
  /**
   * @brief A QoS 0 PUBLISH straight to one connected client, no subscription needed: the twin relay's
   * per-device topics, which simulated devices do not subscribe to. False if `conn` has no open session.
   */
  bool send_to(ConnId conn, std::string_view topic, std::span<const std::uint8_t> payload);

  bool connected(ConnId conn) const;
  /** @brief The client id of the session on `conn` ("" if none). */
  std::string_view client_id(ConnId conn) const;
  std::size_t connections() const { return connected_; }
  /** @brief Open connections, connected or still awaiting their CONNECT. */
  std::size_t open_connections() const { return open_; }
  /** @brief Sessions the broker holds, connected or not (persistent sessions outlive connections). */
  std::size_t sessions() const { return by_client_id_.size(); }
  std::size_t subscriptions() const { return subscriptions_.size(); }
  std::size_t retained() const { return retained_.size(); }
  const Stats& stats() const { return stats_; }

private:
  using SessionId = std::uint32_t;
  static constexpr SessionId kNoSession = 0xFFFFFFFFu;
  struct Message;
  struct Inflight;
  struct Outbox;
  struct Session;
  struct Connection;

  struct Retained {
    std::shared_ptr<const Message> message;
    std::uint8_t qos;
  };

  Connection& connection(ConnId conn);
  /** A protocol error: report it and close (MQTT 5: with a DISCONNECT saying `reason`). */
  void refuse(ConnId conn, Connection& c, std::int64_t why, std::uint8_t reason);
  /** The first time sweep() closes `c` if nothing arrives before (never: TimeUs's max). */
  TimeUs deadline(const Connection& c) const;
  std::ptrdiff_t consume(ConnId conn, Connection& c, std::span<const std::uint8_t> bytes);
  /** False if the connection was closed. */
  bool handle(ConnId conn, Connection& c, Packet& packet, std::span<const std::uint8_t> raw);
  /** A CONNECT: its credentials checked (`raw`: its bytes, kept while the password check runs). */
  void handle_connect(ConnId conn, Connection& c, const Connect& p, std::span<const std::uint8_t> raw);
  void on_password_checked(ConnId conn, std::uint32_t generation, const std::string& identity, PasswordVerdict verdict);
  /** The session opens: the CONNECT of `identity` ("" anonymous) is accepted. */
  void admit(ConnId conn, Connection& c, const Connect& p, std::string identity);
  /** CONNACK with a refusal for `why` (0x04/0x86 credentials, 0x05/0x87 not authorised, 0x03/0x89 busy), audited, and close. */
  enum class ConnectRefusal : std::uint8_t { credentials, not_authorized, busy };
  void refuse_connect(ConnId conn, Connection& c, const Connect& p, ConnectRefusal why, std::string_view topic = {});
  /** Audit and count a refusal. */
  void refused(ConnId conn, const Connection& c, Refusal::What what, std::uint8_t code, std::string_view client_id, std::string_view topic);
  /** Bytes that arrived while the connection waited: handle them now. */
  void drain(ConnId conn);
  void handle_publish(ConnId conn, Session& s, const Publish& p, std::size_t packet_bytes);
  void handle_subscribe(ConnId conn, const Subscribe& p);
  /**
   * End a connection we or the peer closed; publish the will unless the client said DISCONNECT (after
   * its Will Delay Interval). A v5 connection we close gets a DISCONNECT with `v5_reason` first (0: none).
   */
  void end_connection(ConnId conn, Connection& c, CloseReason why, bool close_transport, std::uint8_t v5_reason = 0);
  void publish_will(SessionId id);
  void drop_session(SessionId id);
  void retain(const std::shared_ptr<const Message>& m, std::uint8_t qos);
  void route(const std::shared_ptr<const Message>& m, std::uint8_t qos, bool retain, SessionId publisher);
  void deliver(SessionId id, const std::shared_ptr<const Message>& m, std::uint8_t qos, bool retain,
               const std::vector<std::uint32_t>& subscription_ids);
  bool expired(const Message& m) const;
  /** The session's in-flight message with packet id `id`, or nullptr. */
  static Inflight* inflight(Session& s, std::uint16_t id);
  /** Its exchange is over (acknowledged, or refused): forget it and fill the window. */
  void complete(Session& s, const Inflight& m);
  /** Send queued messages while the in-flight window (ours, and the client's Receive Maximum) has room. */
  void pump(Session& s);
  /** Encode for the session's version; nothing if the packet exceeds the client's Maximum Packet Size. */
  void encode_publish(const Session& s, const Message& m, std::uint8_t qos, bool retain, bool dup, std::uint16_t id,
                      const std::vector<std::uint32_t>& subscription_ids);
  void send(ConnId conn);
  template <class P>
  void emit(ConnId conn, const P& payload) { ports_.sink.emit(ports_.clock.now_us(), config_.gateway_index, conn, payload); }

  BrokerConfig config_;
  BrokerPorts ports_;
  BrokerHooks& hooks_;
  std::vector<Connection> connections_;  ///< indexed by ConnId: connection ids are small and dense
  std::vector<Session> sessions_;        ///< indexed by SessionId
  std::vector<SessionId> free_sessions_;
  std::set<SessionId> expiring_;         ///< offline sessions with a finite expiry interval
  std::map<std::string, SessionId, std::less<>> by_client_id_;
  SubscriptionTree subscriptions_;       ///< keyed by SessionId
  std::map<std::string, Retained, std::less<>> retained_;  ///< by topic (MQTT 3.3.1.3)
  std::size_t connected_ = 0, open_ = 0;
  /// No connection times out before this (sweep() walks them only from then on): the earliest deadline
  /// at the last walk, lowered by every connection opened or accepted since. A deadline only moves later
  /// as bytes arrive, so this stays a lower bound; a fleet reporting every 10 s on a 60-s keepalive is
  /// walked every 80 s instead of at every sweep.
  TimeUs sweep_due_us_ = 0;
  std::uint64_t generated_ids_ = 0;
  Stats stats_;
  std::vector<std::uint8_t> out_;
};

}  // namespace twinbench::runtime::mqtt
