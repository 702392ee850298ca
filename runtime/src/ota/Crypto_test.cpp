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

TEST(Ed25519, AValidSignatureRememberedNeverVouchesForAnotherMessageKeyOrSignature) {
  // RFC 8032, section 7.1, TEST 2: a one-byte message.
  PublicKey key{};
  Signature sig{};
  ASSERT_TRUE(from_hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", key));
  ASSERT_TRUE(from_hex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                       "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
                       sig));
  const std::uint8_t message[] = {0x72}, other[] = {0x73};
  for (int round = 0; round < 2; ++round) {  // the second round answers from what the first found valid
    EXPECT_TRUE(verify(key, message, sig));
    EXPECT_FALSE(verify(key, other, sig));
    Signature bent = sig;
    bent[5] ^= 1;
    EXPECT_FALSE(verify(key, message, bent));
    PublicKey stranger = key;
    stranger[0] ^= 1;
    EXPECT_FALSE(verify(stranger, message, sig));
  }
  // Many other valid signatures later (the cache is full and wraps), the first still verifies.
  for (int i = 0; i < 100; ++i) {
    std::array<std::uint8_t, 32> seed{};
    seed[0] = static_cast<std::uint8_t>(i);
    const SigningKey k(seed);
    const std::uint8_t m[] = {static_cast<std::uint8_t>(i)};
    ASSERT_TRUE(verify(k.public_key(), m, k.sign(m)));
  }
  EXPECT_TRUE(verify(key, message, sig));
  EXPECT_FALSE(verify(key, other, sig));
}

}  // namespace
}  // namespace twinbench::runtime::crypto
