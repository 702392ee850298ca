#pragma once
// The devices' timer queue (FleetCore's scheduling): one FIFO ring per reporting period. A device reports,
// then goes to the back of its ring one period later: every entry of a ring was queued at an earlier or
// equal time with the same period, so each ring stays sorted with O(1) work per report (a heap costs
// 50 % more per message). A device whose period changes reports at once: it goes to the front of its new
// ring (every pending entry is due now or later) and its old entry turns stale (generation mismatch). The
// next device is the earliest head among the rings; there are as many rings as distinct periods (few).

#include <cstdint>
#include <deque>
#include <vector>

#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::sim {

class DueRings {
public:
  struct Due {
    runtime::TimeUs t_us;
    std::uint32_t device;
    std::uint32_t gen;  ///< the device's generation when queued; an older one is a stale entry
  };

  DueRings() = default;
  /** @brief Devices [0, first_due_us.size()) on `period_us`, each first due at its entry (any order). */
  DueRings(const std::vector<runtime::TimeUs>& first_due_us, runtime::TimeUs period_us);

  /** @brief The earliest entry (stale ones dropped on the way). */
  const Due& next();
  /** @brief The entry next() returned reports: it goes back one period later. Returns that period. */
  runtime::TimeUs reschedule();
  /** @brief From `now_us` the device reports every `period_us`, the first time at once. */
  void set_period(std::uint32_t device, runtime::TimeUs period_us, runtime::TimeUs now_us);
  runtime::TimeUs period_us(std::uint32_t device) const { return period_us_[device]; }

  /// Heap bytes per device: its period, its generation, and its entry.
  static constexpr std::size_t kBytesPerDevice = sizeof(runtime::TimeUs) + sizeof(std::uint32_t) + sizeof(Due);

private:
  struct Ring {
    runtime::TimeUs period_us;
    std::deque<Due> due;
  };
  /** The ring whose (valid) head is due first, stale heads dropped on the way. */
  Ring& earliest();

  std::vector<Ring> rings_;
  std::vector<runtime::TimeUs> period_us_;
  std::vector<std::uint32_t> gen_;
  Ring* last_ = nullptr;  ///< the ring whose head next() returns; nullptr when that may have changed
};

}  // namespace twinbench::sim
