#include "twinbench/runtime/FeatureWindows.hpp"

#include <cassert>
#include <cmath>
#include <cstring>

namespace twinbench::runtime {

FeatureWindows::FeatureWindows(FeatureLayout layout) : layout_(std::move(layout)) {
  assert(layout_.channels > 0 && layout_.window > 0 && layout_.hop > 0);
  assert(layout_.mean.size() == layout_.channels && layout_.scale.size() == layout_.channels);
  for (float s : layout_.scale) inv_scale_.push_back(1.0f / s);
}

bool FeatureWindows::push(std::uint32_t device, std::span<const float> sample) {
  assert(sample.size() == layout_.channels);
  if (device >= count_.size()) {
    count_.resize(static_cast<std::size_t>(device) + 1, 0);
    values_.resize(count_.size() * input_dim(), 0.0f);
  }
  const std::uint32_t n = count_[device]++;
  float* slot = values_.data() + device * input_dim() + (n % layout_.window) * layout_.channels;
  for (std::uint32_t c = 0; c < layout_.channels; ++c)
    slot[c] = std::isnan(sample[c]) ? 0.0f : (sample[c] - layout_.mean[c]) * inv_scale_[c];
  return n + 1 >= layout_.window && (n + 1 - layout_.window) % layout_.hop == 0;
}

void FeatureWindows::copy(std::uint32_t device, std::span<float> out) const {
  assert(out.size() == input_dim() && device < count_.size() && count_[device] >= layout_.window);
  // The ring's oldest sample sits where the next one will be written.
  const std::size_t oldest = count_[device] % layout_.window;
  const std::size_t split = (layout_.window - oldest) * layout_.channels;
  const float* ring = values_.data() + device * input_dim();
  std::memcpy(out.data(), ring + oldest * layout_.channels, split * sizeof(float));
  std::memcpy(out.data() + split, ring, (input_dim() - split) * sizeof(float));
}

void FeatureWindows::reset(std::uint32_t device) {
  if (device < count_.size()) count_[device] = 0;
}

}  // namespace twinbench::runtime
