// The edge runtime's over-the-air model updates, firmware jobs, drift reports and audit records.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "TestPorts.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"

namespace twinbench::runtime {
namespace {

using json = nlohmann::json;

using Audit = RecordingAudit;

crypto::SigningKey key(std::uint8_t tag) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(tag);
  return crypto::SigningKey(seed);
}

/** A model image for the test loader: "model <version> <threshold>", padded to `size` bytes. "broken" does not load. */
Bytes image(const std::string& version, double threshold, std::size_t size = 1000) {
  std::string text = "model " + version + " " + std::to_string(threshold) + " ";
  text.resize(size, '.');
  return Bytes(text.begin(), text.end());
}

std::optional<LoadedModel> load(std::span<const std::uint8_t> img, std::string& why) {
  const std::string text(img.begin(), img.end());
  char version[32];
  double threshold = 0;
  if (std::sscanf(text.c_str(), "model %31s %lf", version, &threshold) != 2 || std::string(version) == "broken") {
    why = "not a model";
    return std::nullopt;
  }
  LoadedModel m;
  m.model_id = "m";
  m.version = version;
  m.threshold = threshold;
  m.layout = {1, 2, 1, {0}, {1}};
  m.scorer = std::make_shared<MaxScorer>(2);
  return m;
}

class EdgeOta : public ::testing::Test {
protected:
  ManualClock clock;
  TestCloud uplink{clock};  ///< the cloud's broker
  RecordingTransport transport{&uplink};
  CountingCompute compute;
  RecordingSink sink;
  MemoryStorage storage;
  Audit audit;
  crypto::SigningKey cloud = key(7);
  std::vector<FirmwareJob> jobs;
  std::unique_ptr<EdgeRuntime> rt;
  static constexpr std::uint32_t kChunk = 256;

