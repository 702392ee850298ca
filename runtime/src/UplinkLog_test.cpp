#include "twinbench/runtime/UplinkLog.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace twinbench::runtime {
namespace {

using Bytes = std::vector<std::uint8_t>;

/** A record whose bytes say which it is: `n` as text. */
Bytes record(std::uint64_t n) {
  const std::string s = "record-" + std::to_string(n);
  return Bytes(s.begin(), s.end());
}

struct Seen {
  std::uint64_t id;
  std::uint32_t conn;
  std::string bytes;
};
std::vector<Seen> records_of(const UplinkLog::Batch& b) {
  std::vector<Seen> out;
  EXPECT_TRUE(for_each_uplink_record(b.payload, [&](std::uint64_t id, std::uint32_t conn, std::span<const std::uint8_t> r) {
    out.push_back({id, conn, std::string(r.begin(), r.end())});
  }));
  return out;
}

TEST(UplinkLog, CommittedRecordsGoUpWithConsecutiveIdsAndAreFreedWhenDelivered) {
  UplinkLog log({}, nullptr);
  for (std::uint64_t i = 0; i < 3; ++i) log.append(static_cast<std::uint32_t>(10 + i), record(i));
  UplinkLog::Batch b;
  EXPECT_FALSE(log.next_batch(b, 1 << 20)) << "only committed records are sent";
  ASSERT_EQ(log.commit(), StorageStatus::ok);
  log.append(13, record(3));
  ASSERT_EQ(log.commit(), StorageStatus::ok);
  ASSERT_TRUE(log.next_batch(b, 1 << 20));
  EXPECT_EQ(b.records, 4u);
  EXPECT_EQ(b.segments.size(), 2u);
  // Two runs: [first id | count | records], by hand: 12 + 3 x (6 + 8) and 12 + (6 + 8) bytes.
  EXPECT_EQ(b.payload.size(), 12u + 3 * 14 + 12 + 14);
  EXPECT_EQ(b.payload[0], 0);  // first id 0, little endian
  EXPECT_EQ(b.payload[8], 3);  // three records
  const auto seen = records_of(b);
  ASSERT_EQ(seen.size(), 4u);
  for (std::uint64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(seen[i].id, i);
    EXPECT_EQ(seen[i].conn, 10 + i);
    EXPECT_EQ(seen[i].bytes, "record-" + std::to_string(i));
  }
  EXPECT_FALSE(log.next_batch(b, 1 << 20)) << "in flight: not sent twice";
  log.undelivered(std::vector<std::uint64_t>{3});
  ASSERT_TRUE(log.next_batch(b, 1 << 20));
  EXPECT_EQ(records_of(b).front().id, 3u);
  log.delivered(std::vector<std::uint64_t>{0, 3});
  EXPECT_EQ(log.records(), 0u);
  EXPECT_EQ(log.bytes(), 0u);
}

TEST(UplinkLog, PastTheBoundTheOldestGoAndAreCounted) {
  // Each record takes 6 + 8 bytes: a bound of 5 records.
  UplinkLog log({.max_bytes = 5 * 14}, nullptr);
  for (std::uint64_t i = 0; i < 3; ++i) log.append(0, record(i));
  ASSERT_EQ(log.commit(), StorageStatus::ok);  // segment {0, 1, 2}
  for (std::uint64_t i = 3; i < 9; ++i) log.append(0, record(i));
  // 9 records for 5 places: the whole oldest segment goes (3), then the oldest open record (3).
  EXPECT_EQ(log.records(), 5u);
  EXPECT_EQ(log.take_dropped(), 4u);
  EXPECT_EQ(log.take_dropped(), 0u);
  ASSERT_EQ(log.commit(), StorageStatus::ok);
  UplinkLog::Batch b;
  ASSERT_TRUE(log.next_batch(b, 1 << 20));
  const auto seen = records_of(b);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.front().id, 4u);
  EXPECT_EQ(seen.back().id, 8u);
  // A record larger than the bound is dropped itself.
  log.append(0, Bytes(100, 1));
  EXPECT_EQ(log.take_dropped(), 1u);
}

TEST(UplinkLog, ASegmentInFlightIsNeverDroppedForTheBound) {
  UplinkLog log({.max_bytes = 3 * 14}, nullptr);  // 3 records of 8 bytes
  for (std::uint64_t i = 0; i < 2; ++i) log.append(0, record(i));
  ASSERT_EQ(log.commit(), StorageStatus::ok);
  UplinkLog::Batch b;
  ASSERT_TRUE(log.next_batch(b, 1 << 20));  // {0, 1} in flight
  log.append(0, record(2));
  log.append(0, record(3));  // no room: not {0, 1}, which the uplink has; the open record 2 goes
  EXPECT_EQ(log.take_dropped(), 1u);
  log.append(0, record(4));  // again: record 3 goes
  EXPECT_EQ(log.take_dropped(), 1u);
  log.delivered(b.segments);
  ASSERT_EQ(log.commit(), StorageStatus::ok);
  ASSERT_TRUE(log.next_batch(b, 1 << 20));
  const auto seen = records_of(b);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].id, 4u);
}

