#include "twinbench/sim/FaultEnergy.hpp"

namespace twinbench::sim {

void FaultEnergy::track(std::uint32_t device, double onset_s) {
  if (tracked_.empty()) tracked_.assign(devices_, 0);
  tracked_[device] = 1;
  ledgers_.insert_or_assign(device, Ledger{onset_s, 0, 0, 0, onset_s});
}

void FaultEnergy::observe(std::uint32_t device, double t_s, runtime::TimeUs t_us, double kw, double hours) {
  Ledger& l = ledgers_.at(device);
  if (t_s < l.onset_s) {
    l.pre_kw_sum += kw;
    ++l.pre_n;
    return;
  }
  const double healthy = l.pre_n ? l.pre_kw_sum / l.pre_n : kw;
  l.excess_kwh += (kw - healthy) * hours;
  if (t_s >= l.next_report_s) {
    reports_.push_back({device, t_us, l.excess_kwh, healthy});
    l.next_report_s += 3600;
  }
}

}  // namespace twinbench::sim
