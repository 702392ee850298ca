#include "QuantitativeTypes.hpp"

#include "Context.hpp"

#include "twinbench/twins/dtdl/Terms.hpp"

namespace twinbench::twins::dtdl {

void check_semantic_types(int dtdl_version, const std::vector<std::string>& types, const std::string& base, const std::optional<std::string>& unit,
                          bool unit_not_a_string, const Schema* schema, bool enabled, ElementInfo& e,
                          const std::function<void(const std::string&, const std::string&)>& report) {
  const bool v2 = dtdl_version == 2;
  const auto& table = v2 ? semantic_types_v2() : quantitative_types_v1();
  for (const auto& t : types) {
    if (t == base) continue;
    if (!table.contains(t) || (v2 && base != "Telemetry" && base != "Property")) {
      report("@type", "'" + t + "' is not a type a " + base + " can have");
      continue;
    }
    if (!enabled) {
      report("@type", "semantic type '" + t + "' needs the QuantitativeTypes extension (\"" + std::string(kQuantitativeTypesV1) + "\" in @context)");
      continue;
    }
    e.semantic_types.push_back(t);
  }
  if (unit) {
    if (e.semantic_types.empty()) {
      report("unit", "'unit' needs a semantic type co-typing the " + base + " (e.g. [\"" + base + "\", \"Temperature\"])");
    } else if (unit_not_a_string) {
      report("unit", "expected a unit name, got " + *unit);
    } else {
      e.unit = *unit;
      const SemanticType& st = table.at(e.semantic_types.front());
      if (!st.units.contains(e.unit)) report("unit", "'" + e.unit + "' is not a " + st.unit_type + " (the unit type of " + e.semantic_types.front() + ")");
    }
  }
  if (v2 && !e.semantic_types.empty() && !unit) report("", "DTDL v2 requires a 'unit' with semantic type '" + e.semantic_types.front() + "'");
  if (!e.semantic_types.empty() && schema && !(schema->kind == SchemaKind::primitive && is_numeric_schema(schema->primitive)))
    report("schema", "an element with semantic type '" + e.semantic_types.front() + "' needs a numeric schema (double, float, integer, long)");
}

}  // namespace twinbench::twins::dtdl
