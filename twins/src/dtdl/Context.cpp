#include "Context.hpp"

#include "JsonText.hpp"

#include <algorithm>
#include <vector>

namespace twinbench::twins::dtdl {

bool read_context(const nlohmann::json& c, bool allow_undefined, Context& ctx,
                  const std::function<void(const std::string&, const std::string&)>& report) {
  std::vector<std::string> entries;
  if (c.is_string()) {
    entries.push_back(c.get<std::string>());
  } else if (c.is_array() && !c.empty() && std::all_of(c.begin(), c.end(), [](const nlohmann::json& e) { return e.is_string(); })) {
    for (const auto& e : c) entries.push_back(e.get<std::string>());
  } else {
    report("", "expected a context IRI or a list of them, got " + show_json(c));
    return false;
  }
  if (entries[0] == kContextV3) ctx.version = 3;
  else if (entries[0] == kContextV2) ctx.version = 2;
  else {
    report("", "the DTDL context must come first and be \"" + std::string(kContextV3) + "\" or \"" + std::string(kContextV2) + "\", got '" + entries[0] + "'");
    return false;
  }
  for (std::size_t i = 1; i < entries.size(); ++i) {
    const std::string& e = entries[i];
    std::string at = "/";  // built with += : GCC 12 warns falsely (-Wrestrict) on "/" + to_string(i)
    at += std::to_string(i);
    if (e == kContextV2 || e == kContextV3) report(at, "the DTDL context may appear only once, first");
    else if (e == kQuantitativeTypesV1 && ctx.version == 3) ctx.quantitative = true;
    else if (e == kMqttV1 && ctx.version == 3) ctx.mqtt = true;
    else if (allow_undefined) ctx.undefined_extension = true;
    else
      report(at, "undefined extension context '" + e + "' for DTDL v" + std::to_string(ctx.version) + " (known: " + std::string(kQuantitativeTypesV1) +
                     ", " + std::string(kMqttV1) + "; --allow-undefined-extensions ignores it)");
  }
  return true;
}

}  // namespace twinbench::twins::dtdl
