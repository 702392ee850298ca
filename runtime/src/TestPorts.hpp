#pragma once
// Test doubles for the runtime's ports: they record what the runtime did so that tests can assert on it.
// Shared by the runtime's unit tests only.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <vector>

#include "twinbench/runtime/Scorer.hpp"
#include "twinbench/runtime/mqtt/Broker.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/ports/Audit.hpp"
#include "twinbench/runtime/ports/Compute.hpp"
#include "twinbench/runtime/ports/Http.hpp"
#include "twinbench/runtime/ports/Datagram.hpp"
#include "twinbench/runtime/ports/Sink.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime {

using Bytes = std::vector<std::uint8_t>;

struct CountingCompute final : Compute {
  double flops = 0;
  void charge(double f) override { flops += f; }
};
struct NullSink final : Sink {
  void emit(const Event&) override {}
  using Sink::emit;
};

/**
 * The cloud end of a runtime's uplink in unit tests: a real mqtt::Broker, reached by connect("cloud") on a
 * RecordingTransport. Bytes cross at the clock's next step, so nothing re-enters its sender; what the
 * gateway publishes is kept in order. cut() breaks the connection and refuses new ones until restore().
 */
class TestCloud final : mqtt::BrokerHooks, Transport {
public:
  struct Message {
    std::string topic;
    Bytes payload;
  };
  std::vector<Message> published;  ///< by the gateway, in order

