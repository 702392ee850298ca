#include "DeviceOta.hpp"

#include <algorithm>
#include <cmath>

namespace twinbench::sim {

using runtime::OtaState;
using runtime::TimeUs;
namespace ota = runtime::ota;

namespace {
TimeUs us(double s) { return std::llround(s * 1e6); }
}  // namespace

/** One device: its flash and the shipped updater over it. */
struct DeviceOta::Unit {
  Unit(FlashPool& pool, const runtime::crypto::PublicKey& trusted, std::uint8_t boot_limit) : flash(pool), updater(flash, trusted, boot_limit) {}
  DeviceFlash flash;
  ota::Device updater;
  State state = State::idle;
  std::uint32_t job = 0;  ///< index into jobs_
  bool in_flight = false;
};

DeviceOta::DeviceOta(std::uint32_t devices, const OtaDeviceSpec& spec, Factory factory)
    : spec_(spec), factory_(std::move(factory)), version_(devices, 0), committed_in_(devices, 0) {
  pool_.add(factory_.image);
  versions_.emplace_back(factory_.manifest.version, 0);
  units_.reserve(devices);
  for (std::uint32_t d = 0; d < devices; ++d) {  // from the factory: the image in slot A, booted
    units_.push_back(std::make_unique<Unit>(pool_, factory_.trusted, spec_.boot_limit));
    units_.back()->updater.provision(factory_.manifest, factory_.image->bytes);
    units_.back()->updater.boot();
  }
}

DeviceOta::~DeviceOta() = default;

const ota::Device& DeviceOta::updater(std::uint32_t d) const { return units_[d]->updater; }
const DeviceFlash& DeviceOta::flash(std::uint32_t d) const { return units_[d]->flash; }

std::uint16_t DeviceOta::version_index(const std::string& version) const {
  for (const auto& [name, index] : versions_)
    if (name == version) return index;
  return versions_.front().second;
}

void DeviceOta::add(const Job& job, const std::vector<runtime::ConnId>& devices, TimeUs) {
  std::uint32_t index = 0;
  while (index < jobs_.size() && jobs_[index].rollout != job.rollout) ++index;
  if (index == jobs_.size()) {
    jobs_.push_back(job);
    pool_.add(job.image);
    if (version_index(job.manifest.version) != job.version) versions_.emplace_back(job.manifest.version, job.version);
  }
  auto& ran = ran_[job.rollout];
  ran.resize(units_.size(), 0);
  for (runtime::ConnId c : devices) {
    if (c >= units_.size()) continue;
    Unit& u = *units_[c];
    if (u.state != State::idle || version_[c] == job.version) {
      // Already on it (a retry): its outcome may have been lost with a gateway reboot; say it again.
      if (u.state == State::idle && committed_in_[c] == job.rollout + 1)
        outcomes_.push_back({c, job.rollout, OtaState::commit, version_[c], false});
      continue;
    }
    u.state = State::queued;
    u.job = index;
    u.in_flight = false;
    queue_.push_back(c);
  }
}

void DeviceOta::revert(std::uint32_t rollout, const std::vector<runtime::ConnId>& devices, TimeUs now) {
  for (runtime::ConnId c : devices) {
    if (c >= units_.size() || units_[c]->state != State::idle || committed_in_[c] != rollout + 1) continue;
    Unit& u = *units_[c];
    if (const ota::Status s = u.updater.revert(); s != ota::Status::ok) {  // the old image is gone from the other slot
      outcomes_.push_back({c, rollout, OtaState::failure, version_[c], true, "no valid image to go back to in the other slot"});
      continue;
    }
    u.state = State::reverting;
    u.job = static_cast<std::uint32_t>(std::find_if(jobs_.begin(), jobs_.end(), [&](const Job& j) { return j.rollout == rollout; }) - jobs_.begin());
    reboot(c, now);
  }
}

std::vector<DeviceOta::Transfer> DeviceOta::start_transfers() {
  std::vector<Transfer> out;
  while (active_ < spec_.parallel_downloads && !queue_.empty()) {
    const std::uint32_t c = queue_.front();
    queue_.pop_front();
    Unit& u = *units_[c];
    if (const ota::Status s = u.updater.begin(jobs_[u.job].manifest); s != ota::Status::ok) {
      finish(c, OtaState::failure, ota::to_string(s).data());  // a manifest the cloud did not sign
      continue;
    }
    u.state = State::downloading;
    downloading_.push_back(c);
    ++active_;
  }
  for (std::uint32_t c : downloading_) {
    Unit& u = *units_[c];
    if (u.in_flight) continue;
    const ota::Manifest& m = jobs_[u.job].manifest;
    const std::uint32_t next = *u.updater.next_chunk();
    const std::uint64_t at = std::uint64_t{next} * m.chunk_size;
    u.in_flight = true;
    out.push_back({jobs_[u.job].rollout, c, next, static_cast<std::uint32_t>(std::min<std::uint64_t>(m.chunk_size, m.size - at))});
  }
  return out;
}

void DeviceOta::chunk_done(std::uint32_t c, std::uint32_t chunk, bool ok, TimeUs now) {
  if (c >= units_.size()) return;
  Unit& u = *units_[c];
  if (u.state != State::downloading || !u.in_flight || u.updater.next_chunk() != chunk) return;
  u.in_flight = false;
  if (!ok) return;  // asked for again at the next start_transfers
  const Job& j = jobs_[u.job];
  const std::uint64_t from = std::uint64_t{chunk} * j.manifest.chunk_size;
  const auto bytes = std::span(j.image->bytes).subspan(from, std::min<std::uint64_t>(j.manifest.chunk_size, j.image->bytes.size() - from));
  const ota::Status written = u.updater.write_chunk(chunk, bytes);
  if (written == ota::Status::ok && u.updater.next_chunk() < j.manifest.chunks()) return;
  downloading_.erase(std::find(downloading_.begin(), downloading_.end(), c));
  --active_;
  if (written != ota::Status::ok) return finish(c, OtaState::failure, ota::to_string(written).data());
  if (const ota::Status s = u.updater.install(); s != ota::Status::ok) return finish(c, OtaState::failure, ota::to_string(s).data());
  u.state = State::installing;
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
    Unit& u = *units_[c];
    const Job& j = jobs_[u.job];
    switch (u.state) {
      case State::installing:  // the slot is pending: reboot into it on trial
        u.state = State::rebooting;
        reboot(c, t);
        break;
      case State::rebooting: {
        const auto b = u.updater.boot();
        version_[c] = b ? version_index(b->version) : version_[c];
        if (!b) {
          finish(c, OtaState::failure, "no slot holds a valid image");
        } else if (b->trial) {
          ran_[j.rollout][c] = 1;
          if (!j.crashes.empty() && j.crashes[c]) reboot(c, t);  // crashed before its health check: the watchdog reboots it
          else if (const ota::Status s = u.updater.commit(); s == ota::Status::ok) finish(c, OtaState::commit, "");  // its health check passed
          else finish(c, OtaState::failure, ota::to_string(s).data());
        } else {
          finish(c, OtaState::rollback,
                 b->fell_back ? "the new image did not verify at boot: the bootloader booted the old slot"
                              : "it crashed on every trial boot: the bootloader went back to the old slot");
        }
        break;
      }
      case State::reverting: {
        const auto b = u.updater.boot();
        if (b) version_[c] = version_index(b->version);
        committed_in_[c] = 0;
        u.state = State::idle;
        outcomes_.push_back({c, j.rollout, OtaState::rollback, version_[c], true, "reverted on the cloud's order"});
        break;
      }
      default: break;
    }
  }
}

void DeviceOta::finish(std::uint32_t c, OtaState s, const char* reason) {
  Unit& u = *units_[c];
  const Job& j = jobs_[u.job];
  if (s == OtaState::commit) committed_in_[c] = j.rollout + 1;
  u.state = State::idle;
  outcomes_.push_back({c, j.rollout, s, version_[c], false, reason});
}

std::uint32_t DeviceOta::ran(std::uint32_t rollout) const {
  const auto it = ran_.find(rollout);
  if (it == ran_.end()) return 0;
  return static_cast<std::uint32_t>(std::count(it->second.begin(), it->second.end(), 1));
}

}  // namespace twinbench::sim
