// twinbench ota sign: a signed OTA manifest for a model package or a firmware file, as the cloud makes
// them (runtime/ota): for a gateway's factory image, or to push an update to twinbench-edge by hand.

#include <charconv>
#include <filesystem>
#include <iostream>

#include "Commands.hpp"
#include "twinbench/ai/ModelImage.hpp"
#include "twinbench/ai/ModelPackage.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/runtime/ota/Updater.hpp"

namespace twinbench::app {

namespace {

constexpr const char* kOtaHelp = R"(usage: twinbench ota sign <package folder | firmware file> --key-seed HEX --out MANIFEST
                          [--version V] [--chunk-size N] [--image-out FILE]

Sign an OTA artifact as the cloud does (Ed25519 over the manifest, which holds the image's SHA-256):
  a folder    a model package (twinbench train): the image is the package in one blob (docs/ota.md);
              the version defaults to the package's
  a file      a firmware image as it is; --version is required
--key-seed is the signer's secret: 32 bytes as 64 hex digits. The manifest (JSON) goes to --out, the
image to --image-out (a model's must be sent as it is: it is not the package folder). Prints the public
key the devices must trust (twinbench-edge: ota.trusted_key).
exit codes: 0 ok, 2 bad input or usage.
)";

std::array<std::uint8_t, 32> parse_key_seed(const std::string& hex) {
  std::array<std::uint8_t, 32> seed{};
  if (!runtime::crypto::from_hex(hex, seed)) throw UsageError{"--key-seed: expected 64 hex digits (32 bytes), got '" + hex + "'"};
  return seed;
}

}  // namespace

int cmd_ota(const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError{"missing a subcommand: sign"};
  if (args[0] == "--help" || args[0] == "-h") {
    std::cout << kOtaHelp;
    return kOk;
  }
  if (args[0] != "sign") throw UsageError{"unknown subcommand '" + args[0] + "' (expected sign)"};
  std::string input, seed_hex, out, version, image_out;
  std::uint32_t chunk = 8192;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kOtaHelp;
      return kOk;
    } else if (a == "--key-seed") {
      seed_hex = value();
    } else if (a == "--out") {
      out = value();
    } else if (a == "--version") {
      version = value();
    } else if (a == "--image-out") {
      image_out = value();
    } else if (a == "--chunk-size") {
      const std::string& v = value();
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), chunk);
      if (ec != std::errc() || end != v.data() + v.size() || chunk < 256 || chunk > 60'000)
        throw UsageError{"--chunk-size: expected an integer in [256, 60000] (a chunk is one MQTT packet to the gateway), got '" + v + "'"};
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "'"};
    } else if (input.empty()) {
      input = a;
    } else {
      throw UsageError{"one artifact at a time (got '" + input + "' and '" + a + "')"};
    }
  }
  if (input.empty()) throw UsageError{"missing <package folder | firmware file>"};
  if (seed_hex.empty() || out.empty()) throw UsageError{"sign needs --key-seed and --out"};
  const runtime::crypto::SigningKey key(parse_key_seed(seed_hex));
  std::error_code ec;
  const bool model = std::filesystem::is_directory(input, ec);
  std::vector<std::uint8_t> image;
  if (model) {
    image = ai::pack_model_image(input);
    if (version.empty()) version = ai::load_package(input).manifest.version;
  } else {
    const std::string text = core::read_text_file(input, "firmware image");
    image.assign(text.begin(), text.end());
    if (version.empty()) throw UsageError{"--version: required for a firmware file"};
  }
  const auto m = runtime::ota::make_manifest(model ? "model" : "firmware", version, image, chunk, key);
  write_file(out, m.to_json() + "\n");
  if (!image_out.empty()) write_file(image_out, std::string(image.begin(), image.end()));
  std::cout << "signed " << m.artifact << ' ' << m.version << ": " << m.size << " bytes in " << m.chunks() << " chunks of " << m.chunk_size
            << ", sha256 " << runtime::crypto::hex(m.sha256) << "\npublic key " << runtime::crypto::hex(key.public_key()) << '\n';
  return kOk;
}

}  // namespace twinbench::app
