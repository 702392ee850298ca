#include "twinbench/sim/FleetCore.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/TwinService.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/twins/dtdl/Topics.hpp"

namespace twinbench::sim {

using runtime::TimeUs;
using nlohmann::json;


namespace {
std::vector<FleetGroup> one_group(const FleetConfig& c, std::unique_ptr<twins::AssetFleet> physics, twins::SensorBank sensors) {
  std::vector<FleetGroup> g(1);
  g[0].devices = c.devices;
  g[0].physics = std::move(physics);
  g[0].sensors.emplace(std::move(sensors));
  g[0].record_channels = c.record_channels;
  g[0].power_channel = c.power_channel;
  g[0].telemetry_suffix = c.telemetry_suffix;
  return g;
}
}  // namespace

FleetCore::FleetCore(FleetConfig config, std::unique_ptr<twins::AssetFleet> physics, twins::SensorBank sensors, const core::Rng& rng,
                     const std::string& stream_family)
    : FleetCore(config, one_group(config, std::move(physics), std::move(sensors)), rng, stream_family) {}

FleetCore::FleetCore(FleetConfig config, std::vector<FleetGroup> groups, const core::Rng& rng, const std::string& stream_family)
    : config_(std::move(config)), fault_energy_(config_.devices) {
  assert(config_.period_us > 0 && config_.devices > 0 && !groups.empty() && groups.size() < 256);
  std::uint32_t first = 0;
  for (FleetGroup& fg : groups) {
    assert(fg.physics && fg.sensors && fg.physics->size() == fg.devices && fg.sensors->spec().channels() == fg.physics->channels());
    assert(fg.power_channel < fg.physics->channels() && fg.record_channels.size() <= runtime::kMaxChannels);
    Group g;
    static_cast<FleetGroup&>(g) = std::move(fg);
    g.first = first;
    first += g.devices;
    const auto channels = static_cast<Eigen::Index>(g.physics->channels());
    g.truth.resize(channels, g.devices);
    g.readings.resize(channels, g.devices);
    groups_.push_back(std::move(g));
  }
  assert(first == config_.devices);
  if (groups_.size() > 1) {
    group_of_.reserve(config_.devices);
    for (std::size_t k = 0; k < groups_.size(); ++k) group_of_.insert(group_of_.end(), groups_[k].devices, static_cast<std::uint8_t>(k));
  }
  rng_.reserve(config_.devices);
  seq_.assign(config_.devices, 0);
  connected_.assign(config_.devices, Link::never);
  if (config_.burst_loss) channel_bad_.assign(config_.devices, false);
  if (config_.jitter.any() && config_.lwm2m.resources.empty()) stream_free_us_.assign(config_.devices, 0);
  attempt_.assign(config_.devices, 0);
  retry_gen_.assign(config_.devices, 0);
  unacked_.resize(config_.devices);
  unacked_count_.assign(config_.devices, 0);
  unacked_sent_.assign(config_.devices, 0);
  stream_seed_ = rng.stream(stream_family + "/reconnect").next_u64();
  std::vector<TimeUs> first_due;
  first_due.reserve(config_.devices);
  for (std::uint32_t i = 0; i < config_.devices; ++i) {
    rng_.push_back(rng.stream(stream_family, i));
    // Stratified phases: device i reports in the i-th slice of the period, at a random point of it.
    // Phases are still uniform over the period, but devices come due in index order, so a gateway walks
    // its devices' state sequentially instead of at random (a 100k-device run is memory-bound otherwise).
    const double slice_us = static_cast<double>(config_.period_us) / config_.devices;
    first_due.push_back(static_cast<TimeUs>((i + rng_.back().uniform()) * slice_us));
  }
  due_ = DueRings(first_due, config_.period_us);
  topic_end_.reserve(config_.devices);
  auto tokens = config_.topic_tokens;
  for (std::uint32_t i = 0; i < config_.devices; ++i) {
    if (config_.telemetry_topic.empty()) {
      topics_ += config_.topic_prefix + "/" + std::to_string(i) + "/telemetry" + groups_[group_of(i)].telemetry_suffix;
    } else {
      (tokens["senderId"] = "d") += std::to_string(i);
      std::string error;
      const auto topic = twins::dtdl::expand_topic(config_.telemetry_topic, tokens, &error);
      if (!topic) throw std::logic_error("telemetry topic '" + config_.telemetry_topic + "': " + error);  // the loader checked it
      topics_ += *topic;
    }
    topic_end_.push_back(static_cast<std::uint32_t>(topics_.size()));
  }
  if (!config_.lwm2m.resources.empty()) init_lwm2m();
}

std::size_t FleetCore::bytes_per_device() const {
  // Physics: the class's (AssetFleet::bytes_per_device); sensors: one float bias per channel; the window
  // scratch keeps one column per device of true values (double) and readings (float).
  std::size_t kept = 0, physics = 0;
  for (const auto& u : unacked_) kept += u.capacity();
  for (const Group& g : groups_) physics += g.devices * (g.physics->bytes_per_device() + g.physics->channels() * (2 * sizeof(float) + sizeof(double)));
  return sizeof(core::RngStream) + sizeof(std::uint32_t) + sizeof(Link) + DueRings::kBytesPerDevice +
         sizeof(std::uint8_t) + sizeof(std::uint32_t) + sizeof(std::vector<std::uint8_t>) + 2 * sizeof(std::uint16_t) + kept / config_.devices +
         physics / config_.devices + topics_.size() / config_.devices + sizeof(std::uint32_t) + (group_of_.empty() ? 0 : sizeof(std::uint8_t)) +
         (stream_free_us_.empty() ? 0 : sizeof(TimeUs)) + (lw_ ? sizeof(std::uint32_t) + sizeof(std::uint16_t) + sizeof(TimeUs) + sizeof(std::uint64_t) : 0);
}

TimeUs FleetCore::next_due_us() {
  TimeUs t = due_.next().t_us;
  if (!retries_.empty()) t = std::min(t, retries_.begin()->t_us);
  for (const LateFrame& f : late_) t = std::min(t, f.at_us);
  return t;
}

std::uint64_t FleetCore::qos1_pending() const {
  std::uint64_t n = 0;
  for (auto c : unacked_count_) n += c;
  return n;
}

void FleetCore::schedule_retry(std::uint32_t device, TimeUs now_us) {
  connected_[device] = Link::waiting;
  // Jitter from a stream of its own per (device, attempt, time): reconnecting never shifts the sensor noise.
  core::RngStream jitter(core::mix64(stream_seed_ ^ core::mix64(device) ^ (static_cast<std::uint64_t>(attempt_[device]) << 56) ^
                                     static_cast<std::uint64_t>(now_us)));
  const TimeUs delay = config_.reconnect.delay_us(attempt_[device], jitter);
  if (attempt_[device] < 255) ++attempt_[device];
  retries_.insert({now_us + delay, device, ++retry_gen_[device]});
}

void FleetCore::run_retries(TimeUs send_us, TimeUs until_us, bool inclusive, bool link_up, WireBatch& out) {
  while (!retries_.empty()) {
    const Retry r = *retries_.begin();
    if (r.t_us > until_us || (r.t_us == until_us && !inclusive)) break;
    retries_.erase(retries_.begin());
    if (r.gen != retry_gen_[r.device]) continue;  // superseded
    const Link state = connected_[r.device];
    if (state == Link::connecting || !link_up) {
      schedule_retry(r.device, r.t_us);  // no CONNACK in time, or no way to send the CONNECT
      continue;
    }
    if (state != Link::waiting) continue;
    if (lw_) {
      lwm2m_register(r.device, r.t_us, send_us, out);
      continue;
    }
    packet_.clear();
    char id[24] = "d";
    auto [end, ec] = std::to_chars(id + 1, id + sizeof(id), r.device);
    runtime::mqtt::Connect c;
    c.client_id = std::string_view(id, static_cast<std::size_t>(end - id));
    c.keepalive_s = config_.keepalive_s;
    log_in(c, r.device);
    runtime::mqtt::encode(c, packet_);
    out.add(r.device, WireFrame::open, packet_, static_cast<std::uint32_t>(r.t_us - send_us));
    out.wire_bytes += static_cast<std::uint64_t>(static_cast<double>(packet_.size()) + config_.overhead_bytes_per_message);
    connected_[r.device] = Link::connecting;
    retries_.insert({r.t_us + config_.connack_timeout_us, r.device, ++retry_gen_[r.device]});
  }
}

bool FleetCore::keep(std::uint32_t device, std::span<const std::uint8_t> publish, bool sent) {
  auto& buf = unacked_[device];
  bool dropped_unsent = false;
  if (unacked_count_[device] >= config_.buffer_messages) {
    // Drop the oldest: the packet at the front.
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(runtime::mqtt::decode(buf).consumed));
    --unacked_count_[device];
    if (unacked_sent_[device] > 0) --unacked_sent_[device];
    else dropped_unsent = true;
  }
  buf.insert(buf.end(), publish.begin(), publish.end());
  ++unacked_count_[device];
  if (sent) unacked_sent_[device] = unacked_count_[device];
  return !dropped_unsent;
}

