#include "twinbench/ai/Training.hpp"

#include <unistd.h>  // getpid: scratch folders of their own when two builds test at once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "twinbench/ai/TorchScorer.hpp"

namespace twinbench::ai {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("twinbench-train-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

/** A spec small enough for a unit test (a few seconds). */
std::string tiny_spec(const fs::path& dir, const std::string& extra = "") {
  const fs::path file = dir / "spec.json";
  std::ofstream(file) << R"({
    "format": "twinbench-training/1", "model_id": "tiny-ae", "version": "1", "seed": 11,
    "features": { "channels": ["motor_current_a", "discharge_temp_c", "vibration_rms_mm_s"], "window": 6, "hop": 3 },
    "data": { "train": { "devices": 6, "duration_s": 14400 }, "validation": { "devices": 6, "duration_s": 14400 } },
    "model": { "hidden": [8, 3], "epochs": 4, "batch_size": 64 })" << extra << "}";
  return file.string();
}

TEST(Training, SameSpecAndSeedGiveTheSameWeightsAndAPackageThatServes) {
  const fs::path dir = scratch("determinism");
  const TrainingSpec spec = load_training_spec(tiny_spec(dir));
  std::vector<std::string> lines;
  const Manifest a = train(spec, (dir / "a").string(), [&](const std::string& l) { lines.push_back(l); });
  const Manifest b = train(spec, (dir / "b").string(), {});
  EXPECT_EQ(a.weights_hash, b.weights_hash);
  EXPECT_EQ(to_json(a).dump(), to_json(b).dump());
  EXPECT_EQ(lines.size(), 4u + 3u);  // simulate, 4 epochs, validate, wrote
  EXPECT_FALSE(fs::exists(dir / "a.partial"));

  const ModelPackage p = load_package((dir / "a").string());
  EXPECT_EQ(p.manifest.output, ModelOutput::reconstruction);
  EXPECT_EQ(p.manifest.input_dim(), 18u);
  EXPECT_GT(p.manifest.threshold, 0);
  EXPECT_EQ(p.manifest.training["seed"], 11);
  EXPECT_EQ(p.manifest.validation["faulty_devices"], 6);
  TorchScorer scorer(p);
  EXPECT_EQ(scorer.input_dim(), 18u);

  TrainingSpec other = spec;
  other.seed = 12;
  EXPECT_NE(train(other, (dir / "c").string(), {}).weights_hash, a.weights_hash);
}

TEST(Training, SpecErrorsNameThePathAndTheRule) {
  const fs::path dir = scratch("errors");
  auto error_of = [&](const std::string& extra) {
    try {
      load_training_spec(tiny_spec(dir, extra));
    } catch (const core::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string file = (dir / "spec.json").string();
  EXPECT_EQ(error_of(R"(, "threshold": { "healthy_quantile": 1 })"), file + ": /threshold/healthy_quantile: expected a quantile strictly between 0 and 1");
  EXPECT_EQ(error_of(R"(, "outptu": "x")"), file + ": /outptu: unknown key 'outptu' (expected one of: format, model_id, version, seed, asset_class, features, data, "
                                                   "model, threshold, output)");
  EXPECT_EQ(error_of(""), "");
}

}  // namespace
}  // namespace twinbench::ai
