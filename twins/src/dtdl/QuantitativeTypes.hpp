#pragma once
// The QuantitativeTypes v1 extension: semantic types, their unit type and the units each allows.

#include <map>
#include <set>
#include <string>

namespace twinbench::twins::dtdl {

struct SemanticType {
  std::string unit_type;
  std::set<std::string, std::less<>> units;
};

/** @brief Semantic type name -> its unit type and allowed units. */
const std::map<std::string, SemanticType, std::less<>>& quantitative_types_v1();

}  // namespace twinbench::twins::dtdl
