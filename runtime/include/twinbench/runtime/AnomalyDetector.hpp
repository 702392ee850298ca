#pragma once
// Edge AI at the gateway: each accepted telemetry record feeds its device's feature window; due
// windows from all devices are batched (up to batch_max, or for at most batch_latency_us) and scored
// by the model in one call; each score goes through the alert rules. The work is charged to the
// Compute port with a cost calibrated from real libtorch timings (docs/edge-ai.md), so an overloaded
// gateway shows queueing delay in every timestamp after it.

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "twinbench/runtime/FeatureWindows.hpp"
#include "twinbench/runtime/Rules.hpp"
#include "twinbench/runtime/Scorer.hpp"
#include "twinbench/runtime/SiteBaseline.hpp"
#include "twinbench/runtime/drift/Monitor.hpp"
#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Compute.hpp"
#include "twinbench/runtime/ports/Sink.hpp"

namespace twinbench::runtime {

struct DetectorConfig {
  std::string model_id;
  std::string model_version;
  double model_threshold = 0;
  std::string asset_class = "compressor";
  FeatureLayout layout;
  std::vector<std::uint16_t> positions;  ///< the record channel that feeds each feature channel
  std::size_t batch_max = 64;
  TimeUs batch_latency_us = 200'000;     ///< a window waits at most this long for its batch
  /// A device silent for longer than this (an outage, a reboot) starts a new window: a window across the
  /// gap would look like an anomaly. 0 = never.
  TimeUs max_gap_us = 0;
  /// Drift monitoring against the model's reference (its streams: each channel's normalised values, then the
  /// log score); none without a reference or a config.
  std::optional<drift::MonitorConfig> drift;
  std::vector<std::string> stream_names;  ///< of the drift streams, for reports (the model's channel names)
  drift::Reference drift_reference;
  std::optional<SiteBaseline> baseline;  ///< none: the model's threshold from the start
  /// With `baseline`: the threshold this model learned here before a restart (EdgeRuntime keeps it in its
  /// storage), applied at once instead of learning again.
  std::optional<double> restored_threshold;
  double cost_fixed_flops = 0;           ///< per model call
  double cost_per_window_flops = 0;
  /// The scores kept for previews of new rules (preview()): the newest this many (0: none, as in the
  /// simulation; twinbench-edge's console keeps 100,000).
  std::size_t score_history = 0;
};

class AnomalyDetector {
public:
  /** Receives every alert raised or cleared, at the gateway's time. */
  using AlertOut = std::function<void(const AlertChange&)>;
  /** Receives what the drift monitor found (each finding once). */
  using DriftOut = std::function<void(const drift::Finding&)>;
  /** Receives a site baseline's threshold when it is learned and applied, with the windows it was learned from. */
  using BaselineOut = std::function<void(double threshold, std::uint64_t windows)>;

  AnomalyDetector(DetectorConfig config, std::shared_ptr<Scorer> scorer, RuleSet rules, Clock& clock, Compute& compute, Sink& sink,
                  std::uint32_t gateway, AlertOut alerts, DriftOut drift = {}, BaselineOut baseline = {});
  ~AnomalyDetector();
  AnomalyDetector(const AnomalyDetector&) = delete;
  AnomalyDetector& operator=(const AnomalyDetector&) = delete;

  /** @brief An accepted record of `device` (its payload, header already checked). */
  void on_record(ConnId device, std::span<const std::uint8_t> payload);
  /** @brief Connection `device` is another device now: its window and rule state start afresh (a window
   * already waiting for its batch is still scored). */
  void forget(ConnId device);
  /** @brief Replace the alert rules (every device's rule state starts afresh). */
  void set_rules(RuleSet rules) { rules_.set_rules(std::move(rules)); }
  const DetectorConfig& config() const { return config_; }
  std::size_t windows_waiting() const { return batch_device_.size(); }
  /** @brief Windows scored so far, and those scoring above the model's threshold (its inference error on healthy data). */
  std::uint64_t windows_scored() const { return windows_scored_; }
  std::uint64_t windows_over_threshold() const { return windows_over_; }
  /** @brief The drift monitor; nullptr without one. */
  const drift::Monitor* monitor() const { return monitor_ ? &*monitor_ : nullptr; }
  /** @brief Rules in force for this model and asset class. */
  std::size_t active_rules() const { return rules_.active_rules(); }
  /** @brief The threshold rules at the model's threshold raise at: the package's, or the site baseline's once learned. */
  double threshold() const { return threshold_; }
  /** @brief How many alerts `rules` would have raised over the scores kept (score_history) made at or
   * after `since_us`: a fresh rule state replays them, with this detector's model and threshold. */
  std::uint64_t preview(const RuleSet& rules, TimeUs since_us) const;
  /** @brief The time of the oldest score kept (nullopt: none). */
  std::optional<TimeUs> history_since() const { return history_.empty() ? std::nullopt : std::optional(history_.front().t_us); }
  /** @brief Still learning the site baseline (no alerts yet). */
  bool learning() const { return learner_.has_value(); }

private:
  void run_batch();
  void report_drift(TimeUs now);

  DetectorConfig config_;
  std::shared_ptr<Scorer> scorer_;
  RuleEngine rules_;
  FeatureWindows windows_;
  Clock& clock_;
  Compute& compute_;
  Sink& sink_;
  std::uint32_t gateway_;
  AlertOut alerts_;
  std::vector<float> sample_, batch_x_, scores_;
  std::vector<ConnId> batch_device_;
  std::vector<TimeUs> batch_due_;       ///< device timestamp of each window's newest sample
  std::vector<TimeUs> last_sample_us_;  ///< per device: device timestamp of its last sample (-1 = none)
  std::optional<TimerId> timer_;  ///< the pending batch's deadline (cancelled with the detector)
  std::optional<drift::Monitor> monitor_;
  std::uint64_t windows_scored_ = 0, windows_over_ = 0;
  DriftOut drift_;
  BaselineOut baseline_out_;
  double threshold_;
  struct Scored {
    TimeUs t_us;
    ConnId device;
    float score;
  };
  std::deque<Scored> history_;  ///< the newest config_.score_history scores
  std::optional<BaselineLearner> learner_;  ///< while learning the site baseline
  TimeUs baseline_until_us_ = 0;            ///< when it is learned
  void learn_baseline(TimeUs now);
};

}  // namespace twinbench::runtime
