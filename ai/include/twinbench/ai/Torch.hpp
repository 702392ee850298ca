#pragma once
// Model scoring for runs: a package's TorchScript weights behind runtime::Scorer. libtorch itself is a
// plugin loaded on the first call, so runs without a model never pay for it.

#include <memory>

#include "twinbench/ai/ModelPackage.hpp"
#include "twinbench/runtime/Scorer.hpp"

namespace twinbench::ai {

/**
 * @brief A TorchScorer for `package` (see TorchScorer.hpp for the checks). Throws core::InputError for
 * weights that do not load or fit, std::runtime_error if the libtorch plugin cannot be loaded.
 */
std::shared_ptr<runtime::Scorer> load_torch_scorer(const ModelPackage& package);

}  // namespace twinbench::ai
