// libFuzzer target: store-and-forward (runtime/UplinkLog) on a MemoryStorage that loses power. The input
// is first read as an uplink payload (for_each_uplink_record must not crash or read past it), then as a
// script of steps [op][arg][bytes...]: append a record, commit, take a batch, acknowledge or give back
// the oldest batch in flight, restart (clean, or with a power cut now or armed a few operations ahead,
// in either of MemoryStorage's ways), or flip a byte of a stored blob. Checked throughout: the bound
// holds, a batch's payload parses into the records it counts with ids rising, no id is held twice; and,
// as long as no blob was corrupted by hand, a record committed is delivered or still held after any
// restart (nothing stored is lost).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "twinbench/runtime/UplinkLog.hpp"

namespace {

using namespace twinbench::runtime;

struct Life {
  MemoryStorage flash;
  std::unique_ptr<UplinkLog> log;
  UplinkLogConfig config{.max_bytes = 2048, .sync_records = 0};
  std::deque<UplinkLog::Batch> in_flight;
  std::set<std::uint64_t> committed, delivered;
  bool corrupted = false;

  void start() {
    in_flight.clear();
    log = std::make_unique<UplinkLog>(config, &flash);
    const auto r = log->recover();
    if (r.status != StorageStatus::ok) std::abort();
    if (log->bytes() > config.max_bytes) std::abort();
    // Everything committed and not delivered is back (a restart may send some delivered ones again).
    std::set<std::uint64_t> held;
    UplinkLog::Batch b;
    while (log->next_batch(b, 1 << 20)) {
      check(b);
      for_each_uplink_record(b.payload, [&](std::uint64_t id, std::uint32_t, auto) {
        if (!held.insert(id).second) std::abort();  // held twice
      });
      in_flight.push_back(b);
    }
    for (auto& b2 : in_flight) log->undelivered(b2.segments);
    in_flight.clear();
    dropped += log->take_dropped();
    if (!corrupted && dropped == 0)
      for (std::uint64_t id : committed)
        if (!delivered.count(id) && !held.count(id)) std::abort();  // a stored record lost
  }
  void check(const UplinkLog::Batch& b) {
    std::uint64_t n = 0, last = 0;
    bool first = true;
    if (!for_each_uplink_record(b.payload, [&](std::uint64_t id, std::uint32_t, auto) {
          if (!first && id <= last) std::abort();
          first = false;
          last = id;
          ++n;
        }))
      std::abort();
    if (n != b.records) std::abort();
  }
  std::uint64_t dropped = 0;  ///< by the bound, ever: once any is, which ids remain is not checked
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for_each_uplink_record(std::span(data, size), [](std::uint64_t, std::uint32_t, std::span<const std::uint8_t> r) {
    volatile std::uint8_t sink = r.empty() ? 0 : r.back();  // touched: ASan sees a read past the payload
    (void)sink;
  });
  Life life;
  life.start();
  std::span<const std::uint8_t> rest(data, size);
  while (rest.size() >= 2) {
    const std::uint8_t op = rest[0], arg = rest[1];
    rest = rest.subspan(2);
    try {
      switch (op % 9) {
        case 0: {  // a record of arg % 64 bytes
          const std::size_t n = std::min<std::size_t>(arg % 64, rest.size());
          life.log->append(op, rest.first(n));
          life.dropped += life.log->take_dropped();
          rest = rest.subspan(n);
          break;
        }
        case 1: {
          const std::uint64_t first = life.log->next_id() - life.log->open_records(), end = life.log->next_id();
          if (life.log->commit() == StorageStatus::ok)
            for (std::uint64_t id = first; id < end; ++id) life.committed.insert(id);
          break;
        }
        case 2: {
          UplinkLog::Batch b;
          if (life.log->next_batch(b, 16 + arg * 8)) {
            life.check(b);
            life.in_flight.push_back(std::move(b));
          }
          break;
        }
        case 3:
          if (!life.in_flight.empty()) {
            for_each_uplink_record(life.in_flight.front().payload, [&](std::uint64_t id, std::uint32_t, auto) { life.delivered.insert(id); });
            life.log->delivered(life.in_flight.front().segments);
            life.in_flight.pop_front();
          }
          break;
        case 4:
          if (!life.in_flight.empty()) {
            life.log->undelivered(life.in_flight.front().segments);
            life.in_flight.pop_front();
          }
          break;
        case 5:  // a clean restart
          life.start();
          break;
        case 6:  // the power goes now
          life.flash.power_cut();
          life.start();
          break;
        case 7:  // the power will go a few operations from now
          life.flash.arm_power_cut(arg % 8, arg & 0x80 ? MemoryStorage::Cut::land_and_tear : MemoryStorage::Cut::drop_unsynced);
          break;
        case 8: {  // a byte of a stored blob flipped (a bad flash cell): skipped, never trusted
          std::vector<std::uint8_t> blob;
          const std::string key = "uplink/" + std::to_string(arg % 4);
          if (life.flash.read(key, blob) == StorageStatus::ok && !blob.empty()) {
            blob[arg % blob.size()] ^= 0x5A;
            life.corrupted = true;  // first: the write below may be where an armed power cut strikes
            life.flash.write(key, blob);
            life.flash.sync();
          }
          break;
        }
      }
    } catch (const PowerCut&) {
      life.flash.disarm();
      life.start();
    }
    if (life.log->bytes() > life.config.max_bytes) std::abort();
  }
  return 0;
}
