#pragma once
// A DTDL document's @context: the language version and the extensions it enables.

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace twinbench::twins::dtdl {

inline constexpr std::string_view kContextV2 = "dtmi:dtdl:context;2";
inline constexpr std::string_view kContextV3 = "dtmi:dtdl:context;3";
inline constexpr std::string_view kQuantitativeTypesV1 = "dtmi:dtdl:extension:quantitativeTypes;1";
inline constexpr std::string_view kMqttV1 = "dtmi:dtdl:extension:mqtt;1";

struct Context {
  int version = 3;
  bool quantitative = false;  ///< QuantitativeTypes v1
  bool mqtt = false;          ///< MQTT v1
  /// An extension this parser does not know, admitted by --allow-undefined-extensions: its terms are
  /// unknown, so the elements below may carry undefined co-types and properties (DTDL v3).
  bool undefined_extension = false;
};

/**
 * @brief Read a @context value into `ctx`. The DTDL context must come first; known extensions are
 * enabled; unknown ones are errors unless `allow_undefined`. Problems go to `report` as (JSON pointer
 * suffix under the @context, message). Returns false if the document's DTDL version is unusable.
 */
bool read_context(const nlohmann::json& c, bool allow_undefined, Context& ctx,
                  const std::function<void(const std::string&, const std::string&)>& report);

}  // namespace twinbench::twins::dtdl
