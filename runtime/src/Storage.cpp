#include "twinbench/runtime/ports/Storage.hpp"

#include <algorithm>
#include <string>

namespace twinbench::runtime {

void MemoryStorage::arm_power_cut(std::uint64_t at_op, Cut mode) {
  ops_ = 0;
  cut_at_ = at_op;
  mode_ = mode;
}

void MemoryStorage::cut(const std::string* key, std::span<const std::uint8_t> bytes) {
  if (mode_ == Cut::land_and_tear) {
    durable_ = volatile_;  // what was written before lands...
    if (key) {             // ... and the write the power interrupted is torn
      auto& b = durable_[*key];
      const std::size_t half = bytes.size() / 2;
      if (b.size() < half) b.resize(half);
      std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(half), b.begin());
    }
  }
  volatile_ = durable_;
  throw PowerCut{};
}

StorageStatus MemoryStorage::write(std::string_view key, std::span<const std::uint8_t> bytes) {
  if (ops_++ == cut_at_) {
    const std::string k(key);
    cut(&k, bytes);
  }
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
  if (ops_++ == cut_at_) cut(nullptr, {});
  durable_ = volatile_;
  return StorageStatus::ok;
}

void MemoryStorage::power_cut() { volatile_ = durable_; }

}  // namespace twinbench::runtime
