#include "DeviceFlash.hpp"

#include <algorithm>
#include <functional>

namespace twinbench::sim {

using runtime::StorageStatus;

void FlashPool::add(std::shared_ptr<const SharedImage> image) {
  if (std::find(images_.begin(), images_.end(), image) == images_.end()) images_.push_back(std::move(image));
}

std::optional<FlashPool::Place> FlashPool::find(std::span<const std::uint8_t> bytes) const {
  const std::less<const std::uint8_t*> before;  // a total order on pointers, also across arrays
  for (std::uint32_t i = 0; i < images_.size(); ++i) {
    const auto& b = images_[i]->bytes;
    if (bytes.empty() || before(bytes.data(), b.data()) || before(b.data() + b.size(), bytes.data() + bytes.size())) continue;
    return Place{i, static_cast<std::uint32_t>(bytes.data() - b.data())};
  }
  return std::nullopt;
}

std::uint32_t FlashPool::intern(std::string_view key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) it = keys_.emplace(std::string(key), static_cast<std::uint32_t>(keys_.size())).first;
  return it->second;
}

std::optional<std::uint32_t> FlashPool::key(std::string_view key) const {
  const auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

const DeviceFlash::Blob* DeviceFlash::find(std::string_view key) const {
  const auto k = pool_->key(key);
  if (!k) return nullptr;
  const auto it = std::lower_bound(blobs_.begin(), blobs_.end(), *k, [](const Blob& b, std::uint32_t v) { return b.key < v; });
  return it != blobs_.end() && it->key == *k ? &*it : nullptr;
}

StorageStatus DeviceFlash::write(std::string_view key, std::span<const std::uint8_t> bytes) {
  if (bytes.size() > UINT32_MAX) return StorageStatus::io_error;
  const std::uint32_t k = pool_->intern(key);
  auto it = std::lower_bound(blobs_.begin(), blobs_.end(), k, [](const Blob& b, std::uint32_t v) { return b.key < v; });
  if (it == blobs_.end() || it->key != k) it = blobs_.insert(it, Blob{k, kOwn, UINT32_MAX, 0});
  it->size = static_cast<std::uint32_t>(bytes.size());
  if (const auto place = pool_->find(bytes)) {
    if (it->image == kOwn && it->offset != UINT32_MAX) {  // its old bytes' place goes to the next small blob
      own_[it->offset] = {};
      free_.push_back(it->offset);
    }
    it->image = place->image;
    it->offset = place->offset;
    return StorageStatus::ok;
  }
  if (it->image != kOwn || it->offset == UINT32_MAX) {
    if (free_.empty()) {
      it->offset = static_cast<std::uint32_t>(own_.size());
      own_.emplace_back();
    } else {
      it->offset = free_.back();
      free_.pop_back();
    }
    it->image = kOwn;
  }
  own_[it->offset].assign(bytes.begin(), bytes.end());
  return StorageStatus::ok;
}

StorageStatus DeviceFlash::read(std::string_view key, std::vector<std::uint8_t>& out) const {
  const Blob* b = find(key);
  if (!b) return StorageStatus::not_found;
  if (b->image == kOwn) {
    out = own_[b->offset];
  } else {
    const auto& bytes = pool_->image(b->image).bytes;
    out.assign(bytes.begin() + b->offset, bytes.begin() + b->offset + b->size);
  }
  return StorageStatus::ok;
}

StorageStatus DeviceFlash::digest(std::span<const std::string> keys, runtime::crypto::Sha256& sha256, std::uint64_t& size) const {
  // One image's chunks, whole and in order: its digest, known. Anything else is hashed from the bytes.
  std::uint64_t at = 0;
  std::uint32_t image = kOwn;
  for (const std::string& key : keys) {
    const Blob* b = find(key);
    if (!b) return StorageStatus::not_found;
    if (b->image == kOwn || (image != kOwn && b->image != image) || b->offset != at) return Storage::digest(keys, sha256, size);
    image = b->image;
    at += b->size;
  }
  if (image == kOwn || at != pool_->image(image).bytes.size()) return Storage::digest(keys, sha256, size);
  sha256 = pool_->image(image).sha256;
  size = at;
  return StorageStatus::ok;
}

std::size_t DeviceFlash::shared_blobs() const {
  return static_cast<std::size_t>(std::count_if(blobs_.begin(), blobs_.end(), [](const Blob& b) { return b.image != kOwn; }));
}

}  // namespace twinbench::sim
