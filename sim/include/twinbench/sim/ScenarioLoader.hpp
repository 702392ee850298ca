#pragma once
// Loading and validating scenario files. Every error names the file, the JSON path and what was expected.

#include <string>
#include <vector>

#include "twinbench/core/JsonReader.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::sim {

/** @brief Bad input: the message is complete and meant for the user as is. */
using ScenarioError = core::InputError;

/** A change to a scenario before it is checked (`twinbench run --set POINTER=VALUE`). */
struct Override {
  std::string pointer;  ///< RFC 6901 JSON pointer; its parent must exist (an object, or an array and an index in it)
  std::string value;    ///< JSON, or else taken as a string
};

/**
 * @brief Load a scenario from a JSON file, or from a folder holding scenario.json, with `overrides`
 * applied in order before it is checked. Throws ScenarioError.
 */
Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides = {});

/** @brief "" if the scenario's gateway `name` can be played by a real one at `b` (hil.gateways), else why not. */
std::string check_bridge(const Scenario& sc, const std::string& name, const HilSpec::Bridge& b);

/** @brief Parse scenario JSON text; `file` is used in messages. Throws ScenarioError. */
Scenario parse_scenario(const std::string& text, const std::string& file);

}  // namespace twinbench::sim
