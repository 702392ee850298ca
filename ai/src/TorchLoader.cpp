// Loads the libtorch plugin on first use (see TorchImpl.hpp for why it is a plugin).
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "TorchImpl.hpp"
#include "twinbench/ai/Retraining.hpp"
#include "twinbench/ai/Torch.hpp"
#include "twinbench/core/JsonReader.hpp"

namespace twinbench::ai {
namespace {

const TorchPluginApi& plugin() {
  static const TorchPluginApi* api = [] {
    const char* env = std::getenv("TWINBENCH_TORCH_PLUGIN");
    const std::string path = env && *env ? env : TWINBENCH_TORCH_PLUGIN;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // never closed: its objects live until exit
    if (!handle) throw std::runtime_error("edge AI needs the libtorch plugin, which did not load: " + std::string(dlerror()));
    auto* entry = reinterpret_cast<const TorchPluginApi* (*)()>(dlsym(handle, "twinbench_torch_plugin"));
    if (!entry) throw std::runtime_error(path + " is not a twinbench libtorch plugin (no twinbench_torch_plugin symbol)");
    const TorchPluginApi* a = entry();
    if (a->abi != kTorchPluginAbi) throw std::runtime_error(path + " is from another twinbench build (plugin ABI " + std::to_string(a->abi) + ")");
    return a;
  }();
  return *api;
}

[[noreturn]] void rethrow(const PluginError& e) {
  if (e.kind == PluginError::Kind::input) throw core::InputError(e.message);
  throw std::runtime_error(e.message);
}

}  // namespace

std::shared_ptr<runtime::Scorer> load_torch_scorer(const ModelPackage& package) {
  PluginError error;
  auto scorer = plugin().make_scorer(package, error);
  if (!scorer) rethrow(error);
  return scorer;
}

Manifest train(const TrainingSpec& spec, const std::string& out_dir, const std::function<void(const std::string&)>& progress) {
  PluginError error;
  Manifest m;
  if (!plugin().train(spec, out_dir, progress, m, error)) rethrow(error);
  return m;
}

Manifest retrain(const RetrainSpec& spec, const std::string& parent_dir, const RawSamples& data, const std::string& out_dir) {
  PluginError error;
  Manifest m;
  const ModelPackage parent = load_package(parent_dir);  // here: the plugin's registry knows only the built-in classes
  if (!plugin().retrain(spec, parent, data, out_dir, m, error)) rethrow(error);
  return m;
}

}  // namespace twinbench::ai