bool FleetCore::acknowledge(std::uint32_t device, std::uint16_t id) {
  auto& buf = unacked_[device];
  std::size_t pos = 0;
  for (std::uint16_t k = 0; k < unacked_count_[device]; ++k) {
    const auto r = runtime::mqtt::decode(std::span(buf).subspan(pos));
    const auto& p = std::get<runtime::mqtt::Publish>(r.packet);  // we wrote them
    if (p.packet_id == id) {
      buf.erase(buf.begin() + static_cast<std::ptrdiff_t>(pos), buf.begin() + static_cast<std::ptrdiff_t>(pos + r.consumed));
      --unacked_count_[device];
      if (k < unacked_sent_[device]) --unacked_sent_[device];
      return true;
    }
    pos += r.consumed;
  }
  return false;
}

void FleetCore::suspend(std::uint32_t device, TimeUs until_us) {
  if (offline_until_.empty()) offline_until_.assign(config_.devices, 0);
  offline_until_[device] = std::max(offline_until_[device], until_us);
  connected_[device] = Link::never;
  ++retry_gen_[device];  // a pending reconnect is void
  lost_at_.erase(device);
  attempt_[device] = 0;
  unacked_[device].clear();
  unacked_count_[device] = unacked_sent_[device] = 0;
}

void FleetCore::add_sensor_creep(std::uint32_t device, std::size_t channel, double start_s, double per_s) {
  creep_[device].push_back({channel, start_s, per_s});
}

