#pragma once
// The firmware updates of the devices behind one gateway (no SimGrid: the gateway's actor moves the chunks
// across the access link and keeps the time). Each device runs the shipped updater, runtime/ota's Device,
// on its own simulated flash (DeviceFlash: slots that reference the run's shared images), through Mender's
// states:
//   Download: chunk by chunk from the gateway (the updater keeps its progress: a lost chunk is fetched
//             again, an outage or a gateway reboot resumes where it stopped), at most `parallel_downloads`
//             devices at a time; a manifest not signed by the cloud is refused at its start;
//   Install:  the updater checks the image against the signed hash (an image altered after signing fails
//             here) and marks the slot pending (install_s);
//   Reboot:   the updater's bootloader boots the new slot on trial (reboot_s offline);
//   Verify / Commit: a device whose firmware crashes fails its boot and the watchdog reboots it; after
//             boot_limit tries the bootloader goes back to the old slot (Rollback); else it commits.
// A cloud-ordered revert makes the old slot active (the updater's revert()) and reboots into it.

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "DeviceFlash.hpp"
#include "twinbench/runtime/ModelUpdates.hpp"
#include "twinbench/runtime/ota/Updater.hpp"
#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::sim {

class DeviceOta {
public:
  /** What every device runs before any rollout: slot A holds it, committed. */
  struct Factory {
    runtime::ota::Manifest manifest;
    std::shared_ptr<const SharedImage> image;
    runtime::crypto::PublicKey trusted;  ///< the cloud's key, which the devices' updater trusts
  };
  struct Job {
    std::uint32_t rollout = 0;
    std::uint16_t version = 0;                  ///< index into the run's firmware versions
    runtime::ota::Manifest manifest;            ///< as the gateway passed it on
    std::shared_ptr<const SharedImage> image;   ///< the bytes the chunks carry (altered after signing, if tampered)
    std::vector<std::uint8_t> crashes;          ///< per device of the gateway: 1 if this firmware crashes it
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

  /** @brief The factory firmware is version 0 of the run's firmware versions. */
  DeviceOta(std::uint32_t devices, const OtaDeviceSpec& spec, Factory factory);
  ~DeviceOta();

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
  /** @brief The firmware version (index) device `d` runs: what its updater last booted. */
  std::uint16_t version(std::uint32_t device) const { return version_[device]; }
  bool busy() const { return !timers_.empty() || !queue_.empty() || active_ > 0; }
  /** @brief Device `d`'s updater, to look at. */
  const runtime::ota::Device& updater(std::uint32_t d) const;
  const DeviceFlash& flash(std::uint32_t d) const;

private:
  enum class State : std::uint8_t { idle, queued, downloading, installing, rebooting, reverting };
  struct Unit;
  void finish(std::uint32_t d, runtime::OtaState s, const char* reason);
  void at(runtime::TimeUs t, std::uint32_t d) { timers_.emplace(t, d); }
  void reboot(std::uint32_t d, runtime::TimeUs now);
  std::uint16_t version_index(const std::string& version) const;

  OtaDeviceSpec spec_;
  Factory factory_;
  FlashPool pool_;
  std::vector<Job> jobs_;
  std::vector<std::unique_ptr<Unit>> units_;  ///< per device
  std::vector<std::pair<std::string, std::uint16_t>> versions_;  ///< version name to index
  std::vector<std::uint16_t> version_;
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
