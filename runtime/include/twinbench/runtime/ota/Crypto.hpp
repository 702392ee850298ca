#pragma once
// Hashes and signatures for the audit log and OTA images: SHA-256 and Ed25519; scrypt for passwords
// (OpenSSL, behind this header: no OpenSSL type leaks out).

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace twinbench::runtime::crypto {

using Sha256 = std::array<std::uint8_t, 32>;
using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

Sha256 sha256(std::span<const std::uint8_t> bytes);
Sha256 sha256(std::string_view bytes);

/** SHA-256 of bytes given in parts (an image chunk by chunk, never whole in memory). */
class Sha256Stream {
public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::span<const std::uint8_t> bytes);
  /** @brief The digest of everything given; the stream starts afresh. */
  Sha256 finish();

private:
  void* ctx_;  ///< OpenSSL's EVP_MD_CTX
};
/** @brief HMAC-SHA-256 (RFC 2104, FIPS 198-1) of `data` under `key`. */
Sha256 hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);
std::string hex(std::span<const std::uint8_t> bytes);
/** @brief Exactly 2 x out.size() hex digits into `out`; false (and `out` unspecified) for anything else. */
bool from_hex(std::string_view hex, std::span<std::uint8_t> out);

/** An Ed25519 key pair from a 32-byte seed (the signer's secret: the cloud's, or a test's). */
class SigningKey {
public:
  explicit SigningKey(const std::array<std::uint8_t, 32>& seed);
  const PublicKey& public_key() const { return public_; }
  Signature sign(std::span<const std::uint8_t> message) const;

private:
  std::array<std::uint8_t, 32> seed_;
  PublicKey public_;
};

/**
 * @brief scrypt (RFC 7914): `out_bytes` bytes derived from `password` and `salt` at cost N = 2^log2_n,
 * r, p. Empty if the parameters are out of what OpenSSL accepts (or would need more than 256 MiB).
 */
std::vector<std::uint8_t> scrypt(std::string_view password, std::span<const std::uint8_t> salt, unsigned log2_n, std::uint32_t r,
                                 std::uint32_t p, std::size_t out_bytes);
/** @brief a == b in time that depends on their length only (for secrets). */
bool equal_in_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

/** @brief True if `signature` is `key`'s Ed25519 signature of `message` (the last 64 valid ones are remembered). */
bool verify(const PublicKey& key, std::span<const std::uint8_t> message, const Signature& signature);

}  // namespace twinbench::runtime::crypto