WindowStats FleetCore::produce(TimeUs send_us, TimeUs until_us, bool inclusive, bool link_up, WireBatch& out) {
  const std::size_t first = out.frames.size();
  if (!late_.empty()) take_late(send_us, until_us, inclusive, out);
  WindowStats st = produce_frames(send_us, until_us, inclusive, link_up, out);
  // With jitter, frames arrive in the order of their delays; those that arrive after the window wait.
  if (config_.jitter.any()) {
    std::stable_sort(out.frames.begin() + static_cast<std::ptrdiff_t>(first), out.frames.end(),
                     [](const WireFrame& a, const WireFrame& b) { return a.delay_us < b.delay_us; });
    defer_late(send_us, until_us, inclusive, first, out);
  }
  return st;
}

void FleetCore::take_late(TimeUs send_us, TimeUs until_us, bool inclusive, WireBatch& out) {
  auto arrives = [&](const LateFrame& f) { return f.at_us < until_us || (inclusive && f.at_us == until_us); };
  std::vector<LateFrame> now;
  std::vector<LateFrame> kept;
  for (const LateFrame& f : late_) (arrives(f) ? now : kept).push_back(f);
  if (now.empty()) return;
  std::sort(now.begin(), now.end(), [](const LateFrame& a, const LateFrame& b) { return a.at_us != b.at_us ? a.at_us < b.at_us : a.order < b.order; });
  for (const LateFrame& f : now) {
    assert(f.at_us >= send_us);  // send_us is next_due_us(), which counts these frames
    out.add(f.conn, f.flags, std::span(late_bytes_).subspan(f.offset, f.size), static_cast<std::uint32_t>(f.at_us - send_us));
    out.wire_bytes += static_cast<std::uint64_t>(static_cast<double>(f.size) + config_.overhead_bytes_per_message);
  }
  std::vector<std::uint8_t> bytes;
  for (LateFrame& f : kept) {
    const std::uint32_t offset = static_cast<std::uint32_t>(bytes.size());
    bytes.insert(bytes.end(), late_bytes_.begin() + f.offset, late_bytes_.begin() + f.offset + f.size);
    f.offset = offset;
  }
  late_ = std::move(kept);
  late_bytes_ = std::move(bytes);
}

