// libFuzzer target: any bytes as what clients send a broker, and as what a broker sends a client.
// The input is a script of steps: [op][length][bytes...]. op % 4 picks one of four broker connections;
// op / 4 % 4 says what happens on it: bytes, open, close by the peer, or time passing (keepalive
// sweep). After the script, the same bytes go to a client session in one piece. Neither side may crash,
// hang or break its own bookkeeping (checked below), whatever arrives. Inputs of odd length meet a broker
// with authentication and ACLs (runtime/mqtt/Access): user "device" with password "device-pass", its own
// topics only, anonymous refused, tb/cloud/# for "cloud" alone.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/mqtt/Access.hpp"
#include "twinbench/runtime/mqtt/Broker.hpp"
#include "twinbench/runtime/mqtt/Client.hpp"

namespace {

using namespace twinbench::runtime;

struct Wire final : Transport {
  std::size_t bytes = 0;
  ConnId connect(std::string_view, TransportHandler&) override { return 7; }
  SendStatus send(ConnId, std::span<const std::uint8_t> b) override {
    bytes += b.size();
    return SendStatus::ok;
  }
  void close(ConnId) override {}
};
struct Quiet final : Sink {
  void emit(const Event&) override {}
};
struct Hooks final : mqtt::BrokerHooks, mqtt::ClientHooks {
  void on_connected(ConnId) override {}
  void on_publish(ConnId, const mqtt::Publish& p, std::size_t) override {
    if (p.topic.empty()) std::abort();  // the codec promised a topic
  }
  void on_connected(bool) override {}
  void on_connection_lost() override {}
  void on_message(const mqtt::Publish&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ManualClock clock;
  Wire wire;
  NoCompute compute;
  Quiet sink;
  Hooks hooks;
  mqtt::BrokerConfig bc;
  bc.max_inflight = 4;
  bc.max_queued = 8;
  static const std::unique_ptr<const mqtt::Access> access = [] {
    mqtt::AccessConfig a;
    const std::uint8_t salt[16] = {7};
    a.passwords.hashes["device"] = mqtt::hash_password("device-pass", salt, mqtt::kLeastPasswordCost);
    a.passwords.hashes["cloud"] = a.passwords.hashes["device"];
    a.acl.push_back({"*", {"tb/g/%u/#"}, {"tb/g/%u/#"}});
    a.control_identities = {"cloud"};
    a.control_topics = {"tb/cloud/g/#"};
    a.reserved_topics = {"tb/uplink/g/#"};
    a.gateway.assign(1, 'g');  // (not = "g": GCC 12 warns falsely of overlapping copies, bug 105329)
    return std::make_unique<const mqtt::Access>(std::move(a));
  }();
  InlinePasswordCheck passwords;
  {
    mqtt::Broker broker(bc, {clock, wire, compute, sink, size % 2 ? access.get() : nullptr, &passwords}, hooks);
    bool open[4] = {};
    std::span<const std::uint8_t> rest(data, size);
    while (rest.size() >= 2) {
      const std::uint8_t op = rest[0];
      const std::size_t n = std::min<std::size_t>(rest[1], rest.size() - 2);
      const auto bytes = rest.subspan(2, n);
      rest = rest.subspan(2 + n);
      const ConnId conn = op % 4;
      switch (op / 4 % 4) {
        case 0:
          if (!open[conn]) {
            broker.on_open(conn);
            open[conn] = true;
          }
          broker.on_bytes(conn, bytes);
          break;
        case 1:
          if (open[conn]) broker.on_closed(conn);
          broker.on_open(conn);
          open[conn] = true;
          break;
        case 2:
          if (open[conn]) broker.on_closed(conn);
          open[conn] = false;
          break;
        default:
          clock.advance_to(clock.now_us() + 1'000'000 * static_cast<TimeUs>(n));
          broker.sweep();
          break;
      }
      if (broker.connections() > 4 || broker.sessions() > 4 + broker.stats().wills + 64) std::abort();
    }
    broker.close_all();
    if (broker.connections() != 0) std::abort();
  }
  {
    mqtt::ClientConfig cc;
    cc.endpoint = "x";
    cc.client_id = "fuzz";
    cc.max_inflight = 2;
    mqtt::Client client(cc, {clock, wire, twinbench::core::RngStream(size)}, hooks);
    client.start();
    client.on_open(7);
    const std::uint8_t payload[] = {1, 2, 3};
    client.publish("t", payload, 1);
    client.publish("t", payload, 2);
    client.on_bytes(7, std::span<const std::uint8_t>(data, size));
    clock.advance_to(clock.now_us() + 120'000'000);
    if (client.pending() > 2) std::abort();
    client.stop();
  }
  return 0;
}
