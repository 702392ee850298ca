#pragma once
// Pieces of the scenario loader shared by its files (ScenarioLoader.cpp, FaultsLoader.cpp, LifecycleLoader.cpp).

#include <string>
#include <string_view>
#include <vector>

#include "twinbench/core/JsonReader.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::sim::loader {

/** "a, b, c": names for a message. */
std::string joined(const std::vector<std::string>& names);
/** A path in the scenario, relative to the scenario's folder. */
std::string scenario_path(const Scenario& sc, const std::string& p);
/** The index of the site named by `key`; bad input if there is none. */
std::size_t site_index(const Scenario& sc, const core::JsonObject& o, std::string_view key);
inline constexpr std::uint32_t kDevicesPerGatewayMax = 1'000'000;
/** A device group: a site's own keys, or an entry of its "devices" (DevicesLoader.cpp). */
void read_group(const Scenario& sc, const core::JsonObject& o, DeviceGroup& s);
/** Alert rules from a file the scenario names (its text into `text`, if given); errors keep the scenario's path. */
runtime::RuleSet read_rules_file(const Scenario& sc, const core::JsonObject& o, std::string_view key, std::string* text = nullptr);
/** Bad input at `key` if `site` (nullopt: any site) has shared gateways: `what` is not supported there yet. */
void refuse_shared(const Scenario& sc, const core::JsonObject& o, std::optional<std::size_t> site, std::string_view key, const std::string& what);
/** "at_s" of something scheduled: at or after 0 and before the end of the run (else it would never happen: bad input). */
double scheduled_at(const Scenario& sc, const core::JsonObject& o);
/** A drift fault ("ambient_shift", "sensor_bias_creep", "new_variant"); false if `kind` is none of those. */
bool read_drift_fault(Scenario& sc, const core::JsonObject& o, const std::string& kind);
/** The "lifecycle" object: drift monitoring, retraining, rollouts, the devices' OTA. */
void read_lifecycle(Scenario& sc, const core::JsonObject& o);
/** One entry of "faults" (FaultsLoader.cpp). */
void read_fault(Scenario& sc, const core::JsonObject& o);
/** One entry of "partners" (FaultsLoader.cpp): before the faults, which may name one. */
void read_partner(Scenario& sc, const core::JsonObject& o);
/** The "security" object (FaultsLoader.cpp). */
void read_security(Scenario& sc, const core::JsonObject& o);

}  // namespace twinbench::sim::loader
