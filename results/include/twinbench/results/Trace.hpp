#pragma once
// trace.json: a run as a timeline in the Chrome trace event format, which Perfetto (ui.perfetto.dev) and
// chrome://tracing open. `twinbench run --trace` writes it.
//
// Tracks: the cloud is a process of its own, each site another, with a thread per gateway. Times are the
// simulation's, in microseconds.
//  - slices (ph X): link outages (access, WAN) and gateway reboots on their gateway's track, rollouts
//    (start to completion or halt) on the cloud's. A slice that overlaps an earlier one of the same track
//    goes to a lane of its own below it ("<gateway> (2)"), so that every track nests as the format wants;
//  - instants (ph i): alerts raised, ground-truth fault onsets (with the failure time), drift injected and
//    drift detected, devices' OTA outcomes, and at the cloud rollout waves and retrained models;
//  - counters (ph C), per gateway and results interval: alerts raised, windows scored (the inference
//    batches, aggregated), OTA outcomes. Counters hold every event, whatever the run's size.
// Bounded for any fleet: at most kMaxMarks slices and instants (the first ones; how many were left out
// is in "otherData"), and a counter per gateway and interval.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "twinbench/results/RunMeta.hpp"
#include "twinbench/runtime/ports/Sink.hpp"

namespace twinbench::results {

class Trace final : public runtime::Sink {
public:
  static constexpr std::size_t kMaxMarks = 20'000;

  explicit Trace(RunMeta meta);
  void emit(const runtime::Event& e) override;
  using Sink::emit;
  /** @brief The trace (slices still open are closed at the run's end); the same events give the same bytes. */
  std::string text() const;

private:
  static constexpr std::uint32_t kCloud = UINT32_MAX;  ///< the track of the cloud, where gateways have their index
  struct Mark {
    std::uint32_t track;
    char ph;  ///< 'X' or 'i'
    runtime::TimeUs t_us, dur_us;
    std::string name, args;  ///< args: a JSON object's text
  };
  struct Counts {
    std::int64_t alerts = 0, windows = 0, ota = 0;
  };
  void mark(std::uint32_t track, char ph, runtime::TimeUs t, runtime::TimeUs dur, std::string name, std::string args);
  void open(std::uint32_t track, int what, runtime::TimeUs t, std::string name, std::string args);
  void close(std::uint32_t track, int what, runtime::TimeUs t, const std::string& suffix = {});
  Counts& counts(const runtime::Event& e);

  RunMeta meta_;
  std::vector<Mark> marks_;
  std::uint64_t left_out_ = 0;
  struct Open {
    runtime::TimeUs since;
    std::string name, args;
  };
  std::map<std::pair<std::uint32_t, int>, Open> open_;               ///< slices begun, by (track, what)
  std::map<std::pair<std::uint32_t, std::int64_t>, Counts> counts_;  ///< by (gateway, interval)
};

}  // namespace twinbench::results
