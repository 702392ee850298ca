#pragma once
// Lifecycle KPIs (summary.json "lifecycle", versions.csv) from the lifecycle events of a run: drift
// detection against its ground truth, retraining, OTA rollouts (waves, gates, rollbacks, bytes, duration)
// and the share of the fleet on each version over time.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "twinbench/runtime/ports/Sink.hpp"

namespace twinbench::results {

struct RolloutMeta {
  std::string artifact;  ///< "firmware" or "model"
  std::string version;
};

/** What the scenario says about the lifecycle (known before the run). */
struct LifecycleMeta {
  bool enabled = false;                 ///< the scenario has a lifecycle or injects drift: the summary gets "lifecycle"
  std::vector<RolloutMeta> scheduled;   ///< the scenario's rollouts, by start time
  std::vector<std::string> drift_streams;  ///< names of the drift monitor's streams (model channels, then log_score)
};

/** What only the run knows (sim::LifecycleOutput). */
struct LifecycleNames {
  std::vector<std::string> model_versions, firmware_versions;
};

class LifecycleKpis {
public:
  LifecycleKpis(LifecycleMeta meta, std::vector<std::uint32_t> devices_per_gateway, double duration_s);
  /** @brief True if the event was a lifecycle one (consumed). */
  bool on(const runtime::Event& e);
  void set_names(LifecycleNames n) { names_ = std::move(n); }
  bool enabled() const { return meta_.enabled; }
  nlohmann::ordered_json summary() const;
  /** @brief t_h,artifact,version,units,share: the fleet's versions at each sample. */
  std::string versions_csv() const;

private:
  struct RolloutStats {
    std::int64_t started_us = -1, finished_us = -1;
    int artifact = 0, state = 0;  ///< state: 0 running, 1 completed, 2 halted
    std::int64_t version = 0, targets = 0, waves = 0, waves_passed = 0, failed_wave = -1;
    std::uint64_t committed = 0, rolled_back = 0, reverted = 0, failed = 0, refused_by_gateways = 0, ran = 0;
    std::uint64_t bytes_wan = 0, bytes_access = 0;
  };
  std::string version_name(int artifact, std::int64_t v) const;

  LifecycleMeta meta_;
  std::vector<std::uint32_t> devices_;
  double duration_s_;
  LifecycleNames names_;
  std::map<std::uint32_t, std::int64_t> onset_us_;                 ///< first drift onset per gateway
  std::vector<std::pair<std::uint32_t, runtime::Event>> detections_;  ///< drift_detected, by gateway
  std::vector<RolloutStats> rollouts_;                             ///< by rollout id
  std::uint64_t models_trained_ = 0, training_windows_ = 0;
  double training_cpu_s_ = 0;
  struct Share {
    std::int64_t t_us;
    int artifact;
    std::int64_t version, units, total;
  };
  std::vector<Share> shares_;
};

}  // namespace twinbench::results