  explicit TestCloud(ManualClock& clock)
      : clock_(clock), broker_(mqtt::BrokerConfig{.max_packet_bytes = 1u << 24}, mqtt::BrokerPorts{clock, *this, compute_, sink_}, *this) {}
  /** @brief Publish to the gateway's subscriptions, as a cloud service would (QoS 1), and let it cross now. */
  void publish(std::string_view topic, std::span<const std::uint8_t> payload) {
    settle();  // the gateway's session (and its subscription) first, if it is still connecting
    broker_.publish(topic, payload, 1, false);
    settle();
  }
  void publish(std::string_view topic, std::string_view payload) {
    publish(topic, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
  }
  /** @brief Let what is on its way cross (the timers due now fire). */
  void settle() { clock_.advance_to(clock_.now_us()); }
  /** @brief The WAN fails: the connection ends (both ends learn it at once), and none opens until restore(). */
  void cut() {
    up_ = false;
    if (client_) {
      TransportHandler* c = std::exchange(client_, nullptr);
      broker_.on_closed(gen_);
      c->on_closed(kGatewayConn + gen_);
    }
  }
  void restore() { up_ = true; }
  /** @brief While set, what the gateway sends is lost on the way (the connection stays up, as a dying link's does). */
  bool blackhole = false;
  /** @brief The payloads published on `topic`, in order. */
  std::vector<Bytes> on(std::string_view topic) const {
    std::vector<Bytes> r;
    for (const Message& m : published)
      if (m.topic == topic) r.push_back(m.payload);
    return r;
  }

  // The gateway's side (RecordingTransport).
  static constexpr ConnId kGatewayConn = 1000;
  bool owns(ConnId conn) const { return conn > kGatewayConn && conn <= kGatewayConn + gen_; }
  ConnId open(TransportHandler& client) {
    if (!up_) return kNoConn;
    client_ = &client;
    const std::uint32_t g = ++gen_;
    later(g, [this, g] {
      broker_.on_open(g);
      client_->on_open(kGatewayConn + g);
    });
    return kGatewayConn + g;
  }
  void from_gateway(ConnId conn, std::span<const std::uint8_t> b) {
    if (conn != kGatewayConn + gen_ || !client_ || blackhole) return;
    later(gen_, [this, copy = Bytes(b.begin(), b.end())] { broker_.on_bytes(gen_, copy); });
  }
  void gateway_closed(ConnId conn) {
    if (conn != kGatewayConn + gen_ || !client_) return;
    client_ = nullptr;
    broker_.on_closed(gen_);
  }

private:
  // The broker's transport: back to the gateway.
  ConnId connect(std::string_view, TransportHandler&) override { return kNoConn; }
  SendStatus send(ConnId conn, std::span<const std::uint8_t> b) override {
    later(conn, [this, conn, copy = Bytes(b.begin(), b.end())] { client_->on_bytes(kGatewayConn + conn, copy); });
    return SendStatus::ok;
  }
  void close(ConnId conn) override {
    later(conn, [this, conn] { std::exchange(client_, nullptr)->on_closed(kGatewayConn + conn); });
  }
  void on_connected(ConnId) override {}
  void on_publish(ConnId, const mqtt::Publish& p, std::size_t) override {
    published.push_back({std::string(p.topic), Bytes(p.payload.begin(), p.payload.end())});
  }
  /** Run `fn` at the clock's next step if connection `g` is still the live one then. */
  void later(std::uint32_t g, std::function<void()> fn) {
    clock_.schedule(0, [this, g, fn = std::move(fn)] {
      if (g == gen_ && client_) fn();
    });
  }

  ManualClock& clock_;
  CountingCompute compute_;
  NullSink sink_;
  mqtt::Broker broker_;
  TransportHandler* client_ = nullptr;
  std::uint32_t gen_ = 0;  ///< connections made so far; the live one is gen_
  bool up_ = true;
};

/** Records what the runtime sends its devices; connect("cloud") reaches `cloud`, if set. */
struct RecordingTransport final : Transport {
  std::map<ConnId, Bytes> sent;
  std::vector<ConnId> closed;
  TestCloud* cloud = nullptr;
  RecordingTransport() = default;
  explicit RecordingTransport(TestCloud* c) : cloud(c) {}
  ConnId connect(std::string_view endpoint, TransportHandler& h) override { return cloud && endpoint == "cloud" ? cloud->open(h) : kNoConn; }
  SendStatus send(ConnId conn, std::span<const std::uint8_t> b) override {
    if (cloud && cloud->owns(conn)) {
      cloud->from_gateway(conn, b);
      return SendStatus::ok;
    }
    sent[conn].insert(sent[conn].end(), b.begin(), b.end());
    return SendStatus::ok;
  }
  void close(ConnId conn) override {
    if (cloud && cloud->owns(conn)) return cloud->gateway_closed(conn);
    closed.push_back(conn);
  }
};
struct RecordingDatagrams final : Datagrams {
  std::vector<std::pair<PeerId, Bytes>> sent;
  SendStatus send_to(PeerId to, std::span<const std::uint8_t> b) override {
    sent.emplace_back(to, Bytes(b.begin(), b.end()));
    return SendStatus::ok;
  }
};
/** An event of kind P as recorded: its named fields, and where and when. */
template <class P>
struct Recorded : P {
  TimeUs t_us;
  std::uint32_t gateway;
  ConnId device;
};
struct RecordingSink final : Sink {
  std::vector<Event> events;
  void emit(const Event& e) override { events.push_back(e); }
  using Sink::emit;
  template <class P>
  std::vector<Recorded<P>> of() const {
    std::vector<Recorded<P>> r;
    for (const auto& e : events)
      if (e.is<P>()) r.push_back({e.as<P>(), e.t_us, e.gateway, e.device});
    return r;
  }
};
/** A partner's endpoint that keeps every post and never answers. */
struct RecordingHttp final : HttpClient {
  std::vector<HttpRequest> posts;
  void post(const HttpRequest& r, std::function<void(int)>) override { posts.push_back(r); }
};
/** An audit trail that keeps each record's action and details. */
struct RecordingAudit final : AuditTrail {
  std::vector<std::pair<std::string, nlohmann::json>> records;
  void record(TimeUs, std::string_view, std::string_view action, std::string_view details) override {
    records.emplace_back(std::string(action), nlohmann::json::parse(details));
  }
  std::vector<std::string> actions() const {
    std::vector<std::string> a;
    for (const auto& r : records) a.push_back(r.first);
    return a;
  }
};
/** A transparent model for tests: the score of a window is its largest value. (The real libtorch model is
 * tested in ai/.) */
struct MaxScorer final : Scorer {
  std::size_t dim;
  std::vector<std::size_t> calls;  ///< batch size of each call
  explicit MaxScorer(std::size_t d) : dim(d) {}
  std::size_t input_dim() const override { return dim; }
  void score(std::span<const float> x, std::size_t batch, std::span<float> out) override {
    calls.push_back(batch);
    for (std::size_t b = 0; b < batch; ++b) out[b] = *std::max_element(x.begin() + b * dim, x.begin() + (b + 1) * dim);
  }
};
}  // namespace twinbench::runtime
