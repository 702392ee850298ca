#pragma once
// The Sink of a run: turns its event stream into KPIs and a trace hash of each gateway's ordered stream.
// Nothing it writes depends on how different gateways' events interleave, so the ranks of a sharded run
// (twinbench run --shards), each simulating some of the gateways, give the same bytes as one process.
//
// Every family of KPIs is computed for the fleet (summary.json), for each site (sites.csv) and for each
// gateway (gateways.csv); summary.json names the worst site and gateway for each family's headline KPI.
// timeseries.csv cuts the run into intervals per site, latency.csv gives the latency histograms' buckets.
// A KPI with nothing to measure (a recall without faults, a percentile without samples) is null.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "twinbench/results/RunMeta.hpp"
#include "twinbench/runtime/ports/Sink.hpp"

namespace twinbench::results {

class Collector final : public runtime::Sink {
public:
  explicit Collector(RunMeta meta);
  ~Collector() override;
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;
  void emit(const runtime::Event& e) override;
  using Sink::emit;

  /** @brief All KPIs of the fleet, keys in a fixed order, then the worst sites and gateways; `trace_hash` last. */
  nlohmann::ordered_json summary() const;
  /** @brief The KPIs of one site (by index in RunMeta::sites) or one gateway: the fleet's families, without fleet-only lists. */
  nlohmann::ordered_json site_kpis(std::size_t site) const;
  nlohmann::ordered_json gateway_kpis(std::uint32_t gateway) const;
  /** @brief One row per site / gateway, a column per KPI path (null KPIs are empty fields). */
  std::string sites_csv() const;
  std::string gateways_csv() const;
  /** @brief One row per (interval, site). */
  std::string timeseries_csv() const;
  /** @brief The buckets of the message and inference latency histograms, fleet-wide and per site. */
  std::string latency_csv() const;
  std::string ground_truth_csv() const;
  /** @brief Every outage (a link down, a gateway rebooting): site, gateway, kind, start_s, end_s. */
  std::string outages_csv() const;
  /**
   * @brief timeline.csv: the run's notable events in time order (t_s, site, gateway, device, event, detail):
   * fault onsets, alerts at the cloud with their verdict, drift onsets and detections, retrainings, rollouts
   * and their waves. A cloud event has no site or gateway; a gateway's no device.
   */
  std::string timeline_csv() const;
  /** @brief versions.csv; empty when the run sampled no versions. */
  std::string versions_csv() const;
  /** @brief 16 hex digits identifying the event stream: each gateway's events in order (how different gateways' interleave does not count). */
  std::string trace_hash() const;
  std::uint64_t events() const { return events_; }
  /** @brief The names behind the lifecycle events' version indices (known after the run). */
  void set_lifecycle_names(LifecycleNames n);

  struct Domains;

private:
  static constexpr std::uint64_t kHashSeed = 0x243F6A8885A308D3ull;
  static std::uint64_t mix(std::uint64_t h, std::uint64_t x) {
    h = (h ^ x) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
  }
  std::unique_ptr<Domains> d_;
  std::vector<std::uint64_t> hashes_;  ///< per gateway: its events' chain, in the order they came
  std::uint64_t events_ = 0;
};

}  // namespace twinbench::results