TEST(UplinkLog, WhatWasStoredAndNotDeliveredIsSentAgainAfterARestartAndIdsAreNeverReused) {
  MemoryStorage flash;
  {
    UplinkLog log({}, &flash);
    EXPECT_EQ(log.recover().records, 0u);
    for (std::uint64_t i = 0; i < 4; ++i) log.append(1, record(i));
    ASSERT_EQ(log.commit(), StorageStatus::ok);
    UplinkLog::Batch b;
    ASSERT_TRUE(log.next_batch(b, 1 << 20));
    log.delivered(b.segments);  // 0..3 reached the cloud
    for (std::uint64_t i = 4; i < 7; ++i) log.append(2, record(i));
    ASSERT_EQ(log.commit(), StorageStatus::ok);  // 4..6 stored, with the watermark 4
    ASSERT_TRUE(log.next_batch(b, 1 << 20));      // in flight, never acknowledged
    log.append(3, record(7));                      // never committed
  }
  flash.power_cut();
  UplinkLog log({}, &flash);
  const auto r = log.recover();
  EXPECT_EQ(r.status, StorageStatus::ok);
  EXPECT_EQ(r.records, 3u);
  EXPECT_EQ(r.segments, 1u);
  EXPECT_EQ(r.torn, 0u);
  EXPECT_EQ(log.next_id(), 7u);  // 7 was never sent: its id may be given again
  UplinkLog::Batch b;
  ASSERT_TRUE(log.next_batch(b, 1 << 20));
  const auto seen = records_of(b);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].id, 4u);
  EXPECT_EQ(seen[0].bytes, "record-4");
  EXPECT_EQ(seen[2].id, 6u);
  EXPECT_EQ(seen[2].conn, 2u);
}

/**
 * A gateway's life with its log: records arrive, are committed, sent, acknowledged. `attempted` gets
 * the ids of every commit begun, `committed` those of every commit that returned, `delivered` every id
 * acknowledged.
 */
struct Ids {
  std::set<std::uint64_t> attempted, committed, delivered;
};
void workload(UplinkLog& log, Ids& ids, std::uint64_t& appended) {
  UplinkLog::Batch b;
  std::map<std::uint64_t, std::vector<std::uint64_t>> ids_of;  // segment -> ids
  for (int round = 0; round < 6; ++round) {
    const std::uint64_t first = log.next_id();
    for (int i = 0; i < 3 + round; ++i, ++appended) log.append(static_cast<std::uint32_t>(round), record(appended));
    const std::uint64_t end = log.next_id();
    for (std::uint64_t id = first; id < end; ++id) ids.attempted.insert(id);
    if (log.commit() == StorageStatus::ok)
      for (std::uint64_t id = first; id < end; ++id) ids.committed.insert(id);
    if (round % 2 == 0 && log.next_batch(b, 1 << 20)) {  // every other round the uplink takes what there is
      for (const Seen& s : records_of(b)) ids.delivered.insert(s.id);
      log.delivered(b.segments);
    }
  }
}

TEST(UplinkLog, APowerCutAtEveryStepLosesNothingThatWasCommitted) {
  std::uint64_t total = 0;
  {
    MemoryStorage flash;
    flash.arm_power_cut(UINT64_MAX, MemoryStorage::Cut::drop_unsynced);
    UplinkLog log({.max_bytes = 1 << 20}, &flash);
    log.recover();
    Ids ids;
    std::uint64_t appended = 0;
    workload(log, ids, appended);
    total = flash.ops();
  }
  // By hand: 6 commits, each a segment, the state (watermark and next id, in one of its two copies) and a
  // sync: 18 operations.
  ASSERT_EQ(total, 18u);
  for (const auto mode : {MemoryStorage::Cut::drop_unsynced, MemoryStorage::Cut::land_and_tear}) {
    for (std::uint64_t k = 0; k < total; ++k) {
      SCOPED_TRACE("cut at operation " + std::to_string(k) + (mode == MemoryStorage::Cut::land_and_tear ? " (torn)" : ""));
      MemoryStorage flash;
      Ids ids;
      std::uint64_t appended = 0;
      // A first life that ends cleanly, so the cut may also fall on slots being reused.
      {
        UplinkLog log({}, &flash);
        log.recover();
        workload(log, ids, appended);
      }
      flash.arm_power_cut(k, mode);
      bool cut = false;
      try {
        UplinkLog log({}, &flash);
        log.recover();
        workload(log, ids, appended);
      } catch (const PowerCut&) {
        cut = true;
      }
      ASSERT_TRUE(cut);
      flash.disarm();
      UplinkLog after({}, &flash);
      const auto r = after.recover();
      ASSERT_EQ(r.status, StorageStatus::ok);
      std::set<std::uint64_t> recovered;
      UplinkLog::Batch b;
      while (after.next_batch(b, 1 << 20))
        for (const Seen& s : records_of(b)) ASSERT_TRUE(recovered.insert(s.id).second) << "id " << s.id << " twice";
      for (std::uint64_t id : ids.committed)
        ASSERT_TRUE(ids.delivered.count(id) || recovered.count(id)) << "committed record " << id << " lost";
      // A commit cut during its sync may have landed whole: its records come back although it never returned.
      for (std::uint64_t id : recovered) ASSERT_TRUE(ids.attempted.count(id)) << "record " << id << " was never stored";
      const std::uint64_t sent = ids.delivered.empty() ? 0 : *ids.delivered.rbegin() + 1;
      EXPECT_GE(after.next_id(), sent) << "an id the cloud has would be given again";
    }
  }
}

