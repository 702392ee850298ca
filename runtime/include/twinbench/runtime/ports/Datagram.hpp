#pragma once
// Datagram port: unconnected messages (CoAP over UDP) between the runtime and its peers. A peer is a
// remote address the transport names with a PeerId; the runtime uses it as the device's id in its events,
// so a transport that also carries streams gives its datagram peers ids its connections never take.

#include <cstdint>
#include <span>

#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime {

using PeerId = ConnId;

class DatagramHandler {
public:
  virtual ~DatagramHandler() = default;
  /** @brief A datagram arrived from `from`; the span is valid only during the call. */
  virtual void on_datagram(PeerId from, std::span<const std::uint8_t> bytes) = 0;
};

class Datagrams {
public:
  virtual ~Datagrams() = default;
  /** @brief Send one datagram to `to` (best effort: it may be lost, as UDP may lose it). */
  virtual SendStatus send_to(PeerId to, std::span<const std::uint8_t> bytes) = 0;
};

}  // namespace twinbench::runtime
