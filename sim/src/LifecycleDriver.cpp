#include "LifecycleDriver.hpp"

#include "twinbench/runtime/AlertBook.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "twinbench/ai/ModelImage.hpp"
#include "twinbench/ai/Retraining.hpp"
#include "Cloud.hpp"
#include "twinbench/sim/Events.hpp"

namespace twinbench::sim {

namespace sg4 = simgrid::s4u;
namespace fs = std::filesystem;
using runtime::TimeUs;

namespace {
TimeUs now_us() { return to_us(sg4::Engine::get_clock()); }
bool has_firmware(const Scenario& sc) {
  return std::any_of(sc.lifecycle.rollouts.begin(), sc.lifecycle.rollouts.end(),
                     [](const RolloutSpec& r) { return r.artifact == RolloutSpec::Artifact::firmware; });
}
}  // namespace

LifecycleDriver::LifecycleDriver(const Scenario& sc, const RunOptions& opt, runtime::Sink& sink, std::vector<std::unique_ptr<GatewayNode>>& nodes,
                                 const core::Rng& rng)
    : sc_(sc), opt_(opt), sink_(sink), nodes_(nodes), rng_(rng) {
  if (!sc.lifecycle.any()) return;
  registry_dir_ = opt.registry_dir.empty() ? (fs::temp_directory_path() / ("twinbench-registry-" + std::to_string(::getpid()))).string() : opt.registry_dir;
  std::vector<std::uint32_t> devices;
  for (const GatewayRef& g : sc.gateways()) devices.push_back(sc.sites[g.site].devices_per_gateway_all());
  cloud_ = std::make_unique<Lifecycle>(sc, std::move(devices), rng, registry_dir_, sink, audit_);
  // The gateways unpack model images in a scratch folder of the process (named by content, so it never
  // reaches the results).
  loader_ = ai::model_image_loader((fs::temp_directory_path() / ("twinbench-models-" + std::to_string(::getpid()))).string());
  base_images_.resize(sc.sites.size());
}

LifecycleDriver::~LifecycleDriver() = default;

void LifecycleDriver::add_hosts(sg4::NetZone& cloud_zone) {
  if (sc_.lifecycle.retraining) trainer_host_ = cloud_zone.create_host("cloud-trainer", sc_.lifecycle.retraining->cloud_flops);
}

void LifecycleDriver::configure(GatewayNode& n, runtime::EdgeConfig& ec) {
  const SiteSpec& site = *n.site;
  if (ec.detector && sc_.lifecycle.drift) {
    ec.detector->drift = *sc_.lifecycle.drift;
    ec.detector->drift_reference = site.edge_ai->model.reference;
  }
  if (!cloud_) return;
  runtime::OtaConfig oc;
  oc.trusted = cloud_->public_key();
  oc.boot_limit = sc_.lifecycle.devices.boot_limit;
  if (site.edge_ai) {  // the model's slot A holds the scenario's model, signed by the cloud
    const std::size_t s = static_cast<std::size_t>(n.site - sc_.sites.data());
    if (base_images_[s].second.empty()) base_images_[s] = cloud_->base_model_image(s);
    runtime::ota::Device(n.storage, cloud_->public_key()).provision(base_images_[s].first, base_images_[s].second);
    oc.load_model = loader_;
  }
  if (has_firmware(sc_)) {
    n.ota = std::make_unique<DeviceOta>(n.fleet->size(), sc_.lifecycle.devices, cloud_->device_factory());
    GatewayNode* node = &n;
    oc.firmware_job = [this, node](const runtime::FirmwareJob& job) {
      node->ota->add(cloud_->device_job(job.rollout, node->index, node->fleet->size()), job.devices, node->clock->now_us());
    };
    oc.firmware_revert = [node](std::uint32_t rollout, std::span<const runtime::ConnId> devices) {
      node->ota->revert(rollout, std::vector<runtime::ConnId>(devices.begin(), devices.end()), node->clock->now_us());
    };
  }
  ec.ota = std::move(oc);
}

void LifecycleDriver::schedule(const At& at) {
  for (std::size_t k = 0; k < sc_.drift_injections.size(); ++k) {
    const DriftInjection& d = sc_.drift_injections[k];
    std::vector<GatewayNode*> scope;
    for (auto& n : nodes_)
      if (!d.site || *d.site == static_cast<std::size_t>(n->site - sc_.sites.data())) scope.push_back(n.get());
    std::vector<std::pair<GatewayNode*, std::uint32_t>> affected;  // (node, devices)
    if (d.kind == DriftInjection::Kind::ambient_shift) {
      for (GatewayNode* n : scope) {
        n->fleet->physics().add_ambient_shift(d.at_s, d.ramp_s, d.delta_c);
        affected.emplace_back(n, n->fleet->size());
      }
    } else {  // some devices: round(fraction x devices in scope), picked as asset faults are
      std::vector<std::pair<std::size_t, std::uint32_t>> devices;
      for (std::size_t i = 0; i < scope.size(); ++i)
        for (std::uint32_t dev = 0; dev < scope[i]->fleet->size(); ++dev) devices.emplace_back(i, dev);
      const auto count = static_cast<std::size_t>(std::llround(d.fraction * static_cast<double>(devices.size())));
      core::RngStream pick = rng_.stream("faults/drift", k);
      for (std::size_t i = 0; i < count; ++i) std::swap(devices[i], devices[i + pick.below(devices.size() - i)]);
      devices.resize(count);
      std::sort(devices.begin(), devices.end());
      for (const auto& [i, dev] : devices) {
        FleetCore& f = *scope[i]->fleet;
        if (d.kind == DriftInjection::Kind::sensor_bias_creep)
          f.add_sensor_creep(dev, *scope[i]->site->asset->descriptor.channel(d.channel), d.at_s, d.per_day / 86'400.0);
        else f.physics().set_variant(dev, d.at_s, d.current_scale, d.temp_rise_c);
        if (affected.empty() || affected.back().first != scope[i]) affected.emplace_back(scope[i], 0);
        ++affected.back().second;
      }
    }
    at(d.at_s, [this, affected, kind = d.kind] {
      for (const auto& [n, count] : affected)
        sink_.emit(now_us(), n->index, runtime::kNoConn, ev::DriftOnset{.drift = static_cast<std::int64_t>(kind), .devices = count});
    });
  }
  if (!cloud_) return;
  const bool firmware = has_firmware(sc_);
  const bool models = std::any_of(sc_.sites.begin(), sc_.sites.end(), [](const SiteSpec& s) { return s.edge_ai.has_value(); });
  for (double t = 0; t <= sc_.duration_s + 1e-9; t += sc_.lifecycle.versions_interval_s)
    at(t, [this, firmware, models] {
      const TimeUs now = now_us();
      // Per gateway: its devices' firmware, and its own model.
      const auto share = [&](const GatewayNode& n, std::int64_t artifact, const std::vector<std::int64_t>& count, std::int64_t total) {
        for (std::size_t v = 0; v < count.size(); ++v)
          sink_.emit(now, n.index, runtime::kNoConn,
                     ev::VersionShare{.artifact = artifact, .version = static_cast<std::int64_t>(v), .units = count[v], .total = total});
      };
      for (auto& n : nodes_) {
        if (firmware) {
          std::vector<std::int64_t> count(cloud_->firmware_versions().size(), 0);
          for (std::uint32_t d = 0; d < n->fleet->size(); ++d) ++count[n->ota ? n->ota->version(d) : 0];
          share(*n, 0, count, n->fleet->size());
        }
        if (models && n->site->edge_ai) {
          std::vector<std::int64_t> count(cloud_->model_versions().size(), 0);
          if (n->runtime) n->model_version = cloud_->model_version_index(n->runtime->model_version());
          if (n->model_version < count.size()) ++count[n->model_version];
          share(*n, 1, count, 1);
        }
      }
    });
}

void LifecycleDriver::cloud_step(TimeUs now) {
  if (!cloud_) return;
  cloud_->step(now);
  pump(now);
}

TimeUs LifecycleDriver::cloud_next_us(TimeUs now) const {
  // The rollouts' timers (waves, retries, soaks): checked at least every 10 simulated seconds (a retraining
  // that finished is taken then), and at once when the cloud hears something (on_cloud_publish).
  if (!cloud_) return std::numeric_limits<TimeUs>::max();
  return std::max(now + 1, std::min(cloud_->next_us(), now + 10'000'000));
}

void LifecycleDriver::pump(TimeUs now) {
  // What the lifecycle sends a gateway goes through the cloud's broker, one PUBLISH at a time.
  publisher_->clock().advance_to(now);
  for (const CloudMessage& m : cloud_->take_outbox()) publisher_->publish(m.gateway, m.topic, m.payload, m.extra_wire_bytes);
  if (auto job = cloud_->take_training()) train(std::move(*job));
}

void LifecycleDriver::train(TrainingJob job) {
  sg4::Actor::create("trainer", trainer_host_, [this, job = std::move(job)] {
    const TimeUs started = now_us();
    const RetrainPolicy& policy = *sc_.lifecycle.retraining;
    ai::RetrainSpec spec;
    spec.version = job.version;
    spec.seed = sc_.seed * 1000 + cloud_->model_versions().size();
    spec.epochs = policy.epochs;
    spec.learning_rate = policy.learning_rate;
    spec.data = {{"from_s", static_cast<double>(job.from_us) * 1e-6}, {"to_s", static_cast<double>(job.to_us) * 1e-6}, {"devices", job.data.devices}};
    try {
      // Real training (libtorch, here and now), then its arithmetic on the cloud's simulated CPU.
      const ai::Manifest m = ai::retrain(spec, job.parent_dir, job.data, job.out_dir);
      const double flops = m.training.value("flops", 0.0);
      sg4::this_actor::execute(flops);
      cloud_->trained(job, flops, started, now_us());
    } catch (const std::exception& e) {
      cloud_->training_failed(job, e.what(), now_us());
    }
    // Its rollout goes out at the cloud's next step (within 10 s): only the cloud's actor sends.
  });
}

void LifecycleDriver::on_cloud_publish(std::uint32_t gateway, std::string_view topic, std::span<const std::uint8_t> payload) {
  if (!cloud_) return;
  const TimeUs now = now_us();
  if (topic.starts_with("tb/drift/")) cloud_->on_drift(gateway, payload, now);
  else if (topic.starts_with("tb/ota/")) cloud_->on_ota(gateway, payload, now);
  else return;
  pump(now);
}

void LifecycleDriver::on_records(std::uint32_t gateway, std::span<const std::uint8_t> payload) {
  if (cloud_) cloud_->on_records(gateway, payload, now_us());
}

void LifecycleDriver::on_alert(std::uint32_t gateway, runtime::ConnId device, std::int64_t rule, std::int64_t severity, runtime::TimeUs raised_us) {
  // The operator acknowledges every alert that reaches the cloud, with the record a person at
  // twinbench-edge's console writes (runtime::acknowledgement_details): who, which, when.
  std::string client = "d";  // += : GCC 12 warns falsely (-Wrestrict) on "d" + to_string
  client += std::to_string(device);
  const GatewayNode& n = *nodes_[gateway];
  const auto& rules = n.edge_config.rules.rules;
  const std::string name = rule >= 0 && static_cast<std::size_t>(rule) < rules.size() ? rules[static_cast<std::size_t>(rule)].name : std::to_string(rule);
  audit_.source(gateway).record(now_us(), "cloud/operator", "alert_acknowledged",  // the gateway's alert: in its records' order
                runtime::acknowledgement_details(n.gateway_host->get_name(), client, name, static_cast<runtime::Severity>(severity), raised_us,
                                                 std::nullopt, "operator"));
  if (cloud_) cloud_->on_alert(gateway, device, now_us());
}

void LifecycleDriver::node_step(GatewayNode& n) {
  if (!n.ota) return;
  n.ota->step(n.clock->now_us());
  for (const DeviceOta::Reboot& r : n.ota->take_reboots()) n.fleet->suspend(r.device, r.until_us);
  for (const DeviceOta::Outcome& o : n.ota->take_outcomes()) n.outcomes_pending.push_back(o);
  if (!n.runtime) return;  // outcomes wait for the gateway, and so do downloads
  for (const DeviceOta::Outcome& o : n.outcomes_pending) n.runtime->firmware_outcome(o.rollout, o.device, o.state, o.reason);
  n.outcomes_pending.clear();
  if (!n.links.access_up) return;
  for (const DeviceOta::Transfer& t : n.ota->start_transfers()) {
    // A chunk is an MQTT PUBLISH of its bytes over TCP: 40 bytes of headers per segment, 20 of MQTT.
    const double wire = t.bytes + 20.0 + 40.0 * std::ceil((t.bytes + 20.0) / 1460.0);
    start_on_access(n, wire, {nullptr, nullptr, Hop::ota_chunk, t});
  }
}

TimeUs LifecycleDriver::node_next_us(const GatewayNode& n) const {
  return n.ota ? n.ota->next_us() : std::numeric_limits<TimeUs>::max();
}

void LifecycleDriver::chunk_arrived(GatewayNode& n, const InFlight& f) {
  const bool ok = n.links.access_up;  // the link went down on the way: the device asks for it again
  n.ota->chunk_done(f.chunk.device, f.chunk.chunk, ok, now_us());
  if (ok) sink_.emit(now_us(), n.index, f.chunk.device, ev::OtaBytes{.rollout = f.chunk.rollout, .access = f.chunk.bytes});
}

void LifecycleDriver::node_end(GatewayNode& n) {
  if (!n.ota || !cloud_) return;
  for (std::uint32_t k = 0; k < cloud_->rollouts(); ++k)
    if (const std::uint32_t ran = n.ota->ran(k)) sink_.emit(now_us(), n.index, runtime::kNoConn, ev::OtaRan{.rollout = k, .devices = ran});
}

void LifecycleDriver::finish() {
  if (cloud_) cloud_->write_registry_index();
  if (opt_.lifecycle) {
    if (cloud_) {
      opt_.lifecycle->model_versions = cloud_->model_versions();
      opt_.lifecycle->firmware_versions = cloud_->firmware_versions();
    }
    opt_.lifecycle->audit = audit_.text();
    opt_.lifecycle->audit_head = audit_.run_head();
    opt_.lifecycle->audit_records = audit_.lines();
  }
  std::error_code ec;
  fs::remove_all(fs::temp_directory_path() / ("twinbench-models-" + std::to_string(::getpid())), ec);
  if (opt_.registry_dir.empty() && !registry_dir_.empty()) fs::remove_all(registry_dir_, ec);
}

}  // namespace twinbench::sim
