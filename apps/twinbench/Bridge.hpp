#pragma once
// The bridge from simulated devices to a real MQTT gateway for `twinbench hil` (sim::GatewayBridge on
// hil's real ports): each simulated device gets a TCP connection of its own to the gateway, and a client
// session subscribed to the gateway's uplink topic sees what it forwards.

#include <memory>
#include <string>

#include "twinbench/hil/EventLoop.hpp"
#include "twinbench/sim/Simulation.hpp"

namespace twinbench::app {

/** @brief A bridge to the gateway at `endpoint` ("mqtt://host:port") standing in for `gateway`. */
std::unique_ptr<sim::GatewayBridge> make_mqtt_bridge(hil::EventLoop& loop, const std::string& gateway, const std::string& endpoint);

}  // namespace twinbench::app
