#include "RogueClients.hpp"

#include <algorithm>
#include <cmath>

#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/sim/Events.hpp"

namespace twinbench::sim {

namespace mqtt = runtime::mqtt;
using Attack = SecuritySpec::Rogue::Attack;

RogueClients::RogueClients(const std::vector<SecuritySpec::Rogue>& rogues, std::string gateway, std::uint32_t gateway_index,
                           runtime::ConnId first_conn, std::string device_password)
    : gateway_(std::move(gateway)), gateway_index_(gateway_index), next_conn_(first_conn), password_(std::move(device_password)) {
  for (const auto& r : rogues)
    for (std::uint32_t k = 0; k < r.attempts; ++k)
      due_.emplace_back(static_cast<runtime::TimeUs>(std::llround((r.at_s + r.every_s * k) * 1e6)), r.attack);
  std::stable_sort(due_.begin(), due_.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
}

runtime::TimeUs RogueClients::next_due_us() const { return due_.empty() ? INT64_MAX : due_.back().first; }

void RogueClients::produce(runtime::TimeUs now_us, WireBatch& out) {
  while (!due_.empty() && due_.back().first <= now_us) {
    const Attack attack = due_.back().second;
    due_.pop_back();
    const runtime::ConnId conn = next_conn_++;
    Attempt a{attack, 1, false, {}};
    packet_.clear();
    mqtt::Connect c;
    c.protocol_level = 5;
    c.client_id = "rogue-" + std::to_string(conn);
    c.keepalive_s = 60;
    const std::string wrong = password_ + "-guess";
    if (attack != Attack::anonymous) {
      c.has_username = c.has_password = true;
      c.username = "0";  // device 0's username
      const std::string& pw = attack == Attack::wrong_password ? wrong : password_;
      c.password = std::span(reinterpret_cast<const std::uint8_t*>(pw.data()), pw.size());
    }
    mqtt::encode(c, packet_);
    // With stolen credentials, what it came for follows the CONNECT at once.
    static constexpr std::uint8_t kRules[] = R"({"format": "twinbench-rules/1", "rules": []})";
    if (attack == Attack::fake_rules) {
      const std::string rules = "tb/cloud/" + gateway_ + "/rules", uplink = "tb/uplink/" + gateway_;
      mqtt::encode(mqtt::Publish{rules, std::span(kRules, sizeof kRules - 1), 1, false, false, 1}, packet_, mqtt::Version::v5);
      mqtt::encode(mqtt::Publish{uplink, std::span(kRules, 8), 1, false, false, 2}, packet_, mqtt::Version::v5);
      a.steps_left += 2;
    } else if (attack == Attack::read_all) {
      mqtt::encode(mqtt::Subscribe{3, {{"#", 1}}}, packet_, mqtt::Version::v5);
      a.steps_left += 1;
    }
    out.add(conn, WireFrame::open, packet_);
    out.wire_bytes += packet_.size() + 66;  // TCP/IP headers of the segment
    open_.emplace(conn, std::move(a));
  }
}

void RogueClients::consume(const WireBatch& in, runtime::TimeUs now_us, runtime::Sink& sink, WireBatch& replies) {
  for (const WireFrame& f : in.frames) {
    const auto it = open_.find(f.conn);
    if (it == open_.end()) continue;
    Attempt& a = it->second;
    const bool closed = f.flags & WireFrame::close;
    const auto bytes = in.bytes_of(f);
    a.rx.insert(a.rx.end(), bytes.begin(), bytes.end());
    std::size_t used = 0;
    for (;;) {
      const auto r = mqtt::decode(std::span(a.rx).subspan(used), mqtt::kMaxRemainingLength + 5, mqtt::Version::v5);
      if (r.status != mqtt::DecodeStatus::ok) break;
      used += r.consumed;
      if (const auto* c = std::get_if<mqtt::Connack>(&r.packet)) {
        if (c->code == mqtt::ConnackCode::accepted) {
          // In, with a stolen password: what matters is what it may do next. A guessed one is a success.
          if (a.attack == Attack::wrong_password || a.attack == Attack::anonymous) a.allowed = true;
          --a.steps_left;
        } else {
          a.steps_left = 0;  // refused at the door: nothing else will be answered
        }
      } else if (const auto* p = std::get_if<mqtt::Puback>(&r.packet)) {
        a.allowed = a.allowed || p->reason < 0x80;
        --a.steps_left;
      } else if (const auto* s = std::get_if<mqtt::Suback>(&r.packet)) {
        a.allowed = a.allowed || std::any_of(s->return_codes.begin(), s->return_codes.end(), [](std::uint8_t c) { return c < 0x80; });
        --a.steps_left;
      }
    }
    a.rx.erase(a.rx.begin(), a.rx.begin() + static_cast<std::ptrdiff_t>(used));
    if (a.steps_left > 0 && !closed) continue;
    // Judged (or cut off before the last answer: what was not answered was not allowed).
    sink.emit(now_us, gateway_index_, f.conn, ev::RogueAttempt{.attack = static_cast<std::int64_t>(a.attack), .outcome = a.allowed ? 1 : 0});
    if (!closed) {  // and goes: a FIN (40 bytes of TCP/IP headers)
      replies.add(f.conn, WireFrame::close, {});
      replies.wire_bytes += 40;
    }
    open_.erase(it);
  }
}

}  // namespace twinbench::sim
