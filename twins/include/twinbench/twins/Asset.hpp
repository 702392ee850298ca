#pragma once
// The seam between the bench and the kinds of machine it simulates. An asset class is a descriptor
// (its channels, faults, sensors, power channel and LwM2M mapping) and a batched physics (`AssetFleet`),
// found in a registry by name. Nothing between a scenario and the runtime knows a class's channels at
// compile time: they are looked up by name when the scenario loads. docs/assets.md describes the classes.
//
// A class lives in a folder of its own (twins/assets/<name>/: descriptor, physics, test; models/dtdl/ its
// DTDL Interface; models/training/ its training spec) and is registered by one line in twins/src/Assets.cpp.

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/core/Random.hpp"
#include "twinbench/twins/SensorModel.hpp"

namespace twinbench::twins {

/** @brief Site ambient temperature: a daily sine with its peak at 15:00. */
struct Ambient {
  double mean_c = 20.0;
  double amplitude_c = 5.0;
};

/** One telemetry channel of a class, in record order. */
struct ChannelInfo {
  std::string name;       ///< "flow_m3_h": what scenarios, rules and model packages call it
  std::string unit;       ///< the DTDL unit where its Interface names one ("ampere"), else a symbol ("mm/s", "1")
  std::string telemetry;  ///< the DTDL Telemetry of the class's Interface that carries it ("motor/current")
};

/** One fault of a class's catalogue. Severity grows as ((t - onset) / ramp)^2 from its onset to 1 (failure). */
struct FaultInfo {
  std::string name;       ///< "bearing_wear"
  std::string signature;  ///< what it does to the channels, for docs and messages
};

struct AssetDescriptor {
  std::string name;                   ///< "compressor": the registry key and the rules' asset_class
  std::string interface;              ///< DTMI of the class's DTDL Interface
  std::vector<ChannelInfo> channels;  ///< record order: the rows of AssetFleet::step's output
  std::vector<FaultInfo> faults;      ///< mode i of set_fault is faults[i]
  SensorSpec sensors;                 ///< default sensors, one entry per channel
  std::size_t power_channel = 0;      ///< electrical power in kW, for the energy KPIs
  std::vector<std::string> lwm2m;     ///< IPSO resource of each channel ("/3316/0/5700") for LwM2M devices
  /// What a new variant (a drift injection) changes, in the class's own terms, for docs and messages.
  std::string variant;

  std::optional<std::size_t> channel(std::string_view name) const;
  std::optional<std::size_t> fault(std::string_view name) const;
  std::string channel_names() const;  ///< "flow_m3_h, head_m, ...": for messages
  std::string fault_names() const;
};

/**
 * @brief The physics of `size()` devices of one class, stepped in batches. The base holds what every
 * class shares: each device's fault schedule (severity ((t - onset) / ramp)^2, capped at 1), the site's
 * climate (a daily ambient sine plus ambient shifts) and new variants. A class implements step_chunk.
 */
class AssetFleet {
public:
  /// Devices are stepped in chunks of at most this many, with stack-allocated temporaries.
  static constexpr int kChunk = 64;

  AssetFleet(std::size_t n, std::size_t channels, std::size_t faults, Ambient ambient);
  virtual ~AssetFleet() = default;
  AssetFleet(const AssetFleet&) = delete;
  AssetFleet& operator=(const AssetFleet&) = delete;

  std::size_t size() const { return n_; }
  std::size_t channels() const { return channels_; }
  /** @brief Heap bytes held per device: the fault schedule, variants, and the class's own state. */
  std::size_t bytes_per_device() const;

