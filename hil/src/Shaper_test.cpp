// The shaper's arithmetic against values worked out by hand: serialization on a shared medium, TCP's
// retransmission timeouts and order, and the loss ratio of datagrams within its binomial interval.
#include "twinbench/hil/Shaper.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace twinbench::hil {
namespace {

TEST(ShapedLink, ChunksShareTheMediumOneAfterAnotherThenWaitTheLatency) {
  Shaping s;
  s.latency_ms = 5;
  s.bandwidth_bps = 1e6;  // 1,250 bytes take 10 ms
  ShapedLink link(s);
  Flow a{core::RngStream(1)}, b{core::RngStream(2)};
  EXPECT_EQ(link.stream_due_us(a, 0, 1250), 15'000);       // sent 0-10 ms, then 5 ms
  EXPECT_EQ(link.stream_due_us(b, 0, 1250), 25'000);       // a different connection waits for the medium
  EXPECT_EQ(link.stream_due_us(a, 1'000, 125), 26'000);    // 1 ms more on the medium
  EXPECT_EQ(link.stream_due_us(b, 100'000, 1250), 115'000);  // an idle medium: no wait
  EXPECT_EQ(*link.datagram_due_us(a, 200'000, 2500), 225'000);
}

TEST(ShapedLink, ALostStreamChunkArrivesAfterDoublingRetransmissionTimeouts) {
  Shaping s;
  s.latency_ms = 2;
  s.loss_probability = 0.999999;  // every transmission lost (a probability below 1 keeps the loader's rule)
  s.retransmits_max = 3;
  ShapedLink link(s);
  Flow f{core::RngStream(3)};
  EXPECT_EQ(link.stream_due_us(f, 0, 100), (200 + 400 + 800 + 2) * 1000);  // TCP then gives up: late, never lost
  EXPECT_EQ(link.retransmits(), 3u);
}

TEST(ShapedLink, AStreamNeverDeliversAChunkBeforeTheOneAheadOfIt) {
  Shaping s;
  s.latency_ms = 1;
  s.jitter = {20'000, 1.5};  // a heavy tail: successors often draw less than their predecessor
  ShapedLink link(s);
  Flow f{core::RngStream(4)};
  TimeUs last = 0;
  int held = 0;
  for (int i = 0; i < 10'000; ++i) {
    const TimeUs now = i * 5'000;
    const TimeUs due = link.stream_due_us(f, now, 100);
    EXPECT_GE(due, now + 1'000);  // never before the floor
    EXPECT_GE(due, last);
    held += due == last;
    last = due;
  }
  EXPECT_GT(held, 100);  // the order rule did bite
}

TEST(ShapedLink, DatagramsAreLostAtTheLossProbabilityWithinFourStandardDeviations) {
  Shaping s;
  s.loss_probability = 0.1;
  ShapedLink link(s);
  Flow f{core::RngStream(5)};
  constexpr int n = 100'000;
  int lost = 0;
  for (int i = 0; i < n; ++i) lost += !link.datagram_due_us(f, i, 50).has_value();
  EXPECT_NEAR(lost / double{n}, 0.1, 4 * std::sqrt(0.1 * 0.9 / n));
  EXPECT_EQ(link.lost(), static_cast<std::uint64_t>(lost));
}

TEST(ShapedLink, DrawsTheSameExtraLatencyAsTheSimulatedLinkFromTheSameStream) {
  Shaping s;
  s.latency_ms = 3;
  s.jitter = {2'000, 2.0};  // the wifi preset
  ShapedLink link(s);
  Flow f{core::RngStream(6)};
  core::RngStream same(6);
  for (int i = 0; i < 1000; ++i) {
    const double extra = std::min(s.jitter.draw_us(same), 1e9);
    EXPECT_EQ(*link.datagram_due_us(f, 0, 10), 3'000 + std::llround(extra));
  }
}

}  // namespace
}  // namespace twinbench::hil
