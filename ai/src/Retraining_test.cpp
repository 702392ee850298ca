#include "twinbench/ai/Retraining.hpp"

#include <unistd.h>  // getpid: scratch folders of their own when two builds test at once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "twinbench/ai/ModelImage.hpp"
#include "twinbench/ai/Training.hpp"

namespace twinbench::ai {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("twinbench-retrain-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

/** A small parent model (a few seconds to train). */
fs::path parent(const fs::path& dir) {
  const fs::path file = dir / "spec.json";
  std::ofstream(file) << R"({
    "format": "twinbench-training/1", "model_id": "tiny-ae", "version": "1", "seed": 11,
    "features": { "channels": ["motor_current_a", "discharge_temp_c", "vibration_rms_mm_s"], "window": 6, "hop": 3 },
    "data": { "train": { "devices": 6, "duration_s": 14400 }, "validation": { "devices": 6, "duration_s": 14400 } },
    "model": { "hidden": [8, 3], "epochs": 2, "batch_size": 64 }})";
  train(load_training_spec(file.string()), (dir / "v1").string(), {});
  return dir / "v1";
}

/** What the cloud received from a hotter site: 8 devices for 4 hours. */
RawSamples hot_site_data() {
  FleetDataSpec s;
  s.asset = twins::find_asset_class("compressor");
  s.devices = 8;
  s.duration_s = 14'400;
  s.ambients = {twins::Ambient{38, 4}};
  return simulate_fleet(s, {"motor_current_a", "discharge_temp_c", "vibration_rms_mm_s"}, core::Rng(5), "cloud");
}

TEST(Retraining, ANewVersionFromTheCloudsDataRecordsItsParentDataAndCostAndIsDeterministic) {
  const fs::path dir = scratch("retrain");
  const fs::path v1 = parent(dir);
  RetrainSpec spec;
  spec.version = "2";
  spec.seed = 3;
  spec.epochs = 2;
  spec.data = {{"from_s", 0}, {"to_s", 14'400}};
  const RawSamples data = hot_site_data();
  const Manifest a = retrain(spec, v1.string(), data, (dir / "a").string());
  const Manifest b = retrain(spec, v1.string(), data, (dir / "b").string());
  EXPECT_EQ(a.weights_hash, b.weights_hash);
  EXPECT_EQ(to_json(a).dump(), to_json(b).dump());

  const ModelPackage p = load_package((dir / "a").string());
  EXPECT_EQ(p.manifest.version, "2");
  EXPECT_EQ(p.manifest.training["parent"], "1");
  EXPECT_EQ(p.manifest.training["data"]["to_s"], 14'400);
  EXPECT_EQ(p.manifest.training["devices"], 6);  // two of the eight held out for the threshold
  EXPECT_GT(p.manifest.training["flops"].get<double>(), 1e6);
  EXPECT_GT(p.manifest.threshold, 0);
  ASSERT_EQ(p.manifest.reference.streams.size(), 4u);
  // The new normalisation is the hot site's: its discharge temperature mean is well above the parent's.
  const ModelPackage old = load_package(v1.string());
  EXPECT_GT(p.manifest.features.mean[1], old.manifest.features.mean[1] + 10);

  RawSamples tiny = data;
  tiny.devices = 1;
  tiny.values.resize(std::size_t{tiny.steps} * tiny.channels);
  EXPECT_THROW(retrain(spec, v1.string(), tiny, (dir / "c").string()), core::InputError);
}

TEST(ModelImage, APackageTravelsAsOneImageAndLoadsBackOnceAndBadImagesAreRefused) {
  const fs::path dir = scratch("image");
  const fs::path v1 = parent(dir);
  const auto img = pack_model_image(v1.string());
  const runtime::ModelLoader load = model_image_loader((dir / "cache").string());
  std::string why;
  const auto m = load(img, why);
  ASSERT_TRUE(m) << why;
  EXPECT_EQ(m->model_id, "tiny-ae");
  EXPECT_EQ(m->version, "1");
  EXPECT_EQ(m->scorer->input_dim(), 18u);
  EXPECT_EQ(m->reference.streams.size(), 4u);
  const auto again = load(img, why);
  EXPECT_EQ(again->scorer, m->scorer);  // loaded once

  auto cut = img;
  cut.resize(cut.size() / 2);
  EXPECT_FALSE(load(cut, why));
  EXPECT_FALSE(why.empty());
  const std::vector<std::uint8_t> junk(100, 'x');
  EXPECT_FALSE(load(junk, why));
  EXPECT_EQ(why, "not a model image");
}

}  // namespace
}  // namespace twinbench::ai
