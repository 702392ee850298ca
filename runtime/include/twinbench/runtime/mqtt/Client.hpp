#pragma once
// An MQTT 3.1.1 client session, sans-IO: bytes through the Transport port, time through the Clock port,
// reconnect jitter from an Rng stream. twinbench-edge uses it to reach an external broker; the same code
// runs against simulated and real transports.
//
// What it does:
//  - connects, and after any loss (transport closed, CONNACK refused or late, keepalive unanswered)
//    reconnects after an exponential backoff with jitter (Backoff);
//  - keepalive: PINGREQ when nothing was sent for keepalive_s, the connection is dropped when no answer
//    comes within keepalive_s more (MQTT-3.1.2-24 from the client's side);
//  - QoS 0/1/2 publishing with at most `max_inflight` unacknowledged messages, further ones queued (bounded);
//    messages in flight at a loss are sent again after reconnecting: with the same packet ids and DUP set
//    when the broker kept the session (clean session 0 and session present, MQTT-4.4.0-1), otherwise as
//    new publications (at least once either way; QoS 2 stays exactly once only with a kept session);
//  - subscriptions are remembered and made again whenever the broker has no session for us;
//  - received QoS 1 messages are acknowledged, QoS 2 ones delivered once (method B) until their PUBREL;
//  - a will and username/password in CONNECT.

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
  std::string client_id;
  bool clean_session = true;
  std::uint16_t keepalive_s = 60;
  std::optional<std::string> username, password;
  struct Will {
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint8_t qos = 0;
    bool retain = false;
  };
  std::optional<Will> will;
  std::uint16_t max_inflight = 16;
  std::size_t max_queued = 100'000;    ///< QoS 1/2 messages waiting for the window or a connection; beyond, publish() refuses
  TimeUs connack_timeout_us = 10'000'000;
  Backoff backoff;
  std::size_t max_packet_bytes = kMaxRemainingLength + 5;
};

/** What the client tells its owner. */
class ClientHooks {
public:
  virtual ~ClientHooks() = default;
  virtual void on_connected(bool session_present) = 0;
  virtual void on_connection_lost() = 0;
  /** @brief A message for one of our subscriptions (QoS 2: once). */
  virtual void on_message(const Publish& p) = 0;
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
    ConnackCode last_refusal = ConnackCode::accepted;
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
  bool publish(std::string_view topic, std::span<const std::uint8_t> payload, std::uint8_t qos, bool retain = false);
  /** @brief Subscribe now if connected, and after every reconnect that finds no session. */
  void subscribe(std::string_view filter, std::uint8_t qos);

  State state() const { return state_; }
  bool connected() const { return state_ == State::connected; }
  /** @brief QoS 1/2 publications not yet acknowledged (in flight and queued). */
  std::size_t pending() const { return inflight_.size() + queued_.size(); }
  const Stats& stats() const { return stats_; }

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
  };

  void attempt();
  /** The connection is gone (or never came): forget it and schedule the next attempt. */
  void lost();
  void handle(const Packet& p);
  void on_connack(const Connack& c);
  void pump();
  void send_publish(const Outgoing& m, bool dup);
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
  bool ping_outstanding_ = false;
  std::uint16_t next_id_ = 1;
  std::vector<Outgoing> inflight_;  ///< sent, unacknowledged, in sending order
  std::deque<Outgoing> queued_;
  std::vector<std::pair<std::string, std::uint8_t>> subscriptions_;
  std::vector<std::uint16_t> qos2_received_;
  std::vector<std::uint8_t> rx_, tx_;
  Stats stats_;
};

}  // namespace twinbench::runtime::mqtt