void FleetCore::defer_late(TimeUs send_us, TimeUs until_us, bool inclusive, std::size_t first, WireBatch& out) {
  const TimeUs span = until_us - send_us;
  auto after = std::partition_point(out.frames.begin() + static_cast<std::ptrdiff_t>(first), out.frames.end(), [&](const WireFrame& f) {
    return static_cast<TimeUs>(f.delay_us) < span || (inclusive && static_cast<TimeUs>(f.delay_us) == span);
  });
  for (auto it = after; it != out.frames.end(); ++it) {
    late_.push_back({send_us + it->delay_us, late_made_++, it->conn, static_cast<std::uint32_t>(late_bytes_.size()), it->size, it->flags});
    const auto b = out.bytes_of(*it);
    late_bytes_.insert(late_bytes_.end(), b.begin(), b.end());
    out.wire_bytes -= static_cast<std::uint64_t>(static_cast<double>(it->size) + config_.overhead_bytes_per_message);
  }
  out.frames.erase(after, out.frames.end());  // (their bytes stay in out.bytes, unreferenced)
}

WindowStats FleetCore::produce_frames(TimeUs send_us, TimeUs until_us, bool inclusive, bool link_up, WireBatch& out) {
  WindowStats st;
  idx_.clear();
  t_s_.clear();
  t_us_.clear();
  // A device comes due at most once per call (the window's physics and readings have one column per
  // device): a device whose period is shorter than the window ends the call at its next report.
  TimeUs repeat_us = std::numeric_limits<TimeUs>::max();
  run_retries(send_us, until_us, inclusive, link_up, out);
  for (;;) {
    const DueRings::Due d = due_.next();
    if (d.t_us > until_us || (d.t_us == until_us && !inclusive) || d.t_us >= repeat_us) break;
    assert(d.t_us >= send_us);
    repeat_us = std::min(repeat_us, d.t_us + due_.reschedule());
    if (!offline_until_.empty() && d.t_us < offline_until_[d.device]) continue;  // rebooting: no report
    ++seq_[d.device];
    ++st.generated;
    const Link state = connected_[d.device];
    const bool offline = state == Link::waiting || state == Link::connecting;
    if (!link_up) {
      ++st.dropped;
      continue;
    }
    if (offline && (config_.qos == 0 || lw_)) {  // LwM2M: not registered, nothing to report to
      ++st.dropped_offline;
      continue;
    }
    idx_.push_back(d.device);
    t_s_.push_back(static_cast<double>(d.t_us) * 1e-6);
    t_us_.push_back(d.t_us);
  }
  if (idx_.empty()) return st;
  // Each group's devices are stepped together (one class's physics); column_ finds a device's readings.
  column_.resize(idx_.size());
  if (groups_.size() == 1) {
    for (std::size_t j = 0; j < idx_.size(); ++j) column_[j] = static_cast<std::uint32_t>(j);
    sample(groups_[0], idx_, t_s_);
  } else {
    for (Group& g : groups_) g.idx.clear(), g.t_s.clear();
    for (std::size_t j = 0; j < idx_.size(); ++j) {
      Group& g = groups_[group_of_[idx_[j]]];
      column_[j] = static_cast<std::uint32_t>(g.idx.size());
      g.idx.push_back(idx_[j] - g.first);
      g.t_s.push_back(t_s_[j]);
    }
    for (Group& g : groups_)
      if (!g.idx.empty()) sample(g, g.idx, g.t_s);
  }
  if (!creep_.empty())
    for (std::size_t j = 0; j < idx_.size(); ++j)
      if (const auto c = creep_.find(idx_[j]); c != creep_.end())
        for (const Creep& k : c->second)
          if (t_s_[j] > k.start_s)
            groups_[group_of(idx_[j])].readings(static_cast<Eigen::Index>(k.channel), column_[j]) += static_cast<float>(k.per_s * (t_s_[j] - k.start_s));
  for (std::size_t j = 0; j < idx_.size(); ++j) {
    const Group& g = groups_[group_of(idx_[j])];
    const double kw = g.truth(static_cast<Eigen::Index>(g.power_channel), column_[j]);
    const double hours = static_cast<double>(due_.period_us(idx_[j])) / 3.6e9;
    st.asset_kwh += kw * hours;
    if (fault_energy_.tracks(idx_[j])) fault_energy_.observe(idx_[j], t_s_[j], t_us_[j], kw, hours);
  }
  out.bytes.reserve(out.bytes.size() + idx_.size() * packet_.capacity());
  out.frames.reserve(out.frames.size() + idx_.size());
  for (std::size_t j = 0; j < idx_.size(); ++j) encode_device(idx_[j], column_[j], t_us_[j], send_us, out, st);
  return st;
}

