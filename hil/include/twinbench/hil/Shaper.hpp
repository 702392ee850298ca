#pragma once
// What the lab's shaping proxy does to each chunk of bytes it relays, without any I/O: the same link model
// as a simulated access link (core/LinkModel.hpp: a latency floor plus a log-normal extra, independent or
// Gilbert-Elliott loss) and a bandwidth cap shared by every connection in one direction, as a radio
// medium is shared. The proxy asks when a chunk is due and whether a datagram is dropped.
//
// A TCP stream cannot lose bytes: a chunk the model loses is sent again after a retransmission timeout
// (200 ms, Linux's minimum, doubling while the retransmission is lost too), and no chunk of a stream is
// due before the one ahead of it (in-order delivery). A UDP datagram the model loses is dropped.

#include <cstdint>
#include <optional>

#include "twinbench/core/LinkModel.hpp"
#include "twinbench/core/Random.hpp"

namespace twinbench::hil {

using TimeUs = std::int64_t;

/** @brief How a shaped link behaves (one direction; the proxy shapes both alike). */
struct Shaping {
  double latency_ms = 0;  ///< the floor every chunk waits
  core::Jitter jitter;    ///< the extra on top (median_us, sigma); none while median_us is 0
  double loss_probability = 0;
  std::optional<core::BurstLoss> burst_loss;  ///< in place of loss_probability
  double bandwidth_bps = 0;                   ///< shared by every connection in this direction; 0: no cap
  double retransmit_ms = 200;                 ///< TCP: a lost chunk arrives this much later (then doubling)
  int retransmits_max = 15;                   ///< TCP gives up after this many (Linux's tcp_retries2); the chunk is then late, not lost
};

/** @brief One connection's (or one UDP peer's) state in one direction: its own random stream and order. */
struct Flow {
  explicit Flow(core::RngStream stream) : rng(stream) {}
  core::RngStream rng;
  bool bad = false;        ///< Gilbert-Elliott state
  TimeUs last_due_us = 0;  ///< TCP: the previous chunk's due time
};

/** @brief One direction of the medium. */
class ShapedLink {
public:
  explicit ShapedLink(Shaping s) : s_(s) {}

  /** @brief When a chunk of `bytes` read at `now_us` from a TCP stream is due at the far side. */
  TimeUs stream_due_us(Flow& f, TimeUs now_us, std::size_t bytes);
  /** @brief When a datagram read at `now_us` is due, or nullopt if the link loses it. */
  std::optional<TimeUs> datagram_due_us(Flow& f, TimeUs now_us, std::size_t bytes);

  const Shaping& shaping() const { return s_; }
  std::uint64_t lost() const { return lost_; }                ///< model losses (datagrams dropped, stream chunks resent)
  std::uint64_t retransmits() const { return retransmits_; }  ///< stream chunks' retransmissions

private:
  /** The chunk occupies the medium after whatever is ahead of it; returns when its last bit is sent. */
  TimeUs serialize(TimeUs now_us, std::size_t bytes);
  bool lose(Flow& f);
  TimeUs delay_us(Flow& f) const;

  Shaping s_;
  TimeUs busy_until_us_ = 0;
  std::uint64_t lost_ = 0, retransmits_ = 0;
};

}  // namespace twinbench::hil
