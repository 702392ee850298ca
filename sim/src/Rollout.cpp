#include "Rollout.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace twinbench::sim {

using runtime::TimeUs;

namespace {
constexpr TimeUs kNever = std::numeric_limits<TimeUs>::max();
constexpr TimeUs kHealthWaitUs = 60'000'000;  ///< gateways that do not answer a health query by then are left out
TimeUs us(double s) { return std::llround(s * 1e6); }
}  // namespace

Rollout::Rollout(RolloutSpec::Artifact artifact, WavePlan plan, HealthGate gate, std::vector<RolloutTarget> targets,
                 TimeUs start_us)
    : artifact_(artifact), plan_(plan), gate_(gate), targets_(std::move(targets)), state_(targets_.size(), TargetState::waiting),
      start_us_(start_us), next_us_(start_us) {
  for (std::size_t i = 0; i < targets_.size(); ++i) index_[targets_[i]] = i;
  const auto n = static_cast<double>(targets_.size());
  const auto take = [&](double percent) { return std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(n * percent / 100.0 - 1e-9))); };
  std::size_t end = std::min(targets_.size(), take(plan_.canary_percent));
  if (!targets_.empty()) wave_end_.push_back(end);
  while (end < targets_.size()) wave_end_.push_back(end = std::min(targets_.size(), end + take(plan_.batch_percent)));
  if (targets_.empty()) phase_ = Phase::completed, next_us_ = kNever, finished_us_ = start_us;
}

std::size_t Rollout::count(TargetState s) const { return static_cast<std::size_t>(std::count(state_.begin(), state_.end(), s)); }

const TargetState* Rollout::state_of(const RolloutTarget& t) const {
  const auto it = index_.find(t);
  return it == index_.end() ? nullptr : &state_[it->second];
}

void Rollout::dispatch(std::size_t from, std::size_t to, bool only_silent, std::vector<Action>& out) const {
  std::map<std::uint32_t, std::vector<runtime::ConnId>> by_gateway;
  for (std::size_t i = from; i < to; ++i) {
    if (only_silent && state_[i] != TargetState::dispatched) continue;
    auto& d = by_gateway[targets_[i].gateway];
    if (targets_[i].device != runtime::kNoConn) d.push_back(targets_[i].device);
  }
  for (auto& [g, devices] : by_gateway) out.push_back({Action::Kind::dispatch, g, std::move(devices)});
}

void Rollout::start_wave(TimeUs now, std::vector<Action>& out) {
  const std::size_t from = wave_ ? wave_end_[wave_ - 1] : 0, to = wave_end_[wave_];
  for (std::size_t i = from; i < to; ++i) state_[i] = TargetState::dispatched;
  dispatch(from, to, false, out);
  wave_start_us_ = now;
  next_retry_us_ = now + us(plan_.retry_s);
  stage_ = Stage::dispatched;
  wave_events_.push_back({static_cast<std::uint32_t>(wave_), static_cast<std::uint32_t>(to - from), WaveEvent::What::started, {}});
}

std::vector<Rollout::Action> Rollout::step(TimeUs now) {
  std::vector<Action> out;
  if (phase_ != Phase::running) return out;
  const std::size_t from = wave_ ? wave_end_[wave_ - 1] : 0, to = wave_end_[wave_];
  switch (stage_) {
    case Stage::waiting:
      if (now >= start_us_) start_wave(now, out);
      break;
    case Stage::dispatched:
      if (now >= wave_start_us_ + us(plan_.wave_timeout_s)) {  // the silent ones have failed
        for (std::size_t i = from; i < to; ++i)
          if (state_[i] == TargetState::dispatched) state_[i] = TargetState::failed;
        wave_reported(now);
      } else if (now >= next_retry_us_) {
        dispatch(from, to, true, out);
        next_retry_us_ = now + us(plan_.retry_s);
      }
      break;
    case Stage::soaking:
      if (now < soak_until_us_) break;
      if (artifact_ == RolloutSpec::Artifact::model && (gate_.max_inference_error || gate_.max_alert_rate_per_device_h)) {
        health_.clear();
        std::vector<std::uint32_t> gateways;
        for (std::size_t i = from; i < to; ++i)
          if (state_[i] == TargetState::committed) gateways.push_back(targets_[i].gateway);
        for (std::uint32_t g : gateways) out.push_back({Action::Kind::health_query, g, {}});
        health_expected_ = gateways.size();
        health_deadline_us_ = now + kHealthWaitUs;
        stage_ = Stage::health;
        if (health_expected_ > 0) break;
      }
      decide(now, out);
      break;
    case Stage::health:
      if (health_.size() >= health_expected_ || now >= health_deadline_us_) decide(now, out);
      break;
    case Stage::done: break;
  }
  switch (stage_) {
    case Stage::waiting: next_us_ = start_us_; break;
    case Stage::dispatched: next_us_ = std::min(next_retry_us_, wave_start_us_ + us(plan_.wave_timeout_s)); break;
    case Stage::soaking: next_us_ = soak_until_us_; break;
    case Stage::health: next_us_ = health_.size() >= health_expected_ ? now : health_deadline_us_; break;
    case Stage::done: next_us_ = kNever; break;
  }
  return out;
}

void Rollout::wave_reported(TimeUs now) {
  stage_ = Stage::soaking;
  soak_until_us_ = now + us(plan_.soak_s);
  soak_alerts_ = 0;
  next_us_ = soak_until_us_;
}