void FleetCore::sample(Group& g, std::span<const std::uint32_t> local, std::span<const double> t_s) {
  const auto m = static_cast<Eigen::Index>(local.size());
  g.physics->step(local, t_s, g.truth.leftCols(m));
  g.sensors->read(local, g.truth.leftCols(m), std::span(rng_).subspan(g.first, g.devices), g.readings.leftCols(m));
}

void FleetCore::encode_device(std::uint32_t device, std::size_t column, TimeUs t_us, TimeUs send_us, WireBatch& out,
                              WindowStats& st) {
  const Group& g = groups_[group_of(device)];
  const float* sample = g.readings.col(static_cast<Eigen::Index>(column)).data();
  std::array<float, runtime::kMaxChannels> picked;
  std::span<const float> values(sample, static_cast<std::size_t>(g.readings.rows()));
  if (!g.record_channels.empty()) {
    for (std::size_t i = 0; i < g.record_channels.size(); ++i) picked[i] = sample[g.record_channels[i]];
    values = std::span<const float>(picked.data(), g.record_channels.size());
  }
  if (lw_) return encode_lwm2m(device, values, t_us, send_us, out, st);
  packet_.clear();
  std::uint8_t flags = WireFrame::none;
  if (connected_[device] == Link::never) {
    // A new connection: CONNECT goes first, the telemetry right behind it (no wait for CONNACK).
    char id[24] = "d";
    auto [end, ec] = std::to_chars(id + 1, id + sizeof(id), device);
    runtime::mqtt::Connect c;
    c.client_id = std::string_view(id, static_cast<std::size_t>(end - id));
    c.keepalive_s = config_.keepalive_s;
    log_in(c, device);
    runtime::mqtt::encode(c, packet_);
    flags = WireFrame::open;
    connected_[device] = Link::up;
  }
  std::uint8_t record[runtime::record_bytes(runtime::kMaxChannels)];
  runtime::encode_record(t_us, seq_[device], values, record);
  const std::span<const std::uint8_t> record_span(record, runtime::record_bytes(values.size()));
  const std::uint32_t topic_begin = device == 0 ? 0 : topic_end_[device - 1];
  const std::string_view topic(topics_.data() + topic_begin, topic_end_[device] - topic_begin);
  const auto packet_id = static_cast<std::uint16_t>(config_.qos ? seq_[device] % 65535 + 1 : 0);
  const std::size_t publish_at = packet_.size();
  runtime::mqtt::encode(runtime::mqtt::Publish{topic, record_span, config_.qos, false, false, packet_id}, packet_);
  if (config_.qos > 0) {
    const bool online = connected_[device] == Link::up;
    if (!keep(device, std::span(packet_).subspan(publish_at), online)) ++st.dropped_offline;
    if (!online) {  // kept for after the reconnect
      ++st.buffered;
      return;
    }
  }
  transmit(device, flags, t_us, send_us, out, st);
}

