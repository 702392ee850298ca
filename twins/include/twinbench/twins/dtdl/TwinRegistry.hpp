#pragma once
// Twins instantiated from DTDL Interfaces: reported and desired property state with versions, as device
// twins keep it, and validation of every incoming telemetry value or property update against the model.
// A bad update is refused with a reason and counted; it never throws and never changes state.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "twinbench/twins/dtdl/ModelSet.hpp"

namespace twinbench::twins::dtdl {

/** @brief Why `value` does not fit `schema` (JSON path inside the value, and the rule), or nullopt if it fits. */
std::optional<std::string> validate_value(const Schema& schema, const nlohmann::json& value, const Interface& scope);

enum class Refusal : std::uint8_t {
  none = 0,
  unknown_component,  ///< no Component of that name
  unknown_element,    ///< no Telemetry/Property of that name in the Interface (or Component)
  wrong_kind,         ///< e.g. telemetry sent for a Property
  not_writable,       ///< desired value for a read-only Property
  invalid_value,      ///< the value does not fit the schema
};
std::string_view to_string(Refusal r);

/** An element of a twin's Interface or of one of its Components; `element` is nullptr if there is none. */
struct Located {
  const Interface* iface = nullptr;   ///< where the element is declared (scope for its schemas)
  const Content* element = nullptr;
  Refusal refusal = Refusal::none;    ///< unknown_component or unknown_element when not found
  std::string detail;
};
/** @brief Find `name` in Interface `model` (component "" ) or in its Component `component`. */
Located locate(const ModelSet& models, const Interface& model, std::string_view component, std::string_view name);

struct UpdateResult {
  Refusal refusal = Refusal::none;
  std::string detail;    ///< for invalid_value: where and why
  std::uint64_t version = 0;  ///< the property's version after an accepted update
  bool ok() const { return refusal == Refusal::none; }
};

/** One twin: an instance of an Interface, its Components expanded. */
class Twin {
public:
  Twin(std::string id, const Interface& model, const ModelSet& models);

  const std::string& id() const { return id_; }
  const Interface& model() const { return model_; }

  /** @brief A telemetry value from the device (component "" = the twin's own Interface). */
  UpdateResult telemetry(std::string_view component, std::string_view name, const nlohmann::json& value);
  /** @brief The device reports a property value. */
  UpdateResult report(std::string_view component, std::string_view name, const nlohmann::json& value);
  /** @brief The operator or the cloud wants a writable property changed. */
  UpdateResult desire(std::string_view component, std::string_view name, const nlohmann::json& value);

  /** @brief A command request on its way to the device (`request` null when the Command has none). */
  UpdateResult command_request(std::string_view component, std::string_view name, const nlohmann::json& request);
  /** @brief The device's response to a command (null when it sent none). */
  UpdateResult command_response(std::string_view component, std::string_view name, const nlohmann::json& response);

  /** @brief Reported value and version of a property (nullopt if never reported). */
  std::optional<std::pair<nlohmann::json, std::uint64_t>> reported(std::string_view component, std::string_view name) const;
  std::optional<std::pair<nlohmann::json, std::uint64_t>> desired(std::string_view component, std::string_view name) const;
  /** @brief Writable properties whose desired value the device has not yet reported back, as "component/name". */
  std::vector<std::string> pending() const;

  /** @brief Refused updates so far, by reason. */
  const std::map<Refusal, std::uint64_t>& refused() const { return refused_; }

private:
  struct Slot {
    nlohmann::json value;
    std::uint64_t version = 0;
  };
  /** Validate a command's request or response payload against its declared schema. */
  UpdateResult command_payload(std::string_view component, std::string_view name, const nlohmann::json& payload, bool request);
  /** Validate a property value and store it in `state` (reported or desired) with the next version. */
  UpdateResult update(std::map<std::string, Slot, std::less<>>& state, std::string_view component, std::string_view name,
                      const nlohmann::json& value, bool must_be_writable);
  UpdateResult refuse(Refusal why, std::string detail = {});
  static std::string key(std::string_view component, std::string_view name);

  std::string id_;
  const Interface& model_;
  const ModelSet& models_;
  std::map<std::string, Slot, std::less<>> reported_, desired_;
  std::map<Refusal, std::uint64_t> refused_;
};

/** Every twin of a run, by id. The model set must outlive the registry. */
class TwinRegistry {
public:
  explicit TwinRegistry(const ModelSet& models) : models_(models) {}
  /** @brief Create twin `id` of Interface `dtmi`; nullptr (with `error` set) if the Interface is unknown or the id taken. */
  Twin* create(const std::string& id, std::string_view dtmi, std::string* error = nullptr);
  Twin* find(std::string_view id);
  std::size_t size() const { return twins_.size(); }

private:
  const ModelSet& models_;
  std::map<std::string, Twin, std::less<>> twins_;
};

}  // namespace twinbench::twins::dtdl