TEST(UplinkLog, InMemoryIdsStartWhereTheOwnerSaysAndStoredOnesContinue) {
  UplinkLog memory({}, nullptr);
  memory.start_ids_at(1'796'500'000'000'000);  // a UTC time in microseconds: past any id of an earlier run
  memory.append(0, record(0));
  ASSERT_EQ(memory.commit(), StorageStatus::ok);
  UplinkLog::Batch b;
  ASSERT_TRUE(memory.next_batch(b, 1 << 20));
  EXPECT_EQ(records_of(b).front().id, 1'796'500'000'000'000u);
  MemoryStorage flash;
  UplinkLog stored({}, &flash);
  stored.recover();
  stored.start_ids_at(5);  // ignored: a stored log continues its own ids
  EXPECT_EQ(stored.next_id(), 0u);
}

TEST(UplinkLog, IdsOfASegmentThatBecameUnreadableAreNotGivenAgain) {
  MemoryStorage flash;
  {
    UplinkLog log({}, &flash);
    log.recover();
    for (int i = 0; i < 3; ++i) log.append(0, record(i));
    ASSERT_EQ(log.commit(), StorageStatus::ok);  // ids 0..2, maybe already on their way to the cloud
  }
  Bytes blob;
  ASSERT_EQ(flash.read("uplink/0", blob), StorageStatus::ok);
  blob[30] ^= 0x40;  // the newest (and only) segment rots
  ASSERT_EQ(flash.write("uplink/0", blob), StorageStatus::ok);
  UplinkLog log({}, &flash);
  EXPECT_EQ(log.recover().torn, 1u);
  EXPECT_EQ(log.next_id(), 3u) << "ids 0..2 may be at the cloud: new records given them would be dropped as duplicates";
}

TEST(UplinkLog, ATornStateIsWrittenAgainAtStartSoARottenSegmentCannotGiveItsIdsAgain) {
  MemoryStorage flash;
  {
    UplinkLog log({}, &flash);
    log.recover();
    for (int i = 0; i < 3; ++i) log.append(0, record(i));
    ASSERT_EQ(log.commit(), StorageStatus::ok);
  }
  // The one commit wrote its state into the second copy (meta-b; meta-a was never written): torn now.
  ASSERT_EQ(flash.write("uplink/meta-b", Bytes{1, 2, 3}), StorageStatus::ok);
  {
    UplinkLog log({}, &flash);
    EXPECT_EQ(log.recover().records, 3u);  // sent again: the cloud drops what it has
  }
  Bytes blob;
  ASSERT_EQ(flash.read("uplink/0", blob), StorageStatus::ok);
  blob[30] ^= 0x40;  // and then the segment rots
  ASSERT_EQ(flash.write("uplink/0", blob), StorageStatus::ok);
  UplinkLog log({}, &flash);
  log.recover();
  EXPECT_EQ(log.next_id(), 3u) << "found by fuzz/uplink_log_fuzz.cpp: the rewritten watermark keeps the next id";
}

TEST(UplinkLog, ACorruptSegmentIsSkippedAndCounted) {
  MemoryStorage flash;
  {
    UplinkLog log({}, &flash);
    log.recover();
    log.append(0, record(0));
    ASSERT_EQ(log.commit(), StorageStatus::ok);
    log.append(0, record(1));
    ASSERT_EQ(log.commit(), StorageStatus::ok);
  }
  Bytes blob;
  ASSERT_EQ(flash.read("uplink/0", blob), StorageStatus::ok);
  blob.back() ^= 0x01;  // one bit of the first segment's record flipped
  ASSERT_EQ(flash.write("uplink/0", blob), StorageStatus::ok);
  UplinkLog log({}, &flash);
  const auto r = log.recover();
  EXPECT_EQ(r.torn, 1u);
  EXPECT_EQ(r.records, 1u);
  UplinkLog::Batch b;
  ASSERT_TRUE(log.next_batch(b, 1 << 20));
  EXPECT_EQ(records_of(b).front().bytes, "record-1");
}

}  // namespace
}  // namespace twinbench::runtime
