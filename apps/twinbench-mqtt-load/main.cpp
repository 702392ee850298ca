// twinbench-mqtt-load: a load client for MQTT brokers (ours or anyone's), on the same client session
// and TCP transport twinbench-edge uses. Subscribers subscribe to load/#; publishers publish at QoS 1
// (their in-flight window paces them); the broker fans every message out to every subscriber at the
// subscription's QoS. Prints one JSON line: messages published and delivered, seconds, rates.

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "twinbench/hil/AsioClock.hpp"
#include "twinbench/hil/TcpTransport.hpp"
#include "twinbench/runtime/mqtt/Client.hpp"

namespace {

using namespace twinbench;

constexpr const char* kUsage = R"(usage: twinbench-mqtt-load --url mqtt://host:port [options]

Fan-out load on an MQTT broker: S subscribers on load/#, P publishers each publishing N messages at
QoS 1; every message goes to every subscriber. Prints one JSON line with the rates.

options:
  --subscribers S   (10)      --publishers P   (1)      --messages N   (per publisher, 20000)
  --payload BYTES   (64)      --sub-qos 0|1|2  (0)      --window W     (publisher in-flight window, 64)
  --timeout-s T     (60)
exit codes: 0 every message delivered, 1 timed out short, 2 usage.
)";

struct Counter final : runtime::mqtt::ClientHooks {
  std::uint64_t* delivered;
  bool connected = false;
  explicit Counter(std::uint64_t* d) : delivered(d) {}
  void on_connected(bool) override { connected = true; }
  void on_connection_lost() override { connected = false; }
  void on_message(const runtime::mqtt::Publish&) override { ++*delivered; }
};

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  std::uint64_t subscribers = 10, publishers = 1, messages = 20000, payload = 64, sub_qos = 0, window = 64, timeout_s = 60;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto number = [&](std::uint64_t& v) {
      if (i + 1 >= args.size()) return false;
      try {
        v = std::stoull(args[++i]);
        return true;
      } catch (const std::exception&) {
        return false;
      }
    };
    const std::string& a = args[i];
    bool ok = true;
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--url" && i + 1 < args.size()) url = args[++i];
    else if (a == "--subscribers") ok = number(subscribers);
    else if (a == "--publishers") ok = number(publishers);
    else if (a == "--messages") ok = number(messages);
    else if (a == "--payload") ok = number(payload);
    else if (a == "--sub-qos") ok = number(sub_qos) && sub_qos <= 2;
    else if (a == "--window") ok = number(window) && window >= 1 && window <= 65535;
    else if (a == "--timeout-s") ok = number(timeout_s);
    else ok = false;
    if (!ok) {
      std::cerr << "twinbench-mqtt-load: bad argument '" << a << "'\n\n" << kUsage;
      return 2;
    }
  }
  if (url.empty() || publishers == 0) {
    std::cerr << kUsage;
    return 2;
  }

  hil::EventLoop loop;
  hil::AsioClock clock(loop);
  hil::TcpTransport tcp(loop);
  std::uint64_t delivered = 0, ignored = 0;
  std::vector<std::unique_ptr<Counter>> hooks;
  std::vector<std::unique_ptr<runtime::mqtt::Client>> clients;
  auto make = [&](const std::string& id, std::uint64_t* counter, std::uint16_t inflight) {
    runtime::mqtt::ClientConfig c;
    c.endpoint = url;
    c.client_id = id;
    c.keepalive_s = 60;
    c.max_inflight = inflight;
    c.max_queued = messages + 1;
    hooks.push_back(std::make_unique<Counter>(counter));
    clients.push_back(std::make_unique<runtime::mqtt::Client>(c, runtime::mqtt::ClientPorts{clock, tcp, core::RngStream(clients.size() + 1)}, *hooks.back()));
    return clients.back().get();
  };
  for (std::uint64_t s = 0; s < subscribers; ++s) make("load-sub-" + std::to_string(s), &delivered, 64)->subscribe("load/#", static_cast<std::uint8_t>(sub_qos));
  std::vector<runtime::mqtt::Client*> pubs;
  for (std::uint64_t p = 0; p < publishers; ++p) pubs.push_back(make("load-pub-" + std::to_string(p), &ignored, static_cast<std::uint16_t>(window)));
  for (auto& c : clients) c->start();

  auto all_connected = [&] {
    for (auto& h : hooks)
      if (!h->connected) return false;
    return true;
  };
  for (int i = 0; i < 500 && !all_connected(); ++i) loop.run_for_ms(10);
  if (!all_connected()) {
    std::cerr << "twinbench-mqtt-load: could not connect every client to " << url << '\n';
    return 1;
  }
  loop.run_for_ms(200);  // the SUBACKs

  const std::vector<std::uint8_t> body(payload, 'x');
  const std::uint64_t expected = messages * publishers * subscribers;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> published(publishers, 0);
  const auto deadline = t0 + std::chrono::seconds(timeout_s);
  for (;;) {
    // Keep each publisher's window full: the client queues beyond it, so hand over a window's worth at a time.
    for (std::uint64_t p = 0; p < publishers; ++p)
      while (published[p] < messages && pubs[p]->pending() < window) {
        pubs[p]->publish("load/" + std::to_string(p), body, 1);
        ++published[p];
      }
    loop.run_for_ms(1);
    bool all_acked = true;
    for (std::uint64_t p = 0; p < publishers; ++p) all_acked &= published[p] == messages && pubs[p]->pending() == 0;
    if ((all_acked && delivered >= expected) || std::chrono::steady_clock::now() > deadline) break;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::uint64_t total_published = 0;
  for (auto n : published) total_published += n;
  std::printf(
      "{\"url\": \"%s\", \"subscribers\": %llu, \"publishers\": %llu, \"payload_bytes\": %llu, \"sub_qos\": %llu, \"published\": %llu, "
      "\"delivered\": %llu, \"expected\": %llu, \"seconds\": %.3f, \"published_per_s\": %.0f, \"delivered_per_s\": %.0f}\n",
      url.c_str(), static_cast<unsigned long long>(subscribers), static_cast<unsigned long long>(publishers), static_cast<unsigned long long>(payload),
      static_cast<unsigned long long>(sub_qos), static_cast<unsigned long long>(total_published), static_cast<unsigned long long>(delivered),
      static_cast<unsigned long long>(expected), secs, static_cast<double>(total_published) / secs, static_cast<double>(delivered) / secs);
  for (auto& c : clients) c->stop();
  loop.run_for_ms(50);
  return delivered >= expected ? 0 : 1;
}
