#pragma once
// Datagrams port on a real UDP socket: what the gateway's CoAP/LwM2M server listens on. Each remote
// address becomes a PeerId the first time it is heard from (from kFirstPeer up, so that a runtime that
// also holds TCP connections, whose ids are small, never confuses the two). Sends are non-blocking and,
// as UDP is, best effort: a datagram the socket cannot take now is dropped (CoAP retransmits).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/runtime/ports/Datagram.hpp"

namespace twinbench::hil {

class UdpTransport final : public runtime::Datagrams {
public:
  static constexpr runtime::PeerId kFirstPeer = 0x40000000u;

  explicit UdpTransport(EventLoop& loop);
  ~UdpTransport() override;

  /**
   * @brief Bind `host`:`port` (0 = any free port) and deliver what arrives to `handler`. Returns the port
   * bound; throws std::runtime_error with the address and the reason if it cannot.
   */
  std::uint16_t listen(const std::string& host, std::uint16_t port, runtime::DatagramHandler& handler);
  runtime::SendStatus send_to(runtime::PeerId to, std::span<const std::uint8_t> bytes) override;
  /** @brief "address:port" of a peer heard from ("?" for an unknown id). */
  std::string peer_address(runtime::PeerId peer) const;
  std::size_t peers() const;

private:
  void receive();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace twinbench::hil
