#pragma once
// The codec's private building blocks (Codec.cpp, Properties.cpp): a bounds-checked reader, the writers
// of MQTT's wire types, and MQTT 5 property lists.

#include <cassert>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "twinbench/runtime/mqtt/Codec.hpp"

namespace twinbench::runtime::mqtt::wire {

using Bytes = std::span<const std::uint8_t>;

/** Cursor over the variable header and payload of one packet; every read checks the bounds. */
class Reader {
public:
  explicit Reader(Bytes b) : b_(b) {}
  bool u8(std::uint8_t& v) {
    if (pos_ + 1 > b_.size()) return false;
    v = b_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (pos_ + 2 > b_.size()) return false;
    v = static_cast<std::uint16_t>((b_[pos_] << 8) | b_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (pos_ + 4 > b_.size()) return false;
    v = (std::uint32_t{b_[pos_]} << 24) | (std::uint32_t{b_[pos_ + 1]} << 16) | (std::uint32_t{b_[pos_ + 2]} << 8) | b_[pos_ + 3];
    pos_ += 4;
    return true;
  }
  /** A variable byte integer: 1-4 bytes, minimal (MQTT 5 1.5.5). */
  bool varint(std::uint32_t& v) {
    v = 0;
    for (int i = 0; i < 4; ++i) {
      std::uint8_t byte;
      if (!u8(byte)) return false;
      v |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * i);
      if (!(byte & 0x80)) return !(byte == 0 && i > 0);
    }
    return false;
  }
  bool binary(Bytes& v) {
    std::uint16_t n;
    if (!u16(n) || pos_ + n > b_.size()) return false;
    v = b_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool string(std::string_view& v) {
    Bytes raw;
    if (!binary(raw)) return false;
    v = {reinterpret_cast<const char*>(raw.data()), raw.size()};
    return true;
  }
  bool take(std::size_t n, Bytes& v) {
    if (pos_ + n > b_.size()) return false;
    v = b_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  Bytes rest() {
    Bytes r = b_.subspan(pos_);
    pos_ = b_.size();
    return r;
  }
  bool at_end() const { return pos_ == b_.size(); }
  std::size_t left() const { return b_.size() - pos_; }

private:
  Bytes b_;
  std::size_t pos_ = 0;
};

inline std::size_t varint_size(std::size_t n) { return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4; }

inline void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

inline void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

inline void put_varint(std::vector<std::uint8_t>& out, std::size_t n) {
  assert(n <= kMaxRemainingLength);
  do {
    std::uint8_t byte = n & 0x7F;
    n >>= 7;
    if (n > 0) byte |= 0x80;
    out.push_back(byte);
  } while (n > 0);
}

inline void put_string(std::vector<std::uint8_t>& out, std::string_view s) {
  assert(s.size() <= 0xFFFF);
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

inline void put_binary(std::vector<std::uint8_t>& out, Bytes b) {
  assert(b.size() <= 0xFFFF);
  put_u16(out, static_cast<std::uint16_t>(b.size()));
  out.insert(out.end(), b.begin(), b.end());
}

inline void put_fixed_header(std::vector<std::uint8_t>& out, std::uint8_t first, std::size_t remaining) {
  out.push_back(first);
  put_varint(out, remaining);
}

/** Where a property may appear: one bit per packet type (bit 0: will properties). */
constexpr std::uint32_t bit(PacketType t) { return 1u << static_cast<unsigned>(t); }
inline constexpr std::uint32_t kWill = 1u;

/** Read a property list for a packet of type `where` (kWill: will properties), checking each property's rules. */
DecodeStatus decode_properties(Reader& r, std::uint32_t where, Properties& out);
/** A property list's size with its length prefix. */
std::size_t properties_field_bytes(const Properties& ps);
/** Write a property list with its length prefix. */
void put_properties(std::vector<std::uint8_t>& out, const Properties& ps);

}  // namespace twinbench::runtime::mqtt::wire
