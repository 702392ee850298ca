#include "twinbench/runtime/ports/Storage.hpp"

#include <algorithm>
#include <string>

namespace twinbench::runtime {

StorageStatus Storage::digest(std::span<const std::string> keys, crypto::Sha256& sha256, std::uint64_t& size) const {
  crypto::Sha256Stream s;
  std::vector<std::uint8_t> blob;
  size = 0;
  for (const std::string& k : keys) {
    if (const StorageStatus st = read(k, blob); st != StorageStatus::ok) return st;
    s.update(blob);
    size += blob.size();
  }
  sha256 = s.finish();
  return StorageStatus::ok;
}

void MemoryStorage::arm_power_cut(std::uint64_t at_op, Cut mode, std::uint64_t landed) {
  ops_ = 0;
  cut_at_ = at_op;
  mode_ = mode;
  landed_ = landed;
  cut_keys_ = 0;
}

void MemoryStorage::cut(const std::string* key, std::span<const std::uint8_t> bytes, bool in_sync) {
  cut_keys_ = in_sync ? dirty_.size() : 0;
  if (mode_ == Cut::some_of_sync && in_sync) {
    std::vector<std::string> keys = dirty_;
    std::sort(keys.begin(), keys.end());
    for (std::size_t i = 0; i < keys.size() && i < 64; ++i)
      if (landed_ >> i & 1) durable_[keys[i]] = volatile_.find(keys[i])->second;
  }
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
    cut(&k, bytes, false);
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
  if (ops_++ == cut_at_) cut(nullptr, {}, true);
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
