#pragma once
// Hashes and signatures for the audit log and OTA images: SHA-256 and Ed25519 (OpenSSL, behind this
// header: no OpenSSL type leaks out).

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace twinbench::runtime::crypto {

using Sha256 = std::array<std::uint8_t, 32>;
using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

Sha256 sha256(std::span<const std::uint8_t> bytes);
Sha256 sha256(std::string_view bytes);
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

/** @brief True if `signature` is `key`'s Ed25519 signature of `message`. */
bool verify(const PublicKey& key, std::span<const std::uint8_t> message, const Signature& signature);

}  // namespace twinbench::runtime::crypto
