#include "twinbench/runtime/ota/Updater.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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

// ---- Power cuts: at every storage operation of four journeys, in every way, and a second time in recovery ----

/** The images of the power-cut journeys (signed once: the enumeration runs thousands of devices). */
struct Images {
  crypto::SigningKey key = cloud_key();
  Bytes v1 = image_of(0x11, 2600), v2 = image_of(0x22, 2100), v3 = image_of(0x33, 1500);  // v3 over v1: one chunk fewer
  Manifest m1 = make_manifest("firmware", "1.0.0", v1, kChunk, key), m2 = make_manifest("firmware", "2.0.0", v2, kChunk, key),
           m3 = make_manifest("firmware", "3.0.0", v3, kChunk, key);
  const Bytes& bytes(const std::string& version) const { return version == "1.0.0" ? v1 : version == "2.0.0" ? v2 : v3; }
};
const Images& images() {
  static const Images i;
  return i;
}

enum class Journey { update_into_empty_slot, update_over_old_image, rollback, revert };
const char* name(Journey j) {
  switch (j) {
    case Journey::update_into_empty_slot: return "update into an empty slot";
    case Journey::update_over_old_image: return "update over an old image";
    case Journey::rollback: return "rollback after a failed health check";
    case Journey::revert: return "revert of a committed update";
  }
  return "?";
}

/** From wherever the device is, the whole update to `m` committed (its health check passes). */
void update_to(Device& d, const Manifest& m, const Bytes& image) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto b = d.boot();
    ASSERT_TRUE(b);
    if (b->version == m.version && !b->trial) return;
    if (b->trial) {
      ASSERT_EQ(b->version, m.version);
      ASSERT_EQ(d.commit(), Status::ok);
      return;
    }
    if (!d.downloading() || d.downloading()->version != m.version) {
      ASSERT_EQ(d.begin(m), Status::ok);
    }
    for (auto i = d.next_chunk(); i && *i < m.chunks(); i = d.next_chunk()) {
      const std::size_t at = std::size_t{*i} * m.chunk_size;
      ASSERT_EQ(d.write_chunk(*i, std::span(image).subspan(at, std::min<std::size_t>(m.chunk_size, image.size() - at))), Status::ok);
    }
    const Status s = d.install();
    if (s == Status::hash_mismatch) continue;  // a torn chunk, or chunks of another image: download again
    ASSERT_EQ(s, Status::ok);
    b = d.boot();  // reboot into the new slot, on trial
    ASSERT_TRUE(b && b->trial && b->version == m.version);
    ASSERT_EQ(d.commit(), Status::ok);
    return;
  }
  FAIL() << "the update did not converge";
}

/** The flash where `j` starts. */
void set_up(MemoryStorage& flash, Journey j) {
  const Images& im = images();
  Device d(flash, im.key.public_key());
  d.provision(im.m1, im.v1);
  if (j == Journey::update_over_old_image || j == Journey::revert) update_to(d, im.m2, im.v2);  // v2 on B, v1 kept on A
  if (j == Journey::rollback) {  // v2 installed, pending its trial boot
    ASSERT_TRUE(d.boot());
    ASSERT_EQ(d.begin(im.m2), Status::ok);
    for (std::uint32_t i = 0; i < im.m2.chunks(); ++i)
      ASSERT_EQ(d.write_chunk(i, std::span(im.v2).subspan(i * kChunk, std::min<std::size_t>(kChunk, im.v2.size() - i * kChunk))), Status::ok);
    ASSERT_EQ(d.install(), Status::ok);
  }
}

/** From wherever the device is, on to the journey's end (the first run of it, or its recovery after a cut). */
void drive(MemoryStorage& flash, Journey j) {
  const Images& im = images();
  Device d(flash, im.key.public_key());
  switch (j) {
    case Journey::update_into_empty_slot: return update_to(d, im.m2, im.v2);
    case Journey::update_over_old_image: return update_to(d, im.m3, im.v3);
    case Journey::rollback:  // every trial boot fails its health check
      for (auto b = d.boot(); b && b->trial; b = d.boot()) ASSERT_EQ(d.rollback(), Status::ok);
      return;
    case Journey::revert:
      for (auto b = d.boot(); b && b->version != "1.0.0"; b = d.boot()) ASSERT_EQ(d.revert(), Status::ok);
      return;
  }
}

struct End {
  Slot slot;
  std::string version;
  std::vector<std::string> between;  ///< the versions a power cut may leave running
};
End end_of(Journey j) {
  switch (j) {
    case Journey::update_into_empty_slot: return {Slot::b, "2.0.0", {"1.0.0", "2.0.0"}};
    case Journey::update_over_old_image: return {Slot::a, "3.0.0", {"2.0.0", "3.0.0"}};
    case Journey::rollback: return {Slot::a, "1.0.0", {"1.0.0", "2.0.0"}};
    case Journey::revert: return {Slot::a, "1.0.0", {"1.0.0", "2.0.0"}};
  }
  return {};
}

/** Power back after a cut: the device boots a whole signed image of a version the journey allows, byte for byte. */
void expect_valid_boot(const MemoryStorage& cut, Journey j) {
  MemoryStorage flash = cut;  // booting writes (the trial counter): look at a copy
  Device d(flash, images().key.public_key());
  const auto b = d.boot();
  ASSERT_TRUE(b) << "bricked";
  ASSERT_TRUE(d.valid(b->slot));
  const auto& allowed = end_of(j).between;
  ASSERT_NE(std::find(allowed.begin(), allowed.end(), b->version), allowed.end()) << b->version;
  ASSERT_EQ(d.image(b->slot), images().bytes(b->version)) << b->version;
}

