#include "twinbench/runtime/Telemetry.hpp"

#include <bit>
#include <cassert>
#include <cstring>

namespace twinbench::runtime {

namespace {
template <typename T> void put_le(std::uint8_t* out, T v) {
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(v);
  for (std::size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<std::uint8_t>(u >> (8 * i));
}
template <typename T> T get_le(const std::uint8_t* in) {
  using U = std::make_unsigned_t<T>;
  U u = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(in[i]) << (8 * i);
  return static_cast<T>(u);
}
}  // namespace

void encode_record(TimeUs t_us, std::uint32_t seq, std::span<const float> values, std::uint8_t* out) {
  assert(values.size() <= kMaxChannels);
  out[0] = 1;
  out[1] = static_cast<std::uint8_t>(values.size());
  out[2] = out[3] = 0;
  put_le<std::int64_t>(out + 4, t_us);
  put_le<std::uint32_t>(out + 12, seq);
  for (std::size_t i = 0; i < values.size(); ++i) put_le<std::uint32_t>(out + 16 + 4 * i, std::bit_cast<std::uint32_t>(values[i]));
}

bool decode_record_header(std::span<const std::uint8_t> bytes, RecordHeader& h) {
  if (bytes.size() < kRecordHeaderBytes || bytes[0] != 1 || bytes[1] > kMaxChannels) return false;
  if (bytes.size() != record_bytes(bytes[1])) return false;
  h.channels = bytes[1];
  h.t_us = get_le<std::int64_t>(bytes.data() + 4);
  h.seq = get_le<std::uint32_t>(bytes.data() + 12);
  return true;
}

float record_value(std::span<const std::uint8_t> bytes, std::size_t i) {
  return std::bit_cast<float>(get_le<std::uint32_t>(bytes.data() + 16 + 4 * i));
}

}  // namespace twinbench::runtime
