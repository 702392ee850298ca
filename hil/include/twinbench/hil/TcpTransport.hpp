#pragma once
// Transport port on real TCP sockets: connections accepted on a listening socket and connections made
// to "host:port" endpoints, all with small dense ids (the lowest free one), as the runtime indexes its
// state by connection id. Non-blocking throughout: reads go to the connection's handler as they
// arrive, sends queue behind the socket. Outgoing "mqtts://" connections use TLS (OpenSSL via Asio),
// with the broker's certificate chain and host name verified.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::hil {

struct TlsConfig {
  std::string ca_file;    ///< PEM certificates of the CAs to trust; empty = the system's
  std::string cert_file;  ///< PEM client certificate chain, for brokers that want one; empty = none
  std::string key_file;   ///< its private key (PEM)
  bool verify = true;     ///< check the broker's chain and that its certificate names the host connected to
};

/** A TLS listener for devices: the gateway's certificate, and optionally its clients' (docs/security.md). */
struct TlsServerConfig {
  std::string cert_file;       ///< PEM certificate chain of the gateway
  std::string key_file;        ///< its private key (PEM)
  std::string client_ca_file;  ///< PEM CAs whose client certificates are taken; empty = none asked for
  bool require_client_cert = false;  ///< a client without a certificate (from those CAs) is refused
};

class TcpTransport final : public runtime::Transport {
public:
  /** Bytes queued for one connection beyond which it is closed as a consumer too slow to keep. */
  static constexpr std::size_t kMaxQueuedBytes = 16u << 20;
  /** Bytes queued for all connections together: the connection that would pass it is closed. */
  static constexpr std::size_t kMaxQueuedBytesTotal = 256u << 20;

  explicit TcpTransport(EventLoop& loop);
  ~TcpTransport() override;

  /**
   * @brief Listen on `host`:`port` (0 = any free port) and report connections to `handler`.
   * Returns the port bound. Throws std::runtime_error with the address and the reason if it cannot.
   */
  std::uint16_t listen(const std::string& host, std::uint16_t port, runtime::TransportHandler& handler);
  /**
   * @brief Make the listener TLS: every accepted connection does a TLS handshake (TLS 1.2 or newer, at
   * most kHandshakeTimeout) before the handler hears of it; one that fails or stalls is closed and counted
   * (tls_failures). Throws std::runtime_error naming the file and the reason if a file does not load.
   */
  void tls_server(const TlsServerConfig& tls);
  static constexpr std::chrono::seconds kHandshakeTimeout{10};
  /** @brief The name in a connection's verified client certificate: its CN, else its first DNS name ("" if none). */
  std::string_view peer_certificate_name(runtime::ConnId conn) const override;
  /** @brief TLS handshakes that failed or timed out on the listener. */
  std::uint64_t tls_failures() const { return tls_failures_; }

  /**
   * @brief Connect to "host:port" or "mqtt://host:port" (host: a name or an IP address). Returns at
   * once; `handler` hears on_open when the connection is up, on_closed if resolving or connecting fails.
   * kNoConn for an endpoint that is not of that form.
   */
  runtime::ConnId connect(std::string_view endpoint, runtime::TransportHandler& handler) override;
  /**
   * @brief Make "mqtts://host:port" endpoints TLS connections with `tls` (without this call they use the
   * system's CAs). Throws std::runtime_error naming the file and the reason if a file does not load.
   */
  void tls_client(const TlsConfig& tls);
  /** @brief Hear why an outgoing connection failed (resolving, connecting, the TLS handshake): for logs. */
  void on_connect_failure(std::function<void(runtime::ConnId, const std::string&)> fn) { on_failure_ = std::move(fn); }
  runtime::SendStatus send(runtime::ConnId conn, std::span<const std::uint8_t> bytes) override;
  /** @brief Close after what was already sent has gone out (a refusing CONNACK must reach the client). */
  void close(runtime::ConnId conn) override;

  std::size_t connections() const { return conns_.size(); }
  /** @brief How long a connection closed with bytes still to send has to take them before it is cut (10 s). */
  void linger_for(std::chrono::milliseconds t) { linger_ = t; }
  /** @brief Bytes waiting to be sent, all connections together (at most kMaxQueuedBytesTotal). */
  std::size_t queued_bytes() const { return queued_bytes_; }
  /** @brief Accepts that failed (out of file descriptors, most often); each pauses accepting for 100 ms. */
  std::uint64_t accept_failures() const { return accept_failures_; }

private:
  struct Conn;
  void accept(runtime::TransportHandler& handler);
  void opened(const std::shared_ptr<Conn>& c);
  void read(const std::shared_ptr<Conn>& c);
  void write(const std::shared_ptr<Conn>& c);
  /** The peer or the network ended `c`: forget it and tell the handler. */
  void lost(const std::shared_ptr<Conn>& c);
  runtime::ConnId allocate_id();

  void failed(const std::shared_ptr<Conn>& c, const std::string& why);
  struct Acceptor;
  struct Resolver;
  struct Tls;
  std::unique_ptr<Tls> tls_;
  std::unique_ptr<Tls> tls_server_;
  std::uint64_t tls_failures_ = 0;
  /** A TLS connection accepted on the listener: handshake first, then opened (or dropped, unheard of). */
  void handshake(const std::shared_ptr<Conn>& c);
  std::function<void(runtime::ConnId, const std::string&)> on_failure_;
  EventLoop& loop_;
  std::unique_ptr<Acceptor> acceptor_;
  std::unique_ptr<Resolver> resolver_;
  std::map<runtime::ConnId, std::shared_ptr<Conn>> conns_;
  std::set<runtime::ConnId> free_ids_;
  runtime::ConnId next_id_ = 0;
  std::array<std::uint8_t, 65536> rx_;  ///< what plain connections read goes here, one at a time
  std::uint64_t accept_failures_ = 0;
  std::size_t queued_bytes_ = 0;  ///< queued and in flight, all connections
  std::chrono::milliseconds linger_{10'000};
};

}  // namespace twinbench::hil
