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
      Blob& b = durable_[*key];
      std::vector<std::uint8_t> torn = b ? *b : std::vector<std::uint8_t>{};
      const std::size_t half = bytes.size() / 2;
      if (torn.size() < half) torn.resize(half);
      std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(half), torn.begin());
      b = std::make_shared<const std::vector<std::uint8_t>>(std::move(torn));
    }
  }
  volatile_ = durable_;
  dirty_.clear();
  throw PowerCut{};
}

StorageStatus MemoryStorage::write(std::string_view key, std::span<const std::uint8_t> bytes) {
  if (ops_++ == cut_at_) {
    const std::string k(key);
    cut(&k, bytes);
  }
  auto it = volatile_.find(key);
  if (it == volatile_.end()) it = volatile_.emplace(std::string(key), nullptr).first;
  it->second = std::make_shared<const std::vector<std::uint8_t>>(bytes.begin(), bytes.end());
  if (std::find(dirty_.begin(), dirty_.end(), it->first) == dirty_.end()) dirty_.push_back(it->first);
  return StorageStatus::ok;
}

StorageStatus MemoryStorage::read(std::string_view key, std::vector<std::uint8_t>& out) const {
  auto it = volatile_.find(key);
  if (it == volatile_.end()) return StorageStatus::not_found;
  out = *it->second;
  return StorageStatus::ok;
}

StorageStatus MemoryStorage::sync() {
  if (ops_++ == cut_at_) cut(nullptr, {});
  // Only what was written since the last sync, and shared, not copied: a gateway's model slots are not
  // copied at every commit of its uplink buffer, nor its uplink buffer's segments.
  for (const std::string& k : dirty_) durable_[k] = volatile_.find(k)->second;
  dirty_.clear();
  return StorageStatus::ok;
}

void MemoryStorage::power_cut() {
  for (const std::string& k : dirty_) {
    if (const auto d = durable_.find(k); d != durable_.end()) volatile_[k] = d->second;
    else volatile_.erase(k);
  }
  dirty_.clear();
}

}  // namespace twinbench::runtime
