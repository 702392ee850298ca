#include "Lifecycle.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "twinbench/ai/ModelImage.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/UplinkLog.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"

namespace twinbench::sim {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using runtime::TimeUs;
using runtime::crypto::SigningKey;

namespace {

constexpr TimeUs kNever = std::numeric_limits<TimeUs>::max();
TimeUs us(double s) { return std::llround(s * 1e6); }

SigningKey key_from(std::string_view text) {
  const auto h = runtime::crypto::sha256(text);
  std::array<std::uint8_t, 32> seed{};
  std::copy(h.begin(), h.end(), seed.begin());
  return SigningKey(seed);
}

ev::OtaOutcome outcome(std::size_t rollout, runtime::OtaState s, std::int64_t version, bool reverted) {
  return {.rollout = static_cast<std::int64_t>(rollout), .state = static_cast<std::int64_t>(s), .version = version, .reverted = reverted};
}

runtime::OtaState state_of(const std::string& s) {
  if (s == "commit") return runtime::OtaState::commit;
  if (s == "rollback") return runtime::OtaState::rollback;
  if (s == "failure") return runtime::OtaState::failure;
  return runtime::OtaState::download;
}

TargetState target_state(runtime::OtaState s) {
  switch (s) {
    case runtime::OtaState::commit: return TargetState::committed;
    case runtime::OtaState::rollback: return TargetState::rolled_back;
    default: return TargetState::failed;
  }
}

void write_file(const fs::path& p, std::span<const std::uint8_t> bytes) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  std::ofstream o(p, std::ios::binary);
  o.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!o) throw std::runtime_error(p.string() + ": cannot write");
}

}  // namespace

/** A rollout's artifact: its spec, the signed manifest, and (models) the image its chunks come from. */
struct Lifecycle::Artifact {
  RolloutSpec spec;
  runtime::ota::Manifest manifest;
  std::string manifest_json;
  std::vector<std::uint8_t> image;     ///< models only
  std::shared_ptr<const SharedImage> firmware;  ///< firmware only: what its chunks carry to the devices
  std::uint16_t version = 0;           ///< index into model_versions_ or firmware_versions_
  std::set<std::uint32_t> has_image;   ///< gateways that fetched the firmware image
  bool done_reported = false;
};

Lifecycle::Lifecycle(const Scenario& sc, std::vector<std::uint32_t> devices, const core::Rng& rng, std::string registry_dir,
                     runtime::Sink& sink, runtime::AuditTrail& audit)
    : sc_(sc), devices_(std::move(devices)), refs_(sc.gateways()), rng_(rng), registry_dir_(std::move(registry_dir)), sink_(sink), audit_(audit),
      key_(std::make_unique<SigningKey>(key_from("twinbench cloud signing key/" + std::to_string(sc.seed)))) {
  firmware_versions_.push_back(sc.lifecycle.devices.firmware);
  for (const RolloutSpec& r : sc.lifecycle.rollouts)
    if (r.artifact == RolloutSpec::Artifact::firmware && firmware_version_index(r.version) == firmware_versions_.size())
      firmware_versions_.push_back(r.version);
  for (const SiteSpec& s : sc.sites)
    if (s.edge_ai) {
      model_versions_.push_back(s.edge_ai->model.version);
      current_model_dir_ = s.edge_ai->model_dir;
      if (!registry_dir_.empty()) register_model(current_model_dir_, "", 0, "null");
      break;
    }
  for (const RolloutSpec& r : sc.lifecycle.rollouts)
    if (r.artifact == RolloutSpec::Artifact::firmware) {  // the factory firmware: as large and chunked as the first update
      std::vector<std::uint8_t> bytes(r.size_bytes);
      core::RngStream fill = rng_.stream("ota/factory", 0);
      for (auto& b : bytes) b = static_cast<std::uint8_t>(fill.below(256));
      factory_.image = std::make_shared<const SharedImage>(std::move(bytes));
      factory_.manifest = runtime::ota::make_manifest("firmware", sc.lifecycle.devices.firmware, factory_.image->bytes, r.chunk_bytes, *key_);
      factory_.trusted = key_->public_key();
      break;
    }
  for (std::size_t i = 0; i < sc.lifecycle.rollouts.size(); ++i) schedule_.push_back(i);
  std::stable_sort(schedule_.begin(), schedule_.end(),
                   [&](std::size_t a, std::size_t b) { return sc.lifecycle.rollouts[a].at_s < sc.lifecycle.rollouts[b].at_s; });
  this->audit(0, "cloud_started", ojson{{"scenario", sc.name}, {"seed", sc.seed}, {"signing_key", runtime::crypto::hex(key_->public_key())},
                                  {"firmware", sc.lifecycle.devices.firmware}, {"model_versions", model_versions_}}
                                .dump());
}

