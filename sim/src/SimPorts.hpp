#pragma once
// The runtime's ports implemented on SimGrid: simulated clock, transport over simulated links, and
// compute charged as simulated CPU time. Private to sim/.

#include <simgrid/s4u/Mailbox.hpp>

#include <algorithm>
#include <memory>
#include <vector>

#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/sim/Wire.hpp"

namespace twinbench::sim {

/** Simulated seconds -> integer microseconds, the runtime's time unit. */
runtime::TimeUs to_us(double seconds);
double to_s(runtime::TimeUs us);

/**
 * Simulated time, possibly a little ahead of SimGrid's clock: while a gateway handles a coalesced batch,
 * each frame is handled at its own arrival time (advance_to). Never goes backwards.
 */
class SimClock final : public runtime::Clock {
public:
  runtime::TimeUs now_us() const override;
  void advance_to(runtime::TimeUs t_us) { floor_us_ = std::max(floor_us_, t_us); }
  runtime::TimerId schedule(runtime::TimeUs delay_us, std::function<void()> fn) override;
  bool cancel(runtime::TimerId id) override { return timers_.cancel(id); }
  runtime::TimerQueue& timers() { return timers_; }

private:
  runtime::TimerQueue timers_;
  runtime::TimeUs floor_us_ = 0;
};

/** Accumulates charged work; the owning actor turns it into simulated CPU time with execute(). */
class SimCompute final : public runtime::Compute {
public:
  void charge(double flops) override { pending_flops_ += flops; }
  /** Spend the accumulated work on this actor's host (simulated time passes). */
  void execute();

private:
  double pending_flops_ = 0;
};

/** A message on the WAN uplink: the bytes of one MQTT packet from a gateway to the cloud. */
struct UplinkMessage {
  std::uint32_t gateway = 0;
  std::vector<std::uint8_t> bytes;
};

struct LinkFlags {
  bool access_up = true;
  bool wan_up = true;
};

/**
 * The gateway side of the transport. Device connections arrive as frames from the fleet actor;
 * replies and resets are collected into one downlink batch per turn of the gateway's loop (flush()).
 */
class SimTransport final : public runtime::Transport {
public:
  SimTransport(std::uint32_t gateway, simgrid::s4u::Mailbox* fleet, simgrid::s4u::Mailbox* cloud, const LinkFlags& links,
               runtime::Sink& sink, SimClock& clock);

  runtime::ConnId connect(std::string_view endpoint) override;
  runtime::SendStatus send(runtime::ConnId conn, std::span<const std::uint8_t> bytes) override;
  void close(runtime::ConnId conn) override;

  /** Hand every frame of a batch from the devices to `handler`, each at its own arrival time, firing due timers first. */
  void deliver(const WireBatch& batch, runtime::TransportHandler& handler);
  /** Send what the gateway produced since the last flush to the devices. */
  void flush();

private:
  static constexpr runtime::ConnId kCloud = runtime::kNoConn - 1;
  bool is_open(runtime::ConnId c) const { return c < open_.size() && open_[c]; }
  void set_open(runtime::ConnId c, bool v);

  std::uint32_t gateway_;
  simgrid::s4u::Mailbox* fleet_;
  simgrid::s4u::Mailbox* cloud_;
  const LinkFlags& links_;
  runtime::Sink& sink_;
  SimClock& clock_;
  std::vector<std::uint8_t> open_;  ///< per device connection
  std::unique_ptr<WireBatch> downlink_;
  std::uint32_t resets_ = 0;        ///< frames refused on closed connections since the last flush
};

}  // namespace twinbench::sim