  void boot() {
    uplink.cut();  // the gateway goes down: its connection with it
    uplink.restore();
    uplink.published.clear();
    rt.reset();
    transport.sent.clear();
    EdgeConfig ec;
    ec.name = "gw";
    ec.uplink_client = gateway_uplink_client(ec.name, "cloud");
    DetectorConfig dc;
    dc.model_id = "m";
    dc.model_version = "1";
    dc.model_threshold = 5;
    dc.layout = {1, 2, 1, {0}, {1}};
    dc.positions = {0};
    ec.detector = dc;
    ec.scorer = std::make_shared<MaxScorer>(2);
    ec.rules = default_rules();
    OtaConfig oc;
    oc.trusted = cloud.public_key();
    oc.load_model = load;
    oc.firmware_job = [this](const FirmwareJob& j) { jobs.push_back(j); };
    ec.ota = oc;
    ec.control_delay_us = 1000;
    rt = std::make_unique<EdgeRuntime>(ec, EdgePorts{clock, transport, compute, sink, nullptr, &storage, &audit});
    rt->start();
  }
  void provision() {
    ota::Device d(storage, cloud.public_key());
    const Bytes v1 = image("1", 5);
    d.provision(ota::make_manifest("model", "1", v1, kChunk, cloud), v1);
  }
  void cloud_publish(const std::string& topic, std::span<const std::uint8_t> payload) { uplink.publish(topic, payload); }
  void command(const json& j) {
    const std::string t = j.dump();
    cloud_publish("tb/cloud/gw/ota", std::span(reinterpret_cast<const std::uint8_t*>(t.data()), t.size()));
  }
  void chunks(std::uint32_t rollout, const Bytes& img, std::uint32_t from, std::uint32_t to) {
    for (std::uint32_t i = from; i < to && std::size_t{i} * kChunk < img.size(); ++i) {
      Bytes p(8);
      for (int k = 0; k < 4; ++k) p[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(rollout >> (8 * k)), p[4 + static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(i >> (8 * k));
      const std::size_t at = std::size_t{i} * kChunk;
      p.insert(p.end(), img.begin() + static_cast<std::ptrdiff_t>(at), img.begin() + static_cast<std::ptrdiff_t>(std::min(img.size(), at + kChunk)));
      cloud_publish("tb/cloud/gw/ota/chunk", p);
    }
  }
  /** The cloud sends model `version`: begin, then chunks [from, to) (all of them by default). */
  ota::Manifest send_model(std::uint32_t rollout, const std::string& version, const Bytes& img, const crypto::SigningKey& signer,
                           std::uint32_t from = 0, std::uint32_t to = UINT32_MAX) {
    const auto m = ota::make_manifest("model", version, img, kChunk, signer);
    command({{"op", "begin"}, {"rollout", rollout}, {"manifest", json::parse(m.to_json())}});
    chunks(rollout, img, from, std::min(to, m.chunks()));
    return m;
  }
  /** The reports the gateway sent the cloud on tb/ota/gw so far (after letting its control timer fire). */
  std::vector<json> reports() {
    clock.advance_to(clock.now_us() + 10'000);
    std::vector<json> out;
    for (const Bytes& p : uplink.on("tb/ota/gw")) {
      const json doc = json::parse(p.begin(), p.end());
      for (const auto& x : doc["reports"]) out.push_back(x);
    }
    return out;
  }
};

TEST_F(EdgeOta, AModelIsDownloadedInstalledTriedAndCommittedThenSurvivesAReboot) {
  provision();
  boot();
  send_model(1, "2", image("2", 7), cloud);
  EXPECT_EQ(rt->model_version(), "2");
  EXPECT_EQ(rt->detector()->config().model_threshold, 7);
  const auto r = reports();
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.back()["state"], "commit");
  EXPECT_EQ(r.back()["version"], "2");
  EXPECT_TRUE(r.back().contains("health"));
  const auto a = audit.actions();
  for (const char* want : {"runtime_started", "ota_download", "ota_installed", "ota_committed"})
    EXPECT_NE(std::find(a.begin(), a.end(), want), a.end()) << want;
  boot();  // a gateway reboot: the committed model comes back from its slot
  EXPECT_EQ(rt->model_version(), "2");
}

TEST_F(EdgeOta, ADownloadCutByARebootResumesWhereItStopped) {
  provision();
  boot();
  const Bytes v2 = image("2", 7, 2000);
  const auto m2 = send_model(3, "2", v2, cloud, 0, 5);
  boot();
  command({{"op", "begin"}, {"rollout", 3}, {"manifest", json::parse(m2.to_json())}});
  const auto r = reports();
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.back()["state"], "download");
  EXPECT_EQ(r.back()["next_chunk"], 5);  // the cloud sends from here
  chunks(3, v2, 5, m2.chunks());
  EXPECT_EQ(rt->model_version(), "2");
}

TEST_F(EdgeOta, AModelThatDoesNotLoadIsRolledBackAndAForgedOneIsRefused) {
  provision();
  boot();
  send_model(1, "broken", image("broken", 1), cloud);
  EXPECT_EQ(rt->model_version(), "1");
  auto r = reports();
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.back()["state"], "rollback");

  send_model(2, "3", image("3", 1), key(9));  // signed by someone else
  r = reports();
  EXPECT_EQ(r.back()["state"], "failure");
  EXPECT_EQ(audit.records.back().first, "ota_refused");
  EXPECT_EQ(rt->model_version(), "1");
}

TEST_F(EdgeOta, TheCloudCanRevertACommittedModel) {
  provision();
  boot();
  send_model(1, "2", image("2", 7), cloud);
  ASSERT_EQ(rt->model_version(), "2");
  command({{"op", "revert"}, {"rollout", 1}});
  EXPECT_EQ(rt->model_version(), "1");
  EXPECT_EQ(reports().back()["state"], "rollback");
  EXPECT_EQ(audit.records.back().first, "ota_rolled_back");
}

TEST_F(EdgeOta, FirmwareJobsGoToTheHostOnlyWithASignedManifestAndOutcomesGoUp) {
  boot();
  const Bytes fw(5000, 0x5a);
  const auto m = ota::make_manifest("firmware", "2.0.0", fw, 1024, cloud);
  command({{"op", "distribute"}, {"rollout", 4}, {"manifest", json::parse(m.to_json())}, {"devices", {0, 3, 5}}});
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].devices, (std::vector<ConnId>{0, 3, 5}));
  EXPECT_EQ(jobs[0].manifest.version, "2.0.0");
  const auto forged = ota::make_manifest("firmware", "6.6.6", fw, 1024, key(1));
  command({{"op", "distribute"}, {"rollout", 5}, {"manifest", json::parse(forged.to_json())}, {"devices", {1}}});
  EXPECT_EQ(jobs.size(), 1u);
  rt->firmware_outcome(4, 3, OtaState::commit);
  rt->firmware_outcome(4, 5, OtaState::rollback);
  const auto r = reports();
  ASSERT_GE(r.size(), 2u);
  EXPECT_EQ(r[0]["state"], "failure");  // the forged one
  EXPECT_EQ(r[1]["devices"], json::parse(R"([[3,"commit"],[5,"rollback"]])"));
}

