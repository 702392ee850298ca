#pragma once
// What an access link does to each message beyond SimGrid's latency and shared bandwidth: a random extra
// latency (a shifted log-normal: the link's latency is the shift) and loss, independent (Bernoulli) or
// bursty (Gilbert-Elliott: a two-state channel per device, stepped once per message). Draws come from
// the device's own stream, so a seed gives the same losses and delays whatever else runs.

#include <cmath>
#include <cstdint>
#include <optional>

#include "twinbench/core/Random.hpp"

namespace twinbench::core {

/** The Gilbert-Elliott channel: good -> bad with p_enter_bad, bad -> good with p_leave_bad, per message. */
struct BurstLoss {
  double p_enter_bad = 0, p_leave_bad = 1, loss_in_good = 0, loss_in_bad = 1;
  /** The stationary share of messages sent in the bad state: p_enter / (p_enter + p_leave). */
  double bad_share() const { return p_enter_bad / (p_enter_bad + p_leave_bad); }
  /** The long-run loss ratio. */
  double loss_ratio() const { return bad_share() * loss_in_bad + (1 - bad_share()) * loss_in_good; }
  /** Step the channel (`bad` is its state) for one message and say whether that message is lost. */
  bool lose(bool& bad, RngStream& rng) const {
    bad = bad ? !rng.bernoulli(p_leave_bad) : rng.bernoulli(p_enter_bad);
    return rng.bernoulli(bad ? loss_in_bad : loss_in_good);
  }
};

/** Extra latency beyond the link's own: log-normal with this median and log-space standard deviation. */
struct Jitter {
  double median_us = 0, sigma = 0;
  bool any() const { return median_us > 0; }
  double draw_us(RngStream& rng) const { return median_us * std::exp(sigma * rng.normal()); }
  /** The q-quantile of the extra latency, for checks and docs: median x exp(sigma z_q). */
  double quantile_us(double z_q) const { return median_us * std::exp(sigma * z_q); }
};

}  // namespace twinbench::core
