#pragma once
// A versioned model package: a folder with manifest.json (what the model expects and how it was made)
// and the weights as a TorchScript archive. Packages come from `twinbench train` or from users who
// export TorchScript from Python; docs/edge-ai.md describes the manifest.

#include <cstdint>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "twinbench/core/JsonReader.hpp"
#include "twinbench/runtime/FeatureWindows.hpp"
#include "twinbench/runtime/drift/Monitor.hpp"
#include "twinbench/twins/Asset.hpp"

namespace twinbench::ai {

/// A model file (weights, an OTA image) larger than this is refused before it is read.
constexpr std::uint64_t kModelBytesMax = 1ull << 30;

inline constexpr const char* kManifestFormat = "twinbench-model/1";

/** What the model outputs per window. */
enum class ModelOutput : std::uint8_t {
  reconstruction,  ///< the window itself (an autoencoder): the score is the mean squared error
  score,           ///< one anomaly score per window
};

struct Manifest {
  std::string model_id;
  std::string version;
  ModelOutput output = ModelOutput::reconstruction;
  std::string asset_class = "compressor";  ///< the class whose channels it reads (absent in older packages: "compressor")
  std::vector<std::string> channels;       ///< the class's channels of a sample, in order
  runtime::FeatureLayout features;       ///< window, hop and normalisation (channels = channels.size())
  double period_s = 0;                   ///< the sampling period the model was trained on (0 = not stated)
  double threshold = 0;                  ///< default alert threshold on the score
  std::string weights_file = "model.pt";
  std::string weights_hash;              ///< 16 hex digits (FNV-1a 64 of the file)
  /// What the training data looked like, for drift monitoring (runtime/drift/Monitor.hpp): one stream per
  /// channel (normalised values), then the score's logarithm on healthy validation windows. Empty if the
  /// package has none (older packages): the gateway then monitors nothing.
  runtime::drift::Reference reference;
  nlohmann::ordered_json training = nlohmann::ordered_json::object();    ///< provenance: data hash, seed, spec
  nlohmann::ordered_json validation = nlohmann::ordered_json::object();  ///< metrics on held-out data

  std::size_t input_dim() const { return features.window * channels.size(); }
};

struct ModelPackage {
  std::string dir;
  Manifest manifest;
  std::string weights_path() const;
};

/**
 * @brief Read and check a package: every manifest key, and the weights file against its hash. Throws
 * core::InputError naming the file, the JSON path and the rule.
 */
ModelPackage load_package(const std::string& dir);
/** @brief The drift reference of `values` (NaN skipped): mean, sd and the cuts of `bins` equally likely bins. */
runtime::drift::StreamReference stream_reference(std::vector<double> values, std::size_t bins = 20);
/** @brief The rule the package's threshold was chosen by: its healthy-score quantile (validation, else 0.999) ... */
double healthy_quantile(const Manifest& m);
/** @brief ... times this margin (validation, else 1.5). A site baseline applies the same rule to a site's scores. */
double threshold_margin(const Manifest& m);
/** @brief The manifest as JSON (keys in a fixed order). */
nlohmann::ordered_json to_json(const Manifest& m);
/** @brief FNV-1a 64 of a file's bytes as 16 hex digits; InputError if it cannot be read. */
std::string file_hash(const std::string& path);
std::string to_string(ModelOutput o);
/** @brief The registered class named under `key` (default "compressor"); InputError otherwise. */
const twins::AssetClass& read_asset_class(const core::JsonObject& o, std::string_view key);
/** @brief A non-empty JSON array of distinct channel names of `asset` under `key`; InputError otherwise. */
std::vector<std::string> read_channels(const core::JsonObject& o, std::string_view key, const twins::AssetDescriptor& asset);

}  // namespace twinbench::ai
