#include "twinbench/runtime/ota/Updater.hpp"

#include <gtest/gtest.h>

#include <map>

namespace twinbench::runtime::ota {
namespace {

using Bytes = std::vector<std::uint8_t>;

crypto::SigningKey cloud_key() {
  std::array<std::uint8_t, 32> seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return crypto::SigningKey(seed);
}

Bytes image_of(std::uint8_t tag, std::size_t size) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(tag ^ (i * 31) ^ (i >> 7));
  return b;
}

constexpr std::uint32_t kChunk = 1024;

struct Fixture {
  crypto::SigningKey key = cloud_key();
  Bytes v1 = image_of(0x11, 5000), v2 = image_of(0x22, 4600);
  Manifest m1 = make_manifest("firmware", "1.0.0", v1, kChunk, key), m2 = make_manifest("firmware", "2.0.0", v2, kChunk, key);
  MemoryStorage flash;  ///< the simulation's Storage port, armed to cut the power
  Fixture() { Device(flash, key.public_key()).provision(m1, v1); }
};

/** The whole update from wherever the device is, to v2 committed (health check passes). */
void update_to_v2(Device& d, const Fixture& f) {
  auto b = d.boot();
  ASSERT_TRUE(b);
  if (b->version == "2.0.0" && !b->trial) return;  // done before the cut
  if (b->trial) {
    ASSERT_EQ(d.commit(), Status::ok);
    return;
  }
  if (!d.next_chunk()) {
    ASSERT_EQ(d.begin(f.m2), Status::ok);
  }
  while (auto i = d.next_chunk()) {
    if (*i == f.m2.chunks()) break;
    const std::size_t at = std::size_t{*i} * kChunk;
    ASSERT_EQ(d.write_chunk(*i, std::span(f.v2).subspan(at, std::min<std::size_t>(kChunk, f.v2.size() - at))), Status::ok);
  }
  Status s = d.install();
  if (s == Status::hash_mismatch) return update_to_v2(d, f);  // a torn chunk: download again
  ASSERT_EQ(s, Status::ok);
  b = d.boot();  // reboot into the new slot, on trial
  ASSERT_TRUE(b && b->trial && b->version == "2.0.0");
  ASSERT_EQ(d.commit(), Status::ok);
}

TEST(Ota, ADownloadInstallRebootCommitEndsOnTheNewSlot) {
  Fixture f;
  Device d(f.flash, f.key.public_key());
  update_to_v2(d, f);
  const auto b = d.boot();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->slot, Slot::b);
  EXPECT_EQ(b->version, "2.0.0");
  EXPECT_FALSE(b->trial);
  EXPECT_EQ(d.image(Slot::b), f.v2);
  EXPECT_EQ(d.image(Slot::a), f.v1);  // the old image stays in the other slot
}

TEST(Ota, ACommittedUpdateCanBeRevertedToTheImageItReplaced) {
  Fixture f;
  Device d(f.flash, f.key.public_key());
  ASSERT_TRUE(d.boot());
  EXPECT_EQ(d.revert(), Status::not_expected);  // nothing valid in the other slot yet
  update_to_v2(d, f);
  ASSERT_EQ(d.revert(), Status::ok);
  const auto b = d.boot();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->version, "1.0.0");
  EXPECT_EQ(b->slot, Slot::a);
  EXPECT_FALSE(b->trial);
}

TEST(Ota, AFailedHealthCheckOrACrashingImageGoesBackToTheOldSlot) {
  for (bool crash : {false, true}) {
    Fixture f;
    Device d(f.flash, f.key.public_key(), /*boot_limit=*/3);
    ASSERT_TRUE(d.boot());
    ASSERT_EQ(d.begin(f.m2), Status::ok);
    for (std::uint32_t i = 0; i < f.m2.chunks(); ++i)
      ASSERT_EQ(d.write_chunk(i, std::span(f.v2).subspan(i * kChunk, std::min<std::size_t>(kChunk, f.v2.size() - i * kChunk))), Status::ok);
    ASSERT_EQ(d.install(), Status::ok);
    EXPECT_EQ(d.begin(f.m2), Status::busy);
    if (crash) {
      for (int k = 0; k < 3; ++k) EXPECT_TRUE(d.boot()->trial);  // the new image crashes before its health check, 3 times
    } else {
      ASSERT_TRUE(d.boot()->trial);
      ASSERT_EQ(d.rollback(), Status::ok);
    }
    const auto b = d.boot();
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->trial);
    EXPECT_EQ(b->version, "1.0.0");
    EXPECT_EQ(b->slot, Slot::a);
  }
}

