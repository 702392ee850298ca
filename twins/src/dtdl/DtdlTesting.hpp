#pragma once
// Test helpers: parse DTDL documents (m0.json, m1.json, ...) into a resolved model set.

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "twinbench/twins/dtdl/ModelSet.hpp"

namespace twinbench::twins::dtdl::testing {

struct Parsed {
  std::vector<std::string> errors;  ///< every diagnostic, as Diagnostic::str()
  std::shared_ptr<ModelSet> set;
};

inline Parsed parse(const std::vector<nlohmann::json>& docs, ParseOptions options = {}) {
  Parsed p{{}, std::make_shared<ModelSet>(options)};
  for (std::size_t i = 0; i < docs.size(); ++i) {
    std::string file = "m";  // built with += : GCC 12 warns falsely (-Wrestrict) on "m" + to_string(i) + ".json"
    file += std::to_string(i);
    file += ".json";
    p.set->add_document(docs[i].dump(), file);
  }
  p.set->resolve();
  for (const auto& d : p.set->diagnostics()) p.errors.push_back(d.str());
  return p;
}

/** Lines, for a failure message. */
inline std::string all(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace twinbench::twins::dtdl::testing
