#pragma once
// A simulated device's flash: the Storage port under its ota::Device (the shipped updater), compact enough
// for 10k-device rollouts. A chunk written from one of the run's images is kept as a reference into that
// image, not copied; and the digest of chunks that are one image, whole and in order, is that image's,
// hashed once for the run (any other digest is computed from the bytes, as Storage's own). Small blobs
// (manifests, download progress, boot records) are kept as bytes.
// Every write is durable at once: a run never cuts a device's power. Power cuts are the business of the
// enumeration in runtime/ota (on MemoryStorage), which covers every operation of the same updater.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/runtime/ota/Crypto.hpp"
#include "twinbench/runtime/ports/Storage.hpp"

namespace twinbench::sim {

/** An image the run serves (a firmware), immutable, with the SHA-256 of its bytes computed once. */
struct SharedImage {
  explicit SharedImage(std::vector<std::uint8_t> b) : bytes(std::move(b)), sha256(runtime::crypto::sha256(bytes)) {}
  const std::vector<std::uint8_t> bytes;
  const runtime::crypto::Sha256 sha256;
};

/** What the flashes of one gateway's devices share: the images they may hold, and key names (each device keeps numbers). */
class FlashPool {
public:
  void add(std::shared_ptr<const SharedImage> image);
  struct Place {
    std::uint32_t image;
    std::uint32_t offset;
  };
  /** @brief Where `bytes` lie inside one of the images, if they do. */
  std::optional<Place> find(std::span<const std::uint8_t> bytes) const;
  const SharedImage& image(std::uint32_t i) const { return *images_[i]; }
  std::uint32_t intern(std::string_view key);
  std::optional<std::uint32_t> key(std::string_view key) const;

private:
  std::vector<std::shared_ptr<const SharedImage>> images_;
  std::map<std::string, std::uint32_t, std::less<>> keys_;
};

class DeviceFlash final : public runtime::Storage {
public:
  explicit DeviceFlash(FlashPool& pool) : pool_(&pool) {}
  runtime::StorageStatus write(std::string_view key, std::span<const std::uint8_t> bytes) override;
  runtime::StorageStatus read(std::string_view key, std::vector<std::uint8_t>& out) const override;
  runtime::StorageStatus sync() override { return runtime::StorageStatus::ok; }
  runtime::StorageStatus digest(std::span<const std::string> keys, runtime::crypto::Sha256& sha256, std::uint64_t& size) const override;
  /** @brief Blobs that are references into a shared image (the rest are bytes of their own). */
  std::size_t shared_blobs() const;

private:
  static constexpr std::uint32_t kOwn = UINT32_MAX;  ///< Blob::image of a blob kept as bytes: own_[offset]
  struct Blob {
    std::uint32_t key;
    std::uint32_t image;
    std::uint32_t offset;
    std::uint32_t size;
  };
  const Blob* find(std::string_view key) const;
  FlashPool* pool_;
  std::vector<Blob> blobs_;  ///< sorted by key
  std::vector<std::vector<std::uint8_t>> own_;
  std::vector<std::uint32_t> free_;  ///< places in own_ no blob uses
};

}  // namespace twinbench::sim
