#include "Bridge.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "twinbench/core/Endpoint.hpp"
#include "twinbench/hil/AsioClock.hpp"
#include "twinbench/hil/TcpTransport.hpp"
#include "twinbench/hil/UdpClients.hpp"
#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/mqtt/Client.hpp"
#include "twinbench/runtime/UplinkLog.hpp"
#include "twinbench/sim/Credentials.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"

namespace twinbench::app {

namespace {

using runtime::ConnId;

/**
 * What the gateway publishes, read by a client session of its own: the records it forwards on
 * tb/uplink/<gateway>, its alerts on tb/alerts/<gateway>; and whether the gateway is there at all.
 */
class UplinkReader final : private runtime::mqtt::ClientHooks {
public:
  UplinkReader(hil::EventLoop& loop, const std::string& gateway, const std::string& endpoint, const std::string& password)
      : gateway_(gateway), endpoint_(endpoint), clock_(loop), tcp_(loop) {
    runtime::mqtt::ClientConfig c;
    c.endpoint = endpoint;
    c.client_id = "twinbench-hil-" + gateway;
    if (!password.empty()) {
      c.username = std::string(sim::kBenchUser);
      c.password = password;
    }
    c.keepalive_s = 30;
    c.backoff = {200'000, 5'000'000};
    client_ = std::make_unique<runtime::mqtt::Client>(c, runtime::mqtt::ClientPorts{clock_, tcp_, core::RngStream(1)},
                                                      static_cast<runtime::mqtt::ClientHooks&>(*this));
    client_->subscribe("tb/uplink/" + gateway, 0);
    client_->subscribe("tb/alerts/" + gateway, 0);
    client_->start();
  }
  void take(std::vector<sim::UplinkRecord>& uplink, std::vector<sim::BridgedAlert>& alerts) {
    note_attempt_failed();
    uplink.insert(uplink.end(), records_.begin(), records_.end());
    records_.clear();
    alerts.insert(alerts.end(), alerts_.begin(), alerts_.end());
    alerts_.clear();
  }
  bool up() const { return up_; }

private:
  // A lab wants to know when its gateway goes away and comes back: a line on stderr each time.
  void on_connected(bool) override {
    if (!up_) std::fprintf(stderr, "[twinbench hil] gateway %s is back (its uplink connected again)\n", gateway_.c_str());
    else if (unreachable_said_) std::fprintf(stderr, "[twinbench hil] gateway %s reached at last\n", gateway_.c_str());
    up_ = true;
    connected_once_ = true;
  }
  /** The client counts a refused or failed attempt as a loss; before the first connection the lab is told once. */
  void note_attempt_failed() {
    if (connected_once_ || unreachable_said_ || client_->stats().losses == 0) return;
    std::fprintf(stderr, "[twinbench hil] gateway %s: nothing accepts connections at %s yet (still trying)\n", gateway_.c_str(),
                 endpoint_.c_str());
    unreachable_said_ = true;
  }
  void on_connection_lost() override {
    if (up_) std::fprintf(stderr, "[twinbench hil] gateway %s went down (its uplink connection was lost)\n", gateway_.c_str());
    up_ = false;
  }
  void on_message(const runtime::mqtt::Publish& p) override {
    if (p.topic.starts_with("tb/alerts/")) return on_alerts(p.payload);
    // Records with ids (runtime/UplinkLog.hpp): those sent again after the gateway restarted are counted once.
    runtime::for_each_uplink_record(p.payload, [&](std::uint64_t id, std::uint32_t, std::span<const std::uint8_t> rec) {
      runtime::RecordHeader h;
      if (seen_.first_time(id) && runtime::decode_record_header(rec, h)) records_.push_back({h.t_us, static_cast<std::uint32_t>(rec.size())});
    });
  }
  /** {"alerts": [[device, rule, severity, roles, raised_at_us, score_x1e6, client_id], ...]}: the client id (d<index>) names the device. */
  void on_alerts(std::span<const std::uint8_t> payload) {
    const auto doc = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
    if (!doc.is_object() || !doc.contains("alerts") || !doc["alerts"].is_array()) return;
    for (const auto& a : doc["alerts"]) {
      if (!a.is_array() || a.size() < 7 || !a[6].is_string() || !a[1].is_number_integer() || !a[2].is_number_integer() || !a[3].is_number_integer())
        continue;
      const std::string id = a[6].get<std::string>();
      std::uint32_t device = 0;
      if (id.size() < 2 || id[0] != 'd' || std::from_chars(id.data() + 1, id.data() + id.size(), device).ec != std::errc()) continue;
      alerts_.push_back({device, a[1].get<std::int64_t>(), a[2].get<std::int64_t>(), a[3].get<std::int64_t>()});
    }
  }

  std::string gateway_;
  std::string endpoint_;
  hil::AsioClock clock_;
  hil::TcpTransport tcp_;
  std::unique_ptr<runtime::mqtt::Client> client_;
  std::vector<sim::UplinkRecord> records_;
  runtime::RecordIds seen_;
  std::vector<sim::BridgedAlert> alerts_;
  bool up_ = true;  ///< until the first connection is lost (the first attempt may still be on its way)
  bool connected_once_ = false;
  bool unreachable_said_ = false;
};

/** What both bridges share: the sockets' event loop, polled at each receive(), what the devices get, and the uplink. */
class BridgeBase : public sim::GatewayBridge {
public:
  BridgeBase(hil::EventLoop& loop, const std::string& gateway, const sim::HilSpec::Bridge& at, const std::string& password)
      : loop_(loop), uplink_(loop, gateway, at.uplink, password) {}
  void receive(sim::WireBatch& to_devices, std::vector<sim::UplinkRecord>& uplink, std::vector<sim::BridgedAlert>& alerts) override {
    loop_.poll();
    to_devices = std::move(inbound_);
    inbound_.clear();
    uplink_.take(uplink, alerts);
  }
  bool gateway_up() const override { return uplink_.up(); }

protected:
  hil::EventLoop& loop_;
  UplinkReader uplink_;
  sim::WireBatch inbound_;  ///< for the devices, since the last receive()
};

/**
 * MQTT devices: a TCP connection each. Before the clock starts the bridge opens one for each device (at
 * most kWarmMax), so that the kernel's handshakes are not paid inside the paced run: 10,000 devices
 * connecting in their first 10 simulated seconds at speed 30 would need 30,000 handshakes a wall second,
 * and this machine does about 16,000 (docs/performance.md). A device that opens takes one of them and
 * sends its CONNECT over it when the simulation says; the gateway sees the same MQTT, earlier TCP.
 * Connections still unused after kWarmIdle are closed (a broker closes a connection that sends no CONNECT
 * within its timeout: twinbench-edge's is 10 s), and later devices connect as they open.
 */
class MqttBridge final : public BridgeBase, private runtime::TransportHandler {
public:
  static constexpr std::uint32_t kWarmMax = 100'000;
  static constexpr auto kWarmIdle = std::chrono::seconds(5);

