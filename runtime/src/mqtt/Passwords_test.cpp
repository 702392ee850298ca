// Password hashes: scrypt against RFC 7914's test vector, the PHC string against one made by Python's
// hashlib and base64 (an independent implementation), and the password file's errors.
#include "twinbench/runtime/mqtt/Passwords.hpp"

#include <gtest/gtest.h>

#include "twinbench/runtime/ota/Crypto.hpp"

namespace twinbench::runtime::mqtt {
namespace {

std::span<const std::uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

TEST(Scrypt, MatchesRfc7914sTestVector) {
  // RFC 7914 section 12: scrypt(P="password", S="NaCl", N=1024, r=8, p=16, dkLen=64)
  const auto out = crypto::scrypt("password", bytes("NaCl"), 10, 8, 16, 64);
  EXPECT_EQ(crypto::hex(out),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
  EXPECT_TRUE(crypto::scrypt("password", bytes("NaCl"), 25, 8, 1, 32).empty());  // 4 GiB of working memory: refused
}

// python3: salt = bytes(range(16)); k = hashlib.scrypt(b'correct horse', salt=salt, n=16, r=8, p=1, dklen=32)
//          "$scrypt$ln=4,r=8,p=1$" + b64(salt) + "$" + b64(k), b64 = base64.b64encode(x).decode().rstrip('=')
constexpr std::string_view kPython = "$scrypt$ln=4,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$Q7EcH175P/kcU7JE2HRU+qTRrq/BS6UbCRYPdBaC5y8";

TEST(Passwords, TheHashIsThePhcStringPythonMakesAndVerifiesOnlyItsPassword) {
  std::array<std::uint8_t, 16> salt{};
  for (std::uint8_t i = 0; i < 16; ++i) salt[i] = i;
  EXPECT_EQ(hash_password("correct horse", salt, kLeastPasswordCost), kPython);
  EXPECT_TRUE(verify_password("correct horse", kPython));
  EXPECT_FALSE(verify_password("correct horsf", kPython));
  EXPECT_FALSE(verify_password("", kPython));
  const auto cost = parse_password_hash(kPython);
  ASSERT_TRUE(cost);
  EXPECT_EQ(*cost, kLeastPasswordCost);
}

TEST(Passwords, MalformedHashesAreRefusedWithAReasonAndNeverVerify) {
  const std::pair<std::string, std::string> cases[] = {
      {"plain-text-password", "expected a hash starting \"$scrypt$\" (twinbench-edge passwd makes them)"},
      {"$scrypt$ln=3,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$Q7EcH175P/kcU7JE2HRU+qTRrq/BS6UbCRYPdBaC5y8", "expected the cost as \"ln=<4..20>,r=<1..32>,p=<1..16>\""},
      {"$scrypt$ln=04,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$Q7EcH175P/kcU7JE2HRU+qTRrq/BS6UbCRYPdBaC5y8", "expected the cost as \"ln=<4..20>,r=<1..32>,p=<1..16>\""},
      {"$scrypt$ln=20,r=32,p=1$AAECAwQFBgcICQoLDA0ODw$Q7EcH175P/kcU7JE2HRU+qTRrq/BS6UbCRYPdBaC5y8", "the cost needs more than 256 MiB (128 r 2^ln bytes)"},
      {"$scrypt$ln=4,r=8,p=1$AAECAwQFBgcICQoLDA0O$Q7EcH175P/kcU7JE2HRU+qTRrq/BS6UbCRYPdBaC5y8", "expected a 16-byte salt in unpadded base64"},
      {"$scrypt$ln=4,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$Q7EcH175P/kcU7JE2HRU+qTRrq/BS6UbCRYPdBaC5y8=", "expected a 32-byte key in unpadded base64"},
      {"$scrypt$ln=4,r=8,p=1$AAECAwQFBgcICQoLDA0ODw", "expected \"$<salt>$<key>\" after the cost"},
  };
  for (const auto& [hash, why] : cases) {
    std::string got;
    EXPECT_FALSE(parse_password_hash(hash, &got)) << hash;
    EXPECT_EQ(got, why) << hash;
    EXPECT_FALSE(verify_password("correct horse", hash)) << hash;
  }
}

TEST(Passwords, Base64RoundTripsAndRefusesNonCanonicalText) {
  // RFC 4648 section 10, padding removed
  const std::pair<std::string, std::string> vectors[] = {{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, text] : vectors) {
    EXPECT_EQ(base64_unpadded(bytes(plain)), text);
    EXPECT_EQ(from_base64_unpadded(text), plain);
  }
  EXPECT_FALSE(from_base64_unpadded("Zh"));     // leftover bits set: not what an encoder writes
  EXPECT_FALSE(from_base64_unpadded("Zm9vY"));  // 5 characters cannot be
  EXPECT_FALSE(from_base64_unpadded("Zm9v Yg"));
}

TEST(PasswordFile, ParsesUsersAndSaysWhichLineIsWrong) {
  const std::string good = "# comment\n\ncloud:" + std::string(kPython) + "\r\ndevice:" + std::string(kPython) + "\n";
  const auto f = PasswordFile::parse(good);
  ASSERT_EQ(f.hashes.size(), 2u);
  EXPECT_EQ(f.hashes.at("cloud"), kPython);
  EXPECT_EQ(PasswordFile::parse(f.text()).hashes, f.hashes);
  const std::pair<std::string, std::string> bad[] = {
      {"cloud " + std::string(kPython), "line 1: expected \"<username>:<hash>\""},
      {":" + std::string(kPython), "line 1: expected \"<username>:<hash>\""},
      {"\na:secret", "line 2: the hash of 'a': expected a hash starting \"$scrypt$\" (twinbench-edge passwd makes them)"},
      {"a:" + std::string(kPython) + "\na:" + std::string(kPython), "line 2: 'a' a second time"},
  };
  for (const auto& [text, why] : bad) {
    try {
      PasswordFile::parse(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), why);
    }
  }
}

}  // namespace
}  // namespace twinbench::runtime::mqtt
