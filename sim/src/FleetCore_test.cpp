#include "twinbench/sim/FleetCore.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"

namespace twinbench::sim {
namespace {

namespace mqtt = runtime::mqtt;
using runtime::TimeUs;

constexpr TimeUs kPeriod = 1'000'000;

/** The tests' devices: compressors, found in the registry as a scenario finds them. */
const twins::AssetDescriptor& compressor() { return twins::find_asset_class("compressor")->descriptor; }

/** `n` compressors behind `c`, their physics and sensors from `rng`. */
FleetCore compressors(FleetConfig c, std::uint32_t n, const core::Rng& rng) {
  c.power_channel = compressor().power_channel;
  return FleetCore(c, twins::find_asset_class("compressor")->make_fleet(n, {}, rng.stream("physics")),
                   twins::SensorBank(n, compressor().sensors, rng.stream("cal")), rng, "dev");
}

FleetCore make_fleet(std::uint32_t n, double loss = 0, std::uint64_t seed = 5, runtime::mqtt::Backoff reconnect = {}) {
  FleetConfig c;
  c.reconnect = reconnect;
  c.topic_prefix = "tb/gw";
  c.devices = n;
  c.period_us = kPeriod;
  c.qos = 1;
  c.loss_probability = loss;
  c.overhead_bytes_per_message = 40;
  c.energy_nj_per_bit = 1;
  const core::Rng rng(seed);
  return compressors(c, n, rng);
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
      EXPECT_EQ(h.channels, compressor().channels.size());
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

TEST(FleetCore, JitterDelaysEachMessageAndFramesArriveInTheirOrder) {
  FleetConfig c;
  c.topic_prefix = "tb/gw";
  c.devices = 50;
  c.period_us = kPeriod;
  c.qos = 0;
  c.jitter = {3000, 1.0};
  c.burst_loss = core::BurstLoss{0.05, 0.5, 0, 1};
  const core::Rng rng(5);
  FleetCore f = compressors(c, 50, rng);
  std::uint32_t sent = 0, lost = 0;
  std::vector<double> extra;
  for (int p = 0; p < 200; ++p) {
    WireBatch b;
    const TimeUs send = f.next_due_us();
    const WindowStats st = f.produce(send, (p + 1) * kPeriod, false, true, b);
    sent += st.messages, lost += st.lost;
    ASSERT_TRUE(std::is_sorted(b.frames.begin(), b.frames.end(), [](const WireFrame& x, const WireFrame& y) { return x.delay_us < y.delay_us; }));
    for (const WireFrame& fr : b.frames) {
      const auto pub = std::get<mqtt::Publish>(packets(b, fr).back());
      runtime::RecordHeader h;
      ASSERT_TRUE(runtime::decode_record_header(pub.payload, h));
      extra.push_back(static_cast<double>(send + fr.delay_us - h.t_us));  // beyond the moment it was taken
    }
  }
  EXPECT_EQ(sent, 10'000u);
  // Losses: the chain's stationary share (1/11), within 4 sd of a 200-message chain per device.
  const double pi = 0.05 / 0.55, lambda = 0.45, sd = std::sqrt(pi * (1 - pi) * (1 + lambda) / (1 - lambda) / sent);
  EXPECT_NEAR(lost / static_cast<double>(sent), pi, 4 * sd);
  std::sort(extra.begin(), extra.end());
  const double median = extra[extra.size() / 2];
  EXPECT_NEAR(median, 3000, 3000 * 0.1);  // the log-normal's median (sd of a sample median: about 3 %)
  EXPECT_GT(extra[extra.size() * 99 / 100], 5 * median);  // a tail: exp(2.33) = 10x the median at p99
}

TEST(FleetCore, AFrameJitteredPastItsWindowTravelsWithTheWindowItArrivesInAndEachConnectionKeepsItsOrder) {
  FleetConfig c;
  c.topic_prefix = "tb/gw";
  c.devices = 20;
  c.period_us = kPeriod;
  c.qos = 0;
  c.overhead_bytes_per_message = 40;
  c.jitter = {50'000, 1.5};  // p99 extra 1.6 s: many frames outlive a 100 ms window, and their successors
  const core::Rng rng(9);
  FleetCore f = compressors(c, 20, rng);
  constexpr TimeUs kWindow = 100'000;
  std::uint64_t sent = 0, arrived = 0, late = 0;
  std::vector<TimeUs> last_arrival(20, 0);
  std::vector<std::uint32_t> last_seq(20, 0);
  while (f.next_due_us() < 300 * kPeriod) {
    WireBatch b;
    const TimeUs send = f.next_due_us();
    const TimeUs until = (send / kWindow + 1) * kWindow;
    sent += f.produce(send, until, false, true, b).messages;
    std::uint64_t wire = 0;
    for (const WireFrame& fr : b.frames) {
      const TimeUs at = send + fr.delay_us;
      ASSERT_GE(at, send);
      ASSERT_LT(at, until);  // every frame arrives within the window it travels with
      const auto pub = std::get<mqtt::Publish>(packets(b, fr).back());
      runtime::RecordHeader h;
      ASSERT_TRUE(runtime::decode_record_header(pub.payload, h));
      ASSERT_GE(at, h.t_us);
      late += h.t_us < send;  // made in an earlier window
      // One TCP connection per device: frames arrive in the order they were made, never overtaking.
      ASSERT_GE(at, last_arrival[fr.conn]);
      ASSERT_GT(h.seq, last_seq[fr.conn]);
      last_arrival[fr.conn] = at;
      last_seq[fr.conn] = h.seq;
      wire += fr.size + 40;
      ++arrived;
    }
    EXPECT_EQ(b.wire_bytes, wire);  // what the link carries is what the window delivers
  }
  EXPECT_GT(late, sent / 20);  // P(extra > 100 ms) = P(z > ln 2 / 1.5) = 0.32 of frames, less those on time in their window
  EXPECT_LE(sent - arrived, 20u * 20);  // only frames still in the air at the end are missing (a few per device)
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
  WireBatch replies;
  const AckStats a = f.consume(down, kPeriod, replies);
  EXPECT_TRUE(replies.empty());
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

TEST(FleetCore, AfterAResetADeviceBacksOffReconnectsAndResendsWhatWasNotAcknowledged) {
  FleetCore f = make_fleet(3, 0, 5, runtime::mqtt::Backoff{2'000'000, 8'000'000});
  WireBatch first;
  f.produce(f.next_due_us(), kPeriod, false, true, first);  // everyone connects and sends seq 1
  WireBatch down, replies;
  std::vector<std::uint8_t> ack;
  mqtt::encode(mqtt::Puback{2}, ack);  // seq 1 is packet id 2
  down.add(0, WireFrame::none, ack);
  down.add(1, WireFrame::none, ack);
  down.add(2, WireFrame::close, {});  // device 2's connection is gone, its seq 1 unacknowledged
  f.consume(down, kPeriod, replies);
  EXPECT_EQ(f.qos1_pending(), 1u);

  // It waits 1-2 s (half to all of the first backoff step), keeping what it makes meanwhile.
  std::vector<std::pair<TimeUs, std::vector<mqtt::Packet>>> from2;
  std::uint32_t kept = 0;
  for (TimeUs end = 2 * kPeriod; end <= 4 * kPeriod; end += kPeriod) {
    WireBatch b;
    while (f.next_due_us() < end) {
      const TimeUs send = f.next_due_us();
      kept += f.produce(send, end, false, true, b).buffered;
    }
    for (const auto& fr : b.frames)
      if (fr.conn == 2) {
        EXPECT_EQ(fr.flags, WireFrame::open);
        from2.emplace_back(end - kPeriod, packets(b, fr));
      }
  }
  ASSERT_EQ(from2.size(), 1u);  // one attempt, CONNECT alone
  ASSERT_EQ(from2[0].second.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<mqtt::Connect>(from2[0].second[0]));
  EXPECT_GE(kept, 1u);

  // CONNACK: seq 1 goes again with DUP, then the kept ones.
  WireBatch connack, again;
  std::vector<std::uint8_t> ca;
  mqtt::encode(mqtt::Connack{}, ca);
  connack.add(2, WireFrame::none, ca);
  const AckStats a = f.consume(connack, 4 * kPeriod, again);
  EXPECT_EQ(a.resent, 1u);
  EXPECT_EQ(a.flushed, kept);
  ASSERT_EQ(again.frames.size(), 1u);
  const auto resent = packets(again, again.frames[0]);
  ASSERT_EQ(resent.size(), 1u + kept);
  EXPECT_TRUE(std::get<mqtt::Publish>(resent[0]).dup);
  EXPECT_EQ(std::get<mqtt::Publish>(resent[0]).packet_id, 2);
  EXPECT_FALSE(std::get<mqtt::Publish>(resent[1]).dup);
  const auto reconnects = f.take_reconnects();
  ASSERT_EQ(reconnects.size(), 1u);
  EXPECT_EQ(reconnects[0].device, 2u);
  EXPECT_EQ(reconnects[0].took_us, 3 * kPeriod);
  EXPECT_EQ(reconnects[0].failed_attempts, 0u);

  // Acknowledged, they are forgotten (devices 0 and 1 hold their own unacknowledged reports).
  const auto pending_before = f.qos1_pending();
  WireBatch acks, none;
  std::vector<std::uint8_t> all;
  for (const auto& p : resent) mqtt::encode(mqtt::Puback{std::get<mqtt::Publish>(p).packet_id}, all);
  acks.add(2, WireFrame::none, all);
  f.consume(acks, 4 * kPeriod, none);
  EXPECT_EQ(f.qos1_pending(), pending_before - resent.size());
}

TEST(FleetCore, RefusedAttemptsBackOffFurtherAndAFullBufferDropsItsOldest) {
  FleetCore f = make_fleet(1, 0, 5, runtime::mqtt::Backoff{1'000'000, 4'000'000});
  WireBatch b;
  f.produce(f.next_due_us(), kPeriod, false, true, b);
  std::vector<TimeUs> attempts;
  std::uint32_t dropped = 0;
  TimeUs now = kPeriod;
  WireBatch close, ignored;
  close.add(0, WireFrame::close, {});
  f.consume(close, now, ignored);  // lost
  while (now < 60 * kPeriod) {
    WireBatch out;
    const TimeUs send = f.next_due_us();
    const WindowStats st = f.produce(send, send + 1, true, true, out);
    dropped += st.dropped_offline;
    now = send;
    for (const auto& fr : out.frames) {
      attempts.push_back(send + fr.delay_us);
      f.consume(close, send + fr.delay_us, ignored);  // every attempt refused (the gateway is down)
    }
  }
  ASSERT_GE(attempts.size(), 5u);
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    const TimeUs gap = attempts[i] - attempts[i - 1];
    const TimeUs cap = std::min<TimeUs>(TimeUs{1'000'000} << std::min<std::size_t>(i, 8), 4'000'000);
    EXPECT_GE(gap, cap / 2) << i;
    EXPECT_LE(gap, cap) << i;
  }
  EXPECT_EQ(f.qos1_pending(), 16u);  // the buffer's size
  EXPECT_GT(dropped, 30u);           // ~59 reports made offline, 16 kept (one of them sent before the loss)
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

/** A downlink batch with one PUBLISH from the gateway to `device`. */
WireBatch twin_message(runtime::ConnId device, const std::string& leaf, const nlohmann::json& payload) {
  const std::string text = payload.dump(), topic = "tb/gw/" + std::to_string(device) + leaf;
  std::vector<std::uint8_t> bytes;
  mqtt::encode_text_publish(topic, text, bytes);
  WireBatch b;
  b.add(device, WireFrame::none, bytes);
  return b;
}

/** The devices' answers: (topic, JSON payload). */
std::vector<std::pair<std::string, nlohmann::json>> answers(const WireBatch& b) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  for (const WireFrame& fr : b.frames)
    for (const auto& p : packets(b, fr)) {
      const auto& pub = std::get<mqtt::Publish>(p);
      out.emplace_back(std::string(pub.topic), nlohmann::json::parse(pub.payload.begin(), pub.payload.end()));
    }
  return out;
}

/** Messages per device while producing every window up to `until_us`. */
std::map<runtime::ConnId, int> reports_until(FleetCore& f, TimeUs until_us) {
  std::map<runtime::ConnId, int> n;
  while (f.next_due_us() < until_us) {
    WireBatch b;
    f.produce(f.next_due_us(), until_us, false, true, b);
    for (const auto& fr : b.frames) ++n[fr.conn];
  }
  return n;
}

TEST(FleetCore, SetReportingPeriodChangesOneDevicesPeriodAndIsAnswered) {
  FleetCore f = make_fleet(3);
  reports_until(f, kPeriod);
  WireBatch replies;
  const AckStats a = f.consume(twin_message(1, "/commands/setReportingPeriod", {{"rid", 5}, {"request", 0.25}}), kPeriod, replies);
  EXPECT_EQ(a.twin_messages, 1u);
  const auto got = answers(replies);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, "tb/gw/1/commands/response");
  EXPECT_EQ(got[0].second, nlohmann::json({{"rid", 5}, {"status", 200}, {"response", true}}));
  EXPECT_EQ(got[1].first, "tb/gw/1/twin/reported");
  EXPECT_EQ(got[1].second, nlohmann::json({{"reportingPeriod", 0.25}}));
  EXPECT_EQ(f.period_us(1), kPeriod / 4);
  const auto n = reports_until(f, 3 * kPeriod);  // two periods: 2 reports each, 8 for the faster device
  EXPECT_EQ(n.at(0), 2);
  EXPECT_EQ(n.at(1), 8);
  EXPECT_EQ(n.at(2), 2);
}

TEST(FleetCore, DesiredPropertiesAreAcknowledgedWithTheirVersion) {
  FleetCore f = make_fleet(2);
  reports_until(f, kPeriod);
  WireBatch replies;
  f.consume(twin_message(0, "/twin/desired", nlohmann::json::parse(R"({"alertThreshold": 0.7, "reportingPeriod": 2,
            "cooler": {"__t": "c", "fanOverride": true}, "$version": 3})")), kPeriod, replies);
  f.consume(twin_message(1, "/twin/desired", {{"reportingPeriod", -1}, {"$version", 1}}), kPeriod, replies);
  const auto got = answers(replies);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, "tb/gw/0/twin/reported");
  EXPECT_EQ(got[0].second, nlohmann::json::parse(R"({"alertThreshold": {"value": 0.7, "ac": 200, "av": 3},
            "reportingPeriod": {"value": 2, "ac": 200, "av": 3}, "cooler": {"__t": "c", "fanOverride": {"value": true, "ac": 200, "av": 3}}})"));
  EXPECT_EQ(f.period_us(0), 2 * kPeriod);
  // Refused: the device keeps its period and says so (Plug and Play reports the current value with the refusal).
  EXPECT_EQ(got[1].second, nlohmann::json::parse(R"({"reportingPeriod": {"value": 1.0, "ac": 400, "av": 1}})"));
  EXPECT_EQ(f.period_us(1), kPeriod);
}

TEST(FleetCore, UnknownCommandsAreNotImplemented) {
  FleetCore f = make_fleet(1);
  reports_until(f, kPeriod);
  WireBatch replies;
  f.consume(twin_message(0, "/commands/reboot", {{"rid", 9}}), kPeriod, replies);
  EXPECT_EQ(answers(replies).at(0).second, nlohmann::json({{"rid", 9}, {"status", 501}}));
  WireBatch garbage = twin_message(0, "/twin/desired", "not an object");
  EXPECT_THROW(f.consume(garbage, kPeriod, replies), std::logic_error);
}

TEST(FleetCore, TelemetryGoesToTheTwinsMqttTopicWhenItHasOne) {
  FleetConfig c;
  c.topic_prefix = "tb/gw";
  c.telemetry_topic = "plant/{modelId}/{senderId}/data";
  c.topic_tokens = {{"modelId", "meter"}};
  c.devices = 2;
  c.period_us = kPeriod;
  const core::Rng rng(5);
  FleetCore f = compressors(c, 2, rng);
  WireBatch b;
  f.produce(f.next_due_us(), kPeriod, false, true, b);
  std::set<std::string> topics;
  for (const auto& fr : b.frames)
    for (const auto& p : packets(b, fr))
      if (const auto* pub = std::get_if<mqtt::Publish>(&p)) topics.insert(std::string(pub->topic));
  EXPECT_EQ(topics, (std::set<std::string>{"plant/meter/d0/data", "plant/meter/d1/data"}));
}

TEST(FleetCore, AFaultsExcessEnergyIsMeasuredAgainstTheDevicesHealthyPower) {
  // Ten load/unload cycles (120 s) of healthy power first, then a fault ramping over 3000 s; reports come
  // hourly from the onset, so the second one is at 4800 s.
  FleetCore f = make_fleet(2);
  f.physics().set_fault(0, *compressor().fault("valve_leak"), 1200, 3000);
  f.physics().set_fault(1, *compressor().fault("cooling_fault"), 1200, 3000);
  f.track_fault_energy(0, 1200);
  f.track_fault_energy(1, 1200);
  double kwh = 0;
  while (f.next_due_us() < 5000 * kPeriod) {
    WireBatch b;
    kwh += f.produce(f.next_due_us(), 5000 * kPeriod, false, true, b).asset_kwh;
  }
  EXPECT_GT(kwh, 0.0);
  std::map<std::uint32_t, EnergyReport> last;
  for (const auto& r : f.take_energy_reports()) last[r.device] = r;
  ASSERT_EQ(last.size(), 2u);
  EXPECT_GT(last[0].excess_kwh, 1.0);                              // a leaking valve runs the motor longer
  EXPECT_LT(std::abs(last[1].excess_kwh), last[0].excess_kwh / 4);  // a cooling fault heats; it draws no more power
  EXPECT_GT(last[0].healthy_kw, 5.0);
  EXPECT_TRUE(f.take_energy_reports().empty());
}

TEST(FleetCore, ASensorsBiasCreepsFromItsStartAndOthersAreUntouched) {
  FleetCore plain = make_fleet(4), creeping = make_fleet(4);
  const std::size_t temp = *compressor().channel("discharge_temp_c");
  creeping.add_sensor_creep(2, temp, 0, 0.1);  // 0.1 degree a second
  for (int period = 0; period < 5; ++period) {
    WireBatch a, b;
    const TimeUs send = plain.next_due_us();
    plain.produce(send, (period + 1) * kPeriod, false, true, a);
    creeping.produce(creeping.next_due_us(), (period + 1) * kPeriod, false, true, b);
    ASSERT_EQ(a.frames.size(), b.frames.size());
    for (std::size_t i = 0; i < a.frames.size(); ++i) {
      const auto pa = std::get<mqtt::Publish>(packets(a, a.frames[i]).back()), pb = std::get<mqtt::Publish>(packets(b, b.frames[i]).back());
      runtime::RecordHeader h;
      ASSERT_TRUE(runtime::decode_record_header(pb.payload, h));
      const double diff = runtime::record_value(pb.payload, temp) - runtime::record_value(pa.payload, temp);
      if (a.frames[i].conn == 2) {
        EXPECT_NEAR(diff, 0.1 * static_cast<double>(h.t_us) * 1e-6, 1e-3);
      } else {
        EXPECT_EQ(diff, 0.0);
      }
    }
  }
}

TEST(FleetCore, ARebootingDeviceIsSilentThenConnectsAfresh) {
  FleetCore f = make_fleet(3);
  WireBatch first;
  f.produce(f.next_due_us(), kPeriod, false, true, first);  // everyone connects
  f.suspend(1, 3 * kPeriod);
  std::set<runtime::ConnId> heard;
  std::map<runtime::ConnId, std::uint8_t> flags;
  for (int period = 1; period < 5; ++period) {
    WireBatch b;
    f.produce(f.next_due_us(), (period + 1) * kPeriod, false, true, b);
    for (const WireFrame& fr : b.frames) {
      if (fr.conn == 1 && period < 3) ADD_FAILURE() << "a rebooting device reported in period " << period;
      if (fr.conn == 1 && !heard.count(1)) flags[1] = fr.flags;
      heard.insert(fr.conn);
    }
  }
  EXPECT_TRUE(heard.count(1));
  EXPECT_EQ(flags[1], WireFrame::open);  // after its reboot: a new connection, CONNECT first
}

TEST(FleetCore, StateFitsTheMemoryBudget) { EXPECT_LE(make_fleet(10).bytes_per_device(), 512u); }

}  // namespace
}  // namespace twinbench::sim

namespace twinbench::sim {
namespace {

TEST(FleetCore, ASharedGatewaysGroupsEachReportTheirOwnClassOnTheirOwnTopics) {
  // 3 compressors then 2 pumps behind one gateway, with perfect sensors: each record is its device's
  // class's physics at the record's time, which a separate fleet of that class stepped directly gives.
  const core::Rng rng(11);
  const auto& pump = twins::find_asset_class("pump")->descriptor;
  const auto group = [&](const char* cls, std::uint32_t n, const std::string& tag) {
    const twins::AssetClass* c = twins::find_asset_class(cls);
    FleetGroup g;
    g.devices = n;
    g.physics = c->make_fleet(n, {}, rng.stream("physics" + tag));
    g.sensors.emplace(n, twins::SensorSpec::ideal(c->descriptor.channels.size()), rng.stream("cal" + tag));
    g.power_channel = c->descriptor.power_channel;
    g.telemetry_suffix = "/" + std::string(cls);
    return g;
  };
  std::vector<FleetGroup> groups;
  groups.push_back(group("compressor", 3, ""));
  groups.push_back(group("pump", 2, "/pump"));
  FleetConfig c;
  c.topic_prefix = "tb/gw";
  c.devices = 5;
  c.period_us = kPeriod;
  FleetCore f(c, std::move(groups), rng, "dev");
  EXPECT_EQ(f.groups(), 2u);
  EXPECT_EQ(f.group_of(2), 0u);
  EXPECT_EQ(f.group_of(3), 1u);
  auto compressors = twins::find_asset_class("compressor")->make_fleet(3, {}, rng.stream("physics"));
  auto pumps = twins::find_asset_class("pump")->make_fleet(2, {}, rng.stream("physics/pump"));
  f.set_fault(4, *pump.fault("cavitation"), 0, 10);  // pump 1 of its group: device 4 of the gateway
  pumps->set_fault(1, *pump.fault("cavitation"), 0, 10);
  std::size_t checked = 0;
  for (int period = 0; period < 3; ++period) {
    WireBatch b;
    const TimeUs send = f.next_due_us();
    f.produce(send, (period + 1) * kPeriod, false, true, b);
    ASSERT_EQ(b.frames.size(), 5u);
    for (const WireFrame& fr : b.frames) {
      const bool is_pump = fr.conn >= 3;
      const auto ps = packets(b, fr);
      const auto& pub = std::get<mqtt::Publish>(ps.back());
      EXPECT_EQ(pub.topic, "tb/gw/" + std::to_string(fr.conn) + "/telemetry/" + (is_pump ? "pump" : "compressor"));
      runtime::RecordHeader h;
      ASSERT_TRUE(runtime::decode_record_header(pub.payload, h));
      twins::AssetFleet& physics = is_pump ? *pumps : *compressors;
      const std::uint32_t local = is_pump ? fr.conn - 3 : fr.conn;
      ASSERT_EQ(h.channels, physics.channels());
      Eigen::ArrayXXd truth(physics.channels(), 1);
      const double t_s = static_cast<double>(h.t_us) * 1e-6;
      physics.step(std::vector<std::uint32_t>{local}, std::vector<double>{t_s}, truth);
      for (std::size_t ch = 0; ch < h.channels; ++ch)
        EXPECT_NEAR(runtime::record_value(pub.payload, ch), truth(static_cast<Eigen::Index>(ch), 0), 1e-3 * std::max(1.0, std::abs(truth(static_cast<Eigen::Index>(ch), 0))))
            << "device " << fr.conn << " channel " << ch;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 15u);
}

}  // namespace
}  // namespace twinbench::sim
