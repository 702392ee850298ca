#include "DeviceOta.hpp"

#include <algorithm>
#include <cmath>

namespace twinbench::sim {

using runtime::OtaState;
using runtime::TimeUs;

namespace {
TimeUs us(double s) { return std::llround(s * 1e6); }
}  // namespace

DeviceOta::DeviceOta(std::uint32_t devices, const OtaDeviceSpec& spec)
    : spec_(spec), dev_(devices), version_(devices, 0), previous_(devices, 0), committed_in_(devices, 0) {}

void DeviceOta::add(const Job& job, const std::vector<runtime::ConnId>& devices, TimeUs) {
  std::uint32_t index = 0;
  while (index < jobs_.size() && jobs_[index].rollout != job.rollout) ++index;
  if (index == jobs_.size()) jobs_.push_back(job);
  auto& ran = ran_[job.rollout];
  ran.resize(dev_.size(), 0);
  for (runtime::ConnId c : devices) {
    if (c >= dev_.size()) continue;
    Device& d = dev_[c];
    if (d.state != State::idle || version_[c] == job.version) {
      // Already on it (a retry): its outcome may have been lost with a gateway reboot; say it again.
      if (d.state == State::idle && committed_in_[c] == job.rollout + 1)
        outcomes_.push_back({c, job.rollout, OtaState::commit, version_[c], false});
      continue;
    }
    d = Device{State::queued, index, 0, false, 0};
    queue_.push_back(c);
  }
}

void DeviceOta::revert(std::uint32_t rollout, const std::vector<runtime::ConnId>& devices, TimeUs now) {
  for (runtime::ConnId c : devices) {
    if (c >= dev_.size() || dev_[c].state != State::idle || committed_in_[c] != rollout + 1) continue;
    Device& d = dev_[c];
    d.state = State::reverting;
    reboot(c, now);
  }
}

std::vector<DeviceOta::Transfer> DeviceOta::start_transfers() {
  std::vector<Transfer> out;
  while (active_ < spec_.parallel_downloads && !queue_.empty()) {
    const std::uint32_t c = queue_.front();
    queue_.pop_front();
    dev_[c].state = State::downloading;
    downloading_.push_back(c);
    ++active_;
  }
  for (std::uint32_t c : downloading_) {
    Device& d = dev_[c];
    if (d.in_flight) continue;
    const Job& j = jobs_[d.job];
    const std::uint64_t at = std::uint64_t{d.next_chunk} * j.chunk_bytes;
    d.in_flight = true;
    out.push_back({j.rollout, c, d.next_chunk, static_cast<std::uint32_t>(std::min<std::uint64_t>(j.chunk_bytes, j.size - at))});
  }
  return out;
}

void DeviceOta::chunk_done(std::uint32_t c, std::uint32_t chunk, bool ok, TimeUs now) {
  Device& d = dev_[c];
  if (d.state != State::downloading || !d.in_flight || chunk != d.next_chunk) return;
  d.in_flight = false;
  if (!ok) return;  // asked for again at the next start_transfers
  const Job& j = jobs_[d.job];
  if (std::uint64_t{++d.next_chunk} * j.chunk_bytes < j.size) return;
  downloading_.erase(std::find(downloading_.begin(), downloading_.end(), c));
  --active_;
  if (j.image_tampered) return finish(c, OtaState::failure, "the image does not match the signed hash");  // the check at Install
  d.state = State::installing;
  at(now + us(spec_.install_s), c);
}

void DeviceOta::reboot(std::uint32_t c, TimeUs now) {
  const TimeUs until = now + us(spec_.reboot_s);
  reboots_.push_back({c, until});
  at(until, c);
}

void DeviceOta::step(TimeUs now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const auto [t, c] = *timers_.begin();
    timers_.erase(timers_.begin());
    Device& d = dev_[c];
    const Job& j = jobs_[d.job];
    switch (d.state) {
      case State::installing:  // written to the spare slot: reboot into it on trial
        d.state = State::rebooting;
        d.tries = 0;
        reboot(c, t);
        break;
      case State::rebooting:
        ran_[j.rollout][c] = 1;  // it booted the new image (the bootloader counted the try)
        ++d.tries;
        if (!j.crashes.empty() && j.crashes[c]) {
          if (d.tries < spec_.boot_limit) reboot(c, t);  // crashed before its health check: the watchdog reboots it
          else finish(c, OtaState::rollback, "it crashed on every trial boot: the bootloader went back to the old slot");
          if (d.tries >= spec_.boot_limit) reboots_.push_back({c, t + us(spec_.reboot_s)});
          break;
        }
        finish(c, OtaState::commit, "");  // its health check passed
        break;
      case State::reverting:
        version_[c] = previous_[c];
        committed_in_[c] = 0;
        d.state = State::idle;
        outcomes_.push_back({c, j.rollout, OtaState::rollback, version_[c], true, "reverted on the cloud's order"});
        break;
      default: break;
    }
  }
}

void DeviceOta::finish(std::uint32_t c, OtaState s, const char* reason) {
  Device& d = dev_[c];
  const Job& j = jobs_[d.job];
  if (s == OtaState::commit) {
    previous_[c] = version_[c];
    version_[c] = j.version;
    committed_in_[c] = j.rollout + 1;
  }
  d.state = State::idle;
  outcomes_.push_back({c, j.rollout, s, version_[c], false, reason});
}

std::uint32_t DeviceOta::ran(std::uint32_t rollout) const {
  const auto it = ran_.find(rollout);
  if (it == ran_.end()) return 0;
  return static_cast<std::uint32_t>(std::count(it->second.begin(), it->second.end(), 1));
}

}  // namespace twinbench::sim
