#pragma once
// The cloud's side of one OTA rollout (no SimGrid, no I/O: the simulation moves its messages). Targets are
// devices (firmware) or gateways (a model). They are taken in waves: a canary wave, then batches. A wave's
// targets get the job, again every retry_s while they stay silent (they resume where they stopped), and
// count as failed at wave_timeout_s. Once every target of the wave has reported, the wave soaks; then its
// health gate decides: the next wave, or a halt that reverts every target the rollout updated.

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Transport.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::sim {

struct RolloutTarget {
  std::uint32_t gateway = 0;
  runtime::ConnId device = runtime::kNoConn;  ///< kNoConn: the gateway itself (its model)
  bool operator<(const RolloutTarget& o) const { return gateway != o.gateway ? gateway < o.gateway : device < o.device; }
};

enum class TargetState : std::uint8_t { waiting, dispatched, committed, rolled_back, failed, reverted };

/** A model's health on one gateway since it was installed (from the gateway's report). */
struct ModelHealth {
  double hours = 0;
  std::uint64_t windows = 0, over_threshold = 0, alerts = 0, devices = 0;
};

/** What a gate saw: the evidence of its decision. */
struct GateStats {
  std::uint32_t targets = 0, failed = 0;   ///< failed: rolled back or failed
  double failure_rate = 0;
  double alert_rate_per_device_h = -1;     ///< -1: not measured
  double inference_error = -1;
  bool passed = false;
  std::string reason;                      ///< why it failed
};

class Rollout {
public:
  struct Action {
    enum class Kind : std::uint8_t { dispatch, health_query, revert };
    Kind kind = Kind::dispatch;
    std::uint32_t gateway = 0;
    std::vector<runtime::ConnId> devices;  ///< firmware: the devices; a model: empty
  };
  struct WaveEvent {
    std::uint32_t wave = 0, targets = 0;
    enum class What : std::uint8_t { started = 0, passed = 1, failed = 2 } what = What::started;
    GateStats gate;
  };
  enum class Phase : std::uint8_t { running, completed, halted };

  Rollout(RolloutSpec::Artifact artifact, WavePlan plan, HealthGate gate, std::vector<RolloutTarget> targets,
          runtime::TimeUs start_us);

  /** @brief What is due by `now`: a wave's dispatches, retries, health queries, a halt's reverts. */
  std::vector<Action> step(runtime::TimeUs now);
  /** @brief When step() next has something to do (max when nothing). */
  runtime::TimeUs next_us() const { return next_us_; }

  /** @brief A target's outcome (commit, rollback or failure; a rollback of a committed target is its revert). */
  void on_outcome(const RolloutTarget& t, TargetState s, runtime::TimeUs now);
  /** @brief Every target on `gateway` waiting for its outcome has failed (the gateway refused the job). */
  void fail_gateway(std::uint32_t gateway, runtime::TimeUs now);
  /** @brief A gateway's answer to a health query. */
  void on_health(std::uint32_t gateway, const ModelHealth& h);
  /** @brief An alert from a device of the fleet (counted against the wave's gate if it is one of its targets). */
  void on_alert(std::uint32_t gateway, runtime::ConnId device, runtime::TimeUs now);

  std::vector<WaveEvent> take_wave_events() { return std::exchange(wave_events_, {}); }
  Phase phase() const { return phase_; }
  RolloutSpec::Artifact artifact() const { return artifact_; }
  std::size_t waves() const { return wave_end_.size(); }
  std::size_t count(TargetState s) const;
  runtime::TimeUs finished_us() const { return finished_us_; }
  /** @brief Whether a target belongs to this rollout, and its state. */
  const TargetState* state_of(const RolloutTarget& t) const;

private:
  void start_wave(runtime::TimeUs now, std::vector<Action>& out);
  void dispatch(std::size_t from, std::size_t to, bool only_silent, std::vector<Action>& out) const;
  void wave_reported(runtime::TimeUs now);
  void decide(runtime::TimeUs now, std::vector<Action>& out);
  void halt(runtime::TimeUs now, std::vector<Action>& out);
  bool terminal(TargetState s) const { return s != TargetState::waiting && s != TargetState::dispatched; }

  RolloutSpec::Artifact artifact_;
  WavePlan plan_;
  HealthGate gate_;
  std::vector<RolloutTarget> targets_;
  std::vector<TargetState> state_;
  std::map<RolloutTarget, std::size_t> index_;
  std::vector<std::size_t> wave_end_;  ///< targets [wave_end_[k-1], wave_end_[k]) form wave k
  std::size_t wave_ = 0;
  runtime::TimeUs start_us_, wave_start_us_ = 0, next_retry_us_ = 0, soak_until_us_ = 0, health_deadline_us_ = 0, finished_us_ = 0;
  enum class Stage : std::uint8_t { waiting, dispatched, soaking, health, done } stage_ = Stage::waiting;
  std::uint64_t soak_alerts_ = 0;
  std::map<std::uint32_t, ModelHealth> health_;  ///< answers to this wave's health queries
  std::size_t health_expected_ = 0;
  Phase phase_ = Phase::running;
  runtime::TimeUs next_us_;
  std::vector<WaveEvent> wave_events_;
};

}  // namespace twinbench::sim
