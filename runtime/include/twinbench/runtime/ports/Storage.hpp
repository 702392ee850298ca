#pragma once
// Storage port: named blobs with explicit durability. The simulated store can lose unsynced data.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace twinbench::runtime {

enum class StorageStatus : std::uint8_t { ok, not_found, io_error };

class Storage {
public:
  virtual ~Storage() = default;
  /** @brief Replace blob `key` with `bytes` (not durable until sync()). */
  virtual StorageStatus write(std::string_view key, std::span<const std::uint8_t> bytes) = 0;
  /** @brief Read blob `key` into `out`. */
  virtual StorageStatus read(std::string_view key, std::vector<std::uint8_t>& out) const = 0;
  /** @brief Make every write so far durable. */
  virtual StorageStatus sync() = 0;
};

/** @brief In-memory Storage with a durable image: power_cut() drops what was written since the last sync(). */
class MemoryStorage final : public Storage {
public:
  StorageStatus write(std::string_view key, std::span<const std::uint8_t> bytes) override;
  StorageStatus read(std::string_view key, std::vector<std::uint8_t>& out) const override;
  StorageStatus sync() override;
  /** @brief Lose everything not yet synced, as a power cut would. */
  void power_cut();

private:
  using Blobs = std::map<std::string, std::vector<std::uint8_t>, std::less<>>;
  Blobs volatile_;
  Blobs durable_;
};

}  // namespace twinbench::runtime
