#include "twinbench/ai/ModelPackage.hpp"

#include <unistd.h>  // getpid: scratch folders of their own when two builds test at once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace twinbench::ai {
namespace {

namespace fs = std::filesystem;
const std::string kFixture = std::string(TWINBENCH_AI_TESTDATA) + "/torchscript-fixture";

/** A copy of the fixture in a scratch folder, with `edit` applied to its manifest. */
std::string edited_copy(const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
  const fs::path dir = fs::temp_directory_path() / ("twinbench-ai-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kFixture + "/model.pt", dir / "model.pt");
  nlohmann::json j = nlohmann::json::parse(std::ifstream(kFixture + "/manifest.json"));
  edit(j);
  std::ofstream(dir / "manifest.json") << j.dump(2);
  return dir.string();
}

std::string error_of(const std::string& dir) {
  try {
    load_package(dir);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelPackage, TheFixtureLoads) {
  const ModelPackage p = load_package(kFixture);
  EXPECT_EQ(p.manifest.model_id, "torchscript-fixture");
  EXPECT_EQ(p.manifest.output, ModelOutput::score);
  EXPECT_EQ(p.manifest.channels, (std::vector<std::string>{"motor_current_a", "vibration_rms_mm_s"}));
  EXPECT_EQ(p.manifest.input_dim(), 8u);
  EXPECT_EQ(p.manifest.features.hop, 2u);
  EXPECT_DOUBLE_EQ(p.manifest.threshold, 0.9);
  EXPECT_EQ(p.weights_path(), kFixture + "/model.pt");
}

TEST(ModelPackage, ManifestErrorsNameTheFileThePathAndTheRule) {
  std::string dir = edited_copy("channel", [](auto& j) { j["features"]["channels"][1] = "vibration"; });
  EXPECT_EQ(error_of(dir), dir + "/manifest.json: /features/channels/1: expected a channel of the compressor class (motor_current_a, discharge_pressure_bar, "
                                 "discharge_temp_c, vibration_rms_mm_s, power_kw, duty_cycle), got \"vibration\"");
  dir = edited_copy("scale", [](auto& j) { j["features"]["scale"][0] = 0; });
  EXPECT_EQ(error_of(dir), dir + "/manifest.json: /features/scale/0: expected a positive number, got 0");
  dir = edited_copy("mean", [](auto& j) { j["features"]["mean"] = {1.0}; });
  EXPECT_EQ(error_of(dir), dir + "/manifest.json: /features/mean: expected 2 numbers (one per channel), got 1");
  dir = edited_copy("output", [](auto& j) { j["output"] = "logits"; });
  EXPECT_EQ(error_of(dir), dir + "/manifest.json: /output: expected \"reconstruction\" (an autoencoder) or \"score\" (one score per window), got 'logits'");
  dir = edited_copy("format", [](auto& j) { j["format"] = "onnx"; });
  EXPECT_EQ(error_of(dir), dir + "/manifest.json: /format: expected \"twinbench-model/1\", got 'onnx'");
  dir = edited_copy("escape", [](auto& j) { j["weights"]["file"] = "../model.pt"; });
  EXPECT_EQ(error_of(dir), dir + "/manifest.json: /weights/file: expected a file name inside the package folder, got '../model.pt'");
  dir = edited_copy("hop", [](auto& j) { j["features"]["hop"] = 9; });
  EXPECT_EQ(error_of(dir), dir + "/manifest.json: /features/hop: expected an integer in [1, 4], got 9");
}

TEST(ModelPackage, ACorruptOrMissingWeightsFileIsRefused) {
  std::string dir = edited_copy("corrupt", [](auto&) {});
  {
    std::fstream f(dir + "/model.pt", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  EXPECT_EQ(error_of(dir).rfind(dir + "/model.pt: the file's hash is ", 0), 0u) << error_of(dir);
  EXPECT_NE(error_of(dir).find("(a corrupt or replaced weights file)"), std::string::npos);
  fs::remove(dir + "/model.pt");
  EXPECT_EQ(error_of(dir), dir + "/model.pt: cannot read model weights: no such file");
  EXPECT_EQ(error_of("/nonexistent/pkg"), "/nonexistent/pkg: not a model package (expected a folder with manifest.json and the weights)");
}

TEST(ModelPackage, TheManifestRoundTrips) {
  const ModelPackage p = load_package(kFixture);
  const auto j = to_json(p.manifest);
  EXPECT_EQ(j["features"]["channels"], nlohmann::ordered_json({"motor_current_a", "vibration_rms_mm_s"}));
  EXPECT_EQ(j["weights"]["hash"], p.manifest.weights_hash);
  EXPECT_EQ(j["output"], "score");
}

}  // namespace
}  // namespace twinbench::ai