  /** @brief Schedule fault `mode` (an index into the class's catalogue) on device `i`. */
  void set_fault(std::size_t i, std::size_t mode, double onset_s, double ramp_s);
  /** @brief The earliest fault onset on device `i`, if it has a fault. */
  std::optional<double> first_onset_s(std::size_t i) const;
  /** @brief Severity in [0, 1] of `mode` on device `i` at time `t_s`. */
  double severity(std::size_t i, std::size_t mode, double t_s) const;
  /**
   * @brief Concept drift of the whole fleet's climate: from `start_s` the ambient temperature rises by
   * `delta_c` x min(1, (t - start_s) / ramp_s) (a season changing). Shifts add up.
   */
  void add_ambient_shift(double start_s, double ramp_s, double delta_c);
  /**
   * @brief From `from_s` device `i` is a new variant: its motor draws `current_scale` times the current
   * (and power) and it runs `temp_rise_c` hotter (what that heats is the class's; see its descriptor).
   */
  void set_variant(std::size_t i, double from_s, double current_scale, double temp_rise_c);

  /**
   * @brief Advance devices `idx` to times `t_s` (each device its own time, never earlier than its last)
   * and write their true outputs to `out` (channels() x idx.size()): one column per device, rows in
   * the descriptor's channel order. One virtual call per chunk of kChunk devices.
   */
  void step(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out);

protected:
  using Col = Eigen::Array<double, Eigen::Dynamic, 1, Eigen::ColMajor, kChunk, 1>;
  using ColF = Eigen::Array<float, Eigen::Dynamic, 1, Eigen::ColMajor, kChunk, 1>;
  using Index = Eigen::Map<const Eigen::Array<std::uint32_t, Eigen::Dynamic, 1>>;
  using Times = Eigen::Map<const Eigen::ArrayXd>;

  /** The class's own per-device heap bytes (constants and state). */
  virtual std::size_t class_bytes_per_device() const = 0;
  /** A chunk of at most kChunk devices, out sized channels() x idx.size(). */
  virtual void step_chunk(std::span<const std::uint32_t> idx, std::span<const double> t_s, Eigen::Ref<Eigen::ArrayXXd> out) = 0;

  /** Severity of `mode` for a chunk. */
  Col severity(const Index& I, const Times& t, std::size_t mode) const;
  /** The time of day as an angle in [0, 2 pi), in single precision (Eigen vectorises float sin). */
  static ColF day_angle(const Times& t);
  /** The ambient temperature of a chunk: the site's daily sine (peak at 15:00) plus the shifts so far. */
  Col ambient_c(const Times& t, const ColF& day) const;
  /** A chunk's new variants: `is` 1 where the device is one at its time, else 0; with its current scale and temperature rise. */
  struct Variant {
    Col is, current_scale, temp_rise_c;
  };
  /** nullopt when no device of the fleet is ever a variant (the common case, and the cheap one). */
  std::optional<Variant> variant(const Index& I, const Times& t) const;

private:
  std::size_t n_, channels_;
  Ambient ambient_;
  std::vector<Eigen::ArrayXd> onset_s_, ramp_s_;  // per mode; +inf onset = no fault
  struct AmbientShift {
    double start_s, ramp_s, delta_c;
  };
  std::vector<AmbientShift> shifts_;
  Eigen::ArrayXd variant_from_s_, variant_current_, variant_temp_c_;  // empty until a variant is set
};

/** A registered asset class: its descriptor and how to make a fleet of it. */
struct AssetClass {
  AssetDescriptor descriptor;
  /// `n` devices at a site with `ambient`; per-device variation (load, nameplate scatter) drawn from `variation`.
  std::function<std::unique_ptr<AssetFleet>(std::size_t n, Ambient ambient, core::RngStream variation)> make_fleet;
};

/** @brief The class named `name`, or nullptr. */
const AssetClass* find_asset_class(std::string_view name);
/** @brief Every registered class, by name. */
std::vector<const AssetClass*> asset_classes();
/** @brief Every registered class's name, sorted: for messages. */
std::string asset_class_names();
/**
 * @brief Register a class (the built-in ones are listed in Assets.cpp; tests add their own).
 * Throws std::invalid_argument for a duplicate name or an inconsistent descriptor.
 */
void register_asset_class(AssetClass c);

}  // namespace twinbench::twins
