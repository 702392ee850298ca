#pragma once
// Helpers for the asset classes' tests (twins/assets/<class>/*_test.cpp): a channel's mean over time, and a
// fault's signature as the shift of a channel's mean against a healthy twin of the same device.

#include <functional>
#include <memory>
#include <string>

#include "twinbench/twins/Asset.hpp"

namespace twinbench::twins::testing {

/** @brief Mean of channel `c` of device `i` of `f`, sampled every `period_s` in [t0, t1). */
inline double mean_channel(AssetFleet& f, std::uint32_t i, double t0, double t1, int c, double period_s = 10) {
  Eigen::ArrayXXd out(static_cast<Eigen::Index>(f.channels()), 1);
  double sum = 0;
  int n = 0;
  for (double t = t0; t < t1; t += period_s, ++n) {
    const std::uint32_t idx[] = {i};
    const double ts[] = {t};
    f.step(idx, ts, out);
    sum += out(c, 0);
  }
  return sum / n;
}

/** One row of a class's fault signature: `mode` moves `channel` by at least `min_change` (signed). */
struct Signature {
  std::size_t mode;
  int channel;
  double min_change;
};

/**
 * @brief For each row: two fleets from `make`, the fault on device 2 of one from t = 0 to failure at
 * `ramp_s`, then the means over [t0, t1); a failure message names the class's fault and channel, or "".
 */
inline std::string check_signatures(const AssetDescriptor& d, const std::function<std::unique_ptr<AssetFleet>()>& make,
                                    std::initializer_list<Signature> rows, double ramp_s, double t0, double t1) {
  std::string failures;
  for (const Signature& s : rows) {
    const auto healthy = make(), faulty = make();
    faulty->set_fault(2, s.mode, 0.0, ramp_s);
    const double shift = mean_channel(*faulty, 2, t0, t1, s.channel) - mean_channel(*healthy, 2, t0, t1, s.channel);
    if (s.min_change > 0 ? shift <= s.min_change : shift >= s.min_change)
      failures += d.faults[s.mode].name + " moves " + d.channels[static_cast<std::size_t>(s.channel)].name + " by " + std::to_string(shift) +
                  ", expected " + (s.min_change > 0 ? "more than " : "less than ") + std::to_string(s.min_change) + "\n";
  }
  return failures;
}

}  // namespace twinbench::twins::testing
