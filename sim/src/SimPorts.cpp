#include "SimPorts.hpp"

#include "twinbench/runtime/mqtt/Passwords.hpp"

#include "twinbench/sim/Events.hpp"

#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Mailbox.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Actor.hpp>

#include <cassert>
#include <nlohmann/json.hpp>
#include <tuple>
#include <cmath>

namespace twinbench::sim {

namespace sg4 = simgrid::s4u;
using runtime::ConnId;

runtime::TimeUs to_us(double seconds) {
  assert(seconds >= 0);  // simulated time starts at 0; a cast beats llround's libm call on this hot path
  return static_cast<runtime::TimeUs>(seconds * 1e6 + 0.5);
}
double to_s(runtime::TimeUs us) { return static_cast<double>(us) * 1e-6; }

runtime::AuditTrail& ChainAudit::source(std::uint32_t gateway) {
  auto& p = ports_[gateway];
  if (!p) p = std::make_unique<Port>(*this, gateway);
  return *p;
}

std::pair<std::string, std::string> ChainAudit::chain() const {
  std::vector<const Record*> order;
  order.reserve(records_.size());
  for (const Record& r : records_) order.push_back(&r);
  std::sort(order.begin(), order.end(), [](const Record* a, const Record* b) {
    return std::tie(a->t_us, a->source, a->seq) < std::tie(b->t_us, b->source, b->seq);
  });
  runtime::audit::Chain c;
  std::string text;
  for (const Record* r : order) (text += c.append(r->t_us, r->actor, r->action, r->details)) += '\n';
  return {std::move(text), c.head()};
}

std::string ChainAudit::text() const { return chain().first; }
std::string ChainAudit::run_head() const { return chain().second; }

std::string ChainAudit::lines() const {
  std::string out;
  for (const Record& r : records_)
    (out += nlohmann::json::array({r.t_us, r.source, r.seq, r.actor, r.action, r.details}).dump()) += '\n';
  return out;
}

void ChainAudit::add_lines(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const auto j = nlohmann::json::parse(text.substr(at, end - at));
    if (!j.is_array() || j.size() != 6) throw std::invalid_argument("an audit record line is not [t, source, seq, actor, action, details]");
    records_.push_back({j[0].get<runtime::TimeUs>(), j[1].get<std::uint32_t>(), j[2].get<std::uint64_t>(), j[3].get<std::string>(),
                        j[4].get<std::string>(), j[5].get<std::string>()});
    at = end + 1;
  }
}

runtime::TimerId SimClock::schedule(runtime::TimeUs delay_us, std::function<void()> fn) {
  return timers_.add(now_us() + delay_us, std::move(fn));
}

void SimPasswordCheck::check(std::string password, std::string hash, std::function<void(runtime::PasswordVerdict)> done) {
  compute_.charge(flops_);
  done(runtime::mqtt::verify_password(password, hash) ? runtime::PasswordVerdict::match : runtime::PasswordVerdict::mismatch);
}

void SimCompute::charge(double flops) {
  if (flops <= 0) return;
  const double work_us = flops / flops_per_s_ * 1e6;
  free_at_us_ = std::max(static_cast<double>(clock_.now_us()), free_at_us_) + work_us;
  busy_us_ += work_us;
  clock_.advance_to(std::llround(free_at_us_));
}

SimTransport::SimTransport(std::uint32_t gateway, WanEndpoint::Put to_cloud, const LinkFlags& links, runtime::Sink& sink, SimClock& clock)
    : gateway_(gateway),
      links_(links),
      sink_(sink),
      clock_(clock),
      wan_(gateway, clock, links.wan_up, std::move(to_cloud)),
      downlink_(std::make_unique<WireBatch>()) {}

ConnId SimTransport::connect(std::string_view endpoint, runtime::TransportHandler& handler) {
  if (endpoint != "cloud" || !links_.wan_up) return runtime::kNoConn;
  const ConnId c = next_cloud_++;
  cloud_conns_[c] = &handler;
  wan_.send(c, WanMessage::Kind::open);
  return c;
}

void SimTransport::deliver_from_cloud(std::unique_ptr<WanMessage> m, runtime::TimeUs arrival_us) {
  clock_.advance_to(arrival_us);
  clock_.timers().fire_due(clock_.now_us());
  using Kind = WanMessage::Kind;
  wan_.receive(std::move(m), [this](WanMessage& w) {
    const auto it = cloud_conns_.find(w.conn);
    if (it == cloud_conns_.end()) {  // a connection this gateway no longer has (it rebooted, or closed it)
      if (w.kind != Kind::close && w.kind != Kind::reset) wan_.send(w.conn, Kind::reset);
      return;
    }
    runtime::TransportHandler& h = *it->second;
    if (w.kind == Kind::opened) return h.on_open(w.conn);
    if (w.kind == Kind::data) return h.on_bytes(w.conn, w.bytes);
    cloud_conns_.erase(it);  // close or reset: the cloud ended it
    wan_.forget(w.conn);
    h.on_closed(w.conn);
  });
}

