#include "twinbench/runtime/AnomalyDetector.hpp"

#include <cassert>
#include <algorithm>
#include <cmath>

#include "twinbench/runtime/Telemetry.hpp"

namespace twinbench::runtime {

AnomalyDetector::AnomalyDetector(DetectorConfig config, std::shared_ptr<Scorer> scorer, RuleSet rules, Clock& clock, Compute& compute,
                                 Sink& sink, std::uint32_t gateway, AlertOut alerts, DriftOut drift, BaselineOut baseline)
    : config_(std::move(config)), scorer_(std::move(scorer)),
      rules_(std::move(rules), config_.model_id, config_.asset_class, config_.model_threshold), windows_(config_.layout), clock_(clock),
      compute_(compute), sink_(sink), gateway_(gateway), alerts_(std::move(alerts)), drift_(std::move(drift)),
      baseline_out_(std::move(baseline)), threshold_(config_.model_threshold) {
  assert(scorer_ && scorer_->input_dim() == windows_.input_dim() && config_.positions.size() == config_.layout.channels);
  assert(config_.batch_max > 0);
  sample_.resize(config_.layout.channels);
  batch_x_.reserve(config_.batch_max * windows_.input_dim());
  scores_.resize(config_.batch_max);
  if (config_.drift && config_.drift_reference.streams.size() == config_.layout.channels + 1)
    monitor_.emplace(config_.drift_reference, *config_.drift, clock_.now_us());
  if (config_.baseline && config_.restored_threshold) {  // learned here before a restart
    threshold_ = *config_.restored_threshold;
    rules_.set_model_threshold(threshold_);
  } else if (config_.baseline) {
    learner_.emplace(*config_.baseline);
    baseline_until_us_ = clock_.now_us() + config_.baseline->duration_us;
  }
}

void AnomalyDetector::learn_baseline(TimeUs now) {
  const std::optional<double> t = learner_->threshold();
  if (t) {
    threshold_ = *t;
    rules_.set_model_threshold(threshold_);
    if (baseline_out_) baseline_out_(threshold_, learner_->windows());
  }
  sink_.emit(now, gateway_, 0,
             ev::BaselineLearned{.threshold_x1e6 = std::llround(threshold_ * 1e6), .windows = static_cast<std::int64_t>(learner_->windows()), .applied = t.has_value()});
  learner_.reset();
}

void AnomalyDetector::report_drift(TimeUs now) {
  for (const drift::Finding& f : monitor_->poll(now))
    if (drift_) drift_(f);
}

AnomalyDetector::~AnomalyDetector() {
  if (timer_) clock_.cancel(*timer_);
}

void AnomalyDetector::forget(ConnId device) {
  windows_.reset(device);
  rules_.forget(device);
  if (device < last_sample_us_.size()) last_sample_us_[device] = -1;
}

void AnomalyDetector::on_record(ConnId device, std::span<const std::uint8_t> payload) {
  RecordHeader h;
  if (!decode_record_header(payload, h)) return;
  if (device >= last_sample_us_.size()) last_sample_us_.resize(static_cast<std::size_t>(device) + 1, -1);
  TimeUs& last = last_sample_us_[device];
  if (config_.max_gap_us > 0 && last >= 0 && h.t_us - last > config_.max_gap_us) windows_.reset(device);
  last = h.t_us;
  for (std::size_t c = 0; c < sample_.size(); ++c) sample_[c] = record_value(payload, config_.positions[c]);
  if (monitor_) {  // each channel's value as the model sees it: normalised by the training data, in float as the trainer did
    const TimeUs now = clock_.now_us();
    for (std::size_t c = 0; c < sample_.size(); ++c)
      monitor_->add(c, static_cast<double>((sample_[c] - config_.layout.mean[c]) / config_.layout.scale[c]), now);
    report_drift(now);
  }
  if (!windows_.push(device, sample_)) return;
  const std::size_t dim = windows_.input_dim();
  batch_x_.resize(batch_x_.size() + dim);
  windows_.copy(device, std::span<float>(batch_x_.data() + batch_x_.size() - dim, dim));
  batch_device_.push_back(device);
  batch_due_.push_back(h.t_us);  // latency is counted from when the newest sample was taken
  if (batch_device_.size() >= config_.batch_max) {
    if (timer_) clock_.cancel(*timer_);
    timer_.reset();
    run_batch();
  } else if (!timer_) {
    timer_ = clock_.schedule(config_.batch_latency_us, [this] {
      timer_.reset();
      run_batch();
    });
  }
}

void AnomalyDetector::run_batch() {
  const std::size_t n = batch_device_.size();
  if (n == 0) return;
  // The model runs for real; the gateway's CPU is charged what the call costs on the gateway.
  compute_.charge(config_.cost_fixed_flops + config_.cost_per_window_flops * static_cast<double>(n));
  scorer_->score(batch_x_, n, std::span<float>(scores_.data(), n));
  const TimeUs now = clock_.now_us();
  for (std::size_t i = 0; i < n; ++i) {
    const ConnId device = batch_device_[i];
    const float score = scores_[i];
    sink_.emit(now, gateway_, device,
               ev::Inference{.score_x1e6 = std::llround(static_cast<double>(score) * 1e6), .latency_us = now - batch_due_[i],
                             .batch_size = static_cast<std::int64_t>(n)});
    if (monitor_) monitor_->add(sample_.size(), std::log(std::max(static_cast<double>(score), 1e-9)), now);
    ++windows_scored_;
    if (learner_ && now >= baseline_until_us_) learn_baseline(now);
    if (learner_) {  // commissioning: the site's scores, no alerts
      learner_->add(score);
      continue;
    }
    windows_over_ += score > threshold_;
    if (config_.score_history > 0) {
      if (history_.size() >= config_.score_history) history_.pop_front();
      history_.push_back({now, device, score});
    }
    rules_.on_score(device, now, score, [&](const AlertChange& a) {
      const std::int64_t severity = static_cast<std::int64_t>(a.severity), score_x1e6 = std::llround(static_cast<double>(a.score) * 1e6);
      if (a.raised) sink_.emit(now, gateway_, device, ev::AlertRaised{.rule = a.rule, .severity = severity, .score_x1e6 = score_x1e6});
      else sink_.emit(now, gateway_, device, ev::AlertCleared{.rule = a.rule, .severity = severity, .score_x1e6 = score_x1e6});
      alerts_(a);
    });
  }
  batch_x_.clear();
  batch_device_.clear();
  batch_due_.clear();
}

std::uint64_t AnomalyDetector::preview(const RuleSet& rules, TimeUs since_us) const {
  RuleEngine engine(rules, config_.model_id, config_.asset_class, threshold_);
  std::uint64_t raised = 0;
  for (const Scored& s : history_)
    if (s.t_us >= since_us) engine.on_score(s.device, s.t_us, s.score, [&](const AlertChange& a) { raised += a.raised; });
  return raised;
}

}  // namespace twinbench::runtime
