// The edge runtime's over-the-air updates and audit records (ModelUpdates.hpp; protocol in docs/ota.md).
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>

#include "twinbench/runtime/EdgeRuntime.hpp"

namespace twinbench::runtime {

using json = nlohmann::json;

std::string_view to_string(OtaState s) {
  switch (s) {
    case OtaState::download: return "download";
    case OtaState::install: return "install";
    case OtaState::reboot: return "reboot";
    case OtaState::verify: return "verify";
    case OtaState::commit: return "commit";
    case OtaState::rollback: return "rollback";
    case OtaState::failure: return "failure";
  }
  return "?";
}

void EdgeRuntime::audit(std::string_view action, const std::string& details_json) {
  if (ports_.audit) ports_.audit->record(ports_.clock.now_us(), "gateway/" + config_.name, action, details_json);
}

const std::string& EdgeRuntime::model_version() const {
  static const std::string none;
  return config_.detector ? config_.detector->model_version : none;
}

void EdgeRuntime::make_detector() {
  detector_ = new_detector(*config_.detector, config_.scorer, true);
  model_since_us_ = ports_.clock.now_us();
  alerts_since_model_ = 0;
}

std::unique_ptr<AnomalyDetector> EdgeRuntime::new_detector(const DetectorConfig& config, std::shared_ptr<Scorer> scorer, bool own) {
  // A site baseline learned by this model here survives restarts in the gateway's storage: a reboot must
  // not leave the site without alerts for another learning period.
  DetectorConfig d = config;
  const std::string key = "baseline/" + d.model_id + "/" + d.model_version;
  if (d.baseline && ports_.storage) {
    std::vector<std::uint8_t> bytes;
    if (ports_.storage->read(key, bytes) == StorageStatus::ok && bytes.size() == sizeof(double)) {
      double t = 0;
      std::memcpy(&t, bytes.data(), sizeof t);
      if (std::isfinite(t) && t > 0) d.restored_threshold = t;
    }
  }
  const auto learned = [this, key, model = d.model_id, version = d.model_version](double threshold, std::uint64_t windows) {
    if (ports_.storage) {
      std::uint8_t bytes[sizeof threshold];
      std::memcpy(bytes, &threshold, sizeof threshold);
      if (ports_.storage->write(key, bytes) != StorageStatus::ok || ports_.storage->sync() != StorageStatus::ok)
        audit("baseline_not_stored", json{{"key", key}}.dump());
    }
    audit("baseline_learned", json{{"model", model}, {"version", version}, {"threshold", threshold}, {"windows", windows}}.dump());
  };
  return std::make_unique<AnomalyDetector>(
      d, std::move(scorer), config_.rules, ports_.clock, ports_.compute, ports_.sink, config_.gateway_index,
      [this, own](const AlertChange& a) { on_alert(a, own); }, [this, config](const drift::Finding& f) { on_drift(config, f); }, learned);
}

bool EdgeRuntime::use_model(std::span<const std::uint8_t> image, std::string& why) {
  if (!config_.ota->load_model) {
    why = "this gateway takes no model updates";
    return false;
  }
  auto m = config_.ota->load_model(image, why);
  if (!m) return false;
  DetectorConfig& d = *config_.detector;
  if (m->layout.channels != d.layout.channels || !m->scorer || m->scorer->input_dim() != std::size_t{m->layout.channels} * m->layout.window) {
    why = "the model reads other channels than this gateway's detector feeds it";
    return false;
  }
  // The health check of a model: it scores a window of training means, and the score is a number.
  std::vector<float> x(m->scorer->input_dim(), 0.0f), score(1);
  m->scorer->score(x, 1, score);
  if (!std::isfinite(score[0])) {
    why = "the model's score of a healthy window is not a number";
    return false;
  }
  d.model_id = m->model_id;
  d.model_version = m->version;
  d.model_threshold = m->threshold;
  d.layout = m->layout;
  d.drift_reference = m->reference;
  config_.scorer = m->scorer;
  make_detector();
  return true;
}

void EdgeRuntime::boot_model() {
  if (!model_slots_ || !detector_) return;
  const auto b = model_slots_->boot();
  if (!b) return;  // nothing provisioned: the configured model stays
  std::string why;
  if (b->trial) {
    const std::string version = b->version;
    if (use_model(model_slots_->image(b->slot), why) && model_slots_->commit() == ota::Status::ok) {
      audit("ota_committed", json{{"artifact", "model"}, {"version", version}, {"rollout", model_rollout_}}.dump());
      report_ota(model_rollout_, "commit");
      return;
    }
    model_slots_->rollback();
    audit("ota_rolled_back", json{{"artifact", "model"}, {"version", version}, {"rollout", model_rollout_}, {"reason", why}}.dump());
    report_ota(model_rollout_, "rollback", why);
    return boot_model();  // the old slot again
  }
  if (b->version != config_.detector->model_version && !use_model(model_slots_->image(b->slot), why))
    audit("model_refused", json{{"version", b->version}, {"reason", why}}.dump());
}

void EdgeRuntime::report_ota(std::uint32_t rollout, std::string_view state, std::string_view reason, const ota::Manifest* about) {
  json r = {{"rollout", rollout}, {"artifact", about ? about->artifact : "model"}, {"state", state},
            {"version", about ? about->version : model_version()}};
  if (!reason.empty()) r["reason"] = reason;
  if (model_slots_ && model_slots_->downloading()) {
    r["downloading"] = model_slots_->downloading()->version;
    r["next_chunk"] = model_slots_->next_chunk().value_or(0);
  }
  if (detector_)
    r["health"] = {{"since_us", model_since_us_}, {"windows", detector_->windows_scored()}, {"over_threshold", detector_->windows_over_threshold()},
                   {"alerts", alerts_since_model_}, {"devices", broker_.connections() + (lwm2m_ ? lwm2m_->registrations() : 0)}};
  ota_reports_.push_back(r.dump());
  control_ready();
}

void EdgeRuntime::on_ota_command(std::span<const std::uint8_t> payload) {
  const json j = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (!j.is_object() || !j.contains("op") || !j["op"].is_string() || !j.contains("rollout") || !j["rollout"].is_number_unsigned()) {
    ++twin_refused_;  // counted with the other malformed cloud messages
    return;
  }
  const std::string op = j["op"].get<std::string>();
  const auto rollout = j["rollout"].get<std::uint32_t>();
  std::optional<ota::Manifest> m;
  if (j.contains("manifest")) m = ota::Manifest::from_json(j["manifest"].dump());
  auto fail = [&](const std::string& why) {
    audit("ota_refused", json{{"rollout", rollout}, {"op", op}, {"version", m ? m->version : ""}, {"reason", why}}.dump());
    report_ota(rollout, "failure", why, m ? &*m : nullptr);
  };
  if (op == "status") return report_ota(rollout, "status");
  if (op == "begin") {  // a model for this gateway
    if (!m || m->artifact != "model") return fail("expected a model manifest");
    if (!model_slots_ || !detector_ || !config_.ota->load_model) return fail("this gateway takes no model updates");
    if (m->version == model_version()) return report_ota(rollout, "commit");  // done before (the cloud asks again)
    const auto& d = model_slots_->downloading();
    if (d && d->version == m->version && d->sha256 == m->sha256) {  // resume where it stopped
      model_rollout_ = rollout;
      return report_ota(rollout, "download");
    }
    const ota::Status st = model_slots_->begin(*m);
    if (st != ota::Status::ok) return fail(std::string(ota::to_string(st)));
    model_rollout_ = rollout;
    audit("ota_download", json{{"rollout", rollout}, {"artifact", "model"}, {"version", m->version}, {"size", m->size}}.dump());
    return report_ota(rollout, "download");
  }
  if (op == "distribute") {  // firmware for some of this gateway's devices
    if (!m || m->artifact != "firmware") return fail("expected a firmware manifest");
    if (!config_.ota->firmware_job) return fail("this gateway distributes no firmware");
    const std::string bytes = m->signed_bytes();
    if (!crypto::verify(config_.ota->trusted, std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), m->signature))
      return fail(std::string(ota::to_string(ota::Status::bad_signature)));
    FirmwareJob job{rollout, *m, {}};
    for (const auto& d : j.value("devices", json::array()))
      if (d.is_number_unsigned()) job.devices.push_back(d.get<ConnId>());
    audit("ota_distribute", json{{"rollout", rollout}, {"artifact", "firmware"}, {"version", m->version}, {"devices", job.devices.size()}}.dump());
    config_.ota->firmware_job(job);
    return;
  }
  if (op == "revert") {
    if (j.contains("devices")) {  // firmware: the host reverts the devices
      std::vector<ConnId> devices;
      for (const auto& d : j["devices"])
        if (d.is_number_unsigned()) devices.push_back(d.get<ConnId>());
      audit("ota_revert", json{{"rollout", rollout}, {"artifact", "firmware"}, {"devices", devices.size()}}.dump());
      if (config_.ota->firmware_revert) config_.ota->firmware_revert(rollout, devices);
      return;
    }
    const std::string from = model_version();
    if (!model_slots_ || model_slots_->revert() != ota::Status::ok) return fail("nothing to revert to");
    boot_model();
    audit("ota_rolled_back", json{{"rollout", rollout}, {"artifact", "model"}, {"from", from}, {"to", model_version()}, {"reason", "ordered by the cloud"}}.dump());
    return report_ota(rollout, "rollback");
  }
  fail("unknown op '" + op + "'");
}