Lifecycle::~Lifecycle() = default;

std::uint16_t Lifecycle::model_version_index(const std::string& v) const {
  return static_cast<std::uint16_t>(std::find(model_versions_.begin(), model_versions_.end(), v) - model_versions_.begin());
}
std::uint16_t Lifecycle::firmware_version_index(const std::string& v) const {
  return static_cast<std::uint16_t>(std::find(firmware_versions_.begin(), firmware_versions_.end(), v) - firmware_versions_.begin());
}

std::pair<runtime::ota::Manifest, std::vector<std::uint8_t>> Lifecycle::base_model_image(std::size_t site) {
  const EdgeAiSpec& ai = *sc_.sites[site].edge_ai;
  auto image = ai::pack_model_image(ai.model_dir);
  return {runtime::ota::make_manifest("model", ai.model.version, image, 8192, *key_), std::move(image)};
}

std::string Lifecycle::register_model(const std::string& dir, const std::string& parent, TimeUs now, const std::string& data_json) {
  const auto image = ai::pack_model_image(dir);
  const std::string sha = runtime::crypto::hex(runtime::crypto::sha256(image));
  write_file(fs::path(registry_dir_) / "blobs" / "sha256" / sha, image);
  const ai::ModelPackage p = ai::load_package(dir);
  ojson created = {{"created_s", static_cast<double>(now) * 1e-6}, {"parent", parent.empty() ? ojson() : ojson(parent)},
                   {"data", ojson::parse(data_json)}, {"threshold", p.manifest.threshold}, {"validation", p.manifest.validation}};
  registry_.push_back({p.manifest.model_id, p.manifest.version, parent, dir, sha, created.dump()});
  return sha;
}

