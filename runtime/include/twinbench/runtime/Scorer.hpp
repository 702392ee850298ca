#pragma once
// A model that turns feature windows into anomaly scores, as the edge runtime sees it. The runtime
// batches windows across devices and calls score(); the implementation (libtorch, in ai/) stays out of
// the runtime's headers, so that no runtime file includes torch.

#include <cstddef>
#include <span>

namespace twinbench::runtime {

class Scorer {
public:
  virtual ~Scorer() = default;
  /** @brief Floats per window (window length x channels). */
  virtual std::size_t input_dim() const = 0;
  /**
   * @brief One score per window: `x` holds `batch` windows of input_dim() normalised floats, row-major;
   * `scores` receives `batch` values (higher = more anomalous). Deterministic for the same input.
   */
  virtual void score(std::span<const float> x, std::size_t batch, std::span<float> scores) = 0;
};

}  // namespace twinbench::runtime
