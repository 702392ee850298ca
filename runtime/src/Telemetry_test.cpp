#include "twinbench/runtime/Telemetry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace twinbench::runtime {
namespace {

TEST(Telemetry, RecordRoundTripsIncludingNaN) {
  const float values[] = {1.5f, -2.25f, std::numeric_limits<float>::quiet_NaN()};
  std::vector<std::uint8_t> b(record_bytes(3));
  encode_record(123456789012, 77, values, b.data());
  RecordHeader h;
  ASSERT_TRUE(decode_record_header(b, h));
  EXPECT_EQ(h.channels, 3);
  EXPECT_EQ(h.t_us, 123456789012);
  EXPECT_EQ(h.seq, 77u);
  EXPECT_EQ(record_value(b, 0), 1.5f);
  EXPECT_EQ(record_value(b, 1), -2.25f);
  EXPECT_TRUE(std::isnan(record_value(b, 2)));
  EXPECT_EQ(b[4], 0x14);  // little-endian timestamp, low byte first
}

TEST(Telemetry, RejectsWrongVersionOrSize) {
  const float values[] = {1.0f};
  std::vector<std::uint8_t> b(record_bytes(1));
  encode_record(1, 1, values, b.data());
  RecordHeader h;
  auto bad = b;
  bad[0] = 2;
  EXPECT_FALSE(decode_record_header(bad, h));
  bad = b;
  bad.push_back(0);
  EXPECT_FALSE(decode_record_header(bad, h));
  EXPECT_FALSE(decode_record_header(std::span(b).first(10), h));
}

}  // namespace
}  // namespace twinbench::runtime
