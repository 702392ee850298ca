#pragma once
// Many UDP clients of one server, each on a socket (an address) of its own: simulated CoAP/LwM2M devices
// talking to a real gateway. Client i's socket opens on its first send; what the server answers it
// goes to the handler as a datagram from peer i.

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/runtime/ports/Datagram.hpp"

namespace twinbench::hil {

class UdpClients {
public:
  /** @brief Clients of `host`:`port` (an IP address); std::runtime_error if it is not one. */
  UdpClients(EventLoop& loop, const std::string& host, std::uint16_t port, runtime::DatagramHandler& handler);
  ~UdpClients();
  UdpClients(const UdpClients&) = delete;
  UdpClients& operator=(const UdpClients&) = delete;

  /** @brief Send one datagram from client `i` (best effort, as UDP is). */
  void send(std::uint32_t i, std::span<const std::uint8_t> bytes);
  std::size_t sockets() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace twinbench::hil
