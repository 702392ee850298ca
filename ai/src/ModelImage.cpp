#include "twinbench/ai/ModelImage.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "twinbench/ai/ModelPackage.hpp"
#include "twinbench/ai/Torch.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/core/Random.hpp"

namespace twinbench::ai {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "twinbench-model-image/1\n";

std::string fnv_hex(std::span<const std::uint8_t> bytes) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx",
                static_cast<unsigned long long>(core::fnv1a64(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()))));
  return out;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  const std::string bytes = core::read_text_file(path, "model file", kModelBytesMax);
  return {bytes.begin(), bytes.end()};
}

}  // namespace

std::vector<std::uint8_t> pack_model_image(const std::string& dir) {
  const ModelPackage p = load_package(dir);
  const std::vector<std::uint8_t> manifest = read_file((fs::path(dir) / "manifest.json").string());
  const std::vector<std::uint8_t> weights = read_file(p.weights_path());
  std::vector<std::uint8_t> out(kMagic.begin(), kMagic.end());
  const auto n = static_cast<std::uint32_t>(manifest.size());
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<std::uint8_t>(n >> (8 * k)));
  out.insert(out.end(), manifest.begin(), manifest.end());
  out.insert(out.end(), weights.begin(), weights.end());
  return out;
}

runtime::ModelLoader model_image_loader(std::string cache_dir) {
  auto loaded = std::make_shared<std::map<std::string, runtime::LoadedModel>>();
  return [cache_dir = std::move(cache_dir), loaded](std::span<const std::uint8_t> image, std::string& why) -> std::optional<runtime::LoadedModel> {
    if (image.size() < kMagic.size() + 4 || !std::equal(kMagic.begin(), kMagic.end(), image.begin())) {
      why = "not a model image";
      return std::nullopt;
    }
    std::size_t at = kMagic.size();
    const std::uint32_t n = image[at] | image[at + 1] << 8 | image[at + 2] << 16 | static_cast<std::uint32_t>(image[at + 3]) << 24;
    at += 4;
    if (image.size() - at < n) {
      why = "a model image cut short";
      return std::nullopt;
    }
    const auto manifest = image.subspan(at, n);
    const auto weights = image.subspan(at + n);
    // The folder is named by the content: the same image is unpacked and loaded once.
    const std::string key = fnv_hex(weights) + "-" + fnv_hex(manifest);
    if (const auto it = loaded->find(key); it != loaded->end()) return it->second;
    try {
      const fs::path dir = fs::path(cache_dir) / key;
      std::error_code ec;
      if (!fs::exists(dir / "manifest.json", ec)) {
        const fs::path staging = dir.string() + ".partial";
        fs::create_directories(staging, ec);
        std::ofstream(staging / "manifest.json", std::ios::binary).write(reinterpret_cast<const char*>(manifest.data()), static_cast<std::streamsize>(manifest.size()));
        const auto name = nlohmann::json::parse(manifest.begin(), manifest.end(), nullptr, false);
        const std::string file = name.is_object() ? name.value("/weights/file"_json_pointer, std::string("model.pt")) : "model.pt";
        if (file.find('/') != std::string::npos || file.find("..") != std::string::npos) throw core::InputError("a weights file outside the package");
        std::ofstream(staging / file, std::ios::binary).write(reinterpret_cast<const char*>(weights.data()), static_cast<std::streamsize>(weights.size()));
        fs::rename(staging, dir, ec);
        if (ec) throw core::InputError(dir.string() + ": cannot unpack the model: " + ec.message());
      }
      const ModelPackage p = load_package(dir.string());
      runtime::LoadedModel m{p.manifest.model_id, p.manifest.version, p.manifest.threshold, p.manifest.features, p.manifest.reference,
                             load_torch_scorer(p)};
      loaded->emplace(key, m);
      return m;
    } catch (const std::exception& e) {
      why = e.what();
      return std::nullopt;
    }
  };
}

}  // namespace twinbench::ai
