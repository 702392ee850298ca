#include "Wan.hpp"

#include <gtest/gtest.h>

#include "twinbench/runtime/TimerQueue.hpp"

namespace twinbench::sim {
namespace {

using Kind = WanMessage::Kind;
using runtime::TimeUs;

struct Wire {
  runtime::ManualClock clock;
  bool up = true;
  std::vector<std::pair<TimeUs, std::unique_ptr<WanMessage>>> sent;
  WanEndpoint end{7, clock, up, [this](std::unique_ptr<WanMessage> m) { sent.emplace_back(clock.now_us(), std::move(m)); }};
};

std::span<const std::uint8_t> bytes(const char* s) { return {reinterpret_cast<const std::uint8_t*>(s), std::char_traits<char>::length(s)}; }

TEST(Wan, BytesQueuedOnAConnectionLeaveTogetherInOrderWithTheirSequence) {
  Wire w;
  w.end.send(1, Kind::open);
  w.end.send(1, Kind::data, bytes("ab"));
  w.end.send(1, Kind::data, bytes("cd"));
  w.end.send(2, Kind::data, bytes("x"));
  w.end.send(1, Kind::close);
  EXPECT_TRUE(w.sent.empty());  // until the flush
  w.end.flush();
  ASSERT_EQ(w.sent.size(), 4u);
  EXPECT_EQ(w.sent[0].second->kind, Kind::open);
  EXPECT_EQ(w.sent[1].second->bytes, std::vector<std::uint8_t>({'a', 'b', 'c', 'd'}));
  EXPECT_EQ(w.sent[1].second->seq, 1u);
  EXPECT_EQ(w.sent[2].second->conn, 2u);
  EXPECT_EQ(w.sent[2].second->seq, 0u);
  EXPECT_EQ(w.sent[3].second->kind, Kind::close);
  EXPECT_EQ(w.sent[3].second->seq, 2u);
  EXPECT_EQ(w.sent[0].second->gateway, 7u);
}

TEST(Wan, WireBytesAreTheBytesWithFortyBytesOfHeadersPerSegment) {
  WanMessage m;
  EXPECT_EQ(m.wire_bytes(), 40);  // a bare segment
  m.bytes.resize(1460);
  EXPECT_EQ(m.wire_bytes(), 1500);
  m.bytes.resize(1461);
  EXPECT_EQ(m.wire_bytes(), 1461 + 80);
  m.padding = 1459;
  EXPECT_EQ(m.wire_bytes(), 2920 + 80);
}

TEST(Wan, TheReceiverPutsMessagesBackInOrder) {
  Wire a, b;
  for (const char* s : {"1", "22", "333"}) {
    a.end.send(5, Kind::data, bytes(s));
    a.end.flush();
  }
  std::string got;
  const auto deliver = [&](WanMessage& m) { got.append(m.bytes.begin(), m.bytes.end()) += '|'; };
  b.end.receive(std::move(a.sent[2].second), deliver);  // the last one first (a small one overtook, say)
  b.end.receive(std::move(a.sent[1].second), deliver);
  EXPECT_EQ(got, "");
  b.end.receive(std::move(a.sent[0].second), deliver);
  EXPECT_EQ(got, "1|22|333|");
}

TEST(Wan, ResetsAndMessagesForEndedConnectionsAreDeliveredAsTheyCome) {
  Wire a, b;
  a.end.send(5, Kind::data, bytes("x"));
  a.end.send(5, Kind::data, bytes("y"));  // joins "x": one message
  a.end.send(5, Kind::close);
  a.end.send(6, Kind::reset);
  a.end.flush();
  ASSERT_EQ(a.sent.size(), 3u);
  std::vector<Kind> got;
  const auto deliver = [&](WanMessage& m) { got.push_back(m.kind); };
  b.end.receive(std::move(a.sent[2].second), deliver);  // a reset needs no order
  EXPECT_EQ(got, std::vector<Kind>{Kind::reset});
  b.end.forget(5);
  b.end.receive(std::move(a.sent[1].second), deliver);  // the close, for a connection b has ended
  EXPECT_EQ(got, (std::vector<Kind>{Kind::reset, Kind::close}));
}

TEST(Wan, WhileTheLinkIsDownMessagesAreHeldAndRetransmittedAtTcpsDoublingTimeout) {
  Wire w;
  w.up = false;
  w.end.send(1, Kind::data, bytes("a"));
  w.end.flush();
  w.end.send(1, Kind::data, bytes("b"));
  w.end.flush();
  EXPECT_TRUE(w.sent.empty());
  // Retries at 0.2, 0.6, 1.4, 3.0, 6.2 s (the timeout doubling from 200 ms); the link is back at 5 s.
  w.clock.advance_to(5'000'000);
  w.up = true;
  w.clock.advance_to(6'199'999);
  EXPECT_TRUE(w.sent.empty()) << "the next retry is due at 6.2 s";
  w.clock.advance_to(6'200'000);
  ASSERT_EQ(w.sent.size(), 2u);
  EXPECT_EQ(w.sent[0].first, 6'200'000);
  EXPECT_EQ(w.sent[0].second->bytes, std::vector<std::uint8_t>{'a'});
  EXPECT_EQ(w.sent[1].second->bytes, std::vector<std::uint8_t>{'b'});
  // The timeout starts again from 200 ms: the next outage's first retry comes 0.2 s after its first send.
  // And each connection has its own: a new one is not held behind another's retries.
  w.up = false;
  w.end.send(1, Kind::data, bytes("c"));
  w.end.flush();
  w.up = true;
  w.clock.advance_to(6'400'000);
  ASSERT_EQ(w.sent.size(), 3u);
  EXPECT_EQ(w.sent[2].first, 6'400'000);
}

TEST(Wan, EachConnectionRetransmitsOnItsOwnTimer) {
  Wire w;
  w.up = false;
  w.end.send(1, Kind::data, bytes("old"));
  w.end.flush();
  w.clock.advance_to(60'000'000);  // connection 1 backs off: retries at 0.2, 0.6, 1.4, ... 25.4, 51.0, 102.2 s
  w.up = true;
  w.end.send(2, Kind::open);
  w.end.flush();
  ASSERT_EQ(w.sent.size(), 1u);  // the new connection's SYN leaves at once
  EXPECT_EQ(w.sent[0].second->conn, 2u);
  w.clock.advance_to(102'200'000);
  ASSERT_EQ(w.sent.size(), 2u);
  EXPECT_EQ(w.sent[1].second->conn, 1u);
}

TEST(Wan, TheTimeoutStopsDoublingAtTwoMinutes) {
  Wire w;
  w.up = false;
  w.end.send(1, Kind::data, bytes("a"));
  w.end.flush();
  // 0.2 * (2^10 - 1) = 204.6 s after ten retries; the eleventh timeout would be 204.8 s, capped at 120 s.
  w.clock.advance_to(204'600'000);
  w.up = true;
  w.clock.advance_to(324'599'999);
  EXPECT_TRUE(w.sent.empty());
  w.clock.advance_to(324'600'000);
  EXPECT_EQ(w.sent.size(), 1u);
}

TEST(Wan, DroppedConnectionsLeaveNothingBehind) {
  Wire w;
  w.up = false;
  w.end.send(1, Kind::data, bytes("a"));
  w.end.send(2, Kind::data, bytes("b"));
  w.end.flush();
  w.end.send(1, Kind::data, bytes("c"));
  w.end.drop(1);  // a power cut
  w.up = true;
  w.end.flush();
  w.clock.advance_to(1'000'000);
  ASSERT_EQ(w.sent.size(), 1u);
  EXPECT_EQ(w.sent[0].second->conn, 2u);
}

}  // namespace
}  // namespace twinbench::sim
