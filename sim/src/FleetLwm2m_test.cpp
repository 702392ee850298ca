// FleetCore's LwM2M devices against the gateway's real LwM2M server (runtime/lwm2m), datagram by datagram.
#include <gtest/gtest.h>

#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/lwm2m/Server.hpp"
#include "twinbench/sim/FleetCore.hpp"

namespace twinbench::sim {
namespace {

using runtime::TimeUs;
namespace lwm2m = runtime::lwm2m;

constexpr TimeUs kPeriod = 1'000'000;
const std::vector<std::string> kResources = {"/3317/0/5700", "/3323/0/5700", "/3303/0/5700", "/3300/0/5700", "/3305/0/5800", "/3320/0/5700"};

struct Downlink final : runtime::Datagrams {
  WireBatch batch;
  runtime::SendStatus send_to(runtime::PeerId to, std::span<const std::uint8_t> b) override {
    batch.add(to, WireFrame::datagram, b);
    return runtime::SendStatus::ok;
  }
};

struct Hooks final : lwm2m::ServerHooks {
  std::vector<std::vector<runtime::senml::Record>> values;
  int registered = 0, problems = 0;
  void on_registered(const lwm2m::Registration&) override { ++registered; }
  void on_deregistered(const lwm2m::Registration&, lwm2m::Ended) override {}
  void on_values(const lwm2m::Registration&, std::span<const runtime::senml::Record> r, std::size_t) override {
    values.emplace_back(r.begin(), r.end());
  }
  void on_problem(runtime::PeerId, lwm2m::Problem) override { ++problems; }
};

class FleetLwm2m : public ::testing::Test {
protected:
  runtime::ManualClock clock;
  Downlink down;
  Hooks hooks;
  std::unique_ptr<lwm2m::Server> server;
  std::unique_ptr<FleetCore> fleet;
  WindowStats produced;
  AckStats acked;

  void make(bool observe, std::uint32_t devices = 3, std::uint32_t lifetime_s = 4) {
    FleetConfig c;
    c.devices = devices;
    c.period_us = kPeriod;
    c.qos = 0;
    c.reconnect = {1'000'000, 4'000'000};
    c.lwm2m = {kResources, observe, lifetime_s, 1'767'225'600'000'000};
    const core::Rng rng(3);
    const twins::AssetClass& compressor = *twins::find_asset_class("compressor");
    c.power_channel = compressor.descriptor.power_channel;
    fleet = std::make_unique<FleetCore>(c, compressor.make_fleet(devices, {}, rng.stream("physics")),
                                        twins::SensorBank(devices, compressor.descriptor.sensors, rng.stream("cal")), rng, "dev");
    restart_gateway(observe);
  }
  void restart_gateway(bool observe) {
    lwm2m::ServerConfig sc;
    if (observe) {
      sc.observe = {"/3317/0", "/3323/0", "/3303/0", "/3300/0", "/3305/0", "/3320/0"};
      sc.composite = true;
    }
    server = std::make_unique<lwm2m::Server>(sc, clock, down, hooks, core::Rng(9).stream("server"));
  }
  /** Devices due before `until_us` report; the gateway answers; the devices answer that; and so on. */
  void run_until(TimeUs until_us) {
    while (fleet->next_due_us() < until_us) {
      const TimeUs send = fleet->next_due_us();
      WireBatch up;
      const WindowStats st = fleet->produce(send, send + 100'000 < until_us ? send + 100'000 : until_us, false, true, up);
      produced.generated += st.generated;
      produced.messages += st.messages;
      produced.dropped_offline += st.dropped_offline;
      for (int round = 0; !up.empty() && round < 4; ++round) {
        for (const WireFrame& f : up.frames) {
          clock.advance_to(std::max(clock.now_us(), send + f.delay_us));
          server->on_datagram(f.conn, up.bytes_of(f));
        }
        server->sweep();
        up.clear();
        const AckStats a = fleet->consume(down.batch, clock.now_us(), up);
        down.batch.clear();
        acked.connacks += a.connacks;
        acked.pubacks += a.pubacks;
        acked.resets += a.resets;
        acked.observed += a.observed;
      }
    }
  }
  /** A reboot after 3 s: no registrations, no observations. A Send gets 4.03, a notification a reset:
   * the devices register again after their first backoff (0.5-1 s). */
  void forgotten(bool observe) {
    make(observe);
    run_until(3 * kPeriod);
    restart_gateway(observe);
    run_until(12 * kPeriod);
    EXPECT_EQ(hooks.registered, 6);  // each device twice
    EXPECT_EQ(acked.resets, 3u);
    const auto reconnects = fleet->take_reconnects();
    ASSERT_EQ(reconnects.size(), 3u);
    for (const auto& r : reconnects) EXPECT_LE(r.took_us, 1'000'000);
    EXPECT_EQ(server->registrations(), 3u);
    if (observe) {
      EXPECT_EQ(server->observations(), 3u);
    }
  }
};

TEST_F(FleetLwm2m, DevicesRegisterSendSenMLAndKeepTheirRegistrationAlive) {
  make(/*observe=*/false);
  run_until(10 * kPeriod);
  EXPECT_EQ(hooks.registered, 3);
  EXPECT_EQ(acked.connacks, 3u);
  EXPECT_EQ(produced.generated, 30u);
  // Every report after the 2.01 a Send, every Send accepted; the first report of each device is taken
  // while it registers, so it is not sent (a Send must not overtake its Register).
  EXPECT_EQ(produced.dropped_offline, 3u);
  ASSERT_EQ(hooks.values.size(), 27u);
  EXPECT_EQ(hooks.problems, 0);
  ASSERT_EQ(hooks.values[0].size(), kResources.size());
  for (std::size_t i = 0; i < kResources.size(); ++i) {
    EXPECT_EQ(hooks.values[0][i].name, kResources[i]);
    EXPECT_GT(hooks.values[0][i].time_s, runtime::senml::kRelativeTime);  // absolute: 2026 and a bit
  }
  // Lifetime 4 s, 10 s run: the registrations stayed because the devices updated them every 2 s.
  EXPECT_EQ(server->registrations(), 3u);
  EXPECT_GE(acked.pubacks, 27u + 3 * 4);  // 2.04 for the Sends and the Updates
}

TEST_F(FleetLwm2m, ObservedDevicesNotifyWithEveryReport) {
  make(/*observe=*/true);
  run_until(10 * kPeriod);
  EXPECT_EQ(acked.observed, 3u);   // one Observe-Composite each
  EXPECT_EQ(produced.dropped_offline, 3u);  // the first report came before the observation
  EXPECT_EQ(hooks.values.size(), 27u);
  EXPECT_EQ(server->observations(), 3u);
  EXPECT_EQ(hooks.problems, 0);
}

TEST_F(FleetLwm2m, SendingDevicesRegisterAgainWhenTheGatewayForgotThem) { forgotten(/*observe=*/false); }

TEST_F(FleetLwm2m, ObservedDevicesRegisterAgainWhenTheGatewayForgotThem) { forgotten(/*observe=*/true); }

TEST_F(FleetLwm2m, StateFitsTheMemoryBudget) {
  make(/*observe=*/true, 10);
  EXPECT_LE(fleet->bytes_per_device(), 512u);
}

}  // namespace
}  // namespace twinbench::sim
