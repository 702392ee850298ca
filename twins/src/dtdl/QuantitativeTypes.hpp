#pragma once
// The QuantitativeTypes v1 extension: semantic types, their unit type and the units each allows.

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

/**
 * @brief The QuantitativeTypes rules for one element: its co-types other than `base` must be semantic
 * types (and need the extension, `enabled`), a `unit` must belong to the semantic type's unit type, and
 * the schema must be numeric. Accepted semantic types and unit go into `e`; problems go to `report`
 * as (property key under the element, message).
 */
void check_semantic_types(const std::vector<std::string>& types, const std::string& base, const std::optional<std::string>& unit,
                          bool unit_not_a_string, const Schema* schema, bool enabled, ElementInfo& e,
                          const std::function<void(const std::string&, const std::string&)>& report);

}  // namespace twinbench::twins::dtdl