TEST(Ota, UnsignedOrTamperedImagesAreRefused) {
  Fixture f;
  Device d(f.flash, f.key.public_key());
  ASSERT_TRUE(d.boot());
  Manifest forged = f.m2;
  forged.version = "2.0.1";  // altered after signing
  EXPECT_EQ(d.begin(forged), Status::bad_signature);
  std::array<std::uint8_t, 32> seed{};
  seed.fill(9);
  const Manifest foreign = make_manifest("firmware", "6.6.6", f.v2, kChunk, crypto::SigningKey(seed));  // another key
  EXPECT_EQ(d.begin(foreign), Status::bad_signature);
  // A signed manifest with a tampered image: refused at install, never pending.
  ASSERT_EQ(d.begin(f.m2), Status::ok);
  Bytes evil = f.v2;
  evil[100] ^= 1;
  for (std::uint32_t i = 0; i < f.m2.chunks(); ++i)
    ASSERT_EQ(d.write_chunk(i, std::span(evil).subspan(i * kChunk, std::min<std::size_t>(kChunk, evil.size() - i * kChunk))), Status::ok);
  EXPECT_EQ(d.install(), Status::hash_mismatch);
  EXPECT_EQ(d.write_chunk(3, std::span(f.v2).subspan(0, kChunk)), Status::not_expected);  // out of order
  const auto b = d.boot();
  EXPECT_EQ(b->version, "1.0.0");
  EXPECT_FALSE(b->trial);
  EXPECT_EQ(d.commit(), Status::not_expected);
}

TEST(Ota, APowerCutAtEveryStepAlwaysLeavesAValidSignedImageAndNeverAMixedOne) {
  // Count the storage operations of a whole update, then cut the power at each one, in both ways.
  std::uint64_t total = 0;
  {
    Fixture f;
    f.flash.arm_power_cut(UINT64_MAX, MemoryStorage::Cut::drop_unsynced);
    Device d(f.flash, f.key.public_key());
    update_to_v2(d, f);
    total = f.flash.ops();
  }
  ASSERT_GT(total, 20u);
  std::uint64_t cuts = 0;
  for (const auto mode : {MemoryStorage::Cut::drop_unsynced, MemoryStorage::Cut::land_and_tear}) {
    for (std::uint64_t k = 0; k < total; ++k) {
      SCOPED_TRACE("cut at operation " + std::to_string(k) + (mode == MemoryStorage::Cut::land_and_tear ? " (torn)" : ""));
      Fixture f;
      f.flash.arm_power_cut(k, mode);
      bool cut = false;
      try {
        Device d(f.flash, f.key.public_key());
        update_to_v2(d, f);
      } catch (const PowerCut&) {
        cut = true;
      }
      ASSERT_TRUE(cut);
      ++cuts;
      f.flash.disarm();
      // Power back: the device boots a whole, signed image, the old one or the new one.
      Device after(f.flash, f.key.public_key());
      const auto b = after.boot();
      ASSERT_TRUE(b) << "bricked";
      ASSERT_TRUE(after.valid(b->slot));
      const Bytes running = after.image(b->slot);
      ASSERT_TRUE((b->version == "1.0.0" && running == f.v1) || (b->version == "2.0.0" && running == f.v2)) << b->version;
      // ... and the update completes from there.
      Device again(f.flash, f.key.public_key());
      update_to_v2(again, f);
      const auto last = again.boot();
      ASSERT_TRUE(last);
      EXPECT_EQ(last->version, "2.0.0");
      EXPECT_FALSE(last->trial);
    }
  }
  RecordProperty("power_cuts", static_cast<int>(cuts));
  std::printf("[ota] %llu power cuts (every storage operation of an update, both ways), 0 invalid boots\n",
              static_cast<unsigned long long>(cuts));
}

}  // namespace
}  // namespace twinbench::runtime::ota
