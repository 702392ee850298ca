#pragma once
// A gateway's access link, computed rather than handed to SimGrid. Only one gateway's own transfers use
// it (its devices' batches, its replies to them, firmware chunks), so nothing outside the gateway's actor
// can change how they share it. The model is SimGrid's CM02 (with cross-traffic off, as the simulation
// configures it) for one shared link: a transfer first waits the link's latency, then shares the
// bandwidth equally with the transfers past their latency, each capped at TCP gamma / (2 x latency).
// A lone transfer takes latency + size / min(bandwidth, cap), the same sum SimGrid computes, in the same
// order (AccessLink_test checks it, and contended transfers, against SimGrid itself).
// No SimGrid here: a SimGrid transfer per batch was a third of the simulation's cost per message.

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

namespace twinbench::sim {

class AccessLink {
 public:
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  /** A link of `bytes_per_s`, `latency_s`; `tcp_gamma` in bytes (SimGrid's network/TCP-gamma; 0: no cap). */
  AccessLink(double bytes_per_s, double latency_s, double tcp_gamma);

  /** A transfer of `bytes` starts at `now_s` (not before the last call's time); `tag` names it on arrival. */
  void start(double now_s, double bytes, std::uint32_t tag);

  /** The first transfer in flight to arrive if no other starts: when, and its tag; nullopt if none is in flight. */
  std::optional<std::pair<double, std::uint32_t>> next_arrival() const;
  /** When the first transfer in flight arrives if no other starts (kNever if none is in flight). */
  double next_arrival_s() const {
    const auto a = next_arrival();
    return a ? a->first : kNever;
  }

  /** The first transfer that has arrived by `now_s`: its arrival time and tag; nullopt if none has. */
  std::optional<std::pair<double, std::uint32_t>> take_arrived(double now_s);

  /** Transfers started and not yet taken. */
  std::size_t in_flight() const { return waiting_.size() + sharing_.size() + arrived_.size(); }

 private:
  struct Waiting {  // in its latency
    double until_s;
    double bytes;
    std::uint32_t tag;
  };
  struct Sharing {  // past its latency: done when every sharer has been served `done_at` bytes
    double done_at;
    std::uint64_t order;  // ties: the one that started first
    std::uint32_t tag;
    bool operator>(const Sharing& o) const { return done_at != o.done_at ? done_at > o.done_at : order > o.order; }
  };

  double rate(std::size_t sharers) const;  // each sharer's bytes per second
  void advance_to(double t_s);             // runs the model's events up to t_s; what arrives goes to arrived_

  double bytes_per_s_, latency_s_, cap_;
  double t_s_ = 0;       // the model's time
  double served_ = 0;    // bytes served to each sharer since the link was last idle
  std::uint64_t order_ = 0;
  std::deque<Waiting> waiting_;  // one latency for all: in start order, which is their end order
  std::priority_queue<Sharing, std::vector<Sharing>, std::greater<>> sharing_;
  std::deque<std::pair<double, std::uint32_t>> arrived_;
  mutable std::optional<std::pair<double, std::uint32_t>> next_;  // next_arrival(), while nothing changed
  mutable bool next_known_ = false;
};

/** An AccessLink whose transfers carry a `T` each. */
template <class T>
class AccessLinkOf {
 public:
  AccessLinkOf(double bytes_per_s, double latency_s, double tcp_gamma) : link_(bytes_per_s, latency_s, tcp_gamma) {}

  void start(double now_s, double bytes, T payload) {
    std::uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back(std::move(payload));
    } else {
      slot = free_.back();
      free_.pop_back();
      slots_[slot].emplace(std::move(payload));
    }
    link_.start(now_s, bytes, slot);
  }
  double next_arrival_s() const { return link_.next_arrival_s(); }
  /** What the first transfer to arrive carries (nullptr if none is in flight); when: next_arrival_s(). */
  const T* next_payload() const {
    const auto a = link_.next_arrival();
    return a ? &*slots_[a->second] : nullptr;
  }
  std::optional<std::pair<double, T>> take_arrived(double now_s) {
    const auto a = link_.take_arrived(now_s);
    if (!a) return std::nullopt;
    std::pair<double, T> out{a->first, std::move(*slots_[a->second])};
    slots_[a->second].reset();
    free_.push_back(a->second);
    return out;
  }
  std::size_t in_flight() const { return link_.in_flight(); }

 private:
  AccessLink link_;
  std::vector<std::optional<T>> slots_;
  std::vector<std::uint32_t> free_;
};

}  // namespace twinbench::sim
