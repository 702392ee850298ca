#include "twinbench/runtime/AnomalyDetector.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "TestPorts.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"

namespace twinbench::runtime {
namespace {

class AnomalyDetectorTest : public ::testing::Test {
protected:
  ManualClock clock;
  CountingCompute compute;
  RecordingSink sink;
  std::shared_ptr<MaxScorer> scorer = std::make_shared<MaxScorer>(2);
  std::vector<AlertChange> alerts;
  std::unique_ptr<AnomalyDetector> det;

  void make(std::size_t batch_max, TimeUs latency_us, TimeUs max_gap_us = 0, std::optional<SiteBaseline> baseline = std::nullopt) {
    DetectorConfig c;
    c.baseline = baseline;
    c.model_id = "m";
    c.model_threshold = 5;
    c.layout = {1, 2, 1, {0}, {1}};
    c.positions = {1};  // the record's second channel
    c.batch_max = batch_max;
    c.batch_latency_us = latency_us;
    c.cost_fixed_flops = 1000;
    c.cost_per_window_flops = 10;
    c.max_gap_us = max_gap_us;
    det = std::make_unique<AnomalyDetector>(c, scorer, default_rules(), clock, compute, sink, 0, [this](const AlertChange& a) { alerts.push_back(a); });
  }
  void record(ConnId device, float value) {
    const float v[] = {-1, value};
    std::uint8_t rec[record_bytes(2)];
    encode_record(clock.now_us(), 0, v, rec);
    det->on_record(device, rec);
  }
};

TEST_F(AnomalyDetectorTest, FullBatchesRunAtOnceAndAreCharged) {
  make(2, 1'000'000);
  record(0, 1);
  record(1, 1);  // windows not full yet
  record(0, 2);
  EXPECT_EQ(det->windows_waiting(), 1u);
  record(1, 3);  // the batch of 2 is full
  EXPECT_EQ(scorer->calls, std::vector<std::size_t>{2});
  EXPECT_DOUBLE_EQ(compute.flops, 1000 + 2 * 10);
  const auto scored = sink.of<ev::Inference>();
  ASSERT_EQ(scored.size(), 2u);
  EXPECT_EQ(scored[0].score_x1e6, 2'000'000);  // max of window (1, 2)
  EXPECT_EQ(scored[1].score_x1e6, 3'000'000);
  EXPECT_EQ(scored[1].batch_size, 2);
}

TEST_F(AnomalyDetectorTest, APartialBatchWaitsAtMostTheLatencyBudget) {
  make(64, 200'000);
  record(0, 1);
  clock.advance_to(50'000);
  record(0, 9);  // due at 50 ms; above the model threshold (5): alert
  clock.advance_to(249'999);
  EXPECT_TRUE(scorer->calls.empty());
  clock.advance_to(250'000);
  EXPECT_EQ(scorer->calls, std::vector<std::size_t>{1});
  const auto scored = sink.of<ev::Inference>();
  ASSERT_EQ(scored.size(), 1u);
  EXPECT_EQ(scored[0].latency_us, 200'000);  // waited 200 ms for its batch
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_TRUE(alerts[0].raised);
  EXPECT_EQ(sink.of<ev::AlertRaised>().size(), 1u);
}

TEST_F(AnomalyDetectorTest, ASiteBaselineSilencesCommissioningThenAlertsAtTheSitesOwnThreshold) {
  // Learn for 3000 s: the 0.99 quantile of the scores times 2. Scores are the max of two samples from
  // 1.00..1.99 (and one 9): the quantile is 1.99 (2 of 2499 windows are 9, under 1 %), so the threshold is
  // 3.98, or at most 0.7 % above (the learner's bins). The model's own is 5.
  make(1, 0, 0, SiteBaseline{3'000'000'000, 0.99, 2});
  for (int i = 0; i < 2500; ++i) {
    clock.advance_to(i * 1'000'000LL);
    record(0, i == 1000 ? 9.0f : 1.0f + static_cast<float>(i % 100) * 0.01f);
  }
  EXPECT_TRUE(alerts.empty()) << "a 9 while learning raises nothing";
  EXPECT_TRUE(det->learning());
  EXPECT_DOUBLE_EQ(det->threshold(), 5);
  clock.advance_to(3'000'000'000);
  record(0, 1);  // the first score after the learning time applies the baseline
  EXPECT_FALSE(det->learning());
  EXPECT_GE(det->threshold(), 3.98 - 1e-6);
  EXPECT_LE(det->threshold(), 3.98 * 1.007);
  const auto learned = sink.of<ev::BaselineLearned>();
  ASSERT_EQ(learned.size(), 1u);
  EXPECT_EQ(learned[0].windows, 2499);
  EXPECT_EQ(learned[0].applied, 1);
  EXPECT_EQ(learned[0].threshold_x1e6, std::llround(det->threshold() * 1e6));
  clock.advance_to(3'001'000'000);
  record(0, 4.5f);  // under the model's threshold, over the site's
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_TRUE(alerts[0].raised);
}

TEST_F(AnomalyDetectorTest, TooFewWindowsToLearnFromKeepTheModelsThreshold) {
  make(1, 0, 0, SiteBaseline{10'000'000, 0.999, 1.5});  // 0.999 needs 10,000 windows; 10 s gives 9
  for (int i = 0; i <= 10; ++i) {
    clock.advance_to(i * 1'000'000LL);
    record(0, 1);
  }
  const auto learned = sink.of<ev::BaselineLearned>();
  ASSERT_EQ(learned.size(), 1u);
  EXPECT_EQ(learned[0].applied, 0);
  EXPECT_EQ(learned[0].windows, 9);
  EXPECT_DOUBLE_EQ(det->threshold(), 5);
  clock.advance_to(11'000'000);
  record(0, 4.5f);
  EXPECT_TRUE(alerts.empty());
  clock.advance_to(12'000'000);
  record(0, 9);
  EXPECT_EQ(alerts.size(), 1u);
}

TEST_F(AnomalyDetectorTest, AWindowNeverSpansAGapInTheDevicesSamples) {
  make(1, 0, 25'000'000);
  record(0, 1);
  clock.advance_to(10'000'000);
  record(0, 1);  // window (1, 1) scored
  clock.advance_to(40'000'000);
  record(0, 8);  // 30 s of silence: a new window starts, nothing scored
  EXPECT_EQ(scorer->calls.size(), 1u);
  clock.advance_to(50'000'000);
  record(0, 8);
  EXPECT_EQ(scorer->calls.size(), 2u);
  EXPECT_EQ(sink.of<ev::Inference>().back().score_x1e6, 8'000'000);
}

TEST(EdgeRuntimeRules, RulesFromTheCloudReplaceTheOldOnesAndBadOnesAreRefused) {
  ManualClock clock;
  TestCloud uplink{clock};
  RecordingTransport transport{&uplink};
  CountingCompute compute;
  RecordingSink sink;
  EdgeConfig ec;
  ec.name = "gw";
  ec.uplink_client = gateway_uplink_client(ec.name, "cloud");
  DetectorConfig dc;
  dc.model_id = "m";
  dc.model_threshold = 5;
  dc.layout = {1, 2, 1, {0}, {1}};
  dc.positions = {0};
  ec.detector = dc;
  ec.scorer = std::make_shared<MaxScorer>(2);
  ec.rules = default_rules();
  EdgeRuntime rt(ec, {clock, transport, compute, sink});
  rt.start();
  auto cloud = [&](const std::string& payload) { uplink.publish("tb/cloud/gw/rules", payload); };
  cloud(R"({"format": "twinbench-rules/1", "rules": [{"name": "a", "raise_above": 1}, {"name": "b", "model": "other", "raise_above": 1}]})");
  ASSERT_EQ(sink.of<ev::RulesChanged>().size(), 1u);
  EXPECT_EQ(sink.of<ev::RulesChanged>()[0].rules, 1);  // one of the two applies to model m
  EXPECT_EQ(rt.detector()->active_rules(), 1u);
  cloud(R"({"format": "twinbench-rules/1", "rules": [{"name": "a", "raise_above": "high"}]})");
  cloud("not json");
  EXPECT_EQ(sink.of<ev::RulesRefused>().size(), 2u);
  EXPECT_EQ(rt.detector()->active_rules(), 1u);  // the old rules stay
}

}  // namespace
}  // namespace twinbench::runtime
