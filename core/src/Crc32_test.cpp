#include "twinbench/core/Crc32.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace twinbench::core {
namespace {

std::span<const std::uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

TEST(Crc32, MatchesTheCatalogueCheckValueAndContinues) {
  // The check value of CRC-32/ISO-HDLC in the CRC catalogue (reveng): crc("123456789") = 0xCBF43926.
  EXPECT_EQ(crc32(bytes("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32(bytes("")), 0u);
  // zlib.crc32(b"The quick brown fox jumps over the lazy dog") in Python: 0x414FA339.
  EXPECT_EQ(crc32(bytes("The quick brown fox jumps over the lazy dog")), 0x414FA339u);
  EXPECT_EQ(crc32(bytes("56789"), crc32(bytes("1234"))), 0xCBF43926u);
}

}  // namespace
}  // namespace twinbench::core