void SimTransport::abandon_cloud(bool power_cut) {
  for (const auto& [c, h] : cloud_conns_) {
    if (power_cut) wan_.drop(c);
    else wan_.send(c, WanMessage::Kind::close);
    wan_.forget(c);
  }
  cloud_conns_.clear();
  wan_.flush();
}

void SimTransport::set_open(ConnId c, bool v) {
  if (c >= open_.size()) open_.resize(static_cast<std::size_t>(c) + 1, 0);
  open_[c] = v;
}

runtime::SendStatus SimTransport::send(ConnId conn, std::span<const std::uint8_t> bytes) {
  if (conn >= kCloudBase) {  // TCP takes the bytes; the WAN carries them when it can
    if (!cloud_conns_.contains(conn)) return runtime::SendStatus::closed;
    wan_.send(conn, WanMessage::Kind::data, bytes);
    return runtime::SendStatus::ok;
  }
  if (!is_open(conn)) return runtime::SendStatus::closed;
  downlink_->add(conn, WireFrame::none, bytes);
  downlink_->wire_bytes += bytes.size() + 40;
  return runtime::SendStatus::ok;
}

runtime::SendStatus SimTransport::send_to(runtime::PeerId to, std::span<const std::uint8_t> bytes) {
  downlink_->add(to, WireFrame::datagram, bytes);
  downlink_->wire_bytes += bytes.size() + 28;  // IPv4 + UDP headers
  return runtime::SendStatus::ok;
}

void SimTransport::close(ConnId conn) {
  if (conn >= kCloudBase) {
    if (cloud_conns_.erase(conn) == 0) return;
    wan_.send(conn, WanMessage::Kind::close);
    wan_.forget(conn);
    return;
  }
  if (!is_open(conn)) return;
  set_open(conn, false);
  downlink_->add(conn, WireFrame::close, {});
  downlink_->wire_bytes += 40;
}

std::uint32_t SimTransport::refuse(const WireBatch& batch) {
  std::uint32_t publishes = 0;
  for (const WireFrame& f : batch.frames) {
    if (f.flags & WireFrame::datagram) {
      ++publishes;
      continue;
    }
    downlink_->add(f.conn, WireFrame::close, {});
    downlink_->wire_bytes += 40;
    for (auto bytes = batch.bytes_of(f); !bytes.empty();) {
      const auto r = runtime::mqtt::decode(bytes);
      if (r.status != runtime::mqtt::DecodeStatus::ok) break;
      publishes += std::holds_alternative<runtime::mqtt::Publish>(r.packet);
      bytes = bytes.subspan(r.consumed);
    }
  }
  return publishes;
}

void SimTransport::deliver(const WireBatch& batch, runtime::TimeUs arrival_us, runtime::TransportHandler& handler,
                           runtime::DatagramHandler& datagrams) {
  for (const WireFrame& f : batch.frames) {
    clock_.advance_to(arrival_us + f.delay_us);
    clock_.timers().fire_due(clock_.now_us());
    if (f.flags & WireFrame::datagram) {
      datagrams.on_datagram(f.conn, batch.bytes_of(f));
      continue;
    }
    if (f.flags & WireFrame::close) {  // the device hung up
      if (is_open(f.conn)) {
        set_open(f.conn, false);
        handler.on_closed(f.conn);
      }
      continue;
    }
    if (f.flags & WireFrame::open) {
      if (is_open(f.conn)) handler.on_closed(f.conn);  // the device gave up on its old connection
      set_open(f.conn, true);
      handler.on_open(f.conn);
    } else if (!is_open(f.conn)) {
      // Bytes on a connection we closed: the device learns it from a reset, like TCP's RST.
      ++resets_;
      downlink_->add(f.conn, WireFrame::close, {});
      downlink_->wire_bytes += 40;
      continue;
    }
    handler.on_bytes(f.conn, batch.bytes_of(f));
  }
}

std::unique_ptr<WireBatch> SimTransport::flush() {
  wan_.flush();
  if (resets_ > 0) {
    sink_.emit(clock_.now_us(), gateway_, runtime::kNoConn, ev::TransportReset{.frames = resets_});
    resets_ = 0;
  }
  if (downlink_->empty()) return nullptr;
  if (!links_.access_up) {
    sink_.emit(clock_.now_us(), gateway_, runtime::kNoConn, ev::DownlinkDropped{.frames = static_cast<std::int64_t>(downlink_->frames.size())});
    downlink_->clear();
    return nullptr;
  }
  return std::exchange(downlink_, std::make_unique<WireBatch>());
}

}  // namespace twinbench::sim
