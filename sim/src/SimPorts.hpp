#pragma once
// The runtime's ports implemented on SimGrid: simulated clock, transport over simulated links, and
// compute charged as simulated CPU time. Private to sim/.

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/audit/AuditLog.hpp"
#include "twinbench/runtime/ports/Audit.hpp"
#include "twinbench/runtime/ports/Datagram.hpp"
#include "twinbench/runtime/ports/PasswordCheck.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/sim/Wire.hpp"
#include "Wan.hpp"

namespace simgrid::s4u {
class Mailbox;
}

namespace twinbench::sim {

/**
 * The run's audit log: one hash chain over every record of every gateway and of the cloud, kept in memory
 * until the run's results are written. Records come from sources: each gateway's port (`source(index)`)
 * and the cloud (`record` on the log itself). The chain is made at the end, in time order, then by source
 * (gateways by index, the cloud last), each source's records in the order it made them: the same log
 * however the sources' records interleaved, so the ranks of a sharded run, each with some of the
 * gateways, make the run's log together (`lines` and `add_lines`).
 */
class ChainAudit final : public runtime::AuditTrail {
public:
  static constexpr std::uint32_t kCloud = UINT32_MAX;
  /** The cloud's records. */
  void record(runtime::TimeUs t_us, std::string_view actor, std::string_view action, std::string_view details_json) override {
    add(kCloud, t_us, actor, action, details_json);
  }
  /** A gateway's port: its records, as that gateway's. */
  runtime::AuditTrail& source(std::uint32_t gateway);
  /** The chain's lines (empty when nothing was recorded). */
  std::string text() const;
  /** The run's head (shared by every gateway: none of them sends it to the cloud, so AuditTrail::head() stays none). */
  std::string run_head() const;
  /** This process's records, one JSON line each, for another's `add_lines` (a sharded run's ranks). */
  std::string lines() const;
  /** Records from `lines()` of another process (bad lines: std::invalid_argument). */
  void add_lines(std::string_view text);

private:
  struct Record {
    runtime::TimeUs t_us;
    std::uint32_t source;
    std::uint64_t seq;
    std::string actor, action, details;
  };
  class Port final : public runtime::AuditTrail {
  public:
    Port(ChainAudit& log, std::uint32_t gateway) : log_(log), gateway_(gateway) {}
    void record(runtime::TimeUs t_us, std::string_view actor, std::string_view action, std::string_view details_json) override {
      log_.add(gateway_, t_us, actor, action, details_json);
    }

  private:
    ChainAudit& log_;
    std::uint32_t gateway_;
  };
  void add(std::uint32_t source, runtime::TimeUs t_us, std::string_view actor, std::string_view action, std::string_view details) {
    records_.push_back({t_us, source, records_.size(), std::string(actor), std::string(action), std::string(details)});
  }
  /** The chain over the records in the log's order: its lines and head. */
  std::pair<std::string, std::string> chain() const;