void EdgeRuntime::on_ota_chunk(std::span<const std::uint8_t> payload) {
  // [u32 rollout | u32 chunk index | bytes], little-endian. A chunk that is not the next one is dropped: the
  // cloud resumes from the next_chunk of the gateway's report.
  if (payload.size() < 8 || !model_slots_ || !model_slots_->downloading()) return;
  auto u32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(payload[at] | payload[at + 1] << 8 | payload[at + 2] << 16 | static_cast<std::uint32_t>(payload[at + 3]) << 24);
  };
  if (u32(0) != model_rollout_) return;
  if (model_slots_->write_chunk(u32(4), payload.subspan(8)) != ota::Status::ok) return;
  const ota::Manifest m = *model_slots_->downloading();
  if (model_slots_->next_chunk() != m.chunks()) return;
  const ota::Status st = model_slots_->install();
  if (st != ota::Status::ok) {
    audit("ota_refused", json{{"rollout", model_rollout_}, {"artifact", "model"}, {"version", m.version}, {"reason", ota::to_string(st)}}.dump());
    report_ota(model_rollout_, "failure", ota::to_string(st));
    return;
  }
  audit("ota_installed", json{{"rollout", model_rollout_}, {"artifact", "model"}, {"version", m.version}}.dump());
  boot_model();  // the model service restarts into the new slot, on trial
}

void EdgeRuntime::firmware_outcome(std::uint32_t rollout, ConnId device, OtaState state, std::string_view reason) {
  std::string& list = firmware_outcomes_[rollout];
  if (!list.empty()) list += ',';
  list += '[' + std::to_string(device) + ",\"" + std::string(to_string(state)) + "\"]";
  if (state == OtaState::commit || state == OtaState::rollback || state == OtaState::failure) {
    std::string client_id(broker_.client_id(device));
    json details = {{"rollout", rollout}, {"artifact", "firmware"}, {"device", client_id.empty() ? std::to_string(device) : client_id}};
    if (!reason.empty()) details["reason"] = reason;
    audit(state == OtaState::commit ? "ota_committed" : state == OtaState::rollback ? "ota_rolled_back" : "ota_failed", details.dump());
  }
  control_ready();
}

}  // namespace twinbench::runtime
