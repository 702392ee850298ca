#include "twinbench/runtime/UplinkLog.hpp"

#include <algorithm>
#include <cassert>
#include <string>

#include "twinbench/core/Crc32.hpp"

namespace twinbench::runtime {

namespace {

constexpr std::uint32_t kMagic = 0x4C554254;  // "TBUL"
/** The log's state, kept twice (<prefix>/meta-a, -b) and written alternately, so that a write torn by a power cut leaves the other. */
std::string meta_key(const std::string& prefix, std::uint64_t k) { return prefix + (k % 2 ? "/meta-b" : "/meta-a"); }

std::string slot_key(const std::string& prefix, std::uint32_t slot) { return prefix + "/" + std::to_string(slot); }

void put(std::uint8_t* at, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get(const std::uint8_t* at, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | at[i];
  return v;
}

/** [u64 sequence | u64 watermark | u64 next id | u32 CRC-32 of the rest] */
std::vector<std::uint8_t> meta_blob(std::uint64_t seq, std::uint64_t w, std::uint64_t next) {
  std::vector<std::uint8_t> b(28);
  put(b.data(), seq, 8);
  put(b.data() + 8, w, 8);
  put(b.data() + 16, next, 8);
  put(b.data() + 24, core::crc32(std::span(b).first(24)), 4);
  return b;
}

}  // namespace

UplinkLog::UplinkLog(UplinkLogConfig config, Storage* storage) : config_(config), storage_(storage) { start_open(); }

void UplinkLog::start_open() {
  open_.resize(kOpenHeader);  // (keeps its capacity)
  std::fill(open_.begin(), open_.end(), 0);
  open_first_ = next_id_;
  open_count_ = 0;
}

std::uint64_t UplinkLog::watermark() const { return segments_.empty() ? open_first_ : segments_.front().first; }

UplinkLog::Recovery UplinkLog::recover() {
  Recovery r;
  if (!storage_) return r;
  std::vector<std::uint8_t> b;
  std::uint64_t w = 0, stored_next = 0;
  bool have_meta = false;
  for (int k = 0; k < 2; ++k) {  // the newer of the two copies that are whole
    const StorageStatus st = storage_->read(meta_key(config_.key_prefix, k), b);
    if (st == StorageStatus::not_found) continue;
    if (st != StorageStatus::ok) {
      r.status = st;
      return r;
    }
    if (b.size() != 28 || get(b.data() + 24, 4) != core::crc32(std::span(b).first(24))) continue;  // torn
    const std::uint64_t seq = get(b.data(), 8);
    if (have_meta && seq <= meta_seq_) continue;
    have_meta = true;
    meta_seq_ = seq;
    w = get(b.data() + 8, 8), stored_next = get(b.data() + 16, 8);
  }
  // Neither whole: everything stored is sent again (the cloud drops what it has).
  // Ids go on from past every id ever committed, even one whose segment is now unreadable (it may have
  // reached the cloud before it rotted: giving its ids again would have new records dropped as duplicates).
  std::uint64_t end = std::max(w, stored_next);
  for (std::uint32_t slot = 0;; ++slot) {
    const StorageStatus st = storage_->read(slot_key(config_.key_prefix, slot), b);
    if (st == StorageStatus::not_found) break;
    if (st != StorageStatus::ok) {
      r.status = st;
      return r;
    }
    ++slots_;
    const bool whole = b.size() >= kOpenHeader && get(b.data(), 4) == kMagic &&
                       get(b.data() + 4, 4) == core::crc32(std::span(b).subspan(kBlobHeader)) &&
                       for_each_uplink_record(std::span(b).subspan(kBlobHeader), [](auto, auto, auto) {});
    if (!whole) {
      ++r.torn;
      free_slots_.push_back(slot);
      continue;
    }
    Segment s{get(b.data() + 8, 8), get(b.data() + 16, 4), b, slot, false};
    end = std::max(end, s.first + s.count);
    if (s.first < w || s.count == 0) {  // delivered (or dropped) before the restart
      free_slots_.push_back(slot);
      continue;
    }
    ++r.segments;
    r.records += s.count;
    committed_records_ += s.count;
    committed_bytes_ += s.blob.size() - kOpenHeader;
    segments_.push_back(std::move(s));
  }
  std::sort(segments_.begin(), segments_.end(), [](const Segment& a, const Segment& b) { return a.first < b.first; });
  std::sort(free_slots_.begin(), free_slots_.end(), std::greater<>());  // the smallest last: taken first
  next_id_ = end;
  stored_watermark_ = w;
  stored_next_ = stored_next;
  start_open();
  while (bytes() > config_.max_bytes && drop_oldest()) {}  // a smaller bound than last time
  // A torn or missing watermark is written again at once: until it is, a segment that rotted would let
  // its ids be given again.
  if (stored_next_ != next_id_) r.status = commit();
  return r;
}

void UplinkLog::append(std::uint32_t conn, std::span<const std::uint8_t> record) {
  assert(record.size() <= 0xFFFF);
  const std::size_t entry = 6 + record.size();
  if (entry > config_.max_bytes) {
    ++dropped_;
    return;
  }
  while (bytes() + entry > config_.max_bytes)
    if (!drop_oldest()) {  // all that is held is in flight: the new record goes
      ++dropped_;
      return;
    }
  const std::size_t at = open_.size();
  open_.resize(at + entry);
  put(open_.data() + at, conn, 4);
  put(open_.data() + at + 4, record.size(), 2);
  std::copy(record.begin(), record.end(), open_.begin() + static_cast<std::ptrdiff_t>(at + 6));
  ++open_count_;
  ++next_id_;
}

bool UplinkLog::drop_oldest() {
  // Never one in flight: the uplink has it until it answers, and a restart before the answer would lose
  // it uncounted (found by fuzz/uplink_log_fuzz.cpp). The oldest of the others, else the oldest open record.
  const auto it = std::find_if(segments_.begin(), segments_.end(), [](const Segment& s) { return !s.in_flight; });
  if (it != segments_.end()) {
    dropped_ += it->count;
    committed_records_ -= it->count;
    committed_bytes_ -= it->blob.size() - kOpenHeader;
    free_slot(it->slot);
    segments_.erase(it);
    return true;
  }
  if (open_count_ == 0) return false;
  const std::size_t len = get(open_.data() + kOpenHeader + 4, 2);
  open_.erase(open_.begin() + kOpenHeader, open_.begin() + static_cast<std::ptrdiff_t>(kOpenHeader + 6 + len));
  ++open_first_;
  --open_count_;
  ++dropped_;
  return true;
}

StorageStatus UplinkLog::write_meta(std::uint64_t w) {
  ++meta_seq_;  // into the copy that does not hold the newest state
  return storage_->write(meta_key(config_.key_prefix, meta_seq_), meta_blob(meta_seq_, w, next_id_));
}

void UplinkLog::free_slot(std::uint32_t slot) {
  free_slots_.insert(std::upper_bound(free_slots_.begin(), free_slots_.end(), slot, std::greater<>()), slot);
}

StorageStatus UplinkLog::commit() {
  if (open_count_ == 0) {
    const std::uint64_t w = watermark();
    if (!storage_ || (w == stored_watermark_ && next_id_ == stored_next_)) return StorageStatus::ok;
    // With the next id as it is now (not as last stored: a torn watermark was read as 0).
    StorageStatus st = write_meta(w);
    if (st == StorageStatus::ok) st = storage_->sync();
    if (st == StorageStatus::ok) stored_watermark_ = w, stored_next_ = next_id_;
    return st;
  }
  put(open_.data(), kMagic, 4);
  put(open_.data() + 8, open_first_, 8);
  put(open_.data() + 16, open_count_, 4);
  put(open_.data() + 4, core::crc32(std::span(open_).subspan(kBlobHeader)), 4);
  std::uint32_t slot = slots_;
  if (!free_slots_.empty()) slot = free_slots_.back();
  if (storage_) {
    // The watermark with it: the oldest live segment's first id (this one's if it is the only one).
    const std::uint64_t w = segments_.empty() ? open_first_ : segments_.front().first;
    // The watermark, and the next id, with it (every commit: the next id always moves).
    StorageStatus st = storage_->write(slot_key(config_.key_prefix, slot), open_);
    if (st == StorageStatus::ok) st = write_meta(w);
    if (st == StorageStatus::ok) st = storage_->sync();
    if (st != StorageStatus::ok) return st;  // still open: the next commit tries again
    stored_watermark_ = w;
    stored_next_ = next_id_;
  }
  if (slot == slots_) ++slots_;
  else free_slots_.pop_back();
  committed_records_ += open_count_;
  committed_bytes_ += open_.size() - kOpenHeader;
  // Copied, not moved: the open batch keeps its capacity, and does not grow again from nothing (a
  // reallocation at every doubling, and page faults with them) in every interval.
  segments_.push_back({open_first_, open_count_, std::vector<std::uint8_t>(open_.begin(), open_.end()), slot, false});
  start_open();
  return StorageStatus::ok;
}

bool UplinkLog::next_batch(Batch& out, std::size_t max_payload) {
  out.payload = {};
  out.joined.clear();
  out.segments.clear();
  out.records = 0;
  for (Segment& s : segments_) {
    if (s.in_flight) continue;
    const auto run = std::span<const std::uint8_t>(s.blob).subspan(kBlobHeader);
    if (!out.segments.empty() && out.payload.size() + run.size() > max_payload) break;
    if (out.segments.empty()) {
      out.payload = run;  // one segment, the common case: sent from where it is
    } else {
      if (out.joined.empty()) out.joined.assign(out.payload.begin(), out.payload.end());
      out.joined.insert(out.joined.end(), run.begin(), run.end());
      out.payload = out.joined;
    }
    out.records += s.count;
    out.segments.push_back(s.first);
    s.in_flight = true;
  }
  return !out.segments.empty();
}

void UplinkLog::delivered(std::span<const std::uint64_t> segments) {
  for (std::uint64_t first : segments) {
    const auto it = std::find_if(segments_.begin(), segments_.end(), [&](const Segment& s) { return s.first == first; });
    if (it == segments_.end()) continue;  // dropped meanwhile (the oldest, past the bound)
    committed_records_ -= it->count;
    committed_bytes_ -= it->blob.size() - kOpenHeader;
    free_slot(it->slot);
    segments_.erase(it);
  }
}

void UplinkLog::undelivered(std::span<const std::uint64_t> segments) {
  for (std::uint64_t first : segments)
    for (Segment& s : segments_)
      if (s.first == first) s.in_flight = false;
}

std::uint64_t UplinkLog::take_dropped() {
  const std::uint64_t d = dropped_;
  dropped_ = 0;
  return d;
}

}  // namespace twinbench::runtime
