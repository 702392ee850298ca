// FleetCore's LwM2M devices (see FleetCore.hpp): the CoAP bytes a real LwM2M 1.1 client sends, made with
// the codec the gateway's server decodes (runtime/coap), readings in SenML JSON.

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>

#include "twinbench/runtime/coap/Message.hpp"
#include "twinbench/runtime/lwm2m/Server.hpp"
#include "twinbench/sim/FleetCore.hpp"

namespace twinbench::sim {

namespace coap = runtime::coap;
using runtime::TimeUs;

namespace {

template <typename T> void append_number(std::string& s, T v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back the same
  s.append(buf, end);
}

}  // namespace

void FleetCore::init_lwm2m() {
  lw_ = std::make_unique<Lwm2mState>();
  lw_->instances = runtime::lwm2m::instances_of(config_.lwm2m.resources);
  for (const std::string& i : lw_->instances) (lw_->links += lw_->links.empty() ? "<" : ",<") += i + ">";
  lw_->location.assign(config_.devices, 0);
  lw_->message_id.resize(config_.devices);
  for (std::uint32_t d = 0; d < config_.devices; ++d) lw_->message_id[d] = static_cast<std::uint16_t>(core::mix64(stream_seed_ ^ d));
  lw_->updated_us.assign(config_.devices, 0);
  lw_->token.assign(config_.devices, 0);
}

void FleetCore::lwm2m_register(std::uint32_t device, TimeUs t_us, TimeUs send_us, WireBatch& out) {
  packet_.clear();
  std::string ep = "ep=d", lt = "lt=";
  append_number(ep, device);
  append_number(lt, config_.lwm2m.lifetime_s);
  coap::Writer(packet_, coap::Type::con, coap::codes::post, lw_->message_id[device]++, {})
      .option(coap::options::uri_path, "rd")
      .uint_option(coap::options::content_format, coap::formats::link_format)
      .option(coap::options::uri_query, ep)
      .option(coap::options::uri_query, lt)
      .option(coap::options::uri_query, "lwm2m=1.1")
      .option(coap::options::uri_query, "b=U")
      .payload(lw_->links);
  out.add(device, WireFrame::datagram, packet_, static_cast<std::uint32_t>(t_us - send_us));
  out.wire_bytes += static_cast<std::uint64_t>(static_cast<double>(packet_.size()) + config_.overhead_bytes_per_message);
  connected_[device] = Link::connecting;
  lw_->token[device] = 0;  // a new registration starts unobserved
  retries_.insert({t_us + config_.connack_timeout_us, device, ++retry_gen_[device]});  // no 2.01 by then: again
}

void FleetCore::encode_lwm2m(std::uint32_t device, std::span<const float> values, TimeUs t_us, TimeUs send_us, WireBatch& out,
                             WindowStats& st) {
  if (connected_[device] == Link::never) lwm2m_register(device, t_us, send_us, out);
  // A client sends only once registered (the 2.01 came back): a Send that overtook its Register on a
  // reordering link would reach a server that does not know the client yet.
  if (connected_[device] != Link::up) {
    ++st.dropped_offline;
    return;
  }
  if (connected_[device] == Link::up && t_us - lw_->updated_us[device] >= TimeUs{config_.lwm2m.lifetime_s} * 500'000) {
    packet_.clear();  // Update at half the lifetime (LwM2M 1.1 6.2.2): CON POST /rd/<location>
    std::string location;
    append_number(location, lw_->location[device]);
    coap::Writer(packet_, coap::Type::con, coap::codes::post, lw_->message_id[device]++, {})
        .option(coap::options::uri_path, "rd")
        .option(coap::options::uri_path, location);
    out.add(device, WireFrame::datagram, packet_, static_cast<std::uint32_t>(t_us - send_us));
    out.wire_bytes += static_cast<std::uint64_t>(static_cast<double>(packet_.size()) + config_.overhead_bytes_per_message);
    lw_->updated_us[device] = t_us;
  }
  const bool observed = lw_->token[device] != 0;
  if (config_.lwm2m.observe && !observed) {  // not observed (yet): nothing to report on
    ++st.dropped_offline;
    return;
  }
  // The readings as one SenML pack, stamped with absolute time; a missing reading (NaN) is left out.
  std::string pack = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] != values[i]) continue;
    const std::string_view name = config_.lwm2m.resources[i];
    if (pack.size() == 1) {
      pack += R"({"bt":)";
      append_number(pack, static_cast<double>(config_.lwm2m.utc_at_start_us + t_us) * 1e-6);
      pack += ',';
    } else {
      pack += ",{";
    }
    ((pack += R"("n":")") += name) += R"(","v":)";
    append_number(pack, values[i]);
    pack += '}';
  }
  pack += ']';
  packet_.clear();
  if (config_.lwm2m.observe) {  // a notification of the gateway's Observe-Composite
    const std::uint64_t t = lw_->token[device];
    const std::uint8_t token[4] = {static_cast<std::uint8_t>(t >> 24), static_cast<std::uint8_t>(t >> 16),
                                   static_cast<std::uint8_t>(t >> 8), static_cast<std::uint8_t>(t)};
    coap::Writer(packet_, coap::Type::non, coap::codes::content, lw_->message_id[device]++, token)
        .uint_option(coap::options::observe, seq_[device] & 0xFFFFFF)
        .uint_option(coap::options::content_format, coap::formats::senml_json)
        .payload(pack);
  } else {  // LwM2M 1.1 Send
    coap::Writer(packet_, coap::Type::non, coap::codes::post, lw_->message_id[device]++, {})
        .option(coap::options::uri_path, "dp")
        .uint_option(coap::options::content_format, coap::formats::senml_json)
        .payload(pack);
  }
  transmit(device, WireFrame::datagram, t_us, send_us, out, st);
}

