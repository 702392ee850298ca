#pragma once
// A model package as one over-the-air image (the bytes an ota::Manifest signs), and the loader that turns
// such an image back into a model for the edge runtime (runtime::ModelLoader).
// Image: "twinbench-model-image/1\n", the manifest's length (u32, little-endian), manifest.json, the weights.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "twinbench/runtime/ModelUpdates.hpp"

namespace twinbench::ai {

/** @brief The image of the package in `dir` (checked by load_package first). Throws core::InputError. */
std::vector<std::uint8_t> pack_model_image(const std::string& dir);

/**
 * @brief A loader that unpacks each image into `cache_dir/<weights hash>/` (once; the folder is a valid
 * package) and loads it with libtorch. Images with the same weights share one scorer. An image that is
 * not a model package, or whose weights do not load, gives nullopt and the reason.
 */
runtime::ModelLoader model_image_loader(std::string cache_dir);

}  // namespace twinbench::ai
