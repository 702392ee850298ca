#include "twinbench/ai/TorchScorer.hpp"
#include "twinbench/ai/Torch.hpp"

#include <unistd.h>  // getpid: scratch folders of their own when two builds test at once

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace twinbench::ai {
namespace {

namespace fs = std::filesystem;
const std::string kFixture = std::string(TWINBENCH_AI_TESTDATA) + "/torchscript-fixture";

/** The fixture's model, as scripts/gen-torchscript-fixture defines it: sigmoid(w . x + 0.05), w[i] = (i + 1) / 10 * (-1)^i. */
float expected_score(std::span<const float> x) {
  double z = 0.05;
  for (std::size_t i = 0; i < x.size(); ++i) z += (static_cast<double>(i) + 1) / 10 * (i % 2 ? -1 : 1) * x[i];
  return static_cast<float>(1 / (1 + std::exp(-z)));
}

/** A copy of the fixture with `edit` applied to its manifest; `weights` replaces model.pt (and its hash) when set. */
std::string variant(const std::string& name, const std::function<void(nlohmann::json&)>& edit, const std::string& weights = "") {
  const fs::path dir = fs::temp_directory_path() / ("twinbench-scorer-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  if (weights.empty()) fs::copy_file(kFixture + "/model.pt", dir / "model.pt");
  else std::ofstream(dir / "model.pt", std::ios::binary) << weights;
  nlohmann::json j = nlohmann::json::parse(std::ifstream(kFixture + "/manifest.json"));
  j["weights"]["hash"] = file_hash((dir / "model.pt").string());
  edit(j);
  std::ofstream(dir / "manifest.json") << j.dump(2);
  return dir.string();
}

std::string error_of(const std::string& dir) {
  try {
    TorchScorer s(load_package(dir));
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(TorchScorer, TheTorchScriptFixtureLoadsAndScoresAsDefined) {
  TorchScorer scorer(load_package(kFixture));
  ASSERT_EQ(scorer.input_dim(), 8u);
  std::vector<float> x(3 * 8);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i)) * 2;
  std::vector<float> scores(3);
  scorer.score(x, 3, scores);
  for (std::size_t b = 0; b < 3; ++b) EXPECT_NEAR(scores[b], expected_score(std::span<const float>(x).subspan(b * 8, 8)), 1e-6) << b;
  std::vector<float> again(3);
  scorer.score(x, 3, again);
  EXPECT_EQ(scores, again);
}

TEST(TorchScorer, ThePluginScoresExactlyAsTheLinkedScorer) {
  // load_torch_scorer goes through libtwinbench_torch.so, as twinbench does.
  const auto plugin = load_torch_scorer(load_package(kFixture));
  TorchScorer linked(load_package(kFixture));
  std::vector<float> x(4 * 8);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(static_cast<float>(i));
  std::vector<float> a(4), b(4);
  plugin->score(x, 4, a);
  linked.score(x, 4, b);
  EXPECT_EQ(a, b);
}

TEST(TorchScorer, ThePluginReportsABadModelAsTheSameInputError) {
  const std::string dir = variant("corrupt-plugin", [](auto&) {}, "PK\x03\x04 this is not a TorchScript archive");
  try {
    load_torch_scorer(load_package(dir));
    FAIL() << "a corrupt model loaded";
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()), error_of(dir));
  }
}

TEST(TorchScorer, ACorruptModelFileIsAClearError) {
  const std::string dir = variant("corrupt", [](auto&) {}, "PK\x03\x04 this is not a TorchScript archive");
  const std::string e = error_of(dir);
  EXPECT_EQ(e.rfind(dir + "/model.pt: not a TorchScript model (", 0), 0u) << e;
}

TEST(TorchScorer, AManifestThatDoesNotMatchTheModelsInputIsAClearError) {
  const std::string dir = variant("window", [](auto& j) { j["features"]["window"] = 5; });
  const std::string e = error_of(dir);
  EXPECT_EQ(e.rfind(dir + "/model.pt: the model does not fit the manifest's 10 inputs per window (5 samples x 2 channels) and score output: ", 0), 0u) << e;
}

TEST(TorchScorer, AScoreModelDeclaredAsReconstructionIsAClearError) {
  const std::string dir = variant("output", [](auto& j) { j["output"] = "reconstruction"; });
  EXPECT_EQ(error_of(dir), dir + "/model.pt: the model does not fit the manifest's 8 inputs per window (4 samples x 2 channels) and reconstruction "
                                 "output: the model returns [2] for a [2, 8] batch; a reconstruction model must return its input's shape");
}

}  // namespace
}  // namespace twinbench::ai
