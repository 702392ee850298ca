#include "Rollout.hpp"

#include <gtest/gtest.h>

namespace twinbench::sim {
namespace {

using runtime::TimeUs;
constexpr TimeUs kS = 1'000'000;

std::vector<RolloutTarget> devices(std::uint32_t n) {
  std::vector<RolloutTarget> t;
  for (std::uint32_t i = 0; i < n; ++i) t.push_back({i / 10, i % 10});
  return t;
}

std::size_t targets_in(const std::vector<Rollout::Action>& actions, Rollout::Action::Kind kind) {
  std::size_t n = 0;
  for (const auto& a : actions)
    if (a.kind == kind) n += a.devices.empty() ? 1 : a.devices.size();
  return n;
}

WavePlan plan() {
  WavePlan p;
  p.canary_percent = 5;
  p.batch_percent = 25;
  p.soak_s = 600;
  p.retry_s = 300;
  p.wave_timeout_s = 3600;
  return p;
}

TEST(Rollout, WavesOfCanaryThenBatchesEachSoakedBeforeTheNext) {
  Rollout r(RolloutSpec::Artifact::firmware, plan(), HealthGate{}, devices(100), 10 * kS);
  EXPECT_EQ(r.waves(), 5u);  // 5, then 25, 25, 25, 20
  EXPECT_TRUE(r.step(0).empty());
  TimeUs t = 10 * kS;
  std::vector<std::size_t> sizes;
  while (r.phase() == Rollout::Phase::running) {
    const auto actions = r.step(t);
    const std::size_t n = targets_in(actions, Rollout::Action::Kind::dispatch);
    if (n > 0) {
      sizes.push_back(n);
      for (const auto& a : actions)
        for (auto d : a.devices) r.on_outcome({a.gateway, d}, TargetState::committed, t);
    }
    if (r.phase() != Rollout::Phase::running) break;
    ASSERT_LT(r.next_us(), std::numeric_limits<TimeUs>::max());
    t = std::max(t, r.next_us());
    if (t > 100'000 * kS) FAIL() << "no progress";
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{5, 25, 25, 25, 20}));
  EXPECT_EQ(r.phase(), Rollout::Phase::completed);
  EXPECT_EQ(r.count(TargetState::committed), 100u);
  std::size_t passed = 0;
  for (const auto& e : r.take_wave_events()) passed += e.what == Rollout::WaveEvent::What::passed;
  EXPECT_EQ(passed, 5u);
  EXPECT_EQ(r.finished_us(), 10 * kS + 5 * 600 * kS);  // every wave soaked 10 minutes
}

TEST(Rollout, AFailingCanaryHaltsAndRevertsWhatItUpdated) {
  Rollout r(RolloutSpec::Artifact::firmware, plan(), HealthGate{}, devices(100), 0);
  const auto canary = r.step(0);
  ASSERT_EQ(targets_in(canary, Rollout::Action::Kind::dispatch), 5u);
  int k = 0;
  for (const auto& a : canary)
    for (auto d : a.devices) r.on_outcome({a.gateway, d}, k++ < 2 ? TargetState::rolled_back : TargetState::committed, kS);
  const auto after_soak = r.step(r.next_us());
  EXPECT_EQ(r.phase(), Rollout::Phase::halted);
  EXPECT_EQ(targets_in(after_soak, Rollout::Action::Kind::revert), 3u);
  const auto events = r.take_wave_events();
  ASSERT_EQ(events.back().what, Rollout::WaveEvent::What::failed);
  EXPECT_DOUBLE_EQ(events.back().gate.failure_rate, 0.4);
  EXPECT_EQ(events.back().gate.reason, "failure rate 0.4 > 0.05");
  for (const auto& a : after_soak)
    for (auto d : a.devices) r.on_outcome({a.gateway, d}, TargetState::rolled_back, 2000 * kS);
  EXPECT_EQ(r.count(TargetState::reverted), 3u);
  EXPECT_EQ(r.count(TargetState::waiting), 95u);  // never touched
}

TEST(Rollout, SilentTargetsGetTheJobAgainThenFail) {
  Rollout r(RolloutSpec::Artifact::firmware, plan(), HealthGate{}, devices(20), 0);
  const auto first = r.step(0);
  ASSERT_EQ(targets_in(first, Rollout::Action::Kind::dispatch), 1u);
  EXPECT_EQ(r.next_us(), 300 * kS);
  EXPECT_EQ(targets_in(r.step(300 * kS), Rollout::Action::Kind::dispatch), 1u);  // retried
  TimeUs t = 300 * kS;
  while (r.next_us() <= 3600 * kS) r.step(t = r.next_us());
  EXPECT_EQ(r.count(TargetState::failed), 1u);
  r.step(r.next_us());  // after the soak: 100 % failed, halted
  EXPECT_EQ(r.phase(), Rollout::Phase::halted);
}

TEST(Rollout, AModelsGateReadsTheCanaryGatewaysHealth) {
  HealthGate gate;
  gate.max_inference_error = 0.01;
  std::vector<RolloutTarget> gws;
  for (std::uint32_t g = 0; g < 4; ++g) gws.push_back({g, runtime::kNoConn});
  WavePlan p = plan();
  p.canary_percent = 25;
  Rollout r(RolloutSpec::Artifact::model, p, gate, gws, 0);
  const auto canary = r.step(0);
  ASSERT_EQ(canary.size(), 1u);
  r.on_outcome({canary[0].gateway, runtime::kNoConn}, TargetState::committed, kS);
  const auto queries = r.step(r.next_us());
  ASSERT_EQ(queries.size(), 1u);
  EXPECT_EQ(queries[0].kind, Rollout::Action::Kind::health_query);
  r.on_health(queries[0].gateway, ModelHealth{0.2, 1000, 50, 0, 10});  // 5 % of windows over the threshold
  const auto reverts = r.step(r.next_us());
  EXPECT_EQ(r.phase(), Rollout::Phase::halted);
  ASSERT_EQ(reverts.size(), 1u);
  EXPECT_EQ(reverts[0].kind, Rollout::Action::Kind::revert);
  EXPECT_EQ(r.take_wave_events().back().gate.inference_error, 0.05);
}

}  // namespace
}  // namespace twinbench::sim
