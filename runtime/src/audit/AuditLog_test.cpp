#include "twinbench/runtime/audit/AuditLog.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "twinbench/runtime/ota/Crypto.hpp"

namespace twinbench::runtime::audit {
namespace {

std::vector<std::string> sample_lines() {
  Chain c;
  return {c.append(1'000'000, "cloud", "rules_changed", R"({"rules": 3, "by": "ops"})"),
          c.append(2'000'000, "gateway plant-a-gw-0", "model_installed", R"({"model": "compressor-ae", "version": 2})"),
          c.append(3'500'000, "device d17", "ota_committed", R"({"slot": "B", "firmware": "1.4.2"})"),
          c.append(4'000'000, "operator ana", "alert_acknowledged", R"({"alert": 12})")};
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) (s += l) += '\n';
  return s;
}

TEST(Crypto, SHA256AndEd25519MatchTheStandardTestVectors) {
  EXPECT_EQ(crypto::hex(crypto::sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2
  // RFC 8032 7.1, test 1: the public key and signature of the empty message for this secret key.
  const std::array<std::uint8_t, 32> seed = {0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
                                             0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
  const crypto::SigningKey key(seed);
  EXPECT_EQ(crypto::hex(key.public_key()), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const auto sig = key.sign({});
  EXPECT_EQ(crypto::hex(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(crypto::verify(key.public_key(), {}, sig));
  const std::uint8_t one[1] = {1};
  EXPECT_FALSE(crypto::verify(key.public_key(), one, sig));
}

TEST(AuditLog, AChainVerifiesAndContinues) {
  const auto lines = sample_lines();
  const Verdict v = verify(join(lines));
  ASSERT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 4u);
  EXPECT_EQ(v.head.size(), 64u);
  EXPECT_TRUE(verify("").ok);  // an empty log
  EXPECT_TRUE(verify(join(lines), v.head).ok);
  Chain more(v.records, v.head);  // appending to a log that verified
  auto longer = lines;
  longer.push_back(more.append(5'000'000, "cloud", "rollback", R"({"to": 1})"));
  EXPECT_TRUE(verify(join(longer)).ok);
  EXPECT_NE(lines[0].find(R"("prev":")" + kGenesis), std::string::npos);
  EXPECT_THROW(Chain().append(0, "a", "b", "[1]"), std::invalid_argument);
}

TEST(AuditLog, AHeadKeptElsewhereAfterNRecordsMustStillBeInTheLog) {
  const auto lines = sample_lines();
  const std::string after2 = verify(join({lines[0], lines[1]})).head;  // what the gateway sent when it had 2
  EXPECT_TRUE(verify(join(lines), after2, 2).ok) << "records since then do not matter";
  const Verdict cut = verify(join({lines[0]}), after2, 2);
  EXPECT_FALSE(cut.ok);
  EXPECT_EQ(cut.reason, "the log holds 1 records, fewer than the 2 whose head was kept elsewhere (records were cut off the end)");
  Chain other;  // rewritten from scratch: a valid chain, but not the one the cloud saw
  const std::vector<std::string> rewritten = {other.append(1'000'000, "cloud", "rules_changed", R"({"rules": 0})"),
                                              other.append(2'000'000, "cloud", "rules_changed", R"({"rules": 0})")};
  const Verdict v = verify(join(rewritten), after2, 2);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.line, 2u);
  EXPECT_EQ(v.reason.rfind("record 1: not the head kept elsewhere: after 2 records the log has ", 0), 0u) << v.reason;
}

TEST(AuditLog, EveryKindOfTamperingIsFoundAtTheFirstBadRecord) {
  const auto lines = sample_lines();
  auto modified = lines;  // an edited detail, hash left as it was
  modified[2].replace(modified[2].find("1.4.2"), 5, "1.4.3");
  Verdict v = verify(join(modified));
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.line, 3u);
  EXPECT_EQ(v.reason, "record 2: modified: its content does not match its hash");

  auto dropped = lines;
  dropped.erase(dropped.begin() + 1);
  v = verify(join(dropped));
  EXPECT_EQ(v.line, 2u);
  EXPECT_EQ(v.reason, "record 1: out of sequence: seq 2 where seq 1 was due (records were dropped, repeated or reordered)");

  auto reordered = lines;
  std::swap(reordered[1], reordered[2]);
  v = verify(join(reordered));
  EXPECT_EQ(v.line, 2u);
  EXPECT_FALSE(v.ok);

  // A forger who rewrites record 1 and recomputes its own hash still breaks the link to record 2.
  Chain forger;
  auto forged = lines;
  forger.append(1'000'000, "cloud", "rules_changed", R"({"rules": 3, "by": "ops"})");
  forged[1] = forger.append(2'000'000, "gateway plant-a-gw-0", "model_installed", R"({"model": "evil", "version": 2})");
  v = verify(join(forged));
  EXPECT_EQ(v.line, 2u);
  EXPECT_EQ(v.reason, "record 1: replaced: the record after it was chained to another one");

  const Verdict whole = verify(join(lines));
  auto cut = lines;
  cut.pop_back();  // cut off the end: a valid shorter chain, found only against the known head
  EXPECT_TRUE(verify(join(cut)).ok);
  v = verify(join(cut), whole.head);
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.reason.find("records were cut off the end"), std::string::npos);

  v = verify(join(lines) + "{\"seq\": 4}\n");
  EXPECT_EQ(v.line, 5u);
  EXPECT_EQ(v.reason, "record 4: malformed: expected exactly seq, t_us, actor, action, details (an object), prev and hash");
  v = verify(lines[0] + "\n\n" + lines[1] + "\n");
  EXPECT_EQ(v.line, 2u);
  EXPECT_FALSE(verify("not json\n").ok);
}

}  // namespace
}  // namespace twinbench::runtime::audit
