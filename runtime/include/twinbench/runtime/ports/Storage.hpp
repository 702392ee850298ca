#pragma once
// Storage port: named blobs with explicit durability. The simulated store can lose unsynced data.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/runtime/ota/Crypto.hpp"

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
  /**
   * @brief The SHA-256 and length of blobs `keys` one after the other (an image kept in chunks); not_found
   * if one is missing. This one reads them in turn; a store that knows what its blobs hold may answer
   * from that (the simulation's device flash, whose chunks are the run's shared images).
   */
  virtual StorageStatus digest(std::span<const std::string> keys, crypto::Sha256& sha256, std::uint64_t& size) const;
};

/** Thrown by an armed MemoryStorage when the power goes: the code that was writing stops there. */
struct PowerCut {};

/**
 * @brief In-memory Storage with a durable image: power_cut() drops what was written since the last sync().
 * Armed (arm_power_cut), it cuts the power in the middle of its k-th operation (a write or a sync) and
 * throws PowerCut, in one of three ways (Cut).
 */
class MemoryStorage final : public Storage {
public:
  StorageStatus write(std::string_view key, std::span<const std::uint8_t> bytes) override;
  StorageStatus read(std::string_view key, std::vector<std::uint8_t>& out) const override;
  StorageStatus sync() override;
  /** @brief Lose everything not yet synced, as a power cut would. */
  void power_cut();

  enum class Cut : std::uint8_t {
    drop_unsynced,  ///< the writes since the last sync are lost
    land_and_tear,  ///< they all land, and the interrupted write is torn (the first half of its bytes over what the key held)
    /**
     * A sync of several keys is cut partway, as hil's FileStorage (one file renamed per key) can be:
     * the keys whose bit is set in `landed` (bit i: the i-th of the keys written since the last sync, in
     * key order) land whole, the others are lost. Cut at a write, it drops what was not synced.
     */
    some_of_sync,
  };
  /** @brief Count operations from now; cut the power at operation `at_op` (0-based) in `mode`. */
  void arm_power_cut(std::uint64_t at_op, Cut mode, std::uint64_t landed = 0);
  void disarm() { cut_at_ = UINT64_MAX; }
  /** @brief Writes and syncs since the last arm_power_cut. */
  std::uint64_t ops() const { return ops_; }
  /** @brief How many keys the sync that the last cut interrupted held (0 if it cut a write), whatever the mode. */
  std::size_t cut_keys() const { return cut_keys_; }

private:
  /// A blob is immutable once written: the durable image shares it with the volatile one (a sync copies no bytes).
  using Blob = std::shared_ptr<const std::vector<std::uint8_t>>;
  using Blobs = std::map<std::string, Blob, std::less<>>;
  [[noreturn]] void cut(const std::string* key, std::span<const std::uint8_t> bytes, bool in_sync);
  Blobs volatile_;
  Blobs durable_;
  std::vector<std::string> dirty_;  ///< keys written since the last sync (a few: a linear search is fine)
  std::uint64_t ops_ = 0, cut_at_ = UINT64_MAX, landed_ = 0;
  std::size_t cut_keys_ = 0;
  Cut mode_ = Cut::drop_unsynced;
};

}  // namespace twinbench::runtime
