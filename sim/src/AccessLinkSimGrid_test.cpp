// The access link's model against SimGrid itself, the oracle it replaces: the same transfers (lone ones,
// and random ones that overlap in both directions) on links from fast and near to slow and far, in
// SimGrid with the simulation's network model, and in AccessLink. One SimGrid engine per process, so
// this is a program of its own.
#include <gtest/gtest.h>

#include <simgrid/s4u.hpp>
#include <xbt/config.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "AccessLink.hpp"

namespace sg4 = simgrid::s4u;

namespace twinbench::sim {
namespace {

struct Transfer {
  double start_s, bytes;
  bool up;              // devices -> gateway, or back
  double simgrid_s = -1;  // when SimGrid completed it
};

struct Case {
  std::string name;
  double bytes_per_s, latency_s;
  std::vector<Transfer> transfers;
};

std::vector<Case> cases() {
  std::vector<Case> out = {{"ethernet", 100e6 / 8, 0.5e-3, {}}, {"lte", 10e6 / 8, 0.04, {}},
                           {"slow-far", 250e3 / 8, 0.1, {}},   {"capped", 1e9 / 8, 0.1, {}}};
  std::mt19937_64 rng(20261206);  // fixed: the same transfers every run
  std::uniform_real_distribution<double> start(0, 2.0), log_size(std::log(40.0), std::log(300e3));
  std::bernoulli_distribution up(0.6);
  for (Case& c : out) {
    c.transfers.push_back({0.25, 1500, true});  // alone on the link: nothing else before 3 s
    for (int i = 0; i < 40; ++i) c.transfers.push_back({3.0 + start(rng), std::round(std::exp(log_size(rng))), up(rng)});
    c.transfers.push_back({3.0, 64, true});  // two at once, same size
    c.transfers.push_back({3.0, 64, false});
  }
  return out;
}

TEST(AccessLinkAgainstSimGrid, SameArrivalTimes) {
  // The simulation's network configuration (Simulation.cpp, run_simulation).
  std::vector<std::string> args = {"access-link-test", "--log=root.thresh:critical", "--cfg=network/model:CM02", "--cfg=network/crosstraffic:0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  sg4::Engine engine(&argc, argv.data());
  auto* zone = sg4::create_full_zone("world");
  std::vector<Case> all = cases();
  std::vector<std::pair<sg4::Host*, sg4::Host*>> hosts;
  for (const Case& c : all) {
    auto* devices = zone->create_host(c.name + "-devices", 1e9);
    auto* gateway = zone->create_host(c.name, 1e9);
    auto* link = zone->create_link(c.name + "-access", c.bytes_per_s)->set_latency(c.latency_s)->seal();
    zone->add_route(devices->get_netpoint(), gateway->get_netpoint(), nullptr, nullptr, {sg4::LinkInRoute(link)}, true);
    hosts.emplace_back(devices, gateway);
  }
  zone->seal();
  for (std::size_t k = 0; k < all.size(); ++k)
    for (Transfer& t : all[k].transfers)
      sg4::Actor::create("transfer", hosts[k].first, [&t, h = hosts[k]] {
        sg4::this_actor::sleep_until(t.start_s);
        sg4::Comm::sendto_async(t.up ? h.first : h.second, t.up ? h.second : h.first, t.bytes)->wait();
        t.simgrid_s = sg4::Engine::get_clock();
      });
  engine.run();
  const double gamma = simgrid::config::get_value<double>("network/TCP-gamma");

  for (const Case& c : all) {
    SCOPED_TRACE(c.name);
    AccessLink link(c.bytes_per_s, c.latency_s, gamma);
    std::vector<std::size_t> order(c.transfers.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return c.transfers[a].start_s < c.transfers[b].start_s; });
    std::vector<double> model(c.transfers.size(), -1);
    std::size_t next = 0;
    while (next < order.size() || link.in_flight() > 0) {  // starts and arrivals in time order, as the gateway's loop takes them
      const double start_s = next < order.size() ? c.transfers[order[next]].start_s : AccessLink::kNever;
      if (link.next_arrival_s() < start_s) {
        const auto a = link.take_arrived(link.next_arrival_s());
        ASSERT_TRUE(a.has_value());
        model[a->second] = a->first;
      } else {
        link.start(start_s, c.transfers[order[next]].bytes, static_cast<std::uint32_t>(order[next]));
        ++next;
      }
    }
    double worst = 0;
    for (std::size_t i = 0; i < c.transfers.size(); ++i) {
      ASSERT_GT(c.transfers[i].simgrid_s, 0) << "transfer " << i << " never completed in SimGrid";
      worst = std::max(worst, std::abs(model[i] - c.transfers[i].simgrid_s));
      EXPECT_NEAR(model[i], c.transfers[i].simgrid_s, 1e-9) << "transfer " << i << " of " << c.transfers[i].bytes << " B from " << c.transfers[i].start_s << " s";
    }
    // The lone transfer: latency + size / rate, SimGrid's own sum.
    EXPECT_EQ(model[0], c.transfers[0].simgrid_s);
    std::printf("%s: %zu transfers, largest difference from SimGrid %.3g s\n", c.name.c_str(), c.transfers.size(), worst);
  }
}

}  // namespace
}  // namespace twinbench::sim
