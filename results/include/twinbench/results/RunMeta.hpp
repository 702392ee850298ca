#pragma once
// What results/ knows of a run before it starts: the plant (sites, gateways, devices), the names behind
// the events' indices (fault modes, twin operations, rollouts), the business case, and how the time
// series is cut. The CLI fills it from the scenario.

#include "twinbench/core/Economics.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace twinbench::results {

/** Devices of one asset class behind a shared gateway. */
struct DeviceGroupMeta {
  std::string asset_class;
  std::uint32_t devices = 0;
};

struct GatewayMeta {
  std::string site;
  std::string name;
  std::uint32_t devices = 0;
  /// A shared gateway's device groups in device order (the first group's devices are 0.., the next
  /// group's after them); empty: every device is of its site's class.
  std::vector<DeviceGroupMeta> groups = {};
};

struct TwinOperationMeta {
  double at_s = 0;
  std::string kind;  ///< set_property or command
  std::string name;
};

/** The scenario's business case (sim::Economics). */
using EconomicsMeta = core::Economics;

struct RolloutMeta {
  std::string artifact;  ///< "firmware" or "model"
  std::string version;
};

/** What the scenario says about the lifecycle (known before the run). */
struct LifecycleMeta {
  bool enabled = false;                    ///< the scenario has a lifecycle or injects drift: the summary gets "lifecycle"
  std::vector<RolloutMeta> scheduled;      ///< the scenario's rollouts, by start time
  std::vector<std::string> drift_streams;  ///< names of the drift monitor's streams (model channels, then log_score)
};

/** What only the run knows (sim::LifecycleOutput). */
struct LifecycleNames {
  std::vector<std::string> model_versions, firmware_versions;
};

/** A partner that takes the gateways' webhooks (sim::PartnerSpec): summary.json's "webhooks" has one object each. */
struct PartnerMeta {
  std::string name;
  double sla_s = 60;  ///< delivered within this long counts towards delivered_within_sla
};

struct RunMeta {
  std::string scenario;
  std::uint64_t seed = 0;
  double duration_s = 0;
  std::vector<std::string> sites;     ///< site names, in scenario order
  std::vector<std::string> site_classes;  ///< each site's asset class, "a+b" for shared gateways (parallel to sites; empty: every site "compressor")
  /// Each asset class's fault modes (a class's KPIs list only its own modes under detection/by_mode).
  std::map<std::string, std::vector<std::string>> class_fault_modes;
  std::vector<GatewayMeta> gateways;  ///< indexed by the events' global gateway index
  std::vector<std::string> fault_modes;  ///< the run's fault modes (sim::Scenario::fault_modes), by the events' index
  std::vector<TwinOperationMeta> twin_operations;  ///< indexed by the events' operation number
  std::optional<EconomicsMeta> economics;
  LifecycleMeta lifecycle;
  std::vector<PartnerMeta> partners;
  bool people = false;  ///< the scenario simulates the plant's people: summary.json gets "people"  ///< indexed by the webhook events' partner field; empty: no "webhooks" family
  double interval_s = 3600;  ///< the time series' interval
};

}  // namespace twinbench::results
