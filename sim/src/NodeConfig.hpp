#pragma once
// What a simulated gateway and its devices are configured with, from the scenario: the fleet's
// (FleetCore), the edge runtime's (the same EdgeConfig as twinbench-edge's), and with "security" the
// broker's access rules.

#include <cstdint>
#include <string>
#include <vector>

#include "twinbench/core/Random.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/sim/FleetCore.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::sim {

/// UTC at simulated time 0 (2026-01-01T00:00:00Z), for protocols that carry absolute times (SenML).
inline constexpr runtime::TimeUs kSimEpochUs = 1'767'225'600'000'000;

/** @brief The devices of gateway `name` of `site` (their passwords, with "security", drawn from `seed`). */
FleetConfig fleet_config(const Scenario& sc, const SiteSpec& site, const std::string& name, std::uint64_t seed);
/** @brief "/<class>": the end of a shared gateway's telemetry topics for the group's devices. */
std::string telemetry_suffix(const DeviceGroup& g);
/** @brief Gateway `name`'s device groups (physics and calibration drawn from `rng`), in the site's order. */
std::vector<FleetGroup> fleet_groups(const SiteSpec& site, const core::Rng& rng, const std::string& name);
/** @brief Gateway `name`'s runtime (number `index`), before the lifecycle and security add to it. */
runtime::EdgeConfig edge_config(const Scenario& sc, const SiteSpec& site, std::uint32_t index, const std::string& name, std::uint64_t seed);
/**
 * @brief The access rules of gateway `name` with "security": its devices' passwords hashed at the least
 * cost (the CPU is charged the production cost by SimPasswordCheck), each device kept to its own topics.
 */
runtime::mqtt::AccessConfig device_access(const core::Rng& rng, const std::string& name, const std::vector<std::string>& passwords);

}  // namespace twinbench::sim
