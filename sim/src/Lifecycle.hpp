#pragma once
// The cloud's side of lifecycle governance in a simulation (no SimGrid: the World moves its messages and
// runs its training on a simulated CPU):
//  - it keeps the recent records of a few devices per gateway: the data a retraining learns from;
//  - it hears the gateways' drift reports, and retrains when its policy says so (N gateways agreeing within
//    a window, a cooldown), registering each new model version in a content-addressed registry;
//  - it runs the rollouts: the scenario's, and the one each new model version proposes;
//  - it signs every artifact (Ed25519; the gateways trust its key) and records its decisions in the audit log.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "DeviceOta.hpp"
#include "Rollout.hpp"
#include "twinbench/ai/TrainingData.hpp"
#include "twinbench/core/Random.hpp"
#include "twinbench/runtime/ota/Crypto.hpp"
#include "twinbench/runtime/ota/Updater.hpp"
#include "twinbench/runtime/ports/Audit.hpp"
#include "twinbench/runtime/ports/Sink.hpp"
#include "twinbench/sim/Events.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::sim {

/** A message from the cloud to a gateway, published on the cloud's broker, and what else crosses the WAN with it. */
struct CloudMessage {
  std::uint32_t gateway = 0;
  std::string topic;
  std::vector<std::uint8_t> payload;
  std::uint64_t extra_wire_bytes = 0;  ///< a firmware image the gateway fetches for its devices
};

/** A retraining the World runs (libtorch for real, then its flops on the cloud's simulated CPU). */
struct TrainingJob {
  std::string model_id, version, parent_dir, out_dir;
  ai::RawSamples data;
  std::uint32_t gateways = 0;  ///< that reported drift within the policy's window
  runtime::TimeUs from_us = 0, to_us = 0;
};

class Lifecycle {
public:
  /** `devices[g]`: devices of gateway g; `registry_dir`: where model versions are kept (created). */
  Lifecycle(const Scenario& sc, std::vector<std::uint32_t> devices, const core::Rng& rng, std::string registry_dir, runtime::Sink& sink,
            runtime::AuditTrail& audit);
  ~Lifecycle();

  const runtime::crypto::PublicKey& public_key() const { return key_->public_key(); }
  /** @brief The signed image of the scenario's model for a site (what the gateways' model slot A holds at the start). */
  std::pair<runtime::ota::Manifest, std::vector<std::uint8_t>> base_model_image(std::size_t site);

  // What the cloud receives.
  void on_records(std::uint32_t gateway, std::span<const std::uint8_t> payload, runtime::TimeUs now);
  void on_drift(std::uint32_t gateway, std::span<const std::uint8_t> payload, runtime::TimeUs now);
  void on_ota(std::uint32_t gateway, std::span<const std::uint8_t> payload, runtime::TimeUs now);
  void on_alert(std::uint32_t gateway, runtime::ConnId device, runtime::TimeUs now);

  /** @brief Rollouts' timers due by `now`; then what to send (take_outbox) and train (take_training). */
  void step(runtime::TimeUs now);
  runtime::TimeUs next_us() const;
  std::vector<CloudMessage> take_outbox() { return std::exchange(outbox_, {}); }
  std::optional<TrainingJob> take_training() { return std::exchange(training_, std::nullopt); }
  /** @brief A retraining finished (its package in job.out_dir): register it and propose its rollout. */
  void trained(const TrainingJob& job, double flops, runtime::TimeUs started_us, runtime::TimeUs now);
  /** @brief A retraining that could not finish (too little data...): recorded, and the policy may try again later. */
  void training_failed(const TrainingJob& job, const std::string& why, runtime::TimeUs now);

  /** @brief The device-side job of a firmware rollout for one gateway's devices. */
  DeviceOta::Job device_job(std::uint32_t rollout, std::uint32_t gateway, std::uint32_t devices) const;
  /** @brief What the devices run before any firmware rollout (a signed image, as large as the first rollout's). */
  const DeviceOta::Factory& device_factory() const { return factory_; }
  /** @brief Index of a version (models: in model_versions(); firmware: in firmware_versions()). */
  std::uint16_t model_version_index(const std::string& v) const;
  std::uint16_t firmware_version_index(const std::string& v) const;
  const std::vector<std::string>& model_versions() const { return model_versions_; }
  const std::vector<std::string>& firmware_versions() const { return firmware_versions_; }
  std::size_t rollouts() const { return rollouts_.size(); }
  /** @brief Write registry/index.json: every model version, its parent, image hash, data window and metrics. */
  void write_registry_index() const;

private:
  struct Artifact;  // a rollout's signed image and its manifest
  struct Samples {
    std::deque<runtime::TimeUs> t;
    std::deque<float> values;  ///< channels per sample
  };
  void start_rollout(const RolloutSpec& spec, std::vector<RolloutTarget> targets, runtime::TimeUs now);
  void act(std::size_t rollout, const std::vector<Rollout::Action>& actions, runtime::TimeUs now);
  /** An OTA command (JSON on tb/cloud/<gateway>/ota), and the bytes of an image that cross the WAN with it. */
  void command(std::uint32_t gateway, const std::string& json_text, std::uint64_t extra_wire_bytes = 0);
  void send_chunks(std::size_t rollout, std::uint32_t gateway, std::uint32_t from, runtime::TimeUs now);
  void drain_events(std::size_t rollout, runtime::TimeUs now);
  void maybe_retrain(runtime::TimeUs now);
  void start_training(runtime::TimeUs now);
  std::string register_model(const std::string& dir, const std::string& parent, runtime::TimeUs now, const std::string& data_json);
  void audit(runtime::TimeUs t, std::string_view action, const std::string& details) { audit_.record(t, "cloud", action, details); }
  template <class P>
  void emit(runtime::TimeUs t, std::uint32_t gateway, runtime::ConnId device, const P& payload) { sink_.emit(t, gateway, device, payload); }

  const Scenario& sc_;
  std::vector<std::uint32_t> devices_;
  std::vector<GatewayRef> refs_;
  core::Rng rng_;
  std::string registry_dir_;
  runtime::Sink& sink_;
  runtime::AuditTrail& audit_;
  std::unique_ptr<runtime::crypto::SigningKey> key_;
  std::vector<std::string> model_versions_, firmware_versions_;
  std::vector<std::unique_ptr<Rollout>> rollouts_;
  std::vector<std::unique_ptr<Artifact>> artifacts_;  ///< per rollout
  DeviceOta::Factory factory_;
  std::size_t next_scheduled_ = 0;                    ///< into the scenario's rollouts, sorted by start
  std::vector<std::size_t> schedule_;                 ///< indices of the scenario's rollouts by start time
  std::vector<CloudMessage> outbox_;
  // Retraining.
  std::map<std::pair<std::uint32_t, runtime::ConnId>, Samples> data_;  ///< recent records of the kept devices
  std::map<std::uint32_t, runtime::TimeUs> drift_at_;                   ///< last drift report per gateway
  std::optional<TrainingJob> training_;
  bool training_running_ = false;
  runtime::TimeUs last_retrain_us_ = -1;  ///< the last trigger
  runtime::TimeUs retrain_at_us_ = -1;    ///< a triggered retraining waits for the drift to settle until then
  std::uint32_t trigger_gateways_ = 0;    ///< gateways that agreed at the trigger
  struct RegistryEntry {
    std::string model_id, version, parent, dir, image_sha256, created_json;
  };
  std::vector<RegistryEntry> registry_;
  std::string current_model_dir_;  ///< the newest registered version (the parent of the next retraining)
};

}  // namespace twinbench::sim