void Lifecycle::write_registry_index() const {
  if (registry_dir_.empty()) return;
  ojson models = ojson::object();
  for (const RegistryEntry& e : registry_) {
    ojson v = ojson::parse(e.created_json);
    ojson entry = {{"version", e.version}, {"image", "sha256:" + e.image_sha256}};
    for (auto it = v.begin(); it != v.end(); ++it) entry[it.key()] = it.value();
    // The registry's copy of the package: relative to the registry when it is one of its own.
    const fs::path rel = fs::path(e.dir).lexically_relative(registry_dir_);
    entry["package"] = !rel.empty() && *rel.begin() != ".." ? rel.generic_string() : fs::path(e.dir).filename().string();
    models[e.model_id].push_back(entry);
  }
  const std::string text = ojson{{"format", "twinbench-registry/1"}, {"models", models}}.dump(2) + "\n";
  write_file(fs::path(registry_dir_) / "index.json", std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void Lifecycle::command(std::uint32_t gateway, const std::string& json_text, std::uint64_t extra_wire_bytes) {
  outbox_.push_back({gateway, "tb/cloud/" + refs_[gateway].name + "/ota", {json_text.begin(), json_text.end()}, extra_wire_bytes});
}

void Lifecycle::send_chunks(std::size_t k, std::uint32_t gateway, std::uint32_t from, TimeUs now) {
  const Artifact& a = *artifacts_[k];
  // One PUBLISH per chunk, in order (the gateway takes only the next chunk it needs; the WAN keeps order).
  const std::string topic = "tb/cloud/" + refs_[gateway].name + "/ota/chunk";
  std::uint64_t bytes = 0;
  for (std::uint32_t i = from; i < a.manifest.chunks(); ++i) {
    std::vector<std::uint8_t> p(8);
    for (int b = 0; b < 4; ++b) {
      p[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(k >> (8 * b));
      p[4 + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(i >> (8 * b));
    }
    const std::size_t at = std::size_t{i} * a.manifest.chunk_size;
    p.insert(p.end(), a.image.begin() + static_cast<std::ptrdiff_t>(at),
             a.image.begin() + static_cast<std::ptrdiff_t>(std::min(a.image.size(), at + a.manifest.chunk_size)));
    bytes += runtime::mqtt::publish_size(topic.size(), p.size(), 0);
    outbox_.push_back({gateway, topic, std::move(p), 0});
  }
  if (bytes > 0) emit(now, gateway, runtime::kNoConn, ev::OtaBytes{.rollout = static_cast<std::int64_t>(k), .wan = static_cast<std::int64_t>(bytes)});
}

void Lifecycle::start_rollout(const RolloutSpec& spec, std::vector<RolloutTarget> targets, TimeUs now) {
  const auto k = static_cast<std::uint32_t>(rollouts_.size());
  auto a = std::make_unique<Artifact>();
  a->spec = spec;
  const bool model = spec.artifact == RolloutSpec::Artifact::model;
  const std::string kind = model ? "model" : "firmware";
  if (model) {
    a->image = ai::pack_model_image(spec.model_dir);
    if (model_version_index(spec.version) == model_versions_.size()) model_versions_.push_back(spec.version);
    a->version = model_version_index(spec.version);
  } else {
    a->image.resize(spec.size_bytes);  // the firmware's bytes: only their hash travels in the manifest
    core::RngStream fill = rng_.stream("ota/firmware", k);
    for (auto& b : a->image) b = static_cast<std::uint8_t>(fill.below(256));
    a->version = firmware_version_index(spec.version);
  }
  const SigningKey forger = key_from("not the cloud");
  a->manifest = runtime::ota::make_manifest(kind, spec.version, a->image, spec.chunk_bytes,
                                            spec.tampered == RolloutSpec::Tamper::manifest ? forger : *key_);
  a->manifest_json = a->manifest.to_json();
  if (spec.tampered == RolloutSpec::Tamper::image && !a->image.empty()) a->image[a->image.size() / 2] ^= 0x5a;  // altered after signing
  if (!model) a->firmware = std::make_shared<const SharedImage>(std::exchange(a->image, {}));
  core::RngStream shuffle = rng_.stream("ota/rollout", k);
  for (std::size_t i = targets.size(); i > 1; --i) std::swap(targets[i - 1], targets[shuffle.below(i)]);
  audit(now, "rollout_started",
        ojson{{"rollout", k}, {"artifact", kind}, {"version", spec.version}, {"size", a->manifest.size}, {"sha256", runtime::crypto::hex(a->manifest.sha256)},
              {"targets", targets.size()}, {"canary_percent", spec.waves.canary_percent}, {"batch_percent", spec.waves.batch_percent},
              {"soak_s", spec.waves.soak_s}, {"max_failure_rate", spec.gate.max_failure_rate}}
            .dump());
  emit(now, 0, runtime::kNoConn,
       ev::RolloutStarted{.rollout = k, .artifact = model ? 1 : 0, .version = a->version, .targets = static_cast<std::int64_t>(targets.size())});
  artifacts_.push_back(std::move(a));
  rollouts_.push_back(std::make_unique<Rollout>(spec.artifact, spec.waves, spec.gate, std::move(targets), now));
  act(k, rollouts_.back()->step(now), now);
  drain_events(k, now);
}

void Lifecycle::act(std::size_t k, const std::vector<Rollout::Action>& actions, TimeUs now) {
  Artifact& a = *artifacts_[k];
  const bool model = a.spec.artifact == RolloutSpec::Artifact::model;
  for (const Rollout::Action& act : actions) {
    json j = {{"rollout", k}};
    switch (act.kind) {
      case Rollout::Action::Kind::dispatch:
        j["op"] = model ? "begin" : "distribute";
        j["manifest"] = json::parse(a.manifest_json);
        if (!model) {
          j["devices"] = act.devices;
          const bool fetch = a.has_image.insert(act.gateway).second;  // the gateway fetches the image once
          const std::uint64_t extra = fetch ? a.manifest.size : 0;
          command(act.gateway, j.dump(), extra);
          if (extra) emit(now, act.gateway, runtime::kNoConn, ev::OtaBytes{.rollout = static_cast<std::int64_t>(k), .wan = static_cast<std::int64_t>(extra)});
          continue;
        }
        break;
      case Rollout::Action::Kind::health_query: j["op"] = "status"; break;
      case Rollout::Action::Kind::revert:
        j["op"] = "revert";
        if (!model) j["devices"] = act.devices;
        break;
    }
    command(act.gateway, j.dump());
  }
}

void Lifecycle::drain_events(std::size_t k, TimeUs now) {
  Rollout& r = *rollouts_[k];
  Artifact& a = *artifacts_[k];
  for (const Rollout::WaveEvent& e : r.take_wave_events()) {
    emit(now, 0, runtime::kNoConn,
         ev::RolloutWave{.rollout = static_cast<std::int64_t>(k), .wave = e.wave, .targets = e.targets, .what = static_cast<std::int64_t>(e.what)});
    if (e.what == Rollout::WaveEvent::What::started) {
      audit(now, "wave_started", ojson{{"rollout", k}, {"wave", e.wave}, {"targets", e.targets}}.dump());
    } else {
      ojson g = {{"rollout", k}, {"wave", e.wave}, {"targets", e.gate.targets}, {"failed", e.gate.failed}, {"failure_rate", e.gate.failure_rate}};
      if (e.gate.alert_rate_per_device_h >= 0) g["alert_rate_per_device_h"] = e.gate.alert_rate_per_device_h;
      if (e.gate.inference_error >= 0) g["inference_error"] = e.gate.inference_error;
      if (!e.gate.passed) g["reason"] = e.gate.reason;
      audit(now, e.gate.passed ? "gate_passed" : "gate_failed", g.dump());
    }
  }
  if (r.phase() != Rollout::Phase::running && !a.done_reported) {
    a.done_reported = true;
    const bool halted = r.phase() == Rollout::Phase::halted;
    emit(now, 0, runtime::kNoConn,
         ev::RolloutDone{.rollout = static_cast<std::int64_t>(k), .state = halted ? 2 : 1, .waves = static_cast<std::int64_t>(r.waves()),
                         .committed = static_cast<std::int64_t>(r.count(TargetState::committed))});
    audit(now, halted ? "rollout_halted" : "rollout_completed",
          ojson{{"rollout", k}, {"version", a.spec.version}, {"committed", r.count(TargetState::committed)},
                {"rolled_back", r.count(TargetState::rolled_back)}, {"failed", r.count(TargetState::failed)},
                {"untouched", r.count(TargetState::waiting)}}
              .dump());
  }
}

void Lifecycle::step(TimeUs now) {
  if (retrain_at_us_ >= 0 && now >= retrain_at_us_) {
    retrain_at_us_ = -1;
    if (!training_running_) start_training(now);
  }
  while (next_scheduled_ < schedule_.size() && us(sc_.lifecycle.rollouts[schedule_[next_scheduled_]].at_s) <= now) {
    const RolloutSpec& spec = sc_.lifecycle.rollouts[schedule_[next_scheduled_++]];
    std::vector<RolloutTarget> targets;
    for (std::uint32_t g = 0; g < refs_.size(); ++g) {
      const SiteSpec& site = sc_.sites[refs_[g].site];
      if (spec.site && *spec.site != refs_[g].site) continue;
      if (spec.artifact == RolloutSpec::Artifact::model) {
        if (site.edge_ai) targets.push_back({g, runtime::kNoConn});
      } else {
        for (std::uint32_t d = 0; d < devices_[g]; ++d) targets.push_back({g, d});
      }
    }
    start_rollout(spec, std::move(targets), now);
  }
  for (std::size_t k = 0; k < rollouts_.size(); ++k) {
    if (rollouts_[k]->next_us() > now) continue;
    act(k, rollouts_[k]->step(now), now);
    drain_events(k, now);
  }
}

TimeUs Lifecycle::next_us() const {
  TimeUs t = next_scheduled_ < schedule_.size() ? us(sc_.lifecycle.rollouts[schedule_[next_scheduled_]].at_s) : kNever;
  if (retrain_at_us_ >= 0) t = std::min(t, retrain_at_us_);
  for (const auto& r : rollouts_) t = std::min(t, r->next_us());
  return t;
}

void Lifecycle::on_ota(std::uint32_t g, std::span<const std::uint8_t> payload, TimeUs now) {
  const json doc = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (!doc.is_object() || !doc.contains("reports")) return;
  for (const json& r : doc["reports"]) {
    const auto k = r.value("rollout", std::size_t{0});
    if (k >= rollouts_.size()) continue;
    Rollout& ro = *rollouts_[k];
    const Artifact& a = *artifacts_[k];
    if (r.contains("devices")) {  // firmware outcomes of devices
      for (const json& d : r["devices"]) {
        const auto device = d.at(0).get<runtime::ConnId>();
        const runtime::OtaState s = state_of(d.at(1).get<std::string>());
        const TargetState* before = ro.state_of({g, device});
        const bool reverting = before && *before == TargetState::committed && s == runtime::OtaState::rollback;
        ro.on_outcome({g, device}, target_state(s), now);
        emit(now, g, device, outcome(k, s, a.version, reverting));
      }
      continue;
    }
    const std::string state = r.value("state", "");
    if (state == "failure" && a.spec.artifact == RolloutSpec::Artifact::firmware) {  // the gateway refused the job
      ro.fail_gateway(g, now);
      emit(now, g, runtime::kNoConn, outcome(k, runtime::OtaState::failure, a.version, false));
      continue;
    }
    if (a.spec.artifact != RolloutSpec::Artifact::model) continue;
    if (state == "download") {
      send_chunks(k, g, r.value("next_chunk", 0u), now);
    } else if (state == "commit" || state == "rollback" || state == "failure") {
      const runtime::OtaState s = state_of(state);
      const TargetState* before = ro.state_of({g, runtime::kNoConn});
      const bool reverting = before && *before == TargetState::committed && s == runtime::OtaState::rollback;
      if (before && (*before == TargetState::dispatched || reverting)) {
        ro.on_outcome({g, runtime::kNoConn}, target_state(s), now);
        emit(now, g, runtime::kNoConn, outcome(k, s, a.version, reverting));
      }
    }
    if (state == "status" && r.contains("health")) {
      const json& h = r["health"];
      ro.on_health(g, ModelHealth{static_cast<double>(now - h.value("since_us", TimeUs{0})) / 3.6e9, h.value("windows", std::uint64_t{0}),
                                  h.value("over_threshold", std::uint64_t{0}), h.value("alerts", std::uint64_t{0}), h.value("devices", std::uint64_t{0})});
    }
  }
  step(now);
}

void Lifecycle::on_alert(std::uint32_t gateway, runtime::ConnId device, TimeUs now) {
  for (auto& r : rollouts_) r->on_alert(gateway, device, now);
}

void Lifecycle::on_records(std::uint32_t g, std::span<const std::uint8_t> payload, TimeUs now) {
  const auto& policy = sc_.lifecycle.retraining;
  const SiteSpec& site = sc_.sites[refs_[g].site];
  if (!policy || !site.edge_ai) return;
  const auto& positions = site.edge_ai->positions;
  runtime::for_each_uplink_record(payload, [&](std::uint64_t, std::uint32_t conn, std::span<const std::uint8_t> rec) {
    runtime::RecordHeader h;
    if (conn >= policy->devices_per_gateway || !runtime::decode_record_header(rec, h)) return;
    Samples& s = data_[{g, conn}];
    s.t.push_back(h.t_us);
    for (std::uint16_t p : positions) s.values.push_back(p < h.channels ? runtime::record_value(rec, p) : std::nanf(""));
    while (!s.t.empty() && s.t.front() < now - us(policy->data_window_s)) {
      s.t.pop_front();
      s.values.erase(s.values.begin(), s.values.begin() + static_cast<std::ptrdiff_t>(positions.size()));
    }
  });
}

void Lifecycle::on_drift(std::uint32_t g, std::span<const std::uint8_t>, TimeUs now) {
  drift_at_[g] = now;
  maybe_retrain(now);
}

void Lifecycle::maybe_retrain(TimeUs now) {
  const auto& policy = sc_.lifecycle.retraining;
  if (!policy || training_running_ || model_versions_.empty()) return;
  if (last_retrain_us_ >= 0 && now - last_retrain_us_ < us(policy->cooldown_s)) return;
  for (const auto& r : rollouts_)
    if (r->artifact() == RolloutSpec::Artifact::model && r->phase() == Rollout::Phase::running) return;
  std::uint32_t agreeing = 0;
  for (const auto& [g, t] : drift_at_) agreeing += t >= now - us(policy->within_s);
  if (agreeing < policy->min_gateways || retrain_at_us_ >= 0) return;
  last_retrain_us_ = now;
  trigger_gateways_ = agreeing;
  if (policy->settle_s > 0) {
    retrain_at_us_ = now + us(policy->settle_s);
    audit(now, "retraining_scheduled", ojson{{"gateways_reporting_drift", agreeing}, {"at_s", static_cast<double>(retrain_at_us_) * 1e-6}}.dump());
    return;
  }
  start_training(now);
}

void Lifecycle::start_training(TimeUs now) {
  const RetrainPolicy& policy = *sc_.lifecycle.retraining;
  const std::uint32_t agreeing = trigger_gateways_;
  const EdgeAiSpec* ai = nullptr;
  for (const SiteSpec& s : sc_.sites)
    if (s.edge_ai) ai = ai ? ai : &*s.edge_ai;
  const auto channels = static_cast<std::uint32_t>(ai->positions.size());
  const auto steps = static_cast<std::uint32_t>(std::llround(policy.data_window_s / std::max(1e-9, ai->model.period_s > 0 ? ai->model.period_s : 10.0)));
  TrainingJob job;
  job.model_id = ai->model.model_id;
  job.version = next_version(model_versions_.back());
  job.parent_dir = current_model_dir_;
  job.out_dir = (fs::path(registry_dir_) / "packages" / job.model_id / job.version).string();
  job.gateways = agreeing;
  job.from_us = std::max<TimeUs>(0, now - us(policy.data_window_s));
  job.to_us = now;
  job.data.channels = channels;
  job.data.steps = steps;
  job.data.period_s = ai->model.period_s;
  for (const auto& [key, s] : data_) {
    if (s.t.size() < 2u * ai->model.features.window) continue;
    const std::size_t have = std::min<std::size_t>(s.t.size(), steps);
    job.data.values.insert(job.data.values.end(), std::size_t{steps - have} * channels, std::nanf(""));  // missing at the start
    job.data.values.insert(job.data.values.end(), s.values.end() - static_cast<std::ptrdiff_t>(have * channels), s.values.end());
    ++job.data.devices;
  }
  ojson details = {{"model", job.model_id}, {"version", job.version}, {"parent", model_versions_.back()}, {"gateways_reporting_drift", agreeing},
                   {"devices", job.data.devices}, {"samples_per_device", steps}, {"from_s", static_cast<double>(job.from_us) * 1e-6},
                   {"to_s", static_cast<double>(now) * 1e-6}};
  if (job.data.devices < 2) {
    details["reason"] = "too little data: fewer than two devices with a window's worth";
    audit(now, "retraining_skipped", details.dump());
    return;
  }
  audit(now, "retraining_started", details.dump());
  training_running_ = true;
  training_ = std::move(job);
}

void Lifecycle::trained(const TrainingJob& job, double flops, TimeUs started_us, TimeUs now) {
  training_running_ = false;
  const std::string parent = model_versions_.back();
  const std::string data = ojson{{"from_s", static_cast<double>(job.from_us) * 1e-6}, {"to_s", static_cast<double>(job.to_us) * 1e-6},
                                 {"devices", job.data.devices}, {"gateways_reporting_drift", job.gateways}}
                               .dump();
  const std::string sha = register_model(job.out_dir, parent, now, data);
  model_versions_.push_back(job.version);
  current_model_dir_ = job.out_dir;
  const ai::ModelPackage p = ai::load_package(job.out_dir);
  emit(now, 0, runtime::kNoConn,
       ev::ModelTrained{.version = static_cast<std::int64_t>(model_version_index(job.version)),
                        .windows = p.manifest.training.value("windows", std::int64_t{0}), .training_us = now - started_us,
                        .flops = static_cast<std::int64_t>(flops)});
  audit(now, "model_registered",
        ojson{{"model", job.model_id}, {"version", job.version}, {"parent", parent}, {"image", "sha256:" + sha}, {"threshold", p.manifest.threshold},
              {"training_cpu_s", static_cast<double>(now - started_us) * 1e-6}, {"validation", p.manifest.validation}}
            .dump());
  const RetrainPolicy& policy = *sc_.lifecycle.retraining;
  RolloutSpec spec;
  spec.artifact = RolloutSpec::Artifact::model;
  spec.version = job.version;
  spec.model_dir = job.out_dir;
  spec.chunk_bytes = policy.chunk_bytes;
  spec.waves = policy.waves;
  spec.gate = policy.gate;
  std::vector<RolloutTarget> targets;
  for (std::uint32_t g = 0; g < refs_.size(); ++g)
    if (const auto& ai = sc_.sites[refs_[g].site].edge_ai; ai && ai->model.model_id == job.model_id) targets.push_back({g, runtime::kNoConn});
  start_rollout(spec, std::move(targets), now);
}

void Lifecycle::training_failed(const TrainingJob& job, const std::string& why, TimeUs now) {
  training_running_ = false;
  audit(now, "retraining_failed", ojson{{"model", job.model_id}, {"version", job.version}, {"reason", why}}.dump());
}

DeviceOta::Job Lifecycle::device_job(std::uint32_t k, std::uint32_t gateway, std::uint32_t devices) const {
  const Artifact& a = *artifacts_.at(k);
  DeviceOta::Job j{k, a.version, a.manifest, a.firmware, std::vector<std::uint8_t>(devices, 0)};
  core::RngStream crash = rng_.stream("ota/crash/" + std::to_string(k), gateway);
  for (auto& c : j.crashes) c = crash.uniform() < a.spec.crash_fraction;
  return j;
}

}  // namespace twinbench::sim