TEST(EdgeDrift, AShiftedChannelRaisesOneDriftEventWithItsEvidenceToTheCloud) {
  ManualClock clock;
  TestCloud uplink{clock};
  RecordingTransport transport{&uplink};
  CountingCompute compute;
  RecordingSink sink;
  Audit audit;
  EdgeConfig ec;
  ec.name = "gw";
  ec.uplink_client = gateway_uplink_client(ec.name, "cloud");
  ec.control_delay_us = 1000;
  DetectorConfig dc;
  dc.model_id = "m";
  dc.model_version = "1";
  dc.model_threshold = 50;
  dc.layout = {1, 2, 1, {0}, {1}};
  dc.positions = {0};
  dc.stream_names = {"temp"};
  drift::MonitorConfig mc;
  mc.block_us = 60'000'000;  // minute blocks for the test
  mc.window_blocks = 10;
  mc.min_window_samples = 100;
  dc.drift = mc;
  drift::StreamReference sr;
  for (int k = 1; k < 10; ++k) sr.cuts.push_back(-1.28 + 2.56 * (k - 1) / 8.0);  // roughly the deciles of N(0, 1)
  dc.drift_reference = {{sr, sr}, 10'000};
  ec.detector = dc;
  ec.scorer = std::make_shared<MaxScorer>(2);
  ec.rules = default_rules();
  EdgeRuntime rt(ec, {clock, transport, compute, sink, nullptr, nullptr, &audit});
  rt.start();
  Bytes frame;
  mqtt::encode(mqtt::Connect{}, frame);
  rt.on_open(1);
  rt.on_bytes(1, frame);
  // 30 minutes of N(0,1)-like values, then 30 minutes three sigmas higher: one report a second.
  for (int s = 0; s < 3600; ++s) {
    const float v[] = {static_cast<float>(((s * 7919) % 200 - 100) / 60.0 + (s >= 1800 ? 3.0 : 0.0))};
    std::uint8_t rec[record_bytes(1)];
    encode_record(clock.now_us(), static_cast<std::uint32_t>(s), v, rec);
    frame.clear();
    mqtt::encode(mqtt::Publish{"d/telemetry", std::span<const std::uint8_t>(rec, sizeof rec), 0, false, false, 0}, frame);
    rt.on_bytes(1, frame);
    clock.advance_to(clock.now_us() + 1'000'000);
  }
  // The channel's stream: nothing before the shift, then a finding. (The score's stream has a reference that
  // does not fit this test's scorer, and may report too.)
  std::vector<Recorded<ev::DriftDetected>> found;
  for (const auto& e : sink.of<ev::DriftDetected>())
    if (e.stream == 0) found.push_back(e);
  ASSERT_FALSE(found.empty());
  EXPECT_GE(found[0].t_us, 1800'000'000);
  EXPECT_LE(found[0].t_us, 2400'000'000);
  bool reported = false;
  for (const Bytes& p : uplink.on("tb/drift/gw")) {
    const json doc = json::parse(p.begin(), p.end());
    for (const json& d : doc["drift"]) {
      if (d["stream"] != "temp") continue;
      EXPECT_EQ(d["version"], "1");
      EXPECT_GT(d["samples"].get<int>(), 0);
      EXPECT_GT(d["mean_sigma"].get<double>(), 0.3);  // the window it was found in straddles the shift
      reported = true;
    }
  }
  EXPECT_TRUE(reported);
  EXPECT_EQ(audit.records.back().first, "drift_detected");
}

}  // namespace
}  // namespace twinbench::runtime

