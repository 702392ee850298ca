#include "twinbench/runtime/ports/Storage.hpp"

namespace twinbench::runtime {

StorageStatus MemoryStorage::write(std::string_view key, std::span<const std::uint8_t> bytes) {
  auto it = volatile_.find(key);
  if (it == volatile_.end()) it = volatile_.emplace(std::string(key), std::vector<std::uint8_t>{}).first;
  it->second.assign(bytes.begin(), bytes.end());
  return StorageStatus::ok;
}

StorageStatus MemoryStorage::read(std::string_view key, std::vector<std::uint8_t>& out) const {
  auto it = volatile_.find(key);
  if (it == volatile_.end()) return StorageStatus::not_found;
  out = it->second;
  return StorageStatus::ok;
}

StorageStatus MemoryStorage::sync() {
  durable_ = volatile_;
  return StorageStatus::ok;
}

void MemoryStorage::power_cut() { volatile_ = durable_; }

}  // namespace twinbench::runtime
