#pragma once
// Retraining in the cloud (issue 6): a new version of a deployed model, trained with libtorch on the data
// the cloud received (not simulated afresh as `twinbench train` does), starting from the parent's weights.
// The threshold is chosen on held-out devices of the same data; the package records its parent, its data
// window and its metrics, and carries a new drift reference (the data it now stands for).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "twinbench/ai/ModelPackage.hpp"
#include "twinbench/ai/TrainingData.hpp"

namespace twinbench::ai {

struct RetrainSpec {
  std::string version;                  ///< of the new model
  std::uint64_t seed = 1;
  std::uint32_t epochs = 4, batch_size = 256;
  double learning_rate = 1e-3;
  double holdout_fraction = 0.25;       ///< of the devices, for the threshold
  double healthy_quantile = 0.999, margin = 1.5;
  nlohmann::ordered_json data = nlohmann::ordered_json::object();  ///< provenance of the data window (recorded as is)
};

/**
 * @brief Train version `spec.version` of `parent` (its package folder `parent_dir`) on `data` (devices x steps
 * x the parent's channels; NaN = missing) and write the package to `out_dir`. The manifest's training
 * section has "flops", the arithmetic the training did (for charging a simulated CPU). Throws
 * core::InputError for data too small to train on. Runs in the libtorch plugin.
 */
Manifest retrain(const RetrainSpec& spec, const std::string& parent_dir, const RawSamples& data, const std::string& out_dir);

}  // namespace twinbench::ai
