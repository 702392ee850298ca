#include "DeviceOta.hpp"

#include <gtest/gtest.h>

namespace twinbench::sim {
namespace {

using runtime::OtaState;
using runtime::TimeUs;
constexpr TimeUs kS = 1'000'000;

OtaDeviceSpec spec() {
  OtaDeviceSpec s;
  s.parallel_downloads = 4;
  s.reboot_s = 30;
  s.install_s = 10;
  s.boot_limit = 3;
  return s;
}

DeviceOta::Job job(std::uint32_t devices, std::vector<std::uint32_t> crashing = {}, bool tampered = false) {
  DeviceOta::Job j{7, 1, 100'000, 16'384, tampered, std::vector<std::uint8_t>(devices, 0)};
  for (auto c : crashing) j.crashes[c] = 1;
  return j;
}

/** Trace until nothing is left: every chunk arrives one second after it was asked for, unless `lose` says so. */
struct Trace {
  std::vector<DeviceOta::Outcome> outcomes;
  std::vector<DeviceOta::Reboot> reboots;
  std::uint32_t transfers = 0, max_parallel = 0;
  std::uint64_t bytes = 0;
};
template <class Lose>
Trace run(DeviceOta& ota, TimeUs t, Lose lose) {
  Trace r;
  while (ota.busy()) {
    const auto tr = ota.start_transfers();
    r.max_parallel = std::max<std::uint32_t>(r.max_parallel, static_cast<std::uint32_t>(tr.size()));
    for (const auto& x : tr) {
      ++r.transfers;
      const bool ok = !lose(x);
      r.bytes += ok ? x.bytes : 0;
      ota.chunk_done(x.device, x.chunk, ok, t + kS);
    }
    t = tr.empty() ? ota.next_us() : t + kS;
    ota.step(t);
    for (const auto& o : ota.take_outcomes()) r.outcomes.push_back(o);
    for (const auto& b : ota.take_reboots()) r.reboots.push_back(b);
    if (t > 1'000'000 * kS) break;
  }
  return r;
}

TEST(DeviceOta, DevicesDownloadInstallRebootAndCommitAFewAtATime) {
  DeviceOta ota(10, spec());
  ota.add(job(10), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0);
  const Trace r = run(ota, 0, [](const auto&) { return false; });
  ASSERT_EQ(r.outcomes.size(), 10u);
  for (const auto& o : r.outcomes) EXPECT_EQ(o.state, OtaState::commit);
  EXPECT_EQ(r.transfers, 10u * 7);  // 100,000 bytes in 16 KiB chunks
  EXPECT_EQ(r.bytes, 10u * 100'000);
  EXPECT_EQ(r.max_parallel, 4u);
  EXPECT_EQ(r.reboots.size(), 10u);
  EXPECT_EQ(ota.ran(7), 10u);
  EXPECT_EQ(ota.version(3), 1);
  ota.add(job(10), {3}, 0);  // a retry of a device that committed: its outcome again, no new download
  EXPECT_FALSE(ota.busy());
  EXPECT_EQ(ota.take_outcomes().size(), 1u);
}

TEST(DeviceOta, ACrashingFirmwareIsTriedBootLimitTimesThenTheOldSlotBoots) {
  DeviceOta ota(4, spec());
  ota.add(job(4, {1, 2}), {0, 1, 2, 3}, 0);
  const Trace r = run(ota, 0, [](const auto&) { return false; });
  std::map<std::uint32_t, OtaState> by_device;
  for (const auto& o : r.outcomes) by_device[o.device] = o.state;
  EXPECT_EQ(by_device[0], OtaState::commit);
  EXPECT_EQ(by_device[1], OtaState::rollback);
  EXPECT_EQ(ota.version(1), 0);
  EXPECT_EQ(ota.ran(7), 4u);  // the crashing ones ran it too (on trial)
  EXPECT_EQ(r.reboots.size(), 2u + 2u * (3 + 1));  // 3 trial boots and the fall-back each
}

TEST(DeviceOta, ALostChunkIsFetchedAgainAndATamperedImageFailsAtInstall) {
  DeviceOta ota(1, spec());
  ota.add(job(1), {0}, 0);
  int lost = 0;
  const Trace r = run(ota, 0, [&](const DeviceOta::Transfer& x) { return x.chunk == 3 && lost++ < 2; });
  EXPECT_EQ(r.transfers, 7u + 2u);
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].state, OtaState::commit);

  DeviceOta bad(2, spec());
  bad.add(job(2, {}, true), {0, 1}, 0);
  const Trace b = run(bad, 0, [](const auto&) { return false; });
  ASSERT_EQ(b.outcomes.size(), 2u);
  EXPECT_EQ(b.outcomes[0].state, OtaState::failure);
  EXPECT_TRUE(b.reboots.empty());
  EXPECT_EQ(bad.ran(7), 0u);
}

TEST(DeviceOta, ARevertRebootsCommittedDevicesIntoTheirOldFirmware) {
  DeviceOta ota(3, spec());
  ota.add(job(3), {0, 1, 2}, 0);
  run(ota, 0, [](const auto&) { return false; });
  ota.revert(7, {0, 2}, 5000 * kS);
  const Trace r = run(ota, 5000 * kS, [](const auto&) { return false; });
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_TRUE(r.outcomes[0].reverted);
  EXPECT_EQ(r.outcomes[0].state, OtaState::rollback);
  EXPECT_EQ(ota.version(0), 0);
  EXPECT_EQ(ota.version(1), 1);
}

}  // namespace
}  // namespace twinbench::sim