void FleetCore::transmit(std::uint32_t device, std::uint8_t flags, TimeUs t_us, TimeUs send_us, WireBatch& out, WindowStats& st) {
  const double wire = static_cast<double>(packet_.size()) + config_.overhead_bytes_per_message;
  ++st.messages;
  st.mqtt_bytes += packet_.size();
  st.wire_bytes += static_cast<std::uint64_t>(wire);
  st.energy_nj += wire * 8 * config_.energy_nj_per_bit + config_.energy_nj_per_message;
  core::RngStream& rng = rng_[device];
  bool lost = false;
  if (config_.burst_loss) {
    bool bad = channel_bad_[device];
    lost = config_.burst_loss->lose(bad, rng);
    channel_bad_[device] = bad;
  } else {
    lost = config_.loss_probability > 0 && rng.bernoulli(config_.loss_probability);
  }
  if (lost) {
    ++st.lost;
    return;
  }
  TimeUs at_us = t_us;
  if (config_.jitter.any()) {
    at_us += static_cast<TimeUs>(std::min(config_.jitter.draw_us(rng), 1e9) + 0.5);  // a tail cut at 1000 s
    if (!stream_free_us_.empty()) {  // a new connection (open) owes nothing to the old one's stragglers
      const TimeUs ahead = (flags & WireFrame::open) ? 0 : stream_free_us_[device];
      at_us = stream_free_us_[device] = std::max(at_us, ahead);
    }
  }
  out.add(device, flags, packet_, static_cast<std::uint32_t>(at_us - send_us));
  out.wire_bytes += static_cast<std::uint64_t>(wire);
}

void FleetCore::log_in(runtime::mqtt::Connect& c, std::uint32_t device) const {
  if (config_.passwords.empty()) return;
  c.has_username = c.has_password = true;
  c.username = c.client_id.substr(1);  // "d17" logs in as "17"
  const std::string& pw = config_.passwords[device];
  c.password = std::span(reinterpret_cast<const std::uint8_t*>(pw.data()), pw.size());
}

AckStats FleetCore::consume(const WireBatch& in, TimeUs now_us, WireBatch& replies) {
  AckStats st;
  for (const WireFrame& f : in.frames) {
    if (f.conn >= config_.devices) continue;
    if (f.flags & WireFrame::datagram) {
      if (lw_) consume_lwm2m(f.conn, in.bytes_of(f), now_us, replies, st);
      continue;
    }
    if (f.flags & WireFrame::close) {
      // The gateway closed the connection, or refused the CONNECT: try again after a backoff.
      if (connected_[f.conn] == Link::up) {
        lost_at_.emplace(f.conn, now_us);
        attempt_[f.conn] = 0;
      }
      schedule_retry(f.conn, now_us);
      ++st.resets;
      continue;
    }
    auto bytes = in.bytes_of(f);
    while (!bytes.empty()) {
      const auto r = runtime::mqtt::decode(bytes);
      if (r.status != runtime::mqtt::DecodeStatus::ok)
        throw std::logic_error("gateway sent device " + std::to_string(f.conn) + " a malformed packet (" +
                               std::string(runtime::mqtt::to_string(r.status)) + ")");
      if (const auto* ack = std::get_if<runtime::mqtt::Puback>(&r.packet)) {
        acknowledge(f.conn, ack->packet_id);
        ++st.pubacks;
      } else if (std::holds_alternative<runtime::mqtt::Connack>(r.packet)) {
        ++st.connacks;
        if (connected_[f.conn] == Link::connecting) reconnected(f.conn, now_us, replies, st);
      } else if (const auto* p = std::get_if<runtime::mqtt::Publish>(&r.packet)) {
        on_twin_message(f.conn, p->topic, p->payload, now_us, replies);
        ++st.twin_messages;
      }
      bytes = bytes.subspan(r.consumed);
    }
  }
  return st;
}

void FleetCore::reconnected(std::uint32_t device, TimeUs now_us, WireBatch& replies, AckStats& st) {
  connected_[device] = Link::up;
  ++retry_gen_[device];  // the CONNACK deadline is void
  if (auto it = lost_at_.find(device); it != lost_at_.end()) {
    reconnects_done_.push_back({device, now_us - it->second, attempt_[device] > 0 ? attempt_[device] - 1u : 0u});
    lost_at_.erase(it);
  }
  attempt_[device] = 0;
  if (unacked_count_[device] == 0) return;
  // MQTT-4.4.0-1: what was sent and not acknowledged goes again with DUP, then what was made offline.
  auto& buf = unacked_[device];
  std::size_t pos = 0;
  for (std::uint16_t k = 0; k < unacked_sent_[device]; ++k) {
    buf[pos] |= 0x08;
    pos += runtime::mqtt::decode(std::span(buf).subspan(pos)).consumed;
  }
  st.resent += unacked_sent_[device];
  st.flushed += unacked_count_[device] - unacked_sent_[device];
  unacked_sent_[device] = unacked_count_[device];
  replies.add(device, WireFrame::none, buf);
  replies.wire_bytes += static_cast<std::uint64_t>(static_cast<double>(buf.size()) + unacked_count_[device] * config_.overhead_bytes_per_message);
}

