#pragma once
// Sliding feature windows, one per device: the last `window` samples of the model's channels,
// normalised as the model was trained ((x - mean) / scale; a missing reading, NaN, becomes 0, the
// training mean). The trainer builds its windows with this same class, so training and serving cannot
// disagree on the layout: a window is `window` samples oldest first, each sample `channels` floats.

#include <cstdint>
#include <span>
#include <vector>

namespace twinbench::runtime {

struct FeatureLayout {
  std::uint32_t channels = 0;
  std::uint32_t window = 0;  ///< samples per window
  std::uint32_t hop = 1;     ///< once full, a window is due every `hop` samples
  std::vector<float> mean, scale;  ///< per channel
};

class FeatureWindows {
public:
  explicit FeatureWindows(FeatureLayout layout);

  std::size_t input_dim() const { return static_cast<std::size_t>(layout_.channels) * layout_.window; }
  const FeatureLayout& layout() const { return layout_; }
  /**
   * @brief Append one sample of device `device` (raw values, one per channel); true when a window is
   * due: the window is full and `hop` samples came since the last due one.
   */
  bool push(std::uint32_t device, std::span<const float> sample);
  /** @brief The device's window, oldest sample first, into `out` (input_dim() floats). */
  void copy(std::uint32_t device, std::span<float> out) const;
  /** @brief Forget the device's samples (its next window starts empty). */
  void reset(std::uint32_t device);
  /** @brief Bytes held per device. */
  std::size_t bytes_per_device() const { return input_dim() * sizeof(float) + sizeof(std::uint32_t); }

private:
  FeatureLayout layout_;
  std::vector<float> inv_scale_;
  std::vector<float> values_;         ///< device-major rings of window x channels normalised floats
  std::vector<std::uint32_t> count_;  ///< samples pushed per device since its last reset
};

}  // namespace twinbench::runtime
