#include "twinbench/runtime/EdgeRuntime.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>

#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/runtime/opcua/PubSubJson.hpp"

namespace twinbench::runtime {
namespace {

mqtt::BrokerConfig broker_config(const EdgeConfig& c) {
  mqtt::BrokerConfig b = c.broker;
  b.gateway_index = c.gateway_index;
  b.packet_cost_flops = c.ingest_cost_flops;
  return b;
}

std::unique_ptr<const mqtt::Access> make_access(const EdgeConfig& c) {
  if (!c.access) return nullptr;
  mqtt::AccessConfig a = *c.access;
  a.gateway = c.name;
  a.control_topics.push_back("tb/cloud/" + c.name + "/#");  // '#' takes in tb/cloud/<name> itself
  for (const char* out : {"uplink", "alerts", "twin", "drift", "ota", "audit"}) a.reserved_topics.push_back("tb/" + std::string(out) + "/" + c.name + "/#");
  return std::make_unique<const mqtt::Access>(std::move(a));
}

}  // namespace

mqtt::ClientConfig gateway_uplink_client(std::string_view name, std::string endpoint) {
  mqtt::ClientConfig c;
  c.endpoint = std::move(endpoint);
  c.client_id = "twinbench-edge-" + std::string(name);
  c.clean_session = false;
  c.keepalive_s = 30;
  c.backoff = {500'000, 30'000'000};
  return c;
}

EdgeRuntime::EdgeRuntime(EdgeConfig config, EdgePorts ports)
    : config_(std::move(config)),
      ports_(ports),
      access_(make_access(config_)),
      broker_(broker_config(config_),
              mqtt::BrokerPorts{ports.clock, ports.transport, ports.compute, ports.sink, access_.get(), ports.passwords ? ports.passwords : &inline_passwords_},
              static_cast<mqtt::BrokerHooks&>(*this)),
      uplink_topic_("tb/uplink/" + config_.name),
      cloud_topic_("tb/cloud/" + config_.name),
      log_(UplinkLogConfig{config_.uplink_buffer_bytes_max, config_.uplink_sync_records}, ports.uplink_storage) {
  assert(config_.forward_interval_us > 0 && config_.session_sweep_us > 0);
  if (config_.models && !config_.twin_dtmi.empty())
    twins_ = std::make_unique<TwinService>(config_.models, config_.twin_dtmi, "tb/" + config_.name, ports_.clock, static_cast<TwinHost&>(*this),
                                           config_.command_timeout_us);
  if (config_.detector && config_.scorer) make_detector();
  for (const DeviceClass& c : config_.other_classes)
    others_.push_back(c.detector && c.scorer ? new_detector(*c.detector, c.scorer, false) : nullptr);
  if (ports_.datagrams)
    lwm2m_ = std::make_unique<lwm2m::Server>(config_.lwm2m, ports_.clock, *ports_.datagrams, static_cast<lwm2m::ServerHooks&>(*this),
                                             core::Rng(config_.seed).stream("lwm2m-server", config_.gateway_index));
}

void EdgeRuntime::start() {
  using Uplink = EdgeConfig::Uplink;
  recovery_ = log_.recover();
  log_.start_ids_at(static_cast<std::uint64_t>(std::max<TimeUs>(0, config_.utc_at_start_us + ports_.clock.now_us())));
  if (recovery_.status != StorageStatus::ok) {
    audit("uplink_store_failed", R"({"during":"recovery"})");
  } else if (recovery_.records > 0 || recovery_.torn > 0) {
    emit(kNoConn, ev::UplinkRecovered{.records = static_cast<std::int64_t>(recovery_.records), .torn_segments = static_cast<std::int64_t>(recovery_.torn)});
    audit("uplink_recovered", nlohmann::json{{"records", recovery_.records}, {"segments", recovery_.segments}, {"torn_segments", recovery_.torn},
                                             {"next_record_id", log_.next_id()}}.dump());
  }
  if (config_.ota && ports_.storage) {
    model_slots_ = std::make_unique<ota::Device>(*ports_.storage, config_.ota->trusted, config_.ota->boot_limit);
    boot_model();
  }
  {
    nlohmann::json details = {{"forward_interval_us", config_.forward_interval_us}, {"telemetry_filter", config_.telemetry_filter},
                              {"uplink_buffer_bytes", config_.uplink_buffer_bytes_max}};
    if (detector_)
      details["model"] = {{"id", config_.detector->model_id}, {"version", config_.detector->model_version},
                          {"threshold", config_.detector->model_threshold}, {"rules", detector_->active_rules()},
                          {"drift_monitor", detector_->monitor() != nullptr}};
    for (std::size_t i = 0; i < config_.other_classes.size(); ++i) {
      const DeviceClass& c = config_.other_classes[i];
      nlohmann::json j = {{"telemetry_filter", c.telemetry_filter}};
      if (others_[i]) j["model"] = {{"id", c.detector->model_id}, {"version", c.detector->model_version}, {"asset_class", c.detector->asset_class},
                                    {"threshold", c.detector->model_threshold}, {"rules", others_[i]->active_rules()}};
      details["other_classes"].push_back(j);
    }
    audit("runtime_started", details.dump());
  }
  if (config_.uplink == Uplink::external_broker) {
    client_ = std::make_unique<mqtt::Client>(config_.uplink_client,
                                             mqtt::ClientPorts{ports_.clock, ports_.transport, core::Rng(config_.seed).stream("uplink-client", config_.gateway_index)},
                                             uplink_hooks_);
    client_->subscribe(cloud_topic_ + "/#", 1);  // '#' also matches tb/cloud/<name> itself
    client_->start();
  }
  if (!config_.webhooks.empty() && ports_.http) {
    webhooks_ = std::make_unique<Webhooks>(config_.name, config_.webhooks, ports_.clock, *ports_.http, ports_.uplink_storage,
                                           core::Rng(config_.seed).stream("webhooks", config_.gateway_index), config_.utc_at_start_us);
    webhooks_->observe(ports_.sink, config_.gateway_index);
    webhooks_->start();
    if (webhooks_->wanted("summary")) {  // a digest at each UTC midnight
      summary_from_us_ = config_.utc_at_start_us + ports_.clock.now_us();
      const TimeUs to_midnight = kDayUs - summary_from_us_ % kDayUs;
      summary_timer_ = ports_.clock.schedule(to_midnight, [this] {
        every(kDayUs, summary_timer_, &EdgeRuntime::send_summary);
        send_summary();
      });
    }
  }
  schedule_forward();
  if (config_.uplink_sync_interval_us > 0) every(config_.uplink_sync_interval_us, sync_timer_, &EdgeRuntime::commit_log);
  sweep_timer_ = ports_.clock.schedule(config_.session_sweep_us, [this] { sweep_sessions(); });
  if (config_.audit_head_interval_us > 0 && ports_.audit && ports_.audit->head()) every(config_.audit_head_interval_us, audit_timer_, &EdgeRuntime::send_audit_head);
}

void EdgeRuntime::every(TimeUs interval_us, TimerId& timer, void (EdgeRuntime::*fn)()) {
  timer = ports_.clock.schedule(interval_us, [this, interval_us, &timer, fn] {
    every(interval_us, timer, fn);
    (this->*fn)();
  });
}

void EdgeRuntime::schedule_forward() {
  forward_timer_ = ports_.clock.schedule(config_.forward_interval_us, [this] {
    schedule_forward();
    forward();
  });
}

void EdgeRuntime::shutdown() {
  forward();
  flush_control();
  if (audit_timer_ != 0) send_audit_head();  // the last head, for the cloud to check the log against
  broker_.close_all();
  if (lwm2m_) lwm2m_->shutdown();
}

EdgeRuntime::~EdgeRuntime() {
  for (TimerId t : {forward_timer_, sweep_timer_, control_timer_, sync_timer_, audit_timer_, summary_timer_})
    if (t != 0) ports_.clock.cancel(t);
}


void EdgeRuntime::on_open(ConnId conn) { broker_.on_open(conn); }
void EdgeRuntime::on_closed(ConnId conn) { broker_.on_closed(conn); }
void EdgeRuntime::on_bytes(ConnId conn, std::span<const std::uint8_t> bytes) { broker_.on_bytes(conn, bytes); }

void EdgeRuntime::on_datagram(PeerId from, std::span<const std::uint8_t> bytes) {
  ports_.compute.charge(config_.ingest_cost_flops);
  lwm2m_->on_datagram(from, bytes);
}

EdgeRuntime::DeltaDevice& EdgeRuntime::delta_device(ConnId device, std::size_t fields) {
  DeltaDevice& dev = delta_devices_[device];
  dev.last.resize(fields, std::numeric_limits<float>::quiet_NaN());
  return dev;
}

void EdgeRuntime::on_registered(const lwm2m::Registration& r) {
  emit(r.device, ev::SessionOpened{.keepalive_s = r.lifetime_s});
}

void EdgeRuntime::on_deregistered(const lwm2m::Registration& r, lwm2m::Ended why) {
  delta_devices_.erase(r.device);
  const CloseReason reason = why == lwm2m::Ended::deregistered ? CloseReason::client_disconnect
                             : why == lwm2m::Ended::expired    ? CloseReason::keepalive_timeout
                             : why == lwm2m::Ended::shutdown   ? CloseReason::gateway_shutdown
                                                               : CloseReason::taken_over;
  emit(r.device, ev::SessionClosed{.reason = static_cast<std::int64_t>(reason)});
}

void EdgeRuntime::on_problem(PeerId from, lwm2m::Problem p) {
  emit(from, ev::ProtocolError{.code = 200 + static_cast<std::int64_t>(p)});
}

void EdgeRuntime::on_values(const lwm2m::Registration& r, std::span<const senml::Record> records, std::size_t datagram_bytes) {
  const std::size_t n = config_.lwm2m_fields.size();
  DeltaDevice& dev = delta_device(r.device, n);
  std::optional<double> time_s;
  bool mapped = false;
  // A message with readings of an object instance reports all of that instance's readings: a mapped
  // resource it leaves out is a missing one (NaN); other instances keep their last values.
  std::array<bool, kMaxChannels> present{}, covered{};
  for (const senml::Record& rec : records) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::string& field = config_.lwm2m_fields[i];
      if (rec.name == field) {
        present[i] = covered[i] = mapped = true;
        dev.last[i] = rec.kind == senml::Kind::number    ? static_cast<float>(rec.number)
                      : rec.kind == senml::Kind::boolean ? (rec.boolean ? 1.0f : 0.0f)
                                                         : std::numeric_limits<float>::quiet_NaN();
        if (!time_s) time_s = rec.time_s;
      } else if (const std::size_t slash = field.rfind('/'); (rec.kind == senml::Kind::number || rec.kind == senml::Kind::boolean) &&
                 rec.name.size() > slash && rec.name.compare(0, slash + 1, field, 0, slash + 1) == 0) {
        covered[i] = true;  // another reading of the same instance
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (covered[i] && !present[i]) {
      dev.last[i] = std::numeric_limits<float>::quiet_NaN();
      mapped = true;
    }
  if (!mapped) return;  // nothing of a mapped instance: e.g. a resource nobody maps
  const TimeUs now = ports_.clock.now_us();
  const double t = time_s.value_or(0);
  const TimeUs t_us = t >= senml::kRelativeTime ? static_cast<TimeUs>(std::llround(t * 1e6)) - config_.utc_at_start_us
                                                : now + static_cast<TimeUs>(std::llround(t * 1e6));
  std::vector<std::uint8_t> record(record_bytes(n));
  encode_record(t_us, ++dev.seq, dev.last, record.data());
  ingest_telemetry(r.device, record, datagram_bytes, 0);
}

void EdgeRuntime::on_connected(ConnId conn) {
  if (twins_) twins_->on_device_online(conn);
  // Which device this connection is (FNV-1a of its client id): another device than the last on this id
  // must not inherit its windows and alerts. The same device reconnecting keeps them.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : broker_.client_id(conn)) h = (h ^ static_cast<std::uint8_t>(c)) * 0x100000001b3ull;
  if (conn >= conn_client_.size()) conn_client_.resize(static_cast<std::size_t>(conn) + 1, 0);
  if (conn_client_[conn] != 0 && conn_client_[conn] != h) {
    if (detector_) detector_->forget(conn);
    for (const auto& d : others_)
      if (d) d->forget(conn);
  }
  conn_client_[conn] = h;
}

void EdgeRuntime::on_refused(ConnId, const mqtt::Refusal& r) {
  static constexpr const char* kWhat[] = {"", "connect", "publish", "subscribe"};
  nlohmann::json details = {{"refused", kWhat[static_cast<int>(r.what)]},
                            {"identity", r.identity.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.identity)},
                            {"client_id", r.client_id},
                            {"reason_code", r.code}};
  if (!r.topic.empty()) details[r.what == mqtt::Refusal::What::subscribe ? "filter" : "topic"] = r.topic;
  audit("access_refused", details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void EdgeRuntime::on_publish(ConnId conn, const mqtt::Publish& p, std::size_t packet_bytes) {
  if (config_.uplink == EdgeConfig::Uplink::own_broker && p.topic.starts_with(cloud_topic_)) {
    on_cloud_publish(p);
  } else if (twins_ && !p.topic.ends_with(twin_topic::telemetry) && twins_->on_device_publish(conn, p.topic, p.payload)) {
    // A twin answer: the twin relay took it.
  } else if (!config_.opcua_filter.empty() && mqtt::topic_matches(config_.opcua_filter, p.topic)) {
    ingest_opcua(conn, p, packet_bytes);
  } else {
    for (std::size_t i = 0; i < config_.other_classes.size(); ++i)
      if (mqtt::topic_matches(config_.other_classes[i].telemetry_filter, p.topic)) return ingest_telemetry(conn, p.payload, packet_bytes, p.qos, i);
    if (config_.telemetry_filter == "#" || mqtt::topic_matches(config_.telemetry_filter, p.topic)) ingest_telemetry(conn, p.payload, packet_bytes, p.qos);
  }
}

void EdgeRuntime::ingest_telemetry(ConnId conn, std::span<const std::uint8_t> payload, std::size_t packet_bytes, std::uint8_t qos,
                                   std::optional<std::size_t> other) {
  RecordHeader h;
  if (!decode_record_header(payload, h)) {
    emit(conn, ev::ProtocolError{.code = static_cast<std::int64_t>(mqtt::Violation::bad_record)});
    return;
  }
  const TimeUs now = ports_.clock.now_us();
  emit(conn, ev::Telemetry{.mqtt_bytes = static_cast<std::int64_t>(packet_bytes), .latency_us = now - h.t_us, .qos = qos});
  const std::vector<ChannelRule>& rules = other ? config_.other_classes[*other].telemetry_model : config_.telemetry_model;
  if (!rules.empty() && !fits_model(payload, h, rules)) {
    ++refused_by_model_;
    return;
  }
  if (AnomalyDetector* d = other ? others_[*other].get() : detector_.get()) d->on_record(conn, payload);
  if (config_.keep_last_records) {
    if (conn >= last_records_.size()) last_records_.resize(static_cast<std::size_t>(conn) + 1);
    LastRecord& last = last_records_[conn];
    last.device_t_us = h.t_us, last.at_utc_us = config_.utc_at_start_us + now, last.other = other;
    last.values.resize(h.channels);
    for (std::size_t i = 0; i < h.channels; ++i) last.values[i] = static_cast<float>(record_value(payload, i));
  }
  log_.append(conn, payload);
  if (log_.commit_due()) commit_log();
}

void EdgeRuntime::send_audit_head() {
  const auto h = ports_.audit->head();
  if (h && h->records != audit_head_sent_)  //   tb/audit/<name>  {"records": n, "head": hex}: only when it moved
    audit_head_pending_ = nlohmann::json{{"records", h->records}, {"head", h->hash}}.dump(), audit_head_sent_ = h->records;
  if (audit_head_pending_.empty()) return;
  const std::string_view p = audit_head_pending_;
  if (send_up("tb/audit/" + config_.name, std::span(reinterpret_cast<const std::uint8_t*>(p.data()), p.size()))) audit_head_pending_.clear();
}

void EdgeRuntime::commit_log() {
  const StorageStatus st = log_.commit();
  if (st != StorageStatus::ok && !store_failing_) audit("uplink_store_failed", R"({"during":"commit"})");
  if (st == StorageStatus::ok && store_failing_) audit("uplink_store_recovered", "{}");
  store_failing_ = st != StorageStatus::ok;
}

void EdgeRuntime::on_uplink_completed(std::uint64_t publication, bool accepted) {
  const auto it = uplink_in_flight_.find(publication);
  if (it == uplink_in_flight_.end()) return;  // not telemetry (alerts, twin results, reports)
  log_.delivered(it->second.segments);
  if (!accepted) uplink_refused_ += it->second.records;  // the broker will not take them: sending again cannot help
  uplink_in_flight_.erase(it);
}

void EdgeRuntime::on_uplink_connected(bool session_present) {
  const std::uint64_t resent = client_->stats().resent;
  emit(kNoConn, ev::UplinkConnected{.session_present = session_present ? 1 : 0, .resent = static_cast<std::int64_t>(resent - client_resent_)});
  client_resent_ = resent;
}

void EdgeRuntime::ingest_opcua(ConnId conn, const mqtt::Publish& p, std::size_t packet_bytes) {
  std::string error;
  const auto msg = opcua::parse(std::string_view(reinterpret_cast<const char*>(p.payload.data()), p.payload.size()), error);
  if (!msg) {
    emit(conn, ev::ProtocolError{.code = static_cast<std::int64_t>(mqtt::Violation::bad_record)});
    return;
  }
  const std::size_t n = config_.opcua_fields.size();
  DeltaDevice& dev = delta_device(conn, n);
  std::vector<std::uint8_t> record(record_bytes(n));
  for (const opcua::DataSetMessage& m : msg->messages) {
    if (m.kind == opcua::DataSetKind::keep_alive) continue;
    if (m.kind != opcua::DataSetKind::delta_frame) std::fill(dev.last.begin(), dev.last.end(), std::numeric_limits<float>::quiet_NaN());
    for (const opcua::Field& f : m.fields) {
      const auto at = std::find(config_.opcua_fields.begin(), config_.opcua_fields.end(), f.name);
      if (at == config_.opcua_fields.end()) continue;
      dev.last[static_cast<std::size_t>(at - config_.opcua_fields.begin())] =
          f.value ? static_cast<float>(*f.value) : std::numeric_limits<float>::quiet_NaN();
    }
    const TimeUs t = m.timestamp_us ? *m.timestamp_us - config_.utc_at_start_us : ports_.clock.now_us();
    dev.seq = m.sequence_number ? *m.sequence_number : dev.seq + 1;
    encode_record(t, dev.seq, dev.last, record.data());
    ingest_telemetry(conn, record, packet_bytes / msg->messages.size(), p.qos);
  }
}

bool EdgeRuntime::fits_model(std::span<const std::uint8_t> payload, const RecordHeader& h, const std::vector<ChannelRule>& rules) {
  if (h.channels != rules.size()) return false;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const double v = record_value(payload, i);
    if (std::isnan(v)) {
      ++readings_missing_;
      continue;
    }
    if (v < rules[i].min || v > rules[i].max || (rules[i].integral && v != std::trunc(v))) return false;
  }
  return true;
}

bool EdgeRuntime::online(ConnId device) const { return broker_.connected(device); }

void EdgeRuntime::publish(ConnId device, std::string_view topic, std::string_view payload) {
  broker_.send_to(device, topic, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
}

void EdgeRuntime::on_cloud_publish(const mqtt::Publish& p) {
  // tb/cloud/<name>: a twin operation; tb/cloud/<name>/rules: new alert rules.
  if (p.topic.ends_with("/rules")) {
    try {
      apply_rules(nlohmann::json::parse(p.payload.begin(), p.payload.end()), "rules from the cloud", "");
    } catch (const std::exception& e) {
      emit(kNoConn, ev::RulesRefused{});  // malformed JSON or rules: the old rules stay
      audit("rules_refused", nlohmann::json{{"reason", e.what()}}.dump());
    }
  } else if (p.topic.ends_with("/ota")) {
    on_ota_command(p.payload);
  } else if (p.topic.ends_with("/ota/chunk")) {
    on_ota_chunk(p.payload);
  } else if (!twins_ || !twins_->on_cloud_operation(p.payload)) {
    ++twin_refused_;
  }
}

void EdgeRuntime::on_drift(const DetectorConfig& d, const drift::Finding& f) {
  const std::string stream = f.stream < d.stream_names.size() ? d.stream_names[f.stream] : std::to_string(f.stream);
  emit(kNoConn, ev::DriftDetected{.stream = static_cast<std::int64_t>(f.stream), .test = static_cast<std::int64_t>(f.test),
                                  .statistic_x1e6 = std::llround(f.statistic * 1e6)});
  const nlohmann::json evidence = {{"t_us", f.t_us},     {"stream", stream},          {"test", drift::to_string(f.test)},
                                   {"statistic", f.statistic}, {"p_value", f.p_value}, {"mean_sigma", f.mean},
                                   {"samples", f.samples}, {"model", d.model_id},       {"version", d.model_version}};
  audit("drift_detected", evidence.dump());
  drift_reports_.push_back(evidence.dump());
  control_ready();
}

void EdgeRuntime::forward() {
  if (const std::uint64_t dropped = log_.take_dropped() + uplink_refused_; dropped > 0) {
    emit(kNoConn, ev::UplinkDropped{.records = static_cast<std::int64_t>(dropped)});
    uplink_refused_ = 0;
  }
  if (refused_by_model_ + readings_missing_ > 0) {
    emit(kNoConn, ev::TelemetryChecked{.records_refused = static_cast<std::int64_t>(refused_by_model_),
                                       .readings_missing = static_cast<std::int64_t>(readings_missing_)});
    refused_by_model_ = readings_missing_ = 0;
  }
  if (twins_) twin_refused_ += twins_->take_refused();
  if (twin_refused_ > 0) {
    emit(kNoConn, ev::TwinChecked{.refused = static_cast<std::int64_t>(twin_refused_)});
    twin_refused_ = 0;
  }
  if (alerts_dropped_ > 0) {
    emit(kNoConn, ev::AlertsDropped{.alerts = static_cast<std::int64_t>(alerts_dropped_)});
    alerts_dropped_ = 0;
  }
  if (!twin_results_.empty() || !alerts_.empty() || !drift_reports_.empty() || !ota_reports_.empty() || !firmware_outcomes_.empty())
    flush_control();  // what an unreachable uplink held back
  if (!audit_head_pending_.empty()) send_audit_head();
  commit_log();  // only what is stored goes up: what the cloud has, a restart cannot lose
  if (client_ && !client_->connected()) {  // offline: nothing to build a batch for
    if (log_.records() > 0)
      emit(kNoConn, ev::UplinkDeferred{.bytes_kept = static_cast<std::int64_t>(log_.bytes()), .records_kept = static_cast<std::int64_t>(log_.records())});
    return;
  }
  UplinkLog::Batch batch;
  while (log_.next_batch(batch, config_.uplink_buffer_bytes_max)) {
    const auto bytes = static_cast<std::int64_t>(mqtt::publish_size(uplink_topic_.size(), batch.payload.size(), 0));
    // The client may finish a publication inside publish() (too large to send): its number is known before.
    const std::uint64_t publication = client_ ? client_->last_publication() + 1 : 0;
    if (client_) uplink_in_flight_[publication] = {batch.segments, batch.records};
    if (!send_up(uplink_topic_, batch.payload)) {
      if (client_) uplink_in_flight_.erase(publication);
      log_.undelivered(batch.segments);
      emit(kNoConn, ev::UplinkDeferred{.bytes_kept = bytes, .records_kept = static_cast<std::int64_t>(log_.records())});
      return;
    }
    if (!client_) log_.delivered(batch.segments);  // own broker: handed over, there is no acknowledgement to wait for
    emit(kNoConn, ev::UplinkSent{.bytes = bytes, .records = static_cast<std::int64_t>(batch.records)});
  }
}

void EdgeRuntime::control_ready() {
  // Twin results and alerts are control traffic: they go up within control_delay_us, not with the telemetry.
  if (control_timer_ != 0) return;
  control_timer_ = ports_.clock.schedule(config_.control_delay_us, [this] {
    control_timer_ = 0;
    flush_control();
  });
}

void EdgeRuntime::flush_control() {
  // Each kind is one PUBLISH, kept for the next forward tick if the uplink is down:
  //   tb/twin/<name>    {"results": [[op, device, status], ...]}
  //   tb/alerts/<name>  {"alerts": [[device, rule, severity, roles, raised_at_us, score_x1e6, client_id], ...]}
  auto publish_up = [&](const std::string& topic, const std::string& payload) {
    return send_up(topic, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
  };
  if (twins_) {
    auto fresh = twins_->take_results();
    twin_results_.insert(twin_results_.end(), fresh.begin(), fresh.end());
  }
  if (!twin_results_.empty()) {
    std::string payload = "{\"results\":[";
    for (const TwinResult& r : twin_results_) {
      if (payload.back() == ']') payload += ',';
      payload += '[' + std::to_string(r.op) + ',' + std::to_string(r.device) + ',' + std::to_string(r.status) + ']';
    }
    payload += "]}";
    if (publish_up("tb/twin/" + config_.name, payload)) twin_results_.clear();
  }
  if (!alerts_.empty()) {
    std::string payload = "{\"alerts\":[";
    for (const PendingAlert& a : alerts_) {
      if (payload.back() == ']') payload += ',';
      payload += '[' + std::to_string(a.change.device) + ',' + std::to_string(a.change.rule) + ',' + std::to_string(static_cast<int>(a.change.severity)) +
                 ',' + std::to_string(a.change.roles) + ',' + std::to_string(a.raised_us) + ',' +
                 std::to_string(std::llround(static_cast<double>(a.change.score) * 1e6)) + ',' + nlohmann::json(a.client_id).dump() + ']';
    }
    payload += "]}";
    if (publish_up("tb/alerts/" + config_.name, payload)) alerts_.clear();
  }
  //   tb/drift/<name>   {"drift": [evidence, ...]}
  //   tb/ota/<name>     {"reports": [report, ...]}: the model's state and health, and devices' firmware outcomes
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& i : items) (out += out.empty() ? "" : ",") += i;
    return out;
  };
  if (!drift_reports_.empty() && publish_up("tb/drift/" + config_.name, "{\"drift\":[" + join(drift_reports_) + "]}")) drift_reports_.clear();
  for (const auto& [rollout, list] : firmware_outcomes_)
    ota_reports_.push_back("{\"rollout\":" + std::to_string(rollout) + ",\"artifact\":\"firmware\",\"devices\":[" + list + "]}");
  firmware_outcomes_.clear();
  if (!ota_reports_.empty() && publish_up("tb/ota/" + config_.name, "{\"reports\":[" + join(ota_reports_) + "]}")) ota_reports_.clear();
}

bool EdgeRuntime::send_up(std::string_view topic, std::span<const std::uint8_t> payload) {
  if (config_.uplink == EdgeConfig::Uplink::own_broker) {
    broker_.publish(topic, payload, 0, false);
    return true;
  }
  return client_ && client_->connected() && client_->publish(topic, payload, 1);  // offline: the caller keeps it
}

void EdgeRuntime::sweep_sessions() {
  sweep_timer_ = ports_.clock.schedule(config_.session_sweep_us, [this] { sweep_sessions(); });
  broker_.sweep();
  if (lwm2m_) lwm2m_->sweep();
}

}  // namespace twinbench::runtime
