#pragma once
// Loading and validating scenario files. Every error names the file, the JSON path and what was expected.

#include <string>

#include "twinbench/core/JsonReader.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::sim {

/** @brief Bad input: the message is complete and meant for the user as is. */
using ScenarioError = core::InputError;

/** @brief Load a scenario from a JSON file, or from a folder holding scenario.json. Throws ScenarioError. */
Scenario load_scenario(const std::string& path);

/** @brief "" if the scenario's gateway `name` can be played by a real one at `b` (hil.gateways), else why not. */
std::string check_bridge(const Scenario& sc, const std::string& name, const HilSpec::Bridge& b);

/** @brief Parse scenario JSON text; `file` is used in messages. Throws ScenarioError. */
Scenario parse_scenario(const std::string& text, const std::string& file);

}  // namespace twinbench::sim
