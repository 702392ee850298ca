#pragma once
// The bridges from simulated devices to a real gateway for `twinbench hil` (sim::GatewayBridge on hil's
// real ports). MQTT devices each get a TCP connection of their own to the gateway; LwM2M devices each a
// UDP socket of their own (an address the gateway registers them by). Either way a client session
// subscribed to the gateway's uplink and alert topics sees what it forwards.

#include <memory>
#include <string>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/sim/Simulation.hpp"

namespace twinbench::app {

/**
 * @brief A bridge to the real gateway at `at` standing in for `gateway` and its `devices`; std::runtime_error
 * if an address is not usable. With `bench_password` (a scenario with "security"), the uplink reader logs
 * in as sim::kBenchUser with it. An MQTT bridge opens its devices' TCP connections before it returns (the
 * simulated clock has not started): each device sends its CONNECT over one when the simulation says.
 */
std::unique_ptr<sim::GatewayBridge> make_bridge(hil::EventLoop& loop, const std::string& gateway, const sim::HilSpec::Bridge& at,
                                                std::uint32_t devices, const std::string& bench_password = {});

}  // namespace twinbench::app
