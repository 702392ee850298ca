#include "twinbench/runtime/ports/Storage.hpp"

#include <gtest/gtest.h>

namespace twinbench::runtime {
namespace {

TEST(MemoryStorage, PowerCutLosesOnlyUnsyncedWrites) {
  MemoryStorage s;
  const std::uint8_t v1[] = {1}, v2[] = {2};
  std::vector<std::uint8_t> out;
  EXPECT_EQ(s.read("k", out), StorageStatus::not_found);
  s.write("k", v1);
  s.sync();
  s.write("k", v2);
  s.write("j", v2);
  ASSERT_EQ(s.read("k", out), StorageStatus::ok);
  EXPECT_EQ(out, std::vector<std::uint8_t>{2});
  s.power_cut();
  ASSERT_EQ(s.read("k", out), StorageStatus::ok);
  EXPECT_EQ(out, std::vector<std::uint8_t>{1});
  EXPECT_EQ(s.read("j", out), StorageStatus::not_found);
}

TEST(MemoryStorage, AnArmedCutStopsTheWriterAndDropsOrTearsWhatWasInFlight) {
  const std::uint8_t old_v[] = {1, 1, 1, 1}, new_v[] = {2, 2, 2, 2}, other[] = {3};
  std::vector<std::uint8_t> out;
  for (const auto mode : {MemoryStorage::Cut::drop_unsynced, MemoryStorage::Cut::land_and_tear}) {
    MemoryStorage s;
    s.write("k", old_v);
    s.sync();
    s.arm_power_cut(1, mode);  // operation 0 is the next write, 1 the one after
    s.write("j", other);
    EXPECT_THROW(s.write("k", new_v), PowerCut);
    EXPECT_EQ(s.ops(), 2u);
    s.disarm();
    ASSERT_EQ(s.read("k", out), StorageStatus::ok);
    if (mode == MemoryStorage::Cut::drop_unsynced) {
      EXPECT_EQ(out, std::vector<std::uint8_t>(old_v, old_v + 4));
      EXPECT_EQ(s.read("j", out), StorageStatus::not_found);
    } else {
      EXPECT_EQ(out, (std::vector<std::uint8_t>{2, 2, 1, 1}));  // torn: half of the new bytes over the old
      EXPECT_EQ(s.read("j", out), StorageStatus::ok);             // the write before it landed
    }
    s.power_cut();  // what the reader saw is what is durable
    EXPECT_EQ(s.read("k", out), StorageStatus::ok);
  }
}

TEST(MemoryStorage, ASyncOfSeveralKeysCutPartwayLandsExactlyTheKeysItSays) {
  const std::uint8_t one[] = {1}, two[] = {2};
  std::vector<std::uint8_t> out;
  for (std::uint64_t landed = 0; landed < 8; ++landed) {
    MemoryStorage s;
    s.write("b", one);
    s.sync();
    s.arm_power_cut(3, MemoryStorage::Cut::some_of_sync, landed);
    s.write("c", two);  // written in the order c, a, b: bit i is the i-th in key order (a, b, c)
    s.write("a", two);
    s.write("b", two);
    EXPECT_THROW(s.sync(), PowerCut);
    EXPECT_EQ(s.cut_keys(), 3u);
    s.disarm();
    EXPECT_EQ(s.read("a", out), landed & 1 ? StorageStatus::ok : StorageStatus::not_found) << landed;
    ASSERT_EQ(s.read("b", out), StorageStatus::ok);
    EXPECT_EQ(out[0], landed & 2 ? 2 : 1) << landed;  // landed whole, or the old value
    EXPECT_EQ(s.read("c", out), landed & 4 ? StorageStatus::ok : StorageStatus::not_found) << landed;
  }
  MemoryStorage s;  // cut at a write: nothing unsynced lands
  s.arm_power_cut(1, MemoryStorage::Cut::some_of_sync, ~0ull);
  s.write("a", one);
  EXPECT_THROW(s.write("b", one), PowerCut);
  EXPECT_EQ(s.cut_keys(), 0u);
  EXPECT_EQ(s.read("a", out), StorageStatus::not_found);
}

TEST(Storage, DigestIsTheSha256OfTheBlobsOneAfterTheOther) {
  MemoryStorage s;
  const std::string abc = "abc", d = "dbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // FIPS 180-2 B.2 split in two
  s.write("x/0", std::span(reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()));
  s.write("x/1", std::span(reinterpret_cast<const std::uint8_t*>(d.data()), d.size()));
  const std::vector<std::string> keys = {"x/0", "x/1"};
  crypto::Sha256 sha{};
  std::uint64_t size = 0;
  ASSERT_EQ(s.digest(keys, sha, size), StorageStatus::ok);
  EXPECT_EQ(crypto::hex(sha), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(size, 56u);
  const std::vector<std::string> missing = {"x/0", "x/2"};
  EXPECT_EQ(s.digest(missing, sha, size), StorageStatus::not_found);
}

}  // namespace
}  // namespace twinbench::runtime