  MqttBridge(hil::EventLoop& loop, const std::string& gateway, const sim::HilSpec::Bridge& at, std::uint32_t devices, const std::string& password)
      : BridgeBase(loop, gateway, at, password), gateway_name_(gateway), tcp_(loop), endpoint_(at.devices) {
    warm_up(std::min(devices, kWarmMax));
  }

  void receive(sim::WireBatch& to_devices, std::vector<sim::UplinkRecord>& uplink, std::vector<sim::BridgedAlert>& alerts) override {
    close_expired();
    BridgeBase::receive(to_devices, uplink, alerts);
  }

  void send(const sim::WireBatch& frames) override {
    for (const sim::WireFrame& f : frames.frames) {
      const std::uint32_t device = f.conn;
      auto it = conns_.find(device);
      if ((f.flags & sim::WireFrame::close) || (f.flags & sim::WireFrame::open)) {
        if (it != conns_.end()) {
          tcp_.close(it->second.conn);
          devices_.erase(it->second.conn);
          conns_.erase(it);
          it = conns_.end();
        }
        if (f.flags & sim::WireFrame::close) continue;
        const auto warm = take_warm();
        const ConnId conn = warm ? *warm : tcp_.connect(endpoint_, *this);
        it = conns_.emplace(device, Device{conn, {}}).first;
        devices_[conn] = device;
      }
      if (it == conns_.end()) {  // bytes on a connection the gateway ended: the device learns it from a reset
        inbound_.add(device, sim::WireFrame::close, {});
        continue;
      }
      tcp_.send(it->second.conn, frames.bytes_of(f));  // queued until the connection is up
    }
  }


private:
  struct Device {
    ConnId conn;
    std::vector<std::uint8_t> rx;  ///< bytes of a packet not yet whole
  };

