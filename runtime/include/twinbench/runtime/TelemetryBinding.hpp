#pragma once
// How devices with a DTDL twin lay out their telemetry records: each record carries the Telemetry its
// binding names, ordered by Telemetry name, each fed from one channel of the devices' asset class. The
// simulation's scenarios and twinbench-edge's edge.json read the same `telemetry_binding`, so that the
// simulated gateway and a real one check and score the same records alike.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "twinbench/core/JsonReader.hpp"

namespace twinbench::twins {
struct AssetDescriptor;
namespace dtdl {
class ModelSet;
}
}  // namespace twinbench::twins

namespace twinbench::runtime {

/** What the twin model requires of one channel of a telemetry record (from the DTDL Telemetry bound to it). */
struct ChannelRule {
  std::string name;  ///< the Telemetry, e.g. "motor/current"
  bool integral = false;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};

/** One record channel of a device with a twin: a Telemetry and the class's channel that feeds it. */
struct TelemetryBinding {
  std::string telemetry;      ///< "name" or "component/name"
  std::uint16_t physics = 0;  ///< where its value comes from: the class's channel
  ChannelRule rule;           ///< what the model allows, checked by the gateway
};

/**
 * `{"<Telemetry>": "<channel of the class>"}`, read against the Interface `dtmi` (its own Telemetry or its
 * Components', with a numeric schema) and the class's channels; bad input fails at its path. Ordered by
 * Telemetry name: the records' order.
 */
std::vector<TelemetryBinding> read_telemetry_binding(const core::JsonObject& b, const twins::dtdl::ModelSet& models, const std::string& dtmi,
                                                     const twins::AssetDescriptor& asset);

/**
 * The record position of each of a model's channels (class channel names): the binding's, or without one
 * (`binding` empty) the class's own order, in which devices without a twin send every channel. A channel
 * the binding does not send is named in `missing`, and the result is empty.
 */
std::vector<std::uint16_t> record_positions(const std::vector<std::string>& channels, const twins::AssetDescriptor& asset,
                                            const std::vector<TelemetryBinding>& binding, std::string& missing);

}  // namespace twinbench::runtime
