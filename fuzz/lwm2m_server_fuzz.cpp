// libFuzzer target: an LwM2M server facing four peers that send anything. The input is a script of
// steps [op][length][bytes...]: op % 4 picks the peer, op / 4 % 4 what happens: the bytes arrive as a
// datagram; time passes (bytes[0] seconds, timers fire, the sweep runs); the peer registers properly
// (its endpoint name from the bytes); or the bytes are the SenML payload of a notification carrying the
// token of the last observe sent to that peer (Observe sequence and type from the bytes). An input of odd
// length runs a server that observes with one Observe-Composite (FETCH) instead of a GET per path.
// Nothing may crash or hang, and the bookkeeping must hold (checked below).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>
#include <string>

#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/lwm2m/Server.hpp"

namespace {

using namespace twinbench::runtime;

struct Wire final : Datagrams {
  std::map<PeerId, std::vector<std::uint8_t>> last_get;  ///< the last observe request (GET or FETCH) to each peer
  SendStatus send_to(PeerId to, std::span<const std::uint8_t> b) override {
    coap::Message m;
    if (coap::decode(b, m) != coap::DecodeStatus::ok) std::abort();  // the server only sends valid CoAP
    if (m.code == coap::codes::get || m.code == coap::codes::fetch) last_get[to].assign(b.begin(), b.end());
    return SendStatus::ok;
  }
};

struct Hooks final : lwm2m::ServerHooks {
  std::size_t registered = 0;
  void on_registered(const lwm2m::Registration& r) override {
    if (r.endpoint.empty() || r.location.empty()) std::abort();
    ++registered;
  }
  void on_deregistered(const lwm2m::Registration&, lwm2m::Ended) override {
    if (registered == 0) std::abort();
    --registered;
  }
  void on_values(const lwm2m::Registration&, std::span<const senml::Record> records, std::size_t) override {
    for (const auto& r : records)
      if (r.name.empty()) std::abort();
  }
  void on_problem(PeerId, lwm2m::Problem) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ManualClock clock;
  Wire wire;
  Hooks hooks;
  lwm2m::ServerConfig config;
  config.observe = {"/3303/0", "/3316"};
  config.composite = size % 2 == 1;
  {
    lwm2m::Server server(config, clock, wire, hooks, twinbench::core::Rng(1).stream("fuzz"));
    std::uint16_t id = 0;
    std::span<const std::uint8_t> rest(data, size);
    while (rest.size() >= 2) {
      const std::uint8_t op = rest[0];
      const std::size_t n = std::min<std::size_t>(rest[1], rest.size() - 2);
      const auto bytes = rest.subspan(2, n);
      rest = rest.subspan(2 + n);
      const PeerId peer = op % 4;
      std::vector<std::uint8_t> d;
      switch (op / 4 % 4) {
        case 0:
          server.on_datagram(peer, bytes);
          break;
        case 1:
          clock.advance_to(clock.now_us() + (bytes.empty() ? 1 : bytes[0]) * 1'000'000ll);
          server.sweep();
          break;
        case 2: {
          std::string ep = "ep=";
          for (std::uint8_t b : bytes.subspan(0, std::min<std::size_t>(bytes.size(), 8))) ep += static_cast<char>('a' + b % 26);
          if (ep.size() == 3) ep += 'x';
          coap::Writer(d, coap::Type::con, coap::codes::post, id++, {})
              .option(coap::options::uri_path, "rd")
              .option(coap::options::uri_query, ep)
              .option(coap::options::uri_query, "lt=" + std::to_string(1 + (bytes.empty() ? 0 : bytes[0])))
              .payload("</1/0>,</3303/0>,</3316/0>");
          server.on_datagram(peer, d);
          break;
        }
        default: {
          const auto get = wire.last_get.find(peer);
          if (get == wire.last_get.end()) break;
          coap::Message g;
          if (coap::decode(get->second, g) != coap::DecodeStatus::ok) std::abort();
          const std::uint8_t flags = bytes.empty() ? 0 : bytes[0];
          const auto type = flags % 3 == 0 ? coap::Type::ack : flags % 3 == 1 ? coap::Type::con : coap::Type::non;
          coap::Writer(d, type, coap::codes::content, type == coap::Type::ack ? g.id : id++, g.token)
              .uint_option(coap::options::observe, flags / 3)
              .uint_option(coap::options::content_format, coap::formats::senml_json)
              .payload(bytes.empty() ? bytes : bytes.subspan(1));
          server.on_datagram(peer, d);
        }
      }
      if (server.registrations() != hooks.registered || server.registrations() > 4) std::abort();
      if (server.observations() > 2 * server.registrations()) std::abort();
      for (PeerId p = 0; p < 4; ++p)
        if (const auto* r = server.find(p); r && r->peer != p) std::abort();
    }
  }
  return 0;
}