void FleetCore::registration_lost(std::uint32_t device, TimeUs now_us, AckStats& st) {
  if (connected_[device] != Link::up) return;
  lost_at_.emplace(device, now_us);
  attempt_[device] = 0;
  lw_->token[device] = 0;
  schedule_retry(device, now_us);
  ++st.resets;
}

void FleetCore::consume_lwm2m(std::uint32_t device, std::span<const std::uint8_t> bytes, TimeUs now_us, WireBatch& replies, AckStats& st) {
  coap::Message m;
  if (const auto status = coap::decode(bytes, m); status != coap::DecodeStatus::ok)
    throw std::logic_error("gateway sent device " + std::to_string(device) + " a malformed CoAP message (" + std::string(coap::to_string(status)) + ")");
  const auto reply = [&](coap::Type type, std::uint8_t code) {
    packet_.clear();
    if (code == coap::codes::empty) coap::encode_empty(type, m.id, packet_);
    else coap::Writer(packet_, type, code, m.id, m.token);
    replies.add(device, WireFrame::datagram, packet_);
    replies.wire_bytes += static_cast<std::uint64_t>(static_cast<double>(packet_.size()) + config_.overhead_bytes_per_message);
  };
  if (m.type == coap::Type::rst) return registration_lost(device, now_us, st);  // a notification nobody wants any more
  if (m.is_response()) {
    if (m.code == coap::codes::created && connected_[device] == Link::connecting) {
      const auto location = m.strings(coap::options::location_path);
      if (location.size() != 2 || std::from_chars(location[1].data(), location[1].data() + location[1].size(), lw_->location[device]).ec != std::errc())
        throw std::logic_error("gateway registered device " + std::to_string(device) + " without a numeric location rd/<id>");
      lw_->updated_us[device] = now_us;
      ++st.connacks;
      reconnected(device, now_us, replies, st);
    } else if (m.code == coap::codes::forbidden || m.code == coap::codes::not_found) {
      registration_lost(device, now_us, st);  // a Send while unregistered, or an Update of a registration it lost
    } else if (m.code == coap::codes::changed) {
      ++st.pubacks;
    }
    return;
  }
  if (!m.is_request()) return;  // an empty ACK
  const auto observe = m.uint_option(coap::options::observe);
  if (m.code == coap::codes::fetch && observe == 0u && config_.lwm2m.observe && connected_[device] == Link::up) {
    if (m.token.size() != 4) throw std::logic_error("gateway observed device " + std::to_string(device) + " with a token that is not 4 bytes");
    lw_->token[device] = std::uint64_t{1} << 32 | std::uint64_t{m.token[0]} << 24 | std::uint64_t{m.token[1]} << 16 |
                         std::uint64_t{m.token[2]} << 8 | m.token[3];
    ++st.observed;
    if (m.type == coap::Type::con) reply(coap::Type::ack, coap::codes::empty);  // the notifications follow with the reports
    return;
  }
  if (m.type == coap::Type::con) reply(coap::Type::ack, coap::codes::not_found);
}

}  // namespace twinbench::sim
