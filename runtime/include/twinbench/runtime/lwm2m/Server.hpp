#pragma once
// The gateway's LwM2M server (OMA LwM2M 1.1 over CoAP/UDP), sans-IO: datagrams in, datagrams out through
// the Datagrams port, timers on the Clock. The same code runs under simulation and on a real UDP socket.
//  - Registration interface: Register (POST /rd?ep=..&lt=..&lwm2m=..&b=.. with the client's objects in
//    CoRE link format), Update (POST /rd/<location>), De-register (DELETE /rd/<location>); a registration
//    not updated within its lifetime expires. A client registering its endpoint name again replaces the
//    old registration.
//  - Information reporting: after a registration the server observes (GET with Observe 0, Accept SenML
//    JSON) each configured path the client has, or all of them with one Observe-Composite (FETCH with
//    the paths in SenML JSON, LwM2M 1.1) when `composite` is set; notifications (CON or NON, ordered by their Observe
//    sequence, RFC 7641 3.4) and Send operations (POST /dp, SenML JSON) reach the hooks as SenML records.
//  - The CoAP message layer (RFC 7252 4): piggybacked responses, duplicate detection within
//    EXCHANGE_LIFETIME for CON messages (a duplicate gets the same response again; NON duplicates, which
//    RFC 7252 4.5 leaves optional, are not tracked: a notification's Observe sequence orders them anyway), retransmission of the server's own
//    CON requests with exponential back-off and jitter from an Rng stream, RST for what it cannot place.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/core/Random.hpp"
#include "twinbench/runtime/coap/Message.hpp"
#include "twinbench/runtime/lwm2m/SenML.hpp"
#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Datagram.hpp"

namespace twinbench::runtime::lwm2m {

struct ServerConfig {
  /// Paths the server observes on each registration, where the client has them: an object ("/3303") or an
  /// object instance ("/3303/0") matches a registered instance under it or an object above it.
  std::vector<std::string> observe;
  bool composite = false;  ///< one Observe-Composite for all of them (each notification then carries them all)
  TimeUs ack_timeout_us = 2'000'000;  ///< RFC 7252 4.8 defaults
  double ack_random_factor = 1.5;
  std::uint8_t max_retransmit = 4;
  TimeUs exchange_lifetime_us = 247'000'000;
  std::uint32_t default_lifetime_s = 86'400;  ///< when the Register has no lt
  std::size_t max_registrations = 1'000'000;  ///< beyond it a Register gets 5.03
};

struct Registration {
  std::string endpoint;  ///< the client's endpoint name (ep)
  std::string location;  ///< "rd/<location>" is its handle for Update and De-register
  std::string version = "1.0", binding = "U";
  std::uint32_t lifetime_s = 0;
  std::vector<std::string> objects;  ///< object and instance paths from the link format: "/3303/0"
  PeerId device = 0;                 ///< the peer that registered: the device's id in the runtime's events
  PeerId peer = 0;                   ///< its current address (an Update from elsewhere moves it)
  TimeUs expires_us = 0;
};

enum class Ended : std::uint8_t { deregistered, expired, replaced, shutdown };

/** What the server could not accept: counted by the runtime as protocol errors. */
enum class Problem : std::uint8_t {
  malformed = 1,          ///< not a CoAP message (a CON gets RST)
  bad_request = 2,        ///< a request answered 4.xx/5.xx (bad query, payload, unregistered sender...)
  unknown_exchange = 3,   ///< a response or notification matching nothing we asked (RST)
  gave_up = 4,            ///< our CON request went unanswered after MAX_RETRANSMIT
};

class ServerHooks {
public:
  virtual ~ServerHooks() = default;
  virtual void on_registered(const Registration& r) = 0;
  virtual void on_deregistered(const Registration& r, Ended why) = 0;
  /** @brief SenML records from a registered client: a Send, a notification or the answer to an observe. */
  virtual void on_values(const Registration& r, std::span<const senml::Record> records, std::size_t datagram_bytes) = 0;
  virtual void on_problem(PeerId from, Problem p) = 0;
};

class Server {
public:
  Server(ServerConfig config, Clock& clock, Datagrams& out, ServerHooks& hooks, core::RngStream rng);
  /** @brief Cancels the retransmission timers: the clock may outlive the server. */
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void on_datagram(PeerId from, std::span<const std::uint8_t> bytes);
  /** @brief Expire registrations past their lifetime and forget exchanges past EXCHANGE_LIFETIME. */
  void sweep();
  /** @brief Forget every registration (Ended::shutdown), as a server that stops does. */
  void shutdown();

