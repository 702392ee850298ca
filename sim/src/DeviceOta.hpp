#pragma once
// The firmware side of OTA for the devices behind one gateway (no SimGrid: the gateway's actor moves the
// chunks across the access link and keeps the time). Each device goes through Mender's states:
//   Download: chunk by chunk from the gateway (resumable: a lost chunk is fetched again, a device keeps its
//             offset across outages and gateway reboots), at most `parallel_downloads` devices at a time;
//   Install:  the image checked against the signed hash (an image altered after signing fails here) and
//             written to the spare slot (install_s);
//   Reboot:   into the new image on trial (reboot_s offline);
//   Verify / Commit: a device whose firmware crashes fails its boot; after boot_limit tries the bootloader
//             goes back to the old slot (Rollback); else it commits.
// A cloud-ordered revert reboots a committed device into its old slot. The bootloader logic itself, with a
// power cut at every step, is runtime/ota/Updater (tested there); this is its fleet-scale model.

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <vector>

#include "twinbench/runtime/ModelUpdates.hpp"
#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::sim {

class DeviceOta {
public:
  struct Job {
    std::uint32_t rollout = 0;
    std::uint16_t version = 0;     ///< index into the run's firmware versions
    std::uint64_t size = 0;
    std::uint32_t chunk_bytes = 16384;
    bool image_tampered = false;   ///< the hash check at Install fails
    std::vector<std::uint8_t> crashes;  ///< per device of the gateway: 1 if this firmware crashes it
  };
  struct Transfer {
    std::uint32_t rollout;
    std::uint32_t device;
    std::uint32_t chunk;
    std::uint32_t bytes;
  };
  struct Outcome {
    std::uint32_t device;
    std::uint32_t rollout;
    runtime::OtaState state;  ///< commit, rollback or failure
    std::uint16_t version;    ///< what the device runs now
    bool reverted = false;    ///< a rollback the cloud ordered (after a commit)
    const char* reason = "";  ///< why it did not commit
  };
  /** A device goes offline (a reboot) until `until_us`. */
  struct Reboot {
    std::uint32_t device;
    runtime::TimeUs until_us;
  };

  DeviceOta(std::uint32_t devices, const OtaDeviceSpec& spec);

  /** @brief Devices of a job (those already updating in it, or running its version, are left alone). */
  void add(const Job& job, const std::vector<runtime::ConnId>& devices, runtime::TimeUs now);
  /** @brief Cloud-ordered revert of committed devices of `rollout`. */
  void revert(std::uint32_t rollout, const std::vector<runtime::ConnId>& devices, runtime::TimeUs now);
  /** @brief Chunks to send now (when the gateway and its link can): at most parallel_downloads devices at once. */
  std::vector<Transfer> start_transfers();
  /** @brief A chunk arrived (`ok`) or was lost (the device asks for it again). */
  void chunk_done(std::uint32_t device, std::uint32_t chunk, bool ok, runtime::TimeUs now);
  /** @brief Advance the timed states due by `now`. */
  void step(runtime::TimeUs now);
  runtime::TimeUs next_us() const { return timers_.empty() ? std::numeric_limits<runtime::TimeUs>::max() : timers_.begin()->first; }

  std::vector<Outcome> take_outcomes() { return std::exchange(outcomes_, {}); }
  std::vector<Reboot> take_reboots() { return std::exchange(reboots_, {}); }
  /** @brief Devices that booted the rollout's firmware at least once (on trial or for good). */
  std::uint32_t ran(std::uint32_t rollout) const;
  std::uint16_t version(std::uint32_t device) const { return version_[device]; }
  bool busy() const { return !timers_.empty() || !queue_.empty() || active_ > 0; }

private:
  enum class State : std::uint8_t { idle, queued, downloading, installing, rebooting, reverting };
  struct Device {
    State state = State::idle;
    std::uint32_t job = 0;      ///< index into jobs_
    std::uint32_t next_chunk = 0;
    bool in_flight = false;
    std::uint8_t tries = 0;
  };
  void finish(std::uint32_t d, runtime::OtaState s, const char* reason);
  void at(runtime::TimeUs t, std::uint32_t d) { timers_.emplace(t, d); }
  void reboot(std::uint32_t d, runtime::TimeUs now);

  OtaDeviceSpec spec_;
  std::vector<Job> jobs_;
  std::vector<Device> dev_;
  std::vector<std::uint16_t> version_, previous_;
  std::vector<std::uint32_t> committed_in_;  ///< per device: 1 + the rollout it committed last (0 = none)
  std::map<std::uint32_t, std::vector<std::uint8_t>> ran_;  ///< per rollout: per device, booted it
  std::deque<std::uint32_t> queue_;          ///< waiting for a download slot
  std::vector<std::uint32_t> downloading_;   ///< devices with a slot
  std::uint32_t active_ = 0;
  std::multimap<runtime::TimeUs, std::uint32_t> timers_;
  std::vector<Outcome> outcomes_;
  std::vector<Reboot> reboots_;
};

}  // namespace twinbench::sim
