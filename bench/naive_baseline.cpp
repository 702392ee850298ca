// The naive SimGrid design, done as well as plain SimGrid allows, as the yardstick for twinbench's fleet
// driver: one s4u actor per device (small stacks), each sending its MQTT PUBLISH with a detached put to
// its gateway's mailbox, which has a permanent receiver (Mailbox::set_receiver). The gateway decodes every
// packet with the same codec. Same platform shape, same messages, no physics (that favours the baseline).
//
// usage: twinbench-naive-baseline <devices> <devices_per_gateway> <duration_s> [period_s]
// prints one JSON line: devices, messages, wall_s, messages_per_wall_s, peak_rss_bytes

#include <simgrid/s4u.hpp>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "twinbench/core/Random.hpp"
#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"

namespace sg4 = simgrid::s4u;
using namespace twinbench;

namespace {

struct Packet {
  std::vector<std::uint8_t> bytes;
};

std::uint64_t received = 0;

void device(sg4::Mailbox* gateway, int id, double period_s, double duration_s, std::uint64_t phase_seed) {
  core::RngStream rng = core::Rng(phase_seed).stream("naive", static_cast<std::uint64_t>(id));
  const std::string topic = "tb/gw/" + std::to_string(id) + "/telemetry";
  std::uint32_t seq = 0;
  for (double t = period_s * rng.uniform(); t < duration_s; t += period_s) {
    sg4::this_actor::sleep_until(t);
    float v[6];
    for (float& x : v) x = static_cast<float>(rng.uniform());
    std::uint8_t rec[runtime::record_bytes(6)];
    runtime::encode_record(static_cast<runtime::TimeUs>(t * 1e6), ++seq, v, rec);
    auto* p = new Packet;
    runtime::mqtt::encode(runtime::mqtt::Publish{topic, rec, 0, false, false, 0}, p->bytes);
    gateway->put_init(p, p->bytes.size() + 58)->detach([](void* q) { delete static_cast<Packet*>(q); });
  }
}

void gateway(sg4::Mailbox* mbox) {
  mbox->set_receiver(sg4::Actor::self());
  for (;;) {
    std::unique_ptr<Packet> p(mbox->get<Packet>());
    const auto r = runtime::mqtt::decode(p->bytes);
    if (r.status == runtime::mqtt::DecodeStatus::ok) ++received;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <devices> <devices_per_gateway> <duration_s> [period_s]\n", argv[0]);
    return 2;
  }
  const int devices = std::atoi(argv[1]), per_gw = std::atoi(argv[2]);
  const double duration_s = std::atof(argv[3]), period_s = argc > 4 ? std::atof(argv[4]) : 10.0;
  if (devices <= 0 || per_gw <= 0 || duration_s <= 0 || period_s <= 0) {
    std::fprintf(stderr, "all arguments must be positive\n");
    return 2;
  }
  std::vector<std::string> args = {argv[0], "--log=root.thresh:critical", "--cfg=network/model:CM02",
                                   "--cfg=network/crosstraffic:0", "--cfg=contexts/stack-size:16"};
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  int cargc = static_cast<int>(cargs.size());
  sg4::Engine engine(&cargc, cargs.data());

  auto* world = sg4::create_star_zone("world");
  const int gateways = (devices + per_gw - 1) / per_gw;
  for (int g = 0; g < gateways; ++g) {
    const std::string name = "gw-" + std::to_string(g);
    auto* zone = sg4::create_full_zone(name)->set_parent(world);
    auto* gw = zone->create_host(name, 1e9);
    auto* fleet = zone->create_host(name + "-devices", 1e9);
    auto* access = zone->create_link(name + "-access", 100e6 / 8)->set_latency(0.3e-3)->seal();  // bytes/s, as twinbench's ethernet
    zone->add_route(fleet->get_netpoint(), gw->get_netpoint(), nullptr, nullptr, {sg4::LinkInRoute(access)}, true);
    zone->seal();
    auto* wan = world->create_link(name + "-wan", 20e6 / 8)->set_latency(30e-3)->seal();
    world->add_route(zone->get_netpoint(), nullptr, gw->get_netpoint(), nullptr, {sg4::LinkInRoute(wan)}, true);
    auto* mbox = sg4::Mailbox::by_name(name);
    sg4::Actor::create(name, gw, gateway, mbox)->daemonize();
    for (int d = g * per_gw; d < std::min(devices, (g + 1) * per_gw); ++d)
      sg4::Actor::create("d", fleet, device, mbox, d, period_s, duration_s, std::uint64_t{1});
  }
  world->seal();

  const auto start = std::chrono::steady_clock::now();
  engine.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("{\"devices\": %d, \"messages\": %llu, \"wall_s\": %.3f, \"messages_per_wall_s\": %.0f, \"peak_rss_bytes\": %lld}\n", devices,
              static_cast<unsigned long long>(received), wall, static_cast<double>(received) / wall,
              static_cast<long long>(ru.ru_maxrss) * 1024);
  return 0;
}
