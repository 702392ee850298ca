#pragma once
// Short renderings of JSON values for diagnostics ("got ...").

#include <nlohmann/json.hpp>

#include <string>

namespace twinbench::twins::dtdl {

/** @brief `v` as compact JSON, cut to `max` characters with "..." when longer. */
inline std::string show_json(const nlohmann::json& v, std::size_t max = 60) {
  std::string s = v.dump();
  return s.size() > max ? s.substr(0, max - 3) + "..." : s;
}

}  // namespace twinbench::twins::dtdl
