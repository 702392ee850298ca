#include "twinbench/runtime/coap/Message.hpp"

#include <gtest/gtest.h>

namespace twinbench::runtime::coap {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(CoapMessage, DecodesTheRfcExampleGetWithUriPathAndToken) {
  // CON GET, token 0x71 0x4c, MID 0x7d34, Uri-Path "temperature" (RFC 7252 appendix A style).
  const Bytes d = {0x42, 0x01, 0x7d, 0x34, 0x71, 0x4c, 0xbb, 't', 'e', 'm', 'p', 'e', 'r', 'a', 't', 'u', 'r', 'e'};
  Message m;
  ASSERT_EQ(decode(d, m), DecodeStatus::ok);
  EXPECT_EQ(m.type, Type::con);
  EXPECT_EQ(m.code, codes::get);
  EXPECT_EQ(m.id, 0x7d34);
  EXPECT_EQ(m.token.size(), 2u);
  EXPECT_EQ(m.path(), "temperature");
  EXPECT_TRUE(m.is_request());
  EXPECT_TRUE(m.payload.empty());
}

TEST(CoapMessage, WriterEncodesExtendedDeltasAndLengthsThatDecodeBack) {
  Bytes out;
  const std::uint8_t token[3] = {1, 2, 3};
  const std::string long_value(300, 'x');  // length 300: the 2-byte extension (269 + 31)
  Writer(out, Type::non, codes::post, 0xBEEF, token)
      .uint_option(options::observe, 0)
      .option(options::uri_path, "rd")
      .uint_option(options::content_format, formats::link_format)
      .option(options::uri_query, "ep=dev-1")
      .option(options::uri_query, long_value)
      .uint_option(options::size1, 70000)  // delta 45: the 1-byte extension
      .payload("</3303/0>");
  Message m;
  ASSERT_EQ(decode(out, m), DecodeStatus::ok);
  EXPECT_EQ(m.type, Type::non);
  EXPECT_EQ(m.id, 0xBEEF);
  EXPECT_EQ(m.uint_option(options::observe), 0u);
  EXPECT_EQ(m.find(options::observe)->value.size(), 0u);  // 0 is the empty value
  EXPECT_EQ(m.uint_option(options::content_format), formats::link_format);
  EXPECT_EQ(m.uint_option(options::size1), 70000u);
  const auto q = m.strings(options::uri_query);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0], "ep=dev-1");
  EXPECT_EQ(q[1], long_value);
  EXPECT_EQ(std::string(m.payload.begin(), m.payload.end()), "</3303/0>");
  Bytes again;
  encode(m, again);
  EXPECT_EQ(again, out);
}

TEST(CoapMessage, WriterRefusesOptionsOutOfOrderAndLongTokens) {
  Bytes out;
  Writer w(out, Type::con, codes::get, 1, {});
  w.option(options::uri_path, "a");
  EXPECT_THROW(w.option(options::observe, "x"), std::logic_error);
  const std::uint8_t nine[9] = {};
  EXPECT_THROW(Writer(out, Type::con, codes::get, 1, nine), std::logic_error);
}

TEST(CoapMessage, EmptyMessagesAreExactlyFourBytes) {
  Bytes ack;
  encode_empty(Type::ack, 0x1234, ack);
  EXPECT_EQ(ack, (Bytes{0x60, 0x00, 0x12, 0x34}));
  Message m;
  ASSERT_EQ(decode(ack, m), DecodeStatus::ok);
  EXPECT_EQ(m.type, Type::ack);
  EXPECT_FALSE(m.is_request());
  EXPECT_FALSE(m.is_response());
  EXPECT_EQ(decode(Bytes{0x61, 0x00, 0x12, 0x34, 0xAA}, m), DecodeStatus::empty_with_content);  // a token
  EXPECT_EQ(decode(Bytes{0x60, 0x00, 0x12, 0x34, 0xFF, 1}, m), DecodeStatus::empty_with_content);
}

TEST(CoapMessage, RejectsEveryFormatError) {
  Message m;
  EXPECT_EQ(decode(Bytes{0x40, 0x01, 0x00}, m), DecodeStatus::too_short);
  EXPECT_EQ(decode(Bytes{0x80, 0x01, 0x00, 0x01}, m), DecodeStatus::bad_version);
  EXPECT_EQ(decode(Bytes{0x49, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9}, m), DecodeStatus::bad_token_length);
  EXPECT_EQ(decode(Bytes{0x42, 0x01, 0x00, 0x01, 0xAA}, m), DecodeStatus::too_short);  // token cut short
  EXPECT_EQ(decode(Bytes{0x40, 0x01, 0x00, 0x01, 0xFF}, m), DecodeStatus::empty_payload);
  EXPECT_EQ(decode(Bytes{0x40, 0x01, 0x00, 0x01, 0xF1, 0}, m), DecodeStatus::bad_option);  // delta nibble 15
  EXPECT_EQ(decode(Bytes{0x40, 0x01, 0x00, 0x01, 0x1F, 0}, m), DecodeStatus::bad_option);  // length nibble 15
  EXPECT_EQ(decode(Bytes{0x40, 0x01, 0x00, 0x01, 0xB5, 'a', 'b'}, m), DecodeStatus::bad_option);  // value past the end
  EXPECT_EQ(decode(Bytes{0x40, 0x01, 0x00, 0x01, 0xD0}, m), DecodeStatus::bad_option);  // extension byte missing
  // Two 2-byte extended deltas of 65000 each: the option number passes 65535.
  EXPECT_EQ(decode(Bytes{0x40, 0x01, 0x00, 0x01, 0xE0, 0xFD, 0xDB, 0xE0, 0xFD, 0xDB}, m), DecodeStatus::bad_option);
}

TEST(CoapMessage, UintOptionsAreShortestBigEndian) {
  EXPECT_EQ(uint_bytes(0).size, 0);
  EXPECT_EQ(uint_bytes(255).size, 1);
  EXPECT_EQ(uint_bytes(256).size, 2);
  const UintBytes u = uint_bytes(0x010203);
  ASSERT_EQ(u.size, 3);
  EXPECT_EQ(u.bytes[0], 1);
  EXPECT_EQ(u.bytes[2], 3);
  EXPECT_EQ(uint_bytes(0xFFFFFFFFu).size, 4);
  Message m;
  const Bytes five = {0x40, 0x01, 0x00, 0x01, 0x65, 1, 2, 3, 4, 5};  // Observe with 5 bytes: not a uint
  ASSERT_EQ(decode(five, m), DecodeStatus::ok);
  EXPECT_FALSE(m.uint_option(options::observe));
}

}  // namespace
}  // namespace twinbench::runtime::coap
