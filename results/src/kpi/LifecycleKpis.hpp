#pragma once
// Lifecycle KPIs (summary.json "lifecycle", versions.csv) from the lifecycle events of a run: drift
// detection against its ground truth, retraining, OTA rollouts (waves, gates, rollbacks, bytes, duration)
// and the share of the fleet on each version over time.

#include <map>

#include "Kpi.hpp"

namespace twinbench::results::kpi {

class LifecycleKpis {
public:
  explicit LifecycleKpis(const RunMeta& m) : meta_(m), gw_(m.gateways.size()) {}
  void on(const Event& e, const sev::DriftOnset& p) {
    if (gw_[e.gateway].onset_us < 0) gw_[e.gateway].onset_us = e.t_us;  // the first one counts
    onsets_.push_back({e.t_us, e.gateway, p.drift});
  }
  void on(const Event& e, const rev::DriftDetected& p) { detections_.push_back({e.t_us, e.gateway, p.stream, p.test}); }
  void on(const Event& e, const sev::ModelTrained& p);
  void on(const Event& e, const sev::RolloutStarted& p);
  void on(const Event& e, const sev::RolloutWave& p);
  void on(const Event& e, const sev::RolloutDone& p);
  void on(const Event& e, const sev::OtaOutcome& p);
  void on(const Event& e, const sev::OtaBytes& p);
  void on(const Event& e, const sev::OtaRan& p);
  void on(const Event& e, const sev::VersionShare& p);

  void set_names(LifecycleNames n) { names_ = std::move(n); }
  bool enabled() const { return meta_.lifecycle.enabled; }
  void write(const Scope& scope, json& s) const;
  /** @brief Drift onsets and detections, retrainings, rollouts and their waves, for timeline.csv. */
  void timeline(std::vector<Mark>& out) const;
  /** @brief t_h,artifact,version,units,share: the fleet's versions at each sample. */
  std::string versions_csv() const;
  /** "<artifact>_<version>": a version's name in timeseries.csv's share columns. */
  std::string version_column(int artifact, std::int64_t version) const {
    return std::string(artifact ? "model_" : "firmware_") + version_name(artifact, version);
  }

private:
  /** Per rollout and gateway: what its targets did. */
  struct Outcomes {
    std::uint64_t committed = 0, rolled_back = 0, reverted = 0, failed = 0, refused_by_gateways = 0, ran = 0;
    std::uint64_t bytes_wan = 0, bytes_access = 0;
    void add(const Outcomes& o);
  };
  struct RolloutStats {
    std::int64_t started_us = -1, finished_us = -1;
    int artifact = 0, state = 0;  ///< state: 0 running, 1 completed, 2 halted
    std::int64_t version = 0, targets = 0, waves = 0, waves_passed = 0, failed_wave = -1;
    std::vector<Outcomes> by_gateway;
  };
  struct Detection {
    std::int64_t t_us;
    std::uint32_t gateway;
    std::int64_t stream, test;
  };
  /** A gateway's units on each version at its last sample. */
  struct LastSample {
    std::int64_t t_us = -1;
    std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> by_version;  ///< version -> (units, total)
  };
  struct Gw {
    std::int64_t onset_us = -1;  ///< first drift onset
    LastSample last[2];          ///< firmware, model
  };
  struct Share {
    std::int64_t t_us;
    std::uint32_t gateway;
    int artifact;
    std::int64_t version, units, total;
  };
  struct Onset {
    std::int64_t t_us;
    std::uint32_t gateway;
    std::int64_t kind;
  };
  /** A cloud event of the lifecycle: a retraining, a rollout's start, a wave's start or gate, a rollout's end. */
  struct CloudMark {
    std::int64_t t_us;
    const char* event;
    std::int64_t rollout, a, b;  ///< rollout_*: wave (or state) and targets; model_trained: version
  };
  RolloutStats& rollout(std::int64_t k);
  std::string version_name(int artifact, std::int64_t v) const;
  json drift(const Scope& scope) const;
  json versions_final(const Scope& scope) const;

  const RunMeta& meta_;
  std::vector<Gw> gw_;
  LifecycleNames names_;
  std::vector<Detection> detections_;
  std::vector<Onset> onsets_;
  std::vector<CloudMark> cloud_;
  std::vector<RolloutStats> rollouts_;  ///< by rollout id
  std::uint64_t models_trained_ = 0, training_windows_ = 0;
  double training_cpu_s_ = 0;
  std::vector<Share> shares_;
};

}  // namespace twinbench::results::kpi
