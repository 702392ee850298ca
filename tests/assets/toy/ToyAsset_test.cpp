// The proof that an asset class is a folder and one registration line: the toy class lives in this folder
// only (Toy.cpp, Toy.json, toy-ae.json, scenario.json). Registered, it is found by scenarios and training
// by name; its model is trained from its descriptor and detects its fault at two sites of different climates.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "Toy.hpp"
#include "twinbench/ai/Training.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/results/Collector.hpp"
#include "twinbench/sim/ScenarioLoader.hpp"
#include "twinbench/sim/Simulation.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"

namespace twinbench {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string bytes_of(const fs::path& p) { return slurp(p.string()); }

TEST(ToyAssetClass, OneRegistrationLineMakesItTrainableSimulatedAndDetected) {
  twins::register_asset_class(toy::asset_class());  // the one line

  // Its DTDL Interface carries each of its channels.
  twins::dtdl::ModelSet models;
  models.add_path(TOY_DIR "/Toy.json");
  models.resolve();
  ASSERT_TRUE(models.ok()) << models.diagnostics()[0].str();
  const twins::AssetDescriptor& d = twins::find_asset_class("toy")->descriptor;
  for (const twins::ChannelInfo& ch : d.channels) {
    bool found = false;
    for (const twins::dtdl::Content* c : models.all_contents(d.interface)) found = found || (c->kind == twins::dtdl::ContentKind::telemetry && c->name == ch.telemetry && c->info.unit == ch.unit);
    EXPECT_TRUE(found) << ch.name;
  }

  // Trained from its spec, twice: the same bytes.
  const fs::path dir = fs::temp_directory_path() / ("twinbench-toy-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const ai::TrainingSpec spec = ai::load_training_spec(TOY_DIR "/toy-ae.json");
  EXPECT_EQ(spec.train.asset, twins::find_asset_class("toy"));
  const ai::Manifest m = ai::train(spec, (dir / "a").string(), {});
  ai::train(spec, (dir / "b").string(), {});
  EXPECT_EQ(m.asset_class, "toy");
  EXPECT_EQ(bytes_of(dir / "a" / "model.pt"), bytes_of(dir / "b" / "model.pt"));
  EXPECT_EQ(bytes_of(dir / "a" / "manifest.json"), bytes_of(dir / "b" / "manifest.json"));

  // One package at two sites of different climates (the twin's telemetry binding at one, every channel at the other).
  std::string text = slurp(TOY_DIR "/scenario.json");
  for (std::size_t at; (at = text.find("@MODEL@")) != std::string::npos;) text.replace(at, 7, (dir / "a").string());
  const sim::Scenario sc = sim::parse_scenario(text, TOY_DIR "/scenario.json");
  ASSERT_EQ(sc.fault_modes, std::vector<std::string>{"clog"});
  results::RunMeta meta;
  meta.scenario = sc.name;
  meta.seed = sc.seed;
  meta.duration_s = sc.duration_s;
  for (const auto& s : sc.sites) meta.sites.push_back(s.name), meta.site_classes.push_back(s.asset->descriptor.name);
  for (const auto& g : sc.gateways()) meta.gateways.push_back({sc.sites[g.site].name, g.name, sc.sites[g.site].devices_per_gateway});
  meta.fault_modes = sc.fault_modes;
  results::Collector collector(meta);
  sim::RunOptions options;
  options.seed = sc.seed;
  ASSERT_TRUE(sim::run_simulation(sc, options, collector));
  const auto summary = collector.summary();

  // 60 tanks x 1440 reports; a third clog (round(0.33 x 60) = 20), each developing over 10 h.
  EXPECT_EQ(summary["messages"]["generated"], 60 * 1440);
  EXPECT_GT(summary["messages"]["delivery_ratio"].get<double>(), 0.999);
  EXPECT_EQ(summary["detection"]["faults_injected"], 20);
  EXPECT_EQ(summary["asset_classes"]["toy"]["detection"]["faults_injected"], 20);
  EXPECT_EQ(summary["detection"]["by_mode"]["clog"]["faults"], 20);
  EXPECT_GE(summary["detection"]["recall"].get<double>(), 0.9) << summary["detection"].dump();
  EXPECT_LE(summary["detection"]["false_alerts"].get<int>(), 2) << summary["detection"].dump();
  for (std::size_t s = 0; s < sc.sites.size(); ++s) {
    const auto site = collector.site_kpis(s);
    EXPECT_GT(site["detection"]["faults_detected"].get<int>(), 0) << sc.sites[s].name;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace twinbench
