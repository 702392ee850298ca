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

const runtime::crypto::SigningKey& cloud() {
  static const runtime::crypto::SigningKey key([] {
    std::array<std::uint8_t, 32> seed{};
    seed.fill(3);
    return seed;
  }());
  return key;
}

std::shared_ptr<const SharedImage> image_of(std::size_t size, std::uint8_t tag) {
  std::vector<std::uint8_t> b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(tag ^ (i * 29) ^ (i >> 9));
  return std::make_shared<const SharedImage>(std::move(b));
}

DeviceOta::Factory factory() {
  static const auto image = image_of(90'000, 1);
  return {runtime::ota::make_manifest("firmware", "1.0.0", image->bytes, 16'384, cloud()), image, cloud().public_key()};
}

enum class Tamper { none, image, manifest };
DeviceOta::Job job(std::uint32_t devices, std::vector<std::uint32_t> crashing = {}, Tamper tamper = Tamper::none) {
  static const auto image = image_of(100'000, 2);
  std::array<std::uint8_t, 32> seed{};
  seed.fill(4);
  const runtime::crypto::SigningKey forger(seed);
  DeviceOta::Job j{7, 1, runtime::ota::make_manifest("firmware", "2.0.0", image->bytes, 16'384, tamper == Tamper::manifest ? forger : cloud()),
                   image, std::vector<std::uint8_t>(devices, 0)};
  if (tamper == Tamper::image) {  // altered after signing
    std::vector<std::uint8_t> b = image->bytes;
    b[50'000] ^= 0x5a;
    j.image = std::make_shared<const SharedImage>(std::move(b));
  }
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
  DeviceOta ota(10, spec(), factory());
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
  // The shipped updater did it: slot B holds the new image, byte for byte, committed; slot A the factory's.
  const auto& booted = ota.updater(3).booted();
  ASSERT_TRUE(booted);
  EXPECT_EQ(booted->slot, runtime::ota::Slot::b);
  EXPECT_EQ(booted->version, "2.0.0");
  EXPECT_FALSE(booted->trial);
  EXPECT_EQ(ota.updater(3).image(runtime::ota::Slot::b), job(1).image->bytes);
  EXPECT_EQ(ota.updater(3).image(runtime::ota::Slot::a), factory().image->bytes);
  EXPECT_EQ(ota.flash(3).shared_blobs(), 6u + 7u);  // every chunk of both slots is a reference to a shared image
  ota.add(job(10), {3}, 0);  // a retry of a device that committed: its outcome again, no new download
  EXPECT_FALSE(ota.busy());
  EXPECT_EQ(ota.take_outcomes().size(), 1u);
}

TEST(DeviceOta, ACrashingFirmwareIsTriedBootLimitTimesThenTheOldSlotBoots) {
  DeviceOta ota(4, spec(), factory());
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
  DeviceOta ota(1, spec(), factory());
  ota.add(job(1), {0}, 0);
  int lost = 0;
  const Trace r = run(ota, 0, [&](const DeviceOta::Transfer& x) { return x.chunk == 3 && lost++ < 2; });
  EXPECT_EQ(r.transfers, 7u + 2u);
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].state, OtaState::commit);

  DeviceOta bad(2, spec(), factory());
  bad.add(job(2, {}, Tamper::image), {0, 1}, 0);
  const Trace b = run(bad, 0, [](const auto&) { return false; });
  ASSERT_EQ(b.outcomes.size(), 2u);
  EXPECT_EQ(b.outcomes[0].state, OtaState::failure);
  EXPECT_STREQ(b.outcomes[0].reason, "the image does not match the signed hash");
  EXPECT_EQ(b.transfers, 2u * 7);
  EXPECT_TRUE(b.reboots.empty());
  EXPECT_EQ(bad.ran(7), 0u);
  EXPECT_FALSE(bad.updater(0).booted()->trial);
  EXPECT_EQ(bad.updater(0).booted()->version, "1.0.0");

  DeviceOta forged(2, spec(), factory());  // a manifest the cloud did not sign: refused before the first chunk
  forged.add(job(2, {}, Tamper::manifest), {0, 1}, 0);
  const Trace f = run(forged, 0, [](const auto&) { return false; });
  ASSERT_EQ(f.outcomes.size(), 2u);
  EXPECT_EQ(f.outcomes[1].state, OtaState::failure);
  EXPECT_STREQ(f.outcomes[1].reason, "the manifest is not signed by the trusted key");
  EXPECT_EQ(f.transfers, 0u);
}

TEST(DeviceOta, ARevertRebootsCommittedDevicesIntoTheirOldFirmware) {
  DeviceOta ota(3, spec(), factory());
  ota.add(job(3), {0, 1, 2}, 0);
  run(ota, 0, [](const auto&) { return false; });
  ota.revert(7, {0, 2}, 5000 * kS);
  const Trace r = run(ota, 5000 * kS, [](const auto&) { return false; });
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_TRUE(r.outcomes[0].reverted);
  EXPECT_EQ(r.outcomes[0].state, OtaState::rollback);
  EXPECT_EQ(ota.version(0), 0);
  EXPECT_EQ(ota.version(1), 1);
  EXPECT_EQ(ota.updater(0).booted()->slot, runtime::ota::Slot::a);
  EXPECT_EQ(ota.updater(0).booted()->version, "1.0.0");
  ota.revert(7, {0}, 9000 * kS);  // reverted already: nothing to do
  EXPECT_FALSE(ota.busy());
}

}  // namespace
}  // namespace twinbench::sim