void Rollout::on_outcome(const RolloutTarget& t, TargetState s, TimeUs now) {
  const auto it = index_.find(t);
  if (it == index_.end()) return;
  TargetState& st = state_[it->second];
  if (s == TargetState::rolled_back && st == TargetState::committed && phase_ == Phase::halted) {
    st = TargetState::reverted;  // the revert a halt ordered
    return;
  }
  if (st != TargetState::dispatched) return;  // late, or a duplicate
  st = s;
  const std::size_t from = wave_ ? wave_end_[wave_ - 1] : 0, to = wave_end_[wave_];
  if (stage_ == Stage::dispatched && it->second >= from && it->second < to &&
      std::none_of(state_.begin() + static_cast<std::ptrdiff_t>(from), state_.begin() + static_cast<std::ptrdiff_t>(to),
                   [](TargetState x) { return x == TargetState::dispatched; }))
    wave_reported(now);
}

void Rollout::fail_gateway(std::uint32_t gateway, TimeUs now) {
  for (auto it = index_.lower_bound({gateway, 0}); it != index_.end() && it->first.gateway == gateway; ++it)
    if (state_[it->second] == TargetState::dispatched) on_outcome(it->first, TargetState::failed, now);
}

void Rollout::on_health(std::uint32_t gateway, const ModelHealth& h) {
  if (stage_ == Stage::health) {
    health_[gateway] = h;
    if (health_.size() >= health_expected_) next_us_ = 0;  // decide at the next step
  }
}

void Rollout::on_alert(std::uint32_t gateway, runtime::ConnId device, TimeUs) {
  if (stage_ != Stage::soaking) return;
  const std::size_t from = wave_ ? wave_end_[wave_ - 1] : 0, to = wave_end_[wave_];
  const auto it = index_.find({gateway, artifact_ == RolloutSpec::Artifact::model ? runtime::kNoConn : device});
  if (it != index_.end() && it->second >= from && it->second < to && state_[it->second] == TargetState::committed) ++soak_alerts_;
}

void Rollout::decide(TimeUs now, std::vector<Action>& out) {
  const std::size_t from = wave_ ? wave_end_[wave_ - 1] : 0, to = wave_end_[wave_];
  GateStats g;
  g.targets = static_cast<std::uint32_t>(to - from);
  std::uint32_t committed = 0;
  for (std::size_t i = from; i < to; ++i) {
    g.failed += state_[i] == TargetState::rolled_back || state_[i] == TargetState::failed;
    committed += state_[i] == TargetState::committed;
  }
  g.failure_rate = g.targets ? static_cast<double>(g.failed) / g.targets : 0;
  char buf[160];
  auto fail = [&](const char* what, double value, double max) {
    if (!g.reason.empty()) return;
    std::snprintf(buf, sizeof buf, "%s %.4g > %.4g", what, value, max);
    g.reason = buf;
  };
  if (g.failure_rate > gate_.max_failure_rate) fail("failure rate", g.failure_rate, gate_.max_failure_rate);
  if (artifact_ == RolloutSpec::Artifact::model && !health_.empty()) {
    ModelHealth sum;
    double device_h = 0;
    for (const auto& [gw, h] : health_) {
      sum.windows += h.windows;
      sum.over_threshold += h.over_threshold;
      sum.alerts += h.alerts;
      device_h += static_cast<double>(h.devices) * h.hours;
    }
    g.inference_error = sum.windows ? static_cast<double>(sum.over_threshold) / static_cast<double>(sum.windows) : 0;
    g.alert_rate_per_device_h = device_h > 0 ? static_cast<double>(sum.alerts) / device_h : 0;
  } else if (artifact_ == RolloutSpec::Artifact::firmware && gate_.max_alert_rate_per_device_h) {
    g.alert_rate_per_device_h = committed && plan_.soak_s > 0 ? static_cast<double>(soak_alerts_) / (committed * plan_.soak_s / 3600.0) : 0;
  }
  if (gate_.max_inference_error && g.inference_error > *gate_.max_inference_error)
    fail("inference error", g.inference_error, *gate_.max_inference_error);
  if (gate_.max_alert_rate_per_device_h && g.alert_rate_per_device_h > *gate_.max_alert_rate_per_device_h)
    fail("alert rate per device-hour", g.alert_rate_per_device_h, *gate_.max_alert_rate_per_device_h);
  g.passed = g.reason.empty();
  wave_events_.push_back({static_cast<std::uint32_t>(wave_), g.targets, g.passed ? WaveEvent::What::passed : WaveEvent::What::failed, g});
  if (!g.passed) return halt(now, out);
  if (++wave_ >= wave_end_.size()) {
    phase_ = Phase::completed;
    stage_ = Stage::done;
    finished_us_ = now;
    return;
  }
  start_wave(now, out);
}

void Rollout::halt(TimeUs now, std::vector<Action>& out) {
  phase_ = Phase::halted;
  stage_ = Stage::done;
  finished_us_ = now;
  std::map<std::uint32_t, std::vector<runtime::ConnId>> by_gateway;
  for (std::size_t i = 0; i < targets_.size(); ++i)
    if (state_[i] == TargetState::committed) {
      auto& d = by_gateway[targets_[i].gateway];
      if (targets_[i].device != runtime::kNoConn) d.push_back(targets_[i].device);
    }
  for (auto& [g, devices] : by_gateway) out.push_back({Action::Kind::revert, g, std::move(devices)});
}

}  // namespace twinbench::sim
