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

}  // namespace
}  // namespace twinbench::runtime
