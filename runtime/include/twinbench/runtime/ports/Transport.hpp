#pragma once
// Transport port: byte streams between the runtime and its peers (devices, the cloud).
// The runtime never blocks: bytes arrive through TransportHandler callbacks, sends return a status.

#include <cstdint>
#include <span>
#include <string_view>

namespace twinbench::runtime {

using ConnId = std::uint32_t;
inline constexpr ConnId kNoConn = 0xFFFFFFFFu;

enum class SendStatus : std::uint8_t {
  ok,           ///< accepted for delivery
  closed,       ///< the connection is not open
  unreachable,  ///< no route right now (link down); the caller keeps the data
};

/** @brief What the transport calls when something happens on a connection. */
class TransportHandler {
public:
  virtual ~TransportHandler() = default;
  /** @brief A peer opened connection `conn` (a device connected). */
  virtual void on_open(ConnId conn) = 0;
  /** @brief Bytes arrived on `conn`; the span is valid only during the call. */
  virtual void on_bytes(ConnId conn, std::span<const std::uint8_t> bytes) = 0;
  /** @brief The peer or the network closed `conn`. */
  virtual void on_closed(ConnId conn) = 0;
};

class Transport {
public:
  virtual ~Transport() = default;
  /**
   * @brief Open an outgoing connection to an endpoint ("cloud" in simulation, "host:port" on real
   * sockets); kNoConn if there is no such endpoint. What happens on it goes to `handler`, not to the
   * handler of accepted connections: on_open once it is established (a transport that connects at once
   * may skip it), on_closed if it fails or ends.
   */
  virtual ConnId connect(std::string_view endpoint, TransportHandler& handler) = 0;
  /** @brief Queue bytes for `conn`. */
  virtual SendStatus send(ConnId conn, std::span<const std::uint8_t> bytes) = 0;
  /** @brief Close `conn` from our side; the peer learns it like a TCP reset. */
  virtual void close(ConnId conn) = 0;
  /** @brief The name in `conn`'s verified client certificate (TLS): "" if it has none. */
  virtual std::string_view peer_certificate_name(ConnId) const { return {}; }
};

}  // namespace twinbench::runtime
