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

}  // namespace
}  // namespace twinbench::runtime
