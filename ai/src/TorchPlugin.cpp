// The libtorch plugin's entry points: exceptions become PluginError values here.
#include "TorchImpl.hpp"

#include "twinbench/ai/TorchScorer.hpp"
#include "twinbench/core/JsonReader.hpp"

namespace twinbench::ai {
namespace {

template <typename F> bool guarded(PluginError& error, F&& f) {
  try {
    f();
    return true;
  } catch (const core::InputError& e) {
    error = {PluginError::Kind::input, e.what()};
  } catch (const std::exception& e) {
    error = {PluginError::Kind::internal, e.what()};
  }
  return false;
}

std::shared_ptr<runtime::Scorer> make_scorer(const ModelPackage& package, PluginError& error) {
  std::shared_ptr<runtime::Scorer> scorer;
  guarded(error, [&] { scorer = std::make_shared<TorchScorer>(package); });
  return scorer;
}

bool train(const TrainingSpec& spec, const std::string& out_dir, const std::function<void(const std::string&)>& progress, Manifest& out,
           PluginError& error) {
  return guarded(error, [&] { out = train_with_torch(spec, out_dir, progress); });
}

bool retrain(const RetrainSpec& spec, const ModelPackage& parent, const RawSamples& data, const std::string& out_dir, Manifest& out,
             PluginError& error) {
  return guarded(error, [&] { out = retrain_with_torch(spec, parent, data, out_dir); });
}

constexpr TorchPluginApi kApi{kTorchPluginAbi, &make_scorer, &train, &retrain};

}  // namespace
}  // namespace twinbench::ai

extern "C" __attribute__((visibility("default"))) const twinbench::ai::TorchPluginApi* twinbench_torch_plugin() { return &twinbench::ai::kApi; }
