#include "twinbench/core/Crc32.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

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
  // Eight bytes a step and the bytes left over agree with a byte at a time, whatever the length and split
  // (1,000 bytes of a known pattern; zlib.crc32(bytes(i * 7 % 256 for i in range(1000))) = 0x114AD5FF).
  std::vector<std::uint8_t> pattern(1000);
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<std::uint8_t>(i * 7 % 256);
  EXPECT_EQ(crc32(pattern), 0x114AD5FFu);
  for (std::size_t cut = 0; cut <= 17; ++cut)
    EXPECT_EQ(crc32(std::span(pattern).subspan(cut), crc32(std::span(pattern).first(cut))), 0x114AD5FFu) << cut;
}

}  // namespace
}  // namespace twinbench::core
