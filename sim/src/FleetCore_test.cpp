#include "twinbench/sim/FleetCore.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"

namespace twinbench::sim {
namespace {

namespace mqtt = runtime::mqtt;
using runtime::TimeUs;

constexpr TimeUs kPeriod = 1'000'000;

FleetCore make_fleet(std::uint32_t n, double loss = 0, std::uint64_t seed = 5) {
  FleetConfig c;
  c.topic_prefix = "tb/gw";
  c.devices = n;
  c.period_us = kPeriod;
  c.qos = 1;
  c.loss_probability = loss;
  c.overhead_bytes_per_message = 40;
  c.energy_nj_per_bit = 1;
  const core::Rng rng(seed);
  return FleetCore(c, twins::CompressorFleet(n, {}, {}, rng.stream("physics")),
                   twins::SensorBank(n, twins::default_compressor_sensors(), rng.stream("cal")), rng, "dev");
}

/** Packets of one frame, decoded. */
std::vector<mqtt::Packet> packets(const WireBatch& b, const WireFrame& f) {
  std::vector<mqtt::Packet> out;
  auto bytes = b.bytes_of(f);
  while (!bytes.empty()) {
    const auto r = mqtt::decode(bytes);
    EXPECT_EQ(r.status, mqtt::DecodeStatus::ok);
    if (r.status != mqtt::DecodeStatus::ok) break;
    out.push_back(r.packet);
    bytes = bytes.subspan(r.consumed);
  }
  return out;
}

TEST(FleetCore, EveryDeviceReportsOncePerPeriodWithRealMqtt) {
  FleetCore f = make_fleet(20);
  for (int period = 0; period < 3; ++period) {
    WireBatch b;
    const TimeUs send = f.next_due_us();
    EXPECT_GE(send, period * kPeriod);
    const WindowStats st = f.produce(send, (period + 1) * kPeriod, false, true, b);
    EXPECT_EQ(st.messages, 20u);
    ASSERT_EQ(b.frames.size(), 20u);
    std::set<runtime::ConnId> seen;
    for (const WireFrame& fr : b.frames) {
      seen.insert(fr.conn);
      const auto ps = packets(b, fr);
      EXPECT_EQ(fr.flags == WireFrame::open, period == 0);  // only the first message opens a connection
      ASSERT_EQ(ps.size(), period == 0 ? 2u : 1u);
      if (period == 0) {
        EXPECT_EQ(std::get<mqtt::Connect>(ps[0]).client_id, "d" + std::to_string(fr.conn));
      }
      const auto& pub = std::get<mqtt::Publish>(ps.back());
      EXPECT_EQ(pub.topic, "tb/gw/" + std::to_string(fr.conn) + "/telemetry");
      EXPECT_EQ(pub.qos, 1);
      runtime::RecordHeader h;
      ASSERT_TRUE(runtime::decode_record_header(pub.payload, h));
      EXPECT_EQ(h.channels, twins::kChannels);
      EXPECT_EQ(h.seq, static_cast<std::uint32_t>(period + 1));
      EXPECT_EQ(h.t_us, send + fr.delay_us);  // the record's timestamp is the device's own due time
      EXPECT_GE(h.t_us, period * kPeriod);
      EXPECT_LT(h.t_us, (period + 1) * kPeriod);
    }
    EXPECT_EQ(seen.size(), 20u);
    EXPECT_EQ(st.wire_bytes, b.bytes.size() + 20 * 40);
    EXPECT_DOUBLE_EQ(st.energy_nj, static_cast<double>(st.wire_bytes) * 8);
  }
}

TEST(FleetCore, LinkDownDropsWithoutSending) {
  FleetCore f = make_fleet(10);
  WireBatch b;
  const WindowStats st = f.produce(f.next_due_us(), kPeriod, false, false, b);
  EXPECT_EQ(st.dropped, 10u);
  EXPECT_EQ(st.messages, 0u);
  EXPECT_TRUE(b.empty());
}

TEST(FleetCore, LossProbabilityLosesThatShare) {
  FleetCore f = make_fleet(100, 0.25);
  std::uint32_t sent = 0, lost = 0;
  for (int p = 0; p < 40; ++p) {
    WireBatch b;
    const WindowStats st = f.produce(f.next_due_us(), (p + 1) * kPeriod, false, true, b);
    sent += st.messages;
    lost += st.lost;
    EXPECT_EQ(b.frames.size(), st.messages - st.lost);
  }
  EXPECT_EQ(sent, 4000u);
  EXPECT_NEAR(lost / 4000.0, 0.25, 0.03);
}

TEST(FleetCore, AResetMakesTheDeviceReconnectAndAcksAreCounted) {
  FleetCore f = make_fleet(3);
  WireBatch first;
  f.produce(f.next_due_us(), kPeriod, false, true, first);
  WireBatch down;
  std::vector<std::uint8_t> bytes;
  mqtt::encode(mqtt::Connack{}, bytes);
  mqtt::encode(mqtt::Puback{1}, bytes);
  down.add(0, WireFrame::none, bytes);
  down.add(2, WireFrame::close, {});
  const AckStats a = f.consume(down);
  EXPECT_EQ(a.connacks, 1u);
  EXPECT_EQ(a.pubacks, 1u);
  EXPECT_EQ(a.resets, 1u);
  WireBatch second;
  f.produce(f.next_due_us(), 2 * kPeriod, false, true, second);
  std::map<runtime::ConnId, std::uint8_t> flags;
  for (const auto& fr : second.frames) flags[fr.conn] = fr.flags;
  EXPECT_EQ(flags[0], WireFrame::none);
  EXPECT_EQ(flags[2], WireFrame::open);
}

TEST(FleetCore, SameSeedSameBytesOtherSeedOtherBytes) {
  auto run = [](std::uint64_t seed) {
    FleetCore f = make_fleet(30, 0.1, seed);
    std::vector<std::uint8_t> all;
    for (int p = 0; p < 5; ++p) {
      WireBatch b;
      f.produce(f.next_due_us(), (p + 1) * kPeriod, false, true, b);
      all.insert(all.end(), b.bytes.begin(), b.bytes.end());
    }
    return all;
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

TEST(FleetCore, ExactModeSendsOnlyTheDevicesDueNow) {
  FleetCore f = make_fleet(50);
  WireBatch b;
  const TimeUs t = f.next_due_us();
  const WindowStats st = f.produce(t, t, true, true, b);
  EXPECT_EQ(st.messages, 1u);
  EXPECT_EQ(b.frames.at(0).delay_us, 0u);
  EXPECT_GT(f.next_due_us(), t);
}

TEST(FleetCore, StateFitsTheMemoryBudget) { EXPECT_LE(make_fleet(10).bytes_per_device(), 512u); }

}  // namespace
}  // namespace twinbench::sim
