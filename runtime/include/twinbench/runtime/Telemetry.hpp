#pragma once
// The compact binary telemetry record devices publish (a constrained-device format, little-endian):
//   u8 version (=1) | u8 channel count n | u16 reserved (0) | i64 device timestamp_us | u32 seq | n x f32
// A missing reading (sensor dropout) is a quiet NaN.

#include <cstdint>
#include <span>
#include <vector>

#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::runtime {

inline constexpr std::size_t kRecordHeaderBytes = 16;
inline constexpr std::size_t kMaxChannels = 32;

constexpr std::size_t record_bytes(std::size_t channels) { return kRecordHeaderBytes + 4 * channels; }

struct RecordHeader {
  std::uint8_t channels = 0;
  TimeUs t_us = 0;
  std::uint32_t seq = 0;
};

/** @brief Write a record into `out` (which must hold record_bytes(values.size()) bytes). */
void encode_record(TimeUs t_us, std::uint32_t seq, std::span<const float> values, std::uint8_t* out);

/** @brief Parse a record's header and check its size; false if it is not a valid record. */
bool decode_record_header(std::span<const std::uint8_t> bytes, RecordHeader& h);

/** @brief Read channel `i` of a valid record. */
float record_value(std::span<const std::uint8_t> bytes, std::size_t i);

}  // namespace twinbench::runtime