namespace twinbench::runtime {
namespace {

TEST(EdgeSiteBaseline, ALearnedThresholdIsAuditedStoredAndSurvivesARestart) {
  ManualClock clock;
  TestCloud uplink{clock};
  RecordingTransport transport{&uplink};
  CountingCompute compute;
  RecordingSink sink;
  Audit audit;
  MemoryStorage flash;
  EdgeConfig ec;
  ec.name = "gw";
  ec.uplink_client = gateway_uplink_client(ec.name, "cloud");
  DetectorConfig dc;
  dc.model_id = "m";
  dc.model_version = "1";
  dc.model_threshold = 50;
  dc.layout = {1, 2, 1, {0}, {1}};
  dc.positions = {0};
  dc.baseline = SiteBaseline{600'000'000, 0.99, 2};  // ten minutes; 0.99 needs 1,000 windows
  ec.detector = dc;
  ec.scorer = std::make_shared<MaxScorer>(2);
  ec.rules = default_rules();
  auto rt = std::make_unique<EdgeRuntime>(ec, EdgePorts{clock, transport, compute, sink, nullptr, &flash, &audit});
  rt->start();
  const auto report = [&](int s, float value) {
    Bytes frame;
    const float v[] = {value};
    std::uint8_t rec[record_bytes(1)];
    encode_record(clock.now_us(), static_cast<std::uint32_t>(s), v, rec);
    mqtt::encode(mqtt::Publish{"d/telemetry", std::span<const std::uint8_t>(rec, sizeof rec), 0, false, false, 0}, frame);
    rt->on_bytes(1, frame);
  };
  const auto connect = [&] {
    Bytes frame;
    mqtt::encode(mqtt::Connect{}, frame);
    rt->on_open(1);
    rt->on_bytes(1, frame);
  };
  connect();
  // Ten minutes of scores 1..1.99 twice a second, then one more: the 0.99 quantile is 1.98 or 1.99, x 2.
  for (int s = 0; s <= 1200; ++s) {
    clock.advance_to(s * 500'000LL);
    report(s, 1.0f + static_cast<float>(s % 100) * 0.01f);
  }
  clock.advance_to(clock.now_us() + 1'000'000);  // the last batch's latency budget
  ASSERT_NE(rt->detector(), nullptr);
  ASSERT_FALSE(rt->detector()->learning());
  const double learned = rt->detector()->threshold();
  EXPECT_GE(learned, 3.96);
  EXPECT_LE(learned, 3.98 * 1.007);
  ASSERT_FALSE(audit.records.empty());
  EXPECT_EQ(audit.records.back().first, "baseline_learned");
  EXPECT_EQ(audit.records.back().second["threshold"], learned);
  // A restart (the flash survives): the threshold applies at once, and a score over it alerts.
  rt.reset();
  rt = std::make_unique<EdgeRuntime>(ec, EdgePorts{clock, transport, compute, sink, nullptr, &flash, &audit});
  rt->start();
  EXPECT_FALSE(rt->detector()->learning());
  EXPECT_DOUBLE_EQ(rt->detector()->threshold(), learned);
  connect();
  const std::size_t raised = sink.of<ev::AlertRaised>().size();
  for (int s = 0; s < 4; ++s) {
    clock.advance_to(clock.now_us() + 500'000);
    report(2000 + s, 10);
  }
  EXPECT_EQ(sink.of<ev::AlertRaised>().size(), raised + 1);
  // Another model version learns afresh: the stored threshold was its predecessor's.
  ec.detector->model_version += ".1";  // "1.1" (appended: GCC 12 warns falsely (-Wrestrict) on assigning a literal here)
  rt = std::make_unique<EdgeRuntime>(ec, EdgePorts{clock, transport, compute, sink, nullptr, &flash, &audit});
  rt->start();
  EXPECT_TRUE(rt->detector()->learning());
}

}  // namespace
}  // namespace twinbench::runtime
