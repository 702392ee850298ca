#pragma once
// Semantic types, their unit type and the units each allows: the QuantitativeTypes v1 extension of
// DTDL v3, and DTDL v2's native set (a subset of it, with fewer units).

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "twinbench/twins/dtdl/Model.hpp"

namespace twinbench::twins::dtdl {

struct SemanticType {
  std::string unit_type;
  std::set<std::string, std::less<>> units;
};

/** @brief Semantic type name -> its unit type and allowed units. */
const std::map<std::string, SemanticType, std::less<>>& quantitative_types_v1();
const std::map<std::string, SemanticType, std::less<>>& semantic_types_v2();

/**
 * @brief The semantic-type rules for one element: its co-types other than `base` must be semantic types
 * of the DTDL version's table (v3 needs the extension, `enabled`), a `unit` must belong to the semantic
 * type's unit type, and the schema must be numeric. DTDL v2 allows them on Telemetry and Property only,
 * and requires the unit. Accepted semantic types and unit go into `e`; problems go to `report` as
 * (property key under the element, message).
 */
void check_semantic_types(int dtdl_version, const std::vector<std::string>& types, const std::string& base, const std::optional<std::string>& unit,
                          bool unit_not_a_string, const Schema* schema, bool enabled, ElementInfo& e,
                          const std::function<void(const std::string&, const std::string&)>& report);

}  // namespace twinbench::twins::dtdl
