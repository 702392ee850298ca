#pragma once
// What crosses a simulated access link in one SimGrid communication: the frames of many connections
// coalesced into one batch (see network.batch_window_ms). Bytes are real protocol bytes. The batch leaves
// when its first frame is due; each frame carries how much later it was really sent (delay_us), and the
// receiver handles it that much after the batch arrives, so coalescing adds no latency to the frames.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::sim {

struct WireFrame {
  enum Flags : std::uint8_t { none = 0, open = 1, close = 2, datagram = 4 };
  runtime::ConnId conn = 0;   ///< the device (its connection, or as a datagram peer its address)
  std::uint8_t flags = none;  ///< open: first bytes of a new connection (SYN); close: reset, no bytes; datagram: one UDP datagram (CoAP)
  std::uint32_t offset = 0;   ///< into WireBatch::bytes
  std::uint32_t size = 0;
  std::uint32_t delay_us = 0;  ///< sent this long after the batch left
};

struct WireBatch {
  std::vector<std::uint8_t> bytes;
  std::vector<WireFrame> frames;
  std::uint64_t wire_bytes = 0;  ///< on-the-wire size including per-message overheads

  void add(runtime::ConnId conn, std::uint8_t flags, std::span<const std::uint8_t> b, std::uint32_t delay_us = 0) {
    frames.push_back({conn, flags, static_cast<std::uint32_t>(bytes.size()), static_cast<std::uint32_t>(b.size()), delay_us});
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  std::span<const std::uint8_t> bytes_of(const WireFrame& f) const { return {bytes.data() + f.offset, f.size}; }
  bool empty() const { return frames.empty(); }
  void clear() {
    bytes.clear();
    frames.clear();
    wire_bytes = 0;
  }
};

/** Batches that were delivered and can carry the next window (keeps their capacity: no allocation per window). */
class WirePool {
public:
  std::unique_ptr<WireBatch> take() {
    if (free_.empty()) return std::make_unique<WireBatch>();
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void give(std::unique_ptr<WireBatch> b) {
    b->clear();
    free_.push_back(std::move(b));
  }

private:
  std::vector<std::unique_ptr<WireBatch>> free_;
};

}  // namespace twinbench::sim
