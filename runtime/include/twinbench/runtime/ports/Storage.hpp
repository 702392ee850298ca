#pragma once
// Storage port: named blobs with explicit durability. The simulated store can lose unsynced data.

#include <cstdint>
#include <map>
#include <memory>
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

/** Thrown by an armed MemoryStorage when the power goes: the code that was writing stops there. */
struct PowerCut {};

/**
 * @brief In-memory Storage with a durable image: power_cut() drops what was written since the last sync().
 * Armed (arm_power_cut), it cuts the power in the middle of its k-th operation (a write or a sync) and
 * throws PowerCut: either the writes since the last sync are lost, or they all land and the interrupted
 * write is torn (the first half of its bytes over what the key held).
 */
class MemoryStorage final : public Storage {
public:
  StorageStatus write(std::string_view key, std::span<const std::uint8_t> bytes) override;
  StorageStatus read(std::string_view key, std::vector<std::uint8_t>& out) const override;
  StorageStatus sync() override;
  /** @brief Lose everything not yet synced, as a power cut would. */
  void power_cut();

  enum class Cut : std::uint8_t { drop_unsynced, land_and_tear };
  /** @brief Count operations from now; cut the power at operation `at_op` (0-based) in `mode`. */
  void arm_power_cut(std::uint64_t at_op, Cut mode);
  void disarm() { cut_at_ = UINT64_MAX; }
  /** @brief Writes and syncs since the last arm_power_cut. */
  std::uint64_t ops() const { return ops_; }

private:
  /// A blob is immutable once written: the durable image shares it with the volatile one (a sync copies no bytes).
  using Blob = std::shared_ptr<const std::vector<std::uint8_t>>;
  using Blobs = std::map<std::string, Blob, std::less<>>;
  [[noreturn]] void cut(const std::string* key, std::span<const std::uint8_t> bytes);
  Blobs volatile_;
  Blobs durable_;
  std::vector<std::string> dirty_;  ///< keys written since the last sync (a few: a linear search is fine)
  std::uint64_t ops_ = 0, cut_at_ = UINT64_MAX;
  Cut mode_ = Cut::drop_unsynced;
};

}  // namespace twinbench::runtime
