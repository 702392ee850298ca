#include "twinbench/runtime/ota/Crypto.hpp"

#include <gtest/gtest.h>

namespace twinbench::runtime::crypto {
namespace {

std::span<const std::uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

TEST(Sha256Stream, MatchesTheFipsVectorsWhateverTheParts) {
  // FIPS 180-2, appendix B.2 (two blocks) and B.3 (one million 'a').
  const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  for (std::size_t cut : {0u, 1u, 55u, 56u}) {
    Sha256Stream s;
    s.update(bytes(std::string_view(two).substr(0, cut)));
    s.update(bytes(std::string_view(two).substr(cut)));
    EXPECT_EQ(hex(s.finish()), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") << cut;
  }
  Sha256Stream s;
  const std::string part(999, 'a');  // 1,000,000 = 1001 x 999 + 1
  for (int i = 0; i < 1001; ++i) s.update(bytes(part));
  s.update(bytes("a"));
  EXPECT_EQ(hex(s.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // finish() starts afresh: the empty message's digest.
  EXPECT_EQ(hex(s.finish()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace twinbench::runtime::crypto