  std::vector<Record> records_;
  std::map<std::uint32_t, std::unique_ptr<Port>> ports_;
};

/** Simulated seconds -> integer microseconds, the runtime's time unit. */
runtime::TimeUs to_us(double seconds);
double to_s(runtime::TimeUs us);

/**
 * A gateway's simulated time: SimGrid's clock as of the node's last wake-up (sync_to), or a little ahead
 * of it while the gateway works through a batch (each frame is handled at its own arrival time; CPU work
 * queues). Never goes backwards. Reading it never calls into SimGrid: it is read several times per message.
 */
class SimClock final : public runtime::Clock {
public:
  runtime::TimeUs now_us() const override { return now_us_; }
  /** Move to `t_us` if that is later (SimGrid's time at a wake-up, or a frame's arrival). */
  void advance_to(runtime::TimeUs t_us) { now_us_ = std::max(now_us_, t_us); }
  runtime::TimerId schedule(runtime::TimeUs delay_us, std::function<void()> fn) override;
  bool cancel(runtime::TimerId id) override { return timers_.cancel(id); }
  runtime::TimerQueue& timers() { return timers_; }

private:
  runtime::TimerQueue timers_;
  runtime::TimeUs now_us_ = 0;
};

/**
 * The gateway's CPU as one core that serves work in arrival order: work charged at time t starts when
 * both t and the core are free, and the gateway's clock moves to its end. Overload therefore shows as
 * queueing delay in every timestamp the runtime takes, without one SimGrid exec per packet.
 */
class SimCompute final : public runtime::Compute {
public:
  SimCompute(SimClock& clock, double flops_per_s) : clock_(clock), flops_per_s_(flops_per_s) {}
  void charge(double flops) override;
  /** Simulated seconds the core has been busy (counting the work queued beyond now). */
  double busy_s() const { return busy_us_ * 1e-6; }
  /** Simulated microseconds the core had been busy at `t_us`: the work queued beyond it has not run yet. */
  double busy_us_at(runtime::TimeUs t_us) const { return busy_us_ - std::max(0.0, free_at_us_ - static_cast<double>(t_us)); }

private:
  SimClock& clock_;
  double flops_per_s_;
  double free_at_us_ = 0;
  double busy_us_ = 0;
};

/**
 * The PasswordCheck port of a simulated gateway: checks at once (the hash, made at the least cost, keeps
 * runs fast) and charges the gateway's CPU what a check at the production cost takes: scrypt's work
 * grows with N * r * p; calibrated so that N = 2^15, r = 8, p = 1 takes 0.165 s on a 1e9 flop/s gateway,
 * as measured on the bench's machine (docs/security.md).
 */
class SimPasswordCheck final : public runtime::PasswordCheck {
public:
  static constexpr double kFlopsPerBlock = 630;  ///< per N * r * p
  SimPasswordCheck(runtime::Compute& compute, unsigned cost_log2)
      : compute_(compute), flops_(kFlopsPerBlock * std::ldexp(8.0, static_cast<int>(cost_log2))) {}
  void check(std::string password, std::string hash, std::function<void(runtime::PasswordVerdict)> done) override;

private:
  runtime::Compute& compute_;
  double flops_;
};

struct LinkFlags {
  bool access_up = true;
  bool wan_up = true;
};

/**
 * The gateway side of the transport. Device connections arrive as frames in batches from the devices;
 * replies and resets are collected into one downlink batch per turn of the gateway's loop (flush()).
 * connect("cloud") opens a TCP connection over the gateway's WAN to the simulated cloud (Wan.hpp): none
 * while the WAN is down (no route), open one round trip later otherwise.
 */
class SimTransport final : public runtime::Transport, public runtime::Datagrams {
public:
  /** `to_cloud` starts a message across the gateway's WAN to the cloud. */
  SimTransport(std::uint32_t gateway, WanEndpoint::Put to_cloud, const LinkFlags& links, runtime::Sink& sink, SimClock& clock);

  /** @brief "cloud": a connection over the WAN (kNoConn while it is down); what the cloud sends goes to `handler`. */
  runtime::ConnId connect(std::string_view endpoint, runtime::TransportHandler& handler) override;
  runtime::SendStatus send(runtime::ConnId conn, std::span<const std::uint8_t> bytes) override;
  void close(runtime::ConnId conn) override;
  /** @brief A CoAP datagram to device `to` (its index): it goes down with the next batch. */
  runtime::SendStatus send_to(runtime::PeerId to, std::span<const std::uint8_t> bytes) override;

  /** Hand every frame of a batch that arrived at `arrival_us` to `handler` (datagrams to `datagrams`), each at its own time,
   * firing due timers first. */
  void deliver(const WireBatch& batch, runtime::TimeUs arrival_us, runtime::TransportHandler& handler, runtime::DatagramHandler& datagrams);
  /** Hand a message from the cloud that arrived at `arrival_us` to its connection's handler (in order), firing due timers first. */
  void deliver_from_cloud(std::unique_ptr<WanMessage> m, runtime::TimeUs arrival_us);
  /** The gateway stops (a reboot): its connections to the cloud end, with a FIN each unless the power was cut. */
  void abandon_cloud(bool power_cut);
  /** A gateway that is down answers every frame of a batch with a reset (a datagram with silence); returns the
   * PUBLISH packets and datagrams they held. */
  std::uint32_t refuse(const WireBatch& batch);
  /** What the gateway sent to the devices since the last flush (nullptr if nothing); dropped, and counted, if the access link is down.
   * What it sent the cloud leaves now. */
  std::unique_ptr<WireBatch> flush();
  /** Whether flush() has anything to send or count. */
  bool has_output() const { return wan_.queued() || !downlink_->empty() || resets_ > 0; }
  /** Whether a timer will put something on the WAN (a retransmission), not flush(). */
  bool retransmitting() const { return wan_.holding(); }

private:
  static constexpr runtime::ConnId kCloudBase = 0xC0000000u;  ///< connections to the cloud are numbered from here
  bool is_open(runtime::ConnId c) const { return c < open_.size() && open_[c]; }
  void set_open(runtime::ConnId c, bool v);

  std::uint32_t gateway_;
  const LinkFlags& links_;
  runtime::Sink& sink_;
  SimClock& clock_;
  std::vector<std::uint8_t> open_;  ///< per device connection
  WanEndpoint wan_;
  std::map<runtime::ConnId, runtime::TransportHandler*> cloud_conns_;  ///< open, or opening
  runtime::ConnId next_cloud_ = kCloudBase;
  std::unique_ptr<WireBatch> downlink_;
  std::uint32_t resets_ = 0;        ///< frames refused on closed connections since the last flush
};

}  // namespace twinbench::sim
