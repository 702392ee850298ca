#pragma once
// The lab's shaping proxy: a userspace relay that stands between simulated devices and a real gateway and
// gives their traffic a simulated link's latency distribution, loss and bandwidth (Shaper.hpp), because
// this kernel has no netem. TCP: each accepted connection gets a connection of its own to the target,
// and bytes flow both ways, shaped. UDP: each client address gets a socket of its own towards the
// target (so the target sees one peer per client), and datagrams flow both ways, shaped.
// Draws are seeded: connection (or UDP peer) k, in the order they arrive, uses stream k of the seed.

#include <cstdint>
#include <memory>
#include <string>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/hil/Shaper.hpp"

namespace twinbench::hil {

class ShapingProxy {
public:
  struct Options {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 0;  ///< 0: any free port (port() says which)
    std::string target_host;        ///< an IP address
    std::uint16_t target_port = 0;
    bool udp = false;
    Shaping shaping;       ///< both directions
    std::uint64_t seed = 1;
    std::size_t flows_max = 100'000;          ///< connections or UDP peers at once; more are refused (TCP) or dropped (UDP)
    std::size_t queued_bytes_max = 256u << 10;  ///< per connection and direction: reading pauses beyond it (TCP's own windows hold the rest)
    double udp_idle_s = 300;                  ///< a UDP peer silent this long is forgotten
  };
  struct Stats {
    std::uint64_t flows = 0, flows_refused = 0;                ///< connections (UDP peers) accepted, refused
    std::uint64_t bytes_up = 0, bytes_down = 0;                ///< relayed to the target, back to the clients
    std::uint64_t chunks = 0, retransmits = 0, dropped = 0;    ///< shaped chunks; TCP retransmissions; UDP datagrams lost
  };

  /** @brief Bind and start relaying on `loop`; std::runtime_error if an address is unusable or the port taken. */
  ShapingProxy(EventLoop& loop, Options options);
  ~ShapingProxy();
  ShapingProxy(const ShapingProxy&) = delete;
  ShapingProxy& operator=(const ShapingProxy&) = delete;

  std::uint16_t port() const;
  Stats stats() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace twinbench::hil
