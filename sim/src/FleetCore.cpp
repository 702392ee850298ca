#include "twinbench/sim/FleetCore.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <stdexcept>
#include <string>

#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"

namespace twinbench::sim {

using runtime::TimeUs;

FleetCore::FleetCore(FleetConfig config, twins::CompressorFleet physics, twins::SensorBank sensors, const core::Rng& rng,
                     const std::string& stream_family)
    : config_(std::move(config)), physics_(std::move(physics)), sensors_(std::move(sensors)) {
  assert(physics_.size() == config_.devices && config_.period_us > 0 && config_.devices > 0);
  assert(config_.record_channels.size() <= runtime::kMaxChannels);
  rng_.reserve(config_.devices);
  seq_.assign(config_.devices, 0);
  connected_.assign(config_.devices, Link::down);
  due_.reserve(config_.devices);
  for (std::uint32_t i = 0; i < config_.devices; ++i) {
    rng_.push_back(rng.stream(stream_family, i));
    // Stratified phases: device i reports in the i-th slice of the period, at a random point of it.
    // Phases are still uniform over the period, but devices come due in index order, so a gateway walks
    // its devices' state sequentially instead of at random (a 100k-device run is memory-bound otherwise).
    const double slice_us = static_cast<double>(config_.period_us) / config_.devices;
    due_.push_back({static_cast<TimeUs>((i + rng_.back().uniform()) * slice_us), i});
  }
  std::stable_sort(due_.begin(), due_.end(), [](const Due& a, const Due& b) { return a.t_us < b.t_us; });
  topic_end_.reserve(config_.devices);
  for (std::uint32_t i = 0; i < config_.devices; ++i) {
    topics_ += config_.topic_prefix + "/" + std::to_string(i) + "/telemetry";
    topic_end_.push_back(static_cast<std::uint32_t>(topics_.size()));
  }
  truth_.resize(twins::kChannels, config_.devices);
  readings_.resize(twins::kChannels, config_.devices);
}

std::size_t FleetCore::bytes_per_device() const {
  // Physics: 4 constants + 2 state + 2 x 3 fault arrays of doubles; sensors: one float bias per channel;
  // the window scratch keeps one column per device of true values (double) and readings (float).
  return sizeof(core::RngStream) + sizeof(std::uint32_t) + sizeof(Link) + sizeof(Due) + 12 * sizeof(double) +
         twins::kChannels * sizeof(float) + twins::kChannels * (sizeof(double) + sizeof(float)) + topics_.size() / config_.devices +
         sizeof(std::uint32_t);
}

WindowStats FleetCore::produce(TimeUs send_us, TimeUs until_us, bool inclusive, bool link_up, WireBatch& out) {
  WindowStats st;
  idx_.clear();
  t_s_.clear();
  t_us_.clear();
  for (;;) {
    Due& next = due_[head_];
    if (next.t_us > until_us || (next.t_us == until_us && !inclusive)) break;
    assert(next.t_us >= send_us);
    const Due d = next;
    next.t_us += config_.period_us;
    head_ = head_ + 1 == due_.size() ? 0 : head_ + 1;
    ++seq_[d.device];
    if (!link_up) {
      ++st.dropped;
      continue;
    }
    idx_.push_back(d.device);
    t_s_.push_back(static_cast<double>(d.t_us) * 1e-6);
    t_us_.push_back(d.t_us);
  }
  if (idx_.empty()) return st;
  const auto m = static_cast<Eigen::Index>(idx_.size());
  physics_.step(idx_, t_s_, truth_.leftCols(m));
  sensors_.read(idx_, truth_.leftCols(m), rng_, readings_.leftCols(m));
  out.bytes.reserve(out.bytes.size() + idx_.size() * packet_.capacity());
  out.frames.reserve(out.frames.size() + idx_.size());
  for (std::size_t j = 0; j < idx_.size(); ++j) encode_device(idx_[j], j, t_us_[j], send_us, out, st);
  return st;
}

void FleetCore::encode_device(std::uint32_t device, std::size_t column, TimeUs t_us, TimeUs send_us, WireBatch& out,
                              WindowStats& st) {
  packet_.clear();
  std::uint8_t flags = WireFrame::none;
  if (connected_[device] == Link::down) {
    // A new connection: CONNECT goes first, the telemetry right behind it (no wait for CONNACK).
    char id[24] = "d";
    auto [end, ec] = std::to_chars(id + 1, id + sizeof(id), device);
    runtime::mqtt::Connect c;
    c.client_id = std::string_view(id, static_cast<std::size_t>(end - id));
    c.keepalive_s = config_.keepalive_s;
    runtime::mqtt::encode(c, packet_);
    flags = WireFrame::open;
    connected_[device] = Link::up;
  }
  const float* sample = readings_.col(static_cast<Eigen::Index>(column)).data();
  std::array<float, runtime::kMaxChannels> picked;
  std::span<const float> values(sample, twins::kChannels);
  if (!config_.record_channels.empty()) {
    for (std::size_t i = 0; i < config_.record_channels.size(); ++i) picked[i] = sample[config_.record_channels[i]];
    values = std::span<const float>(picked.data(), config_.record_channels.size());
  }
  std::uint8_t record[runtime::record_bytes(runtime::kMaxChannels)];
  runtime::encode_record(t_us, seq_[device], values, record);
  const std::span<const std::uint8_t> record_span(record, runtime::record_bytes(values.size()));
  const std::uint32_t topic_begin = device == 0 ? 0 : topic_end_[device - 1];
  const std::string_view topic(topics_.data() + topic_begin, topic_end_[device] - topic_begin);
  const auto packet_id = static_cast<std::uint16_t>(config_.qos ? seq_[device] % 65535 + 1 : 0);
  runtime::mqtt::encode(runtime::mqtt::Publish{topic, record_span, config_.qos, false, false, packet_id}, packet_);

  const double wire = static_cast<double>(packet_.size()) + config_.overhead_bytes_per_message;
  ++st.messages;
  st.mqtt_bytes += packet_.size();
  st.wire_bytes += static_cast<std::uint64_t>(wire);
  st.energy_nj += wire * 8 * config_.energy_nj_per_bit + config_.energy_nj_per_message;
  if (config_.loss_probability > 0 && rng_[device].bernoulli(config_.loss_probability)) {
    ++st.lost;
    return;
  }
  out.add(device, flags, packet_, static_cast<std::uint32_t>(t_us - send_us));
  out.wire_bytes += static_cast<std::uint64_t>(wire);
}

AckStats FleetCore::consume(const WireBatch& in) {
  AckStats st;
  for (const WireFrame& f : in.frames) {
    if (f.conn >= config_.devices) continue;
    if (f.flags & WireFrame::close) {
      connected_[f.conn] = Link::down;
      ++st.resets;
      continue;
    }
    auto bytes = in.bytes_of(f);
    while (!bytes.empty()) {
      const auto r = runtime::mqtt::decode(bytes);
      if (r.status != runtime::mqtt::DecodeStatus::ok)
        throw std::logic_error("gateway sent device " + std::to_string(f.conn) + " a malformed packet (" +
                               std::string(runtime::mqtt::to_string(r.status)) + ")");
      if (std::holds_alternative<runtime::mqtt::Puback>(r.packet)) ++st.pubacks;
      else if (std::holds_alternative<runtime::mqtt::Connack>(r.packet)) ++st.connacks;
      bytes = bytes.subspan(r.consumed);
    }
  }
  return st;
}

}  // namespace twinbench::sim