  /** Open `n` connections and wait until each is up or failed (at most 10 s: then the run starts anyway). */
  void warm_up(std::uint32_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (std::uint32_t i = 0; i < n; ++i) opening_.insert(tcp_.connect(endpoint_, *this));
    while (!opening_.empty() && std::chrono::steady_clock::now() < deadline) loop_.run_for_ms(10);
    for (ConnId c : opening_) tcp_.close(c);
    opening_.clear();
    warm_since_ = std::chrono::steady_clock::now();
    if (warm_.size() < n)
      std::fprintf(stderr, "[twinbench hil] gateway %s: %zu of %u device connections opened before the start; the others connect when their device starts\n",
                   gateway_name_.c_str(), warm_.size(), n);
  }
  bool warm_expired() {
    if (!expired_ && !warm_.empty() && std::chrono::steady_clock::now() - warm_since_ > kWarmIdle) {
      expired_ = true;
      std::fprintf(stderr, "[twinbench hil] gateway %s: %zu device connections opened before the start went unused for %lld s: closed "
                   "(their devices connect when they start)\n", gateway_name_.c_str(), warm_.size(),
                   static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(kWarmIdle).count()));
    }
    return expired_;
  }
  std::optional<ConnId> take_warm() {
    while (!warm_expired() && !warm_order_.empty()) {
      const ConnId c = warm_order_.front();
      warm_order_.pop_front();
      if (warm_.erase(c)) return c;
    }
    return std::nullopt;
  }
  /** Expired connections are closed 25 at each poll: 5,000 at once held 10,000 devices at speed 1 up by 57 ms. */
  void close_expired() {
    for (int budget = 25; budget > 0 && warm_expired() && !warm_order_.empty(); warm_order_.pop_front())
      if (warm_.erase(warm_order_.front())) {
        tcp_.close(warm_order_.front());
        --budget;
      }
  }

  void on_open(ConnId conn) override {
    if (opening_.erase(conn)) {
      warm_.insert(conn);
      warm_order_.push_back(conn);
    }
  }
  void on_bytes(ConnId conn, std::span<const std::uint8_t> bytes) override {
    const auto d = devices_.find(conn);
    if (d == devices_.end()) return;
    Device& dev = conns_.at(d->second);
    dev.rx.insert(dev.rx.end(), bytes.begin(), bytes.end());
    std::size_t whole = 0;  // the simulated devices take whole packets
    for (;;) {
      const auto r = runtime::mqtt::decode(std::span(dev.rx).subspan(whole));
      if (r.status != runtime::mqtt::DecodeStatus::ok) break;
      whole += r.consumed;
    }
    if (whole == 0) return;
    inbound_.add(d->second, sim::WireFrame::none, std::span(dev.rx).first(whole));
    dev.rx.erase(dev.rx.begin(), dev.rx.begin() + static_cast<std::ptrdiff_t>(whole));
  }
  void on_closed(ConnId conn) override {
    opening_.erase(conn);
    warm_.erase(conn);  // the gateway closed it before a device took it
    const auto d = devices_.find(conn);
    if (d == devices_.end()) return;
    inbound_.add(d->second, sim::WireFrame::close, {});
    conns_.erase(d->second);
    devices_.erase(d);
  }

  std::string gateway_name_;
  hil::TcpTransport tcp_;
  std::string endpoint_;
  std::map<std::uint32_t, Device> conns_;   ///< by device
  std::map<ConnId, std::uint32_t> devices_;  ///< by connection
  std::set<ConnId> opening_, warm_;         ///< opened ahead: on their way up; up, waiting for a device
  std::deque<ConnId> warm_order_;           ///< warm_ in the order they came up (may hold closed ones)
  std::chrono::steady_clock::time_point warm_since_;
  bool expired_ = false;                    ///< those left unused are being closed
};

/** LwM2M devices: a UDP socket each, so that the gateway registers each by an address of its own. */
class CoapBridge final : public BridgeBase, private runtime::DatagramHandler {
public:
  CoapBridge(hil::EventLoop& loop, const std::string& gateway, const sim::HilSpec::Bridge& at, const std::string& password, const std::string& host,
             std::uint16_t port)
      : BridgeBase(loop, gateway, at, password), udp_(loop, host, port, *this) {}

  void send(const sim::WireBatch& frames) override {
    for (const sim::WireFrame& f : frames.frames)
      if (f.flags & sim::WireFrame::datagram) udp_.send(f.conn, frames.bytes_of(f));
  }

private:
  void on_datagram(runtime::PeerId device, std::span<const std::uint8_t> bytes) override { inbound_.add(device, sim::WireFrame::datagram, bytes); }

  hil::UdpClients udp_;
};

}  // namespace

std::unique_ptr<sim::GatewayBridge> make_bridge(hil::EventLoop& loop, const std::string& gateway, const sim::HilSpec::Bridge& at,
                                                std::uint32_t devices, const std::string& bench_password) {
  if (!at.devices.starts_with("coap://")) return std::make_unique<MqttBridge>(loop, gateway, at, devices, bench_password);
  const auto server = core::parse_endpoint(at.devices);
  if (!server) throw std::runtime_error("'" + at.devices + "': expected coap://HOST:PORT");
  return std::make_unique<CoapBridge>(loop, gateway, at, bench_password, server->host, server->port);
}

}  // namespace twinbench::app
