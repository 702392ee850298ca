// The access link's model against values worked out by hand. AccessLinkSimGrid_test checks it against
// SimGrid itself.
#include "AccessLink.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace twinbench::sim {
namespace {

struct Arrival {
  double t_s;
  std::uint32_t tag;
};

/** Every arrival, taking each at the time next_arrival_s announced for it. */
std::vector<Arrival> drain(AccessLink& link) {
  std::vector<Arrival> out;
  while (link.in_flight() > 0) {
    const double t = link.next_arrival_s();
    const auto a = link.take_arrived(t);
    EXPECT_TRUE(a.has_value()) << "next_arrival_s said " << t;
    if (!a) break;
    EXPECT_EQ(a->first, t);
    out.push_back({a->first, a->second});
  }
  return out;
}

TEST(AccessLink, LoneTransferTakesLatencyPlusSizeOverBandwidth) {
  AccessLink link(12.5e6, 0.5e-3, 4194304);  // 100 Mbit/s, 0.5 ms: the cap 4 MiB / 1 ms is far above
  link.start(2.0, 1250, 7);
  EXPECT_EQ(link.next_arrival_s(), (2.0 + 0.5e-3) + 1250 / 12.5e6);
  EXPECT_FALSE(link.take_arrived(2.0006 - 1e-9).has_value());
  const auto a = link.take_arrived(3.0);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->second, 7u);
  EXPECT_NEAR(a->first, 2.0006, 1e-12);
  EXPECT_EQ(link.in_flight(), 0u);
  EXPECT_EQ(link.next_arrival_s(), AccessLink::kNever);
}

TEST(AccessLink, TransfersPastTheirLatencyShareTheBandwidth) {
  // Both start at 0 and share 12.5 MB/s from 0.5 ms: the first's 1250 B take 0.2 ms at half the rate;
  // the second then has 1250 B left at the full rate: 0.1 ms more.
  AccessLink link(12.5e6, 0.5e-3, 0);
  link.start(0, 1250, 1);
  link.start(0, 2500, 2);
  const auto got = drain(link);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].tag, 1u);
  EXPECT_NEAR(got[0].t_s, 0.7e-3, 1e-15);
  EXPECT_EQ(got[1].tag, 2u);
  EXPECT_NEAR(got[1].t_s, 0.8e-3, 1e-15);
}

TEST(AccessLink, ATransferInItsLatencyDoesNotShare) {
  // A: 2500 B from 0, alone from 0.5 ms at 12.5 MB/s. B: 1250 B from 0.1 ms, sharing from 0.6 ms, when A
  // has 1250 B left. Both then have 1250 B at half the rate: 0.2 ms, and finish together.
  AccessLink link(12.5e6, 0.5e-3, 0);
  link.start(0, 2500, 1);
  const double alone = link.next_arrival_s();
  EXPECT_NEAR(alone, 0.7e-3, 1e-15);
  link.start(0.1e-3, 1250, 2);
  EXPECT_NEAR(link.next_arrival_s(), 0.8e-3, 1e-15);  // B slows A down, as announced before either arrives
  const auto got = drain(link);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].tag + got[1].tag, 3u);
  EXPECT_NEAR(got[0].t_s, 0.8e-3, 1e-15);
  EXPECT_NEAR(got[1].t_s, 0.8e-3, 1e-15);
}

TEST(AccessLink, SmallTransferOvertakesALargeOne) {
  AccessLink link(1e6, 0.01, 0);
  link.start(0, 100000, 1);  // alone from 0.01 s: 0.01 + 0.1 = 0.11 s if nothing else came
  link.start(0.02, 1000, 2);  // shares from 0.03 s: done at 0.03 + 1000 / 0.5e6 = 0.032 s
  ASSERT_TRUE(link.next_arrival().has_value());
  EXPECT_EQ(link.next_arrival()->second, 2u);  // announced before it activates
  const auto got = drain(link);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].tag, 2u);
  EXPECT_NEAR(got[0].t_s, 0.032, 1e-12);
  EXPECT_EQ(got[1].tag, 1u);
  EXPECT_NEAR(got[1].t_s, 0.111, 1e-12);  // it lost half the rate for 2 ms: 1000 B, 1 ms later
}

TEST(AccessLink, TcpGammaCapsEachTransfer) {
  // 1 GB/s, 100 ms: each transfer is capped at 4 MiB / 0.2 s = 20,971,520 B/s, two of them too.
  AccessLink link(1e9, 0.1, 4194304);
  link.start(0, 1e6, 1);
  link.start(0, 2e6, 2);
  const auto got = drain(link);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NEAR(got[0].t_s, 0.1 + 1e6 / 20971520.0, 1e-12);
  EXPECT_NEAR(got[1].t_s, 0.1 + 2e6 / 20971520.0, 1e-12);
}

TEST(AccessLink, ZeroLatencyAndEmptyTransfers) {
  AccessLink link(1000, 0, 4194304);
  link.start(1.0, 0, 1);
  link.start(1.0, 500, 2);
  const auto got = drain(link);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].t_s, 1.0);
  EXPECT_NEAR(got[1].t_s, 1.5, 1e-12);
}

TEST(AccessLink, PayloadsComeBackWithTheirTransfers) {
  AccessLinkOf<std::string> link(1e6, 0.001, 0);
  link.start(0, 5000, "big");
  link.start(0, 100, "small");
  link.start(0.0005, 100, "late");
  std::vector<std::string> order;
  while (link.in_flight() > 0) {
    const std::string announced = *link.next_payload();
    order.push_back(link.take_arrived(link.next_arrival_s())->second);
    EXPECT_EQ(order.back(), announced);
  }
  EXPECT_EQ(link.next_payload(), nullptr);
  EXPECT_EQ(order, (std::vector<std::string>{"small", "late", "big"}));
  link.start(1.0, 10, "reused");  // a freed slot carries the next one
  EXPECT_EQ(link.take_arrived(2.0)->second, "reused");
}

}  // namespace
}  // namespace twinbench::sim