/** After recovery, the journey's end: its version in its slot, committed, byte for byte. */
void expect_end(MemoryStorage& flash, Journey j) {
  Device d(flash, images().key.public_key());
  const auto b = d.boot();
  ASSERT_TRUE(b);
  const End e = end_of(j);
  EXPECT_EQ(b->version, e.version);
  EXPECT_EQ(b->slot, e.slot);
  EXPECT_FALSE(b->trial);
  EXPECT_EQ(d.image(b->slot), images().bytes(e.version));
}

struct Cut {
  std::uint64_t at;
  MemoryStorage::Cut mode;
  std::uint64_t landed;
  std::string what() const {
    return "cut at operation " + std::to_string(at) +
           (mode == MemoryStorage::Cut::drop_unsynced   ? " (unsynced dropped)"
            : mode == MemoryStorage::Cut::land_and_tear ? " (torn)"
                                                        : " (sync partway, landed mask " + std::to_string(landed) + ")");
  }
};

/** How many storage operations `drive` takes from `from`, and at each, how many keys its sync holds. */
std::vector<std::size_t> operations(const MemoryStorage& from, Journey j) {
  MemoryStorage probe = from;
  probe.arm_power_cut(UINT64_MAX, MemoryStorage::Cut::drop_unsynced);
  drive(probe, j);
  std::vector<std::size_t> keys(probe.ops());
  for (std::uint64_t k = 0; k < keys.size(); ++k) {
    MemoryStorage f = from;
    f.arm_power_cut(k, MemoryStorage::Cut::drop_unsynced);
    try {
      drive(f, j);
    } catch (const PowerCut&) {
      keys[k] = f.cut_keys();
    }
  }
  return keys;
}

/** Every way to cut: at each operation dropped or torn, and a sync of n > 1 keys with each strict subset landed. */
std::vector<Cut> every_cut(const std::vector<std::size_t>& keys) {
  std::vector<Cut> cuts;
  for (std::uint64_t k = 0; k < keys.size(); ++k) {
    cuts.push_back({k, MemoryStorage::Cut::drop_unsynced, 0});
    cuts.push_back({k, MemoryStorage::Cut::land_and_tear, 0});
    const std::uint64_t all = keys[k] >= 63 ? ~0ull : (1ull << keys[k]) - 1;
    for (std::uint64_t mask = 1; keys[k] > 1 && mask < all; ++mask) cuts.push_back({k, MemoryStorage::Cut::some_of_sync, mask});
  }
  return cuts;
}

/** Cut `flash` (a copy) as `c` says while it drives on; true if it was cut. */
bool cut_while_driving(MemoryStorage& flash, Journey j, const Cut& c) {
  flash.arm_power_cut(c.at, c.mode, c.landed);
  try {
    drive(flash, j);
  } catch (const PowerCut&) {
    flash.disarm();
    return true;
  }
  flash.disarm();
  return false;
}

TEST(Ota, APowerCutAnywhereAndASecondOneInRecoveryAlwaysBootAWholeSignedImageAndEndTheJourney) {
  std::uint64_t first_cuts = 0, second_cuts = 0, multi_key_syncs = 0;
  for (const Journey j : {Journey::update_into_empty_slot, Journey::update_over_old_image, Journey::rollback, Journey::revert}) {
    SCOPED_TRACE(name(j));
    MemoryStorage start;
    set_up(start, j);
    const std::vector<std::size_t> ops = operations(start, j);
    // Counted by hand: a record saved is a write and a sync; begin() writes two keys and syncs; a chunk is
    // written, synced, counted and synced; install, the trial boot and commit each save the record.
    const std::size_t expected[] = {3 + 3 * 4 + 3 * 2, 3 + 2 * 4 + 3 * 2, 2 * 2, 2};
    ASSERT_EQ(ops.size(), expected[static_cast<int>(j)]);
    for (std::size_t n : ops) multi_key_syncs += n > 1;
    for (const Cut& first : every_cut(ops)) {
      SCOPED_TRACE(first.what());
      MemoryStorage flash = start;
      ASSERT_TRUE(cut_while_driving(flash, j, first));
      ++first_cuts;
      expect_valid_boot(flash, j);
      if (HasFatalFailure()) return;
      // The power goes again while it recovers, at each operation of its recovery, in every way.
      for (const Cut& second : every_cut(operations(flash, j))) {
        SCOPED_TRACE("then " + second.what());
        MemoryStorage again = flash;
        ASSERT_TRUE(cut_while_driving(again, j, second));
        ++second_cuts;
        expect_valid_boot(again, j);
        drive(again, j);
        expect_end(again, j);
        if (HasFatalFailure()) return;
      }
      drive(flash, j);
      expect_end(flash, j);
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(multi_key_syncs, 0u);  // the partial syncs were exercised
  RecordProperty("power_cuts", static_cast<int>(first_cuts + second_cuts));
  std::printf("[ota] %llu power cuts and %llu second cuts in recovery over 4 journeys (%llu syncs of several keys), 0 invalid boots\n",
              static_cast<unsigned long long>(first_cuts), static_cast<unsigned long long>(second_cuts),
              static_cast<unsigned long long>(multi_key_syncs));
}

}  // namespace
}  // namespace twinbench::runtime::ota