void FleetCore::track_fault_energy(std::uint32_t device, double onset_s) { fault_energy_.track(device, onset_s); }

void FleetCore::set_fault(std::uint32_t device, std::size_t mode, double onset_s, double ramp_s) {
  Group& g = groups_[group_of(device)];
  g.physics->set_fault(device - g.first, mode, onset_s, ramp_s);
  track_fault_energy(device, *g.physics->first_onset_s(device - g.first));
}

int FleetCore::set_period(std::uint32_t device, const json& seconds, TimeUs now_us) {
  if (!seconds.is_number()) return runtime::twin_bad_request;
  const double s = seconds.get<double>();
  if (!(s >= 0.001) || s * 1e6 > static_cast<double>(config_.period_max_us)) return runtime::twin_bad_request;
  const auto period = static_cast<TimeUs>(s * 1e6 + 0.5);
  if (period == due_.period_us(device)) return runtime::twin_ok;
  due_.set_period(device, period, now_us);  // a new period starts with a report now (DueRings.hpp)
  return runtime::twin_ok;
}

void FleetCore::reply(std::uint32_t device, std::string_view leaf, const std::string& payload, WireBatch& replies) {
  const std::string topic = runtime::twin_topic::base(config_.topic_prefix, device) + std::string(leaf);
  packet_.clear();
  runtime::mqtt::encode_text_publish(topic, payload, packet_);
  replies.add(device, WireFrame::none, packet_);
  replies.wire_bytes += static_cast<std::uint64_t>(static_cast<double>(packet_.size()) + config_.overhead_bytes_per_message);
}

void FleetCore::on_twin_message(std::uint32_t device, std::string_view topic, std::span<const std::uint8_t> payload, TimeUs now_us,
                                WireBatch& replies) {
  namespace tt = runtime::twin_topic;
  const json msg = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (!msg.is_object()) throw std::logic_error("gateway sent device " + std::to_string(device) + " a twin message that is not a JSON object");
  if (topic.ends_with(tt::desired)) {
    // Acknowledge every property: {"name": {"value": v, "ac": 200, "av": version}}, components nested.
    // The firmware acts on reportingPeriod and keeps any other writable value as it is.
    const json version = msg.value("$version", json());
    auto ack = [&](const std::string& component, const std::string& name, const json& value) {
      const int ac = component.empty() && name == "reportingPeriod" ? set_period(device, value, now_us) : runtime::twin_ok;
      const json shown = ac == runtime::twin_ok ? value : json(static_cast<double>(due_.period_us(device)) * 1e-6);
      return json{{"value", shown}, {"ac", ac}, {"av", version}};
    };
    json answer = json::object();
    for (const auto& [key, v] : msg.items()) {
      if (key == "$version") continue;
      if (v.is_object() && v.value("__t", "") == "c") {
        json& c = answer[key] = {{"__t", "c"}};
        for (const auto& [name, cv] : v.items())
          if (name != "__t") c[name] = ack(key, name, cv);
      } else {
        answer[key] = ack("", key, v);
      }
    }
    reply(device, tt::reported, answer.dump(), replies);
    return;
  }
  const auto at = topic.rfind(tt::commands);
  if (at == std::string_view::npos) throw std::logic_error("gateway sent device " + std::to_string(device) + " a message on " + std::string(topic));
  const std::string_view command = topic.substr(at + tt::commands.size());
  json response = {{"rid", msg.value("rid", json())}};
  if (command == "setReportingPeriod") {
    const int status = set_period(device, msg.value("request", json()), now_us);
    response["status"] = status;
    response["response"] = status == runtime::twin_ok;
    reply(device, tt::response, response.dump(), replies);
    if (status == runtime::twin_ok)
      reply(device, tt::reported, json{{"reportingPeriod", static_cast<double>(due_.period_us(device)) * 1e-6}}.dump(), replies);
    return;
  }
  response["status"] = runtime::twin_not_implemented;
  reply(device, tt::response, response.dump(), replies);
}

}  // namespace twinbench::sim
