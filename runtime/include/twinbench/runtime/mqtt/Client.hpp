#pragma once
// An MQTT 3.1.1 and MQTT 5 client session, sans-IO: bytes through the Transport port, time through the Clock port,
// reconnect jitter from an Rng stream. twinbench-edge uses it to reach an external broker; the same code
// runs against simulated and real transports.
//
// What it does:
//  - connects, and after any loss (transport closed, CONNACK refused or late, keepalive unanswered)
//    reconnects after an exponential backoff with jitter (Backoff);
//  - keepalive: PINGREQ when nothing was sent, or nothing received, for keepalive_s (so a client publishing
//    into a dead connection finds out), the connection is dropped when no answer comes within keepalive_s
//    more (MQTT-3.1.2-24 from the client's side);
//  - QoS 0/1/2 publishing with at most `max_inflight` unacknowledged messages, further ones queued (bounded);
//    messages in flight at a loss are sent again after reconnecting: with the same packet ids and DUP set
//    when the broker kept the session (clean session 0 and session present, MQTT-4.4.0-1), otherwise as
//    new publications (at least once either way; QoS 2 stays exactly once only with a kept session);
//  - subscriptions are remembered and made again whenever the broker has no session for us;
//  - received QoS 1 messages are acknowledged, QoS 2 ones delivered once (method B) until their PUBREL;
//  - a will and username/password in CONNECT.
// With MQTT 5 (config.version) it also:
//  - asks for a Session Expiry Interval (Clean Start is clean_session) and adopts the server's, and an
//    Assigned Client Identifier for the reconnects when it connected with an empty client id;
//  - keeps to the server's CONNACK limits: Receive Maximum (the in-flight window), Maximum QoS (higher
//    QoS is sent at the maximum), Retain Available (RETAIN is cleared), Maximum Packet Size (a larger
//    PUBLISH is dropped, counted), Server Keep Alive;
//  - treats an error reason code in PUBACK/PUBREC as the end of that message (refused, counted, not
//    resent), and a server's DISCONNECT as a lost connection (its reason kept);
//  - sends publication properties (message expiry, content type, user properties) and a will delay.

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/core/Random.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime::mqtt {

/** Exponential backoff with "equal jitter": attempt n waits uniformly in [d/2, d], d = min(max, initial x 2^n). */
struct Backoff {
  TimeUs initial_us = 1'000'000;
  TimeUs max_us = 60'000'000;
  /** @brief The wait before reconnect attempt `attempt` (0 = the first after a loss). */
  TimeUs delay_us(std::uint32_t attempt, core::RngStream& rng) const;
};

struct ClientConfig {
  std::string endpoint;  ///< what Transport::connect is given (a URL for real sockets)
  std::string client_id;  ///< MQTT 5: may be empty (the server assigns one, kept for reconnects)
  Version version = Version::v311;
  bool clean_session = true;  ///< MQTT 5: Clean Start
  /// MQTT 5 Session Expiry Interval; by default 0 with clean_session, else "never" (the 3.1.1 behaviour).
  std::optional<std::uint32_t> session_expiry_s;
  std::uint16_t keepalive_s = 60;
  std::optional<std::string> username, password;
  struct Will {
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint8_t qos = 0;
    bool retain = false;
    std::uint32_t delay_s = 0;  ///< MQTT 5 Will Delay Interval
  };
  std::optional<Will> will;
  std::uint16_t max_inflight = 16;
  std::size_t max_queued = 100'000;    ///< QoS 1/2 messages waiting for the window or a connection; beyond, publish() refuses
  TimeUs connack_timeout_us = 10'000'000;
  Backoff backoff;
  std::size_t max_packet_bytes = kMaxRemainingLength + 5;
};

/** MQTT 5 properties of one publication (ignored by MQTT 3.1.1). */
struct PublishProperties {
  std::optional<std::uint32_t> message_expiry_s;
  std::string content_type;  ///< empty = none
  std::vector<std::pair<std::string, std::string>> user;
};

/** What the client tells its owner. */
class ClientHooks {
public:
  virtual ~ClientHooks() = default;
  virtual void on_connected(bool session_present) = 0;
  virtual void on_connection_lost() = 0;
  /** @brief A message for one of our subscriptions (QoS 2: once). */
  virtual void on_message(const Publish& p) = 0;
  /**
   * @brief A QoS 1/2 publication (publish() numbered it: last_publication()) is done: the server took it
   * (`accepted`), or refused it (MQTT 5 reason code >= 0x80), or it was too large to send.
   */
  virtual void on_completed(std::uint64_t /*publication*/, bool /*accepted*/) {}
};

struct ClientPorts {
  Clock& clock;
  Transport& transport;
  core::RngStream rng;  ///< reconnect jitter
};

class Client final : public TransportHandler {
public:
  enum class State : std::uint8_t { idle, backing_off, opening, awaiting_connack, connected };
  struct Stats {
    std::uint64_t connects = 0;          ///< CONNACKs accepted
    std::uint64_t losses = 0;            ///< connections lost (or refused, or timed out) after an attempt
    std::uint64_t acked = 0;             ///< QoS 1/2 publications completed (PUBACK / PUBCOMP)
    std::uint64_t resent = 0;            ///< publications sent again after a reconnect
    std::uint64_t refused = 0;           ///< publish() calls refused (queue full, or QoS 0 while offline)
    std::uint64_t rejected = 0;          ///< MQTT 5: publications the server answered with an error reason code
    std::uint64_t too_large = 0;         ///< MQTT 5: publications over the server's Maximum Packet Size, dropped
    std::uint64_t downgraded = 0;        ///< MQTT 5: publications sent at a lower QoS or without RETAIN (server limits)
    ConnackCode last_refusal = ConnackCode::accepted;  ///< MQTT 5: the CONNACK reason code
    std::uint8_t last_disconnect = 0;    ///< MQTT 5: the reason code of the server's last DISCONNECT
  };

  Client(ClientConfig config, ClientPorts ports, ClientHooks& hooks);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /** @brief Start connecting (and keep reconnecting until stop()). */
  void start();
  /** @brief Send DISCONNECT (the will is discarded) and close; no reconnects. */
  void stop();

  /**
   * @brief Publish. QoS 0 goes out only while connected; QoS 1/2 are kept until acknowledged (queued while
   * offline or while the window is full). False if refused.
   */
  bool publish(std::string_view topic, std::span<const std::uint8_t> payload, std::uint8_t qos, bool retain = false,
               PublishProperties properties = {});
  /** @brief Subscribe now if connected, and after every reconnect that finds no session. */
  void subscribe(std::string_view filter, std::uint8_t qos);

  State state() const { return state_; }
  bool connected() const { return state_ == State::connected; }
  /** @brief The number of the last QoS 1/2 publication publish() took (from 1; on_completed names it). */
  std::uint64_t last_publication() const { return publications_; }
  /** @brief QoS 1/2 publications not yet acknowledged (in flight and queued). */
  std::size_t pending() const { return inflight_.size() + queued_.size(); }
  const Stats& stats() const { return stats_; }
  /** @brief The client id in use (MQTT 5: the server's assignment, if it made one). */
  const std::string& client_id() const { return client_id_; }
  /** @brief The in-flight window in force: max_inflight, or less if an MQTT 5 server asked for less. */
  std::uint16_t window() const;

  void on_open(ConnId conn) override;
  void on_bytes(ConnId conn, std::span<const std::uint8_t> bytes) override;
  void on_closed(ConnId conn) override;

private:
  struct Outgoing {
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint8_t qos;
    bool retain;
    std::uint16_t id = 0;
    bool released = false;  ///< QoS 2: PUBREC received, PUBREL sent
    PublishProperties properties{};
    std::uint64_t publication = 0;  ///< QoS 1/2: its number, for on_completed
  };
  /** What an MQTT 5 server's CONNACK allows (MQTT 3.1.1: everything). */
  struct ServerLimits {
    std::uint16_t receive_maximum = 65535;
    std::uint8_t maximum_qos = 2;
    bool retain_available = true;
    std::uint32_t maximum_packet_size = 0;  ///< 0 = no limit
  };

  void attempt();
  /** The connection is gone (or never came): forget it and schedule the next attempt. */
  void lost();
  void handle(const Packet& p);
  void on_connack(const Connack& c);
  void pump();
  /** Encode a PUBLISH within the server's limits; false if it is too large to send at all. */
  bool send_publish(const Outgoing& m, bool dup);
  bool v5() const { return config_.version == Version::v5; }
  /** Close the connection, in MQTT 5 after a DISCONNECT with `reason`, and reconnect later. */
  void drop(std::uint8_t reason);
  void send_subscriptions();
  void flush();
  void arm_keepalive();
  void set_timer(TimeUs delay_us, std::function<void()> fn);
  void cancel_timer();
  std::uint16_t next_id();

  ClientConfig config_;
  Clock& clock_;
  Transport& transport_;
  core::RngStream rng_;
  ClientHooks& hooks_;
  State state_ = State::idle;
  ConnId conn_ = kNoConn;
  std::uint32_t attempt_ = 0;
  TimerId timer_ = 0;  ///< backoff, CONNACK wait or keepalive: one at a time
  TimeUs last_tx_us_ = 0;
  TimeUs last_rx_us_ = 0;
  bool ping_outstanding_ = false;
  std::uint16_t next_id_ = 1;
  std::string client_id_;
  ServerLimits limits_;
  std::uint16_t keepalive_s_ = 0;  ///< in force: ours, or the server's (MQTT 5 Server Keep Alive)
  std::uint64_t publications_ = 0;  ///< QoS 1/2 publications taken so far
  std::vector<Outgoing> inflight_;  ///< sent, unacknowledged, in sending order
  std::deque<Outgoing> queued_;
  std::vector<std::pair<std::string, std::uint8_t>> subscriptions_;
  std::vector<std::uint16_t> qos2_received_;
  std::vector<std::uint8_t> rx_, tx_;
  Stats stats_;
};

}  // namespace twinbench::runtime::mqtt
