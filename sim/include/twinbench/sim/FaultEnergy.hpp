#pragma once
// Ground truth of a fault's cost in energy (FleetCore's): how much more a faulty device has drawn since its
// fault began than its healthy level, the mean of its true power before the onset. Reported hourly.

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::sim {

/** How much more energy a faulty device has drawn since its fault began than its healthy level (its
 * mean power before the onset): reported hourly for the devices FleetCore tracks. */
struct EnergyReport {
  std::uint32_t device;
  runtime::TimeUs t_us;
  double excess_kwh;
  double healthy_kw;
};

class FaultEnergy {
public:
  explicit FaultEnergy(std::uint32_t devices) : devices_(devices) {}
  /** @brief Track a device whose fault begins at `onset_s` (again: from scratch). */
  void track(std::uint32_t device, double onset_s);
  bool tracks(std::uint32_t device) const { return !tracked_.empty() && tracked_[device]; }
  /** @brief A tracked device drew `kw` (true power) for `hours` from `t_s`. */
  void observe(std::uint32_t device, double t_s, runtime::TimeUs t_us, double kw, double hours);
  /** @brief Reports since the last call. */
  std::vector<EnergyReport> take() { return std::exchange(reports_, {}); }

private:
  struct Ledger {
    double onset_s;
    double pre_kw_sum = 0;
    std::uint32_t pre_n = 0;
    double excess_kwh = 0;
    double next_report_s;
  };
  std::uint32_t devices_;
  std::map<std::uint32_t, Ledger> ledgers_;
  std::vector<std::uint8_t> tracked_;  ///< per device: 1 if in ledgers_ (allocated on the first track)
  std::vector<EnergyReport> reports_;
};

}  // namespace twinbench::sim
