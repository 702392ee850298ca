#pragma once
// A model package's TorchScript weights behind the runtime's Scorer interface. libtorch's headers stay
// in TorchScorer.cpp: nothing that includes this header pays for them.

#include <memory>

#include "twinbench/ai/ModelPackage.hpp"
#include "twinbench/runtime/Scorer.hpp"

namespace twinbench::ai {

class TorchScorer final : public runtime::Scorer {
public:
  /**
   * @brief Load the weights (torch::jit::load) and check them against the manifest with a forward pass on
   * zeros: a reconstruction model must return [batch, input_dim], a score model [batch] or [batch, 1].
   * Throws core::InputError for a file that is not TorchScript or a model that does not fit.
   */
  explicit TorchScorer(const ModelPackage& package);
  ~TorchScorer() override;
  TorchScorer(const TorchScorer&) = delete;
  TorchScorer& operator=(const TorchScorer&) = delete;

  std::size_t input_dim() const override { return input_dim_; }
  void score(std::span<const float> x, std::size_t batch, std::span<float> scores) override;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::size_t input_dim_;
  ModelOutput output_;
};

/** @brief libtorch with one intra-op and one inter-op thread, as runs must be deterministic. Idempotent. */
void use_one_torch_thread();

}  // namespace twinbench::ai
