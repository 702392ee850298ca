#pragma once
// Store-and-forward: the telemetry records a gateway holds until its uplink has them, as an append-only
// segment log on the Storage port (docs/store-and-forward.md).
//
// Records get ids, consecutive per gateway and never reused across restarts, so the cloud can drop a
// record it already has (delivery is at least once). Appended records wait in an open batch; commit()
// writes the batch as one segment (a blob of its own, checksummed), with the watermark (every id below
// it is delivered or dropped) and the next id, in one of two copies written alternately, then syncs: a
// group commit. Only committed segments are sent, and a
// segment is freed when the uplink acknowledges it. After a restart, recover() reads back every segment
// at or above the watermark (a torn one, from a power cut during its write, is skipped: it was never
// synced) and they are sent again. The bytes held, committed or not, are bounded: past the bound the
// oldest records not in flight go, counted (none in flight are left to the uplink: the new one goes).
//
// Without a Storage the same log runs in memory (a restart loses it, as it says), and its ids start where
// the owner says (start_ids_at), so that they are not given again after a restart.

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <span>
#include <vector>

#include "twinbench/runtime/ports/Storage.hpp"

namespace twinbench::runtime {

struct UplinkLogConfig {
  std::size_t max_bytes = 1u << 20;  ///< records held (with 6 bytes of framing each); past it the oldest go
  std::size_t sync_records = 0;      ///< commit_due() once this many records wait (0: only when the owner commits)
  std::string key_prefix = "uplink"; ///< its blobs in the Storage: <prefix>/meta-a, -b and <prefix>/<slot>
};

/**
 * The uplink payload: runs of [u64 first id | u32 count | count x (u32 conn | u16 len | record)], little
 * endian, ids consecutive within a run. Calls `f(id, conn, record)` for each record; false (after the
 * records before it) if the payload is malformed.
 */
template <class F>
bool for_each_uplink_record(std::span<const std::uint8_t> p, F&& f) {
  auto u = [&](std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | p[at + static_cast<std::size_t>(i)];
    return v;
  };
  std::size_t pos = 0;
  while (pos < p.size()) {
    if (p.size() - pos < 12) return false;
    const std::uint64_t first = u(pos, 8), count = u(pos + 8, 4);
    pos += 12;
    for (std::uint64_t k = 0; k < count; ++k) {
      if (p.size() - pos < 6) return false;
      const auto conn = static_cast<std::uint32_t>(u(pos, 4));
      const std::size_t len = u(pos + 4, 2);
      if (p.size() - pos - 6 < len) return false;
      f(first + k, conn, p.subspan(pos + 6, len));
      pos += 6 + len;
    }
  }
  return true;
}

/**
 * What a cloud keeps to drop records it has already (sent again after a gateway's restart): the ids it has
 * from one gateway, as every id below `below` and those above it (arrived out of order, or past a gap). A
 * gap is records the gateway dropped (never sent) or still to come: past 4096 ids held above it, it is
 * taken as dropped, which keeps the set bounded.
 */
class RecordIds {
public:
  /** @brief True the first time `id` is seen. */
  bool first_time(std::uint64_t id) {
    if (id < below_) return false;
    if (id == below_) ++below_;
    else if (!above_.insert(id).second) return false;
    if (above_.size() > 4096) below_ = *above_.begin();
    while (!above_.empty() && *above_.begin() == below_) above_.erase(above_.begin()), ++below_;
    return true;
  }

private:
  std::uint64_t below_ = 0;
  std::set<std::uint64_t> above_;
};

class UplinkLog {
public:
  /** @brief `storage` may be null: the log is then in memory only. */
  UplinkLog(UplinkLogConfig config, Storage* storage);

  struct Recovery {
    std::uint64_t records = 0, segments = 0;
    std::uint64_t torn = 0;  ///< segments cut short or corrupt (never synced whole): skipped
    StorageStatus status = StorageStatus::ok;
  };
  /** @brief Reads back what a previous run stored and did not deliver; once, before anything else. */
  Recovery recover();
  /**
   * @brief In memory (no Storage), ids cannot continue from a previous run: the owner starts them past any
   * that run can have given (the UTC time in microseconds: fewer than one record a microsecond).
   */
  void start_ids_at(std::uint64_t first) {
    if (!storage_ && records() == 0) next_id_ = first, start_open();
  }

  /** @brief Takes a record (at most 65535 bytes), dropping the oldest if the bound needs it. */
  void append(std::uint32_t conn, std::span<const std::uint8_t> record);
  bool commit_due() const { return config_.sync_records > 0 && open_count_ >= config_.sync_records; }
  /** @brief Makes the open batch a segment and stores it with the watermark, synced. On a storage error the batch stays open. */
  StorageStatus commit();

  struct Batch {
    /// The runs to send (for_each_uplink_record): into the one segment's blob when there is one (valid
    /// until the log changes), else into `joined`.
    std::span<const std::uint8_t> payload;
    std::vector<std::uint8_t> joined;
    std::uint64_t records = 0;
    std::vector<std::uint64_t> segments;  ///< their first ids: what delivered() or undelivered() is told
  };
  /** @brief The oldest committed segments not yet sent, up to `max_payload` bytes (at least one); false if none. */
  bool next_batch(Batch& out, std::size_t max_payload);
  /** @brief The uplink has them: freed (and the watermark moves on at the next commit). */
  void delivered(std::span<const std::uint64_t> segments);
  /** @brief They did not go: sent again with the next batch. */
  void undelivered(std::span<const std::uint64_t> segments);

  /** @brief Records dropped (the oldest, past max_bytes) since the last call. */
  std::uint64_t take_dropped();
  /** @brief Records held: committed (sent or not) and open. */
  std::uint64_t records() const { return committed_records_ + open_count_; }
  std::uint64_t bytes() const { return committed_bytes_ + open_.size() - kOpenHeader; }
  std::uint64_t open_records() const { return open_count_; }
  std::uint64_t next_id() const { return next_id_; }
  bool durable() const { return storage_ != nullptr; }

private:
  static constexpr std::size_t kBlobHeader = 8;                 ///< u32 magic | u32 CRC-32 of the run
  static constexpr std::size_t kOpenHeader = kBlobHeader + 12;  ///< then the run's header
  struct Segment {
    std::uint64_t first = 0, count = 0;
    std::vector<std::uint8_t> blob;  ///< as stored: the blob header, then the run as sent
    std::uint32_t slot = 0;
    bool in_flight = false;
  };
  void start_open();
  /** The oldest record(s) not in flight go, counted; false if there are none. */
  bool drop_oldest();
  void free_slot(std::uint32_t slot);
  std::uint64_t watermark() const;

  UplinkLogConfig config_;
  Storage* storage_;
  std::deque<Segment> segments_;  ///< committed, oldest first
  std::vector<std::uint8_t> open_;  ///< the open batch, as a blob (headers filled in at commit)
  std::uint64_t open_first_ = 0, open_count_ = 0;
  std::uint64_t next_id_ = 0;
  std::uint64_t committed_records_ = 0, committed_bytes_ = 0;  ///< bytes without run headers
  std::uint64_t dropped_ = 0;
  std::vector<std::uint32_t> free_slots_;  ///< storage keys uplink/<slot> that hold nothing live
  std::uint32_t slots_ = 0;                ///< slots 0..slots_-1 exist
  std::uint64_t stored_watermark_ = 0, stored_next_ = 0;
  std::uint64_t meta_seq_ = 0;  ///< of the newest copy of the state (meta-a holds even ones, meta-b odd)
  StorageStatus write_meta(std::uint64_t watermark);
};

}  // namespace twinbench::runtime
