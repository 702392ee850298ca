#pragma once
// Turns the Sink event stream of one run into KPIs (summary.json), per-gateway counts (messages.csv),
// the ground truth of injected faults (ground_truth.csv) and a trace hash of the ordered event stream.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "twinbench/results/Histogram.hpp"
#include "twinbench/results/LifecycleKpis.hpp"
#include "twinbench/runtime/ports/Sink.hpp"

namespace twinbench::results {

struct GatewayMeta {
  std::string site;
  std::string name;
  std::uint32_t devices = 0;
};

struct TwinOperationMeta {
  double at_s = 0;
  std::string kind;  ///< set_property or command
  std::string name;
};

/** The scenario's business case, as results/ needs it (sim::Economics). */
struct EconomicsMeta {
  std::string currency;
  double downtime_cost_per_hour = 0, unplanned_downtime_h = 0, planned_repair_h = 0;
  double truck_roll_cost = 0, missed_failure_cost = 0, edge_ai_cost_per_device_per_year = 0, edge_ai_fixed_cost = 0;
  double energy_price_per_kwh = 0;
};

struct RunMeta {
  std::string scenario;
  std::uint64_t seed = 0;
  double duration_s = 0;
  std::size_t sites = 0;
  std::vector<GatewayMeta> gateways;  ///< indexed by the events' global gateway index
  std::vector<std::string> fault_modes;  ///< names of FaultMode values, by value
  std::vector<TwinOperationMeta> twin_operations;  ///< indexed by the events' operation number
  std::optional<EconomicsMeta> economics;
  LifecycleMeta lifecycle;
};

class Collector final : public runtime::Sink {
public:
  explicit Collector(RunMeta meta);
  void emit(const runtime::Event& e) override;

  /** @brief All KPIs, keys in a fixed order; `trace_hash` last. */
  nlohmann::ordered_json summary() const;
  std::string messages_csv() const;
  std::string ground_truth_csv() const;
  /** @brief 16 hex digits identifying the ordered event stream. */
  std::string trace_hash() const;
  std::uint64_t events() const { return events_; }
  /** @brief The names behind the lifecycle events' version indices (known after the run). */
  void set_lifecycle_names(LifecycleNames n) { lifecycle_.set_names(std::move(n)); }
  /** @brief versions.csv; empty when the run sampled no versions. */
  std::string versions_csv() const { return lifecycle_.enabled() ? lifecycle_.versions_csv() : ""; }

private:
  struct PerGateway {
    std::uint64_t sent = 0, lost = 0, dropped = 0, mqtt_bytes = 0, wire_bytes = 0, energy_nj = 0;
    std::uint64_t received = 0, received_bytes = 0, resets = 0, pubacks = 0, connacks = 0, protocol_errors = 0;
    std::uint64_t sessions_opened = 0, sessions_closed = 0, uplink_batches = 0, uplink_bytes = 0, uplink_records = 0;
    std::uint64_t uplink_deferrals = 0, uplink_dropped = 0, cloud_bytes = 0, cloud_records = 0, pending_at_end = 0;
    std::uint64_t link_outages = 0, downlink_dropped = 0, cpu_busy_us = 0, refused_by_model = 0, readings_missing = 0, asset_wh = 0;
    std::uint64_t generated = 0, dropped_offline = 0, kept_offline = 0, resent = 0, flushed = 0, qos1_pending = 0;
    std::uint64_t reboots = 0, refused_while_down = 0;
    __int128 latency_sum_us = 0;
    std::vector<std::int64_t> opened_at_us;  ///< per device: -1 when not connected
  };
  struct Fault {
    std::int64_t t_us, ramp_s;
    std::uint32_t gateway, device;
    std::int64_t mode;
  };

  struct TwinOp {
    std::uint64_t targets = 0, succeeded = 0;
    std::map<std::int64_t, std::uint64_t> failed;  ///< by status
    Histogram completion_us;                       ///< scheduled time -> result at the cloud
  };

  RunMeta meta_;
  std::vector<PerGateway> gw_;
  Histogram latency_us_;
  Histogram reconnect_us_;  ///< lost connection -> CONNACK, per reconnect
  std::int64_t reconnect_attempts_max_ = 0;
  std::uint64_t closed_by_reason_[7] = {};
  std::int64_t connected_us_ = 0;  ///< device-microseconds connected, closed sessions only
  std::int64_t last_t_us_ = 0;
  std::vector<Fault> faults_;
  std::vector<TwinOp> twin_ops_;
  std::uint64_t twin_refused_ = 0;
  /// Edge AI
  struct Alert {
    std::int64_t cloud_us, raised_us;
    std::uint32_t gateway, device;
    std::int64_t severity, roles;
  };
  nlohmann::ordered_json detection() const;
  nlohmann::ordered_json economics(const nlohmann::ordered_json& detection) const;
  Histogram inference_latency_us_;
  std::uint64_t windows_scored_ = 0, batch_size_sum_ = 0;
  std::uint64_t alerts_raised_ = 0, alerts_cleared_ = 0, alerts_dropped_ = 0, rules_changes_ = 0, rules_refused_ = 0;
  std::vector<Alert> alerts_;  ///< as received at the cloud
  /// Ground truth of faulty devices' excess energy: (gateway, device) -> (time, cumulative Wh), hourly.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::pair<std::int64_t, double>>> excess_wh_;
  double excess_wh_at(std::uint32_t gateway, std::uint32_t device, std::int64_t t_us) const;
  LifecycleKpis lifecycle_;
  std::uint64_t hash_ = 0x243F6A8885A308D3ull;
  std::uint64_t events_ = 0;
};

}  // namespace twinbench::results
