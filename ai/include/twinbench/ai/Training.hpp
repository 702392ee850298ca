#pragma once
// `twinbench train`: simulate healthy devices of an asset class from its physics, train an autoencoder over
// sliding feature windows with libtorch (in C++, one thread, seeded), choose the alert threshold on
// held-out healthy devices, measure it on held-out faulty ones, and write a model package. The same
// spec and seed give the same weights, byte for byte.

#include <functional>
#include <string>
#include <vector>

#include "twinbench/ai/ModelPackage.hpp"
#include "twinbench/ai/TrainingData.hpp"

namespace twinbench::ai {

struct TrainingSpec {
  std::string file;  ///< where it was loaded from (for messages and relative paths)
  std::string model_id, version;
  std::uint64_t seed = 1;
  std::vector<std::string> channels;
  std::uint32_t window = 12, hop = 3;
  FleetDataSpec train, validation;  ///< of the spec's asset class; validation.devices healthy and as many faulty ones
  double fault_ramp_s = 0;           ///< validation faults: onset at a third of the run, this ramp (default: the run's length)
  std::vector<std::uint32_t> hidden = {32, 8};
  std::uint32_t epochs = 30, batch_size = 256;
  double learning_rate = 3e-3;
  double healthy_quantile = 0.999, margin = 1.5;  ///< threshold = quantile of healthy validation scores x margin
  std::string output;                ///< package folder, relative to the spec's folder
};

/** @brief Load and check a training spec (format twinbench-training/1). Throws core::InputError. */
TrainingSpec load_training_spec(const std::string& file);

/**
 * @brief Train and write the package to `out_dir` (a staging folder replaces it only when complete).
 * `progress` gets one line per stage and epoch (may be empty). Returns the manifest written. Runs in the
 * libtorch plugin (Torch.hpp), loaded on first use.
 */
Manifest train(const TrainingSpec& spec, const std::string& out_dir, const std::function<void(const std::string&)>& progress);

}  // namespace twinbench::ai
