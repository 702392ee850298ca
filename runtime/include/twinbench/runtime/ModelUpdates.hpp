#pragma once
// What the edge runtime needs to take model and firmware updates over the air (EdgeRuntimeOta.cpp).
//  - Models run on the gateway: it downloads a signed model image into its spare slot (ota::Device on the
//    Storage port), boots it on trial (the host's ModelLoader turns the image into a Scorer: libtorch is
//    above the runtime), checks it, and commits it or falls back.
//  - Firmware runs on the devices: the gateway checks the signed manifest and hands the job to its host,
//    which updates the devices and reports each one's outcome back through the runtime.
// Protocol (JSON on tb/cloud/<name>/ota, image chunks on tb/cloud/<name>/ota/chunk, reports on tb/ota/<name>):
// docs/ota.md.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "twinbench/runtime/FeatureWindows.hpp"
#include "twinbench/runtime/Scorer.hpp"
#include "twinbench/runtime/drift/Monitor.hpp"
#include "twinbench/runtime/ota/Updater.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime {

/** A model image, loaded: what the anomaly detector needs of it. */
struct LoadedModel {
  std::string model_id, version;
  double threshold = 0;
  FeatureLayout layout;
  drift::Reference reference;
  std::shared_ptr<Scorer> scorer;
};

/** The host's loader: a model image (bytes) into a model; nullopt and `why` if it does not load or fit. */
using ModelLoader = std::function<std::optional<LoadedModel>(std::span<const std::uint8_t> image, std::string& why)>;

/** A firmware update for some of the gateway's devices, its manifest checked. */
struct FirmwareJob {
  std::uint32_t rollout = 0;
  ota::Manifest manifest;
  std::vector<ConnId> devices;
};

/** Mender's states, for reports and events. */
enum class OtaState : std::uint8_t { download = 0, install = 1, reboot = 2, verify = 3, commit = 4, rollback = 5, failure = 6 };
std::string_view to_string(OtaState s);

struct OtaConfig {
  crypto::PublicKey trusted{};       ///< the cloud's signing key
  std::uint8_t boot_limit = 3;
  ModelLoader load_model;            ///< none: the gateway refuses model updates
  /// The host updates the devices of a firmware job (none: refused), and reverts them on the cloud's order.
  std::function<void(const FirmwareJob&)> firmware_job;
  std::function<void(std::uint32_t rollout, std::span<const ConnId> devices)> firmware_revert;
};

}  // namespace twinbench::runtime