  std::size_t registrations() const { return registrations_.size(); }
  const Registration* find(PeerId peer) const;
  const Registration* find_endpoint(std::string_view endpoint) const;
  /** @brief Observations established (the client answered 2.05 with an Observe option) and still live. */
  std::size_t observations() const;

  struct Stats {
    std::uint64_t requests = 0, notifications = 0, duplicates = 0, retransmissions = 0;
  };
  const Stats& stats() const { return stats_; }

private:
  struct Observation {
    std::string location;  ///< the registration it belongs to
    std::string path;  ///< "" for an Observe-Composite
    bool established = false;
    std::uint32_t last_seq = 0;
    TimeUs last_us = 0;
  };
  struct Pending {  ///< one of our CON requests awaiting its ACK
    PeerId peer = 0;
    std::vector<std::uint8_t> bytes;
    std::uint64_t token = 0;
    std::uint8_t attempts = 0;
    TimeUs timeout_us = 0;
    TimerId timer = 0;
  };
  struct Seen {  ///< a message received, for duplicate detection
    TimeUs expires_us = 0;
    std::vector<std::uint8_t> response;  ///< what a duplicate CON gets again (empty: nothing)
  };

  void on_request(PeerId from, const coap::Message& m, std::size_t size);
  void on_response(PeerId from, const coap::Message& m, std::size_t size);
  /** The answer to a request: piggybacked on the ACK of a CON, a NON of its own for a NON. */
  void respond(PeerId from, const coap::Message& req, std::uint8_t code, const Registration* created = nullptr);
  void register_client(PeerId from, const coap::Message& m);
  void update(PeerId from, const coap::Message& m, Registration& r);
  using Registrations = std::map<std::string, Registration, std::less<>>;  ///< by location
  void end(Registrations::iterator it, Ended why);
  /** GET (one path) or FETCH (an Observe-Composite of several) with Observe 0, retransmitted until its ACK. */
  void observe(const Registration& r, const std::vector<std::string>& paths);
  void retransmit(std::uint16_t id);
  void send(PeerId to, std::span<const std::uint8_t> bytes) { out_.send_to(to, bytes); }
  std::uint16_t next_id() { return message_id_++; }
  static std::uint64_t seen_key(PeerId p, std::uint16_t id) { return std::uint64_t{p} << 16 | id; }

  ServerConfig config_;
  Clock& clock_;
  Datagrams& out_;
  ServerHooks& hooks_;
  core::RngStream rng_;
  std::uint16_t message_id_;
  std::uint64_t next_location_ = 1;
  Registrations registrations_;
  std::map<PeerId, Registration*> by_peer_;  ///< into registrations_ (map nodes do not move)
  std::map<std::string, std::string, std::less<>> by_endpoint_;
  std::map<std::uint64_t, Observation> observations_;  ///< by token
  std::map<std::uint16_t, Pending> pending_;           ///< by message id
  std::map<std::uint64_t, Seen> seen_;                 ///< by seen_key
  std::deque<std::pair<TimeUs, std::uint64_t>> seen_order_;  ///< expiry order (one lifetime for all)
  std::vector<std::uint8_t> scratch_;
  Stats stats_;
};

/** @brief The object instances of resource paths ("/3303/0/5700" -> "/3303/0"), each once, in order of first use. */
std::vector<std::string> instances_of(const std::vector<std::string>& resources);

/** @brief The paths in a CoRE link-format payload ("</1/0>,</3303/0>;ver=1.1"); nullopt if malformed. */
std::optional<std::vector<std::string>> link_paths(std::string_view links);

}  // namespace twinbench::runtime::lwm2m
