#pragma once
// Inside the libtorch plugin (libtwinbench_torch.so: TorchScorer.cpp, Training.cpp, TorchPlugin.cpp) and
// its loader (TorchLoader.cpp). libtorch costs a process about 150 MiB of resident memory and half a
// second of start-up the moment it is mapped, so only runs that score or train with a model load it.
// The boundary is C++ (the plugin is built with the same compiler and standard library, by the same
// build); exceptions stop at it and cross as values.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "twinbench/ai/ModelPackage.hpp"
#include "twinbench/ai/Retraining.hpp"
#include "twinbench/ai/Training.hpp"
#include "twinbench/runtime/Scorer.hpp"

namespace twinbench::ai {

/** @brief The training pipeline itself (Training.cpp); train() reaches it through the plugin. */
Manifest train_with_torch(const TrainingSpec& spec, const std::string& out_dir, const std::function<void(const std::string&)>& progress);

/** @brief Retraining (Training.cpp); retrain() reaches it through the plugin. */
Manifest retrain_with_torch(const RetrainSpec& spec, const ModelPackage& parent, const RawSamples& data, const std::string& out_dir);

struct PluginError {
  enum class Kind : std::uint8_t { none, input, internal } kind = Kind::none;
  std::string message;
};

// The plugin links its own copy of twins/ and so of the asset class registry, which holds only the
// built-in classes: everything that names a class crosses as a resolved AssetClass or a loaded package.
inline constexpr std::uint32_t kTorchPluginAbi = 3;

struct TorchPluginApi {
  std::uint32_t abi;  ///< kTorchPluginAbi of the build that made the plugin
  std::shared_ptr<runtime::Scorer> (*make_scorer)(const ModelPackage& package, PluginError& error);
  bool (*train)(const TrainingSpec& spec, const std::string& out_dir, const std::function<void(const std::string&)>& progress, Manifest& out,
                PluginError& error);
  bool (*retrain)(const RetrainSpec& spec, const ModelPackage& parent, const RawSamples& data, const std::string& out_dir, Manifest& out,
                  PluginError& error);
};

}  // namespace twinbench::ai

/** @brief The plugin's one exported symbol. */
extern "C" const twinbench::ai::TorchPluginApi* twinbench_torch_plugin();
