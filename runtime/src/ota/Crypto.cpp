#include "twinbench/runtime/ota/Crypto.hpp"

#include <charconv>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace twinbench::runtime::crypto {

namespace {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

}  // namespace

Sha256 sha256(std::span<const std::uint8_t> bytes) {
  Sha256 out{};
  unsigned int n = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &n, EVP_sha256(), nullptr) != 1 || n != out.size())
    throw std::runtime_error("SHA-256 failed");
  return out;
}

Sha256 sha256(std::string_view bytes) { return sha256(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())); }

Sha256 hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
  Sha256 out{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len) ||
      len != out.size())
    throw std::runtime_error("HMAC-SHA-256 failed");
  return out;
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 failed");
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Stream::update(std::span<const std::uint8_t> bytes) {
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size()) != 1) throw std::runtime_error("SHA-256 failed");
}

Sha256 Sha256Stream::finish() {
  Sha256 out{};
  unsigned int n = 0;
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  if (EVP_DigestFinal_ex(ctx, out.data(), &n) != 1 || n != out.size() || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return out;
}

bool from_hex(std::string_view hex, std::span<std::uint8_t> out) {
  if (hex.size() != 2 * out.size()) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto [end, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, out[i], 16);
    if (ec != std::errc() || end != hex.data() + 2 * i + 2) return false;
  }
  return true;
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

SigningKey::SigningKey(const std::array<std::uint8_t, 32>& seed) : seed_(seed) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(), seed_.size()), EVP_PKEY_free);
  std::size_t n = public_.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), public_.data(), &n) != 1 || n != public_.size())
    throw std::runtime_error("Ed25519 key generation failed");
}

Signature SigningKey::sign(std::span<const std::uint8_t> message) const {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(), seed_.size()), EVP_PKEY_free);
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Signature sig{};
  std::size_t n = sig.size();
  if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &n, message.data(), message.size()) != 1 || n != sig.size())
    throw std::runtime_error("Ed25519 signing failed");
  return sig;
}

namespace {

/**
 * Signatures found valid lately, by the SHA-256 of key, signature and message (the first two of fixed
 * length): a fleet's devices check the same manifest thousands of times, and an Ed25519 check costs
 * about 100 us where this costs 1. Bitcoin Core keeps such a cache for the same reason. Only valid ones
 * are kept: a forgery is checked every time.
 */
class ValidSignatures {
public:
  bool contains(const Sha256& id) {
    const std::lock_guard lock(mutex_);
    return std::find(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(used_), id) != ids_.begin() + static_cast<std::ptrdiff_t>(used_);
  }
  void add(const Sha256& id) {
    const std::lock_guard lock(mutex_);
    ids_[next_] = id;
    next_ = (next_ + 1) % ids_.size();
    used_ = std::max(used_, next_ == 0 ? ids_.size() : next_);
  }

private:
  std::mutex mutex_;
  std::array<Sha256, 64> ids_{};
  std::size_t next_ = 0, used_ = 0;
};

ValidSignatures& valid_signatures() {
  static ValidSignatures cache;
  return cache;
}

}  // namespace

bool verify(const PublicKey& key_bytes, std::span<const std::uint8_t> message, const Signature& signature) {
  Sha256Stream s;
  s.update(key_bytes);
  s.update(signature);
  s.update(message);
  const Sha256 id = s.finish();
  if (valid_signatures().contains(id)) return true;
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key_bytes.data(), key_bytes.size()), EVP_PKEY_free);
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const bool valid = key && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
                     EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
  if (valid) valid_signatures().add(id);
  return valid;
}

std::vector<std::uint8_t> scrypt(std::string_view password, std::span<const std::uint8_t> salt, unsigned log2_n, std::uint32_t r,
                                 std::uint32_t p, std::size_t out_bytes) {
  constexpr std::uint64_t kMaxMemory = 256u << 20;
  if (log2_n < 1 || log2_n > 30 || r == 0 || p == 0 || out_bytes == 0) return {};
  const std::uint64_t n = std::uint64_t{1} << log2_n;
  if (128 * std::uint64_t{r} * n > kMaxMemory) return {};  // scrypt's working memory is 128 r N bytes
  std::vector<std::uint8_t> out(out_bytes);
  if (EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), n, r, p, kMaxMemory + (1u << 20), out.data(), out.size()) != 1)
    return {};
  return out;
}

bool equal_in_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace twinbench::runtime::crypto
