#pragma once
// Twin operations (desired properties, commands) the cloud sent through the gateways, and their outcomes.
// Family: twin.

#include <map>

#include "Kpi.hpp"

namespace twinbench::results::kpi {

class TwinKpis {
public:
  explicit TwinKpis(const RunMeta& m) : ops_(m.twin_operations), gw_(m.gateways.size()) {
    for (auto& g : gw_) g.ops.resize(ops_.size());
  }
  void on(const Event& e, const sev::TwinOperationSent& p) {
    if (auto* op = at(e.gateway, p.operation)) op->targets += u64(p.devices);
  }
  void on(const Event& e, const sev::TwinResult& p) {
    Op* op = at(e.gateway, p.operation);
    if (!op) return;
    if (p.status == 200) ++op->succeeded;
    else ++op->failed[p.status];
    op->completion_us.add(e.t_us - to_us(ops_[static_cast<std::size_t>(p.operation)].at_s));
  }
  void on(const Event& e, const rev::TwinChecked& p) { gw_[e.gateway].refused += u64(p.refused); }
  void write(const Scope& scope, json& s) const;

private:
  struct Op {
    std::uint64_t targets = 0, succeeded = 0;
    std::map<std::int64_t, std::uint64_t> failed;  ///< by status
    Histogram completion_us;                       ///< scheduled time -> result at the cloud
  };
  struct Gw {
    std::vector<Op> ops;
    std::uint64_t refused = 0;
  };
  Op* at(std::uint32_t gateway, std::int64_t op) {
    return op >= 0 && static_cast<std::size_t>(op) < ops_.size() ? &gw_[gateway].ops[static_cast<std::size_t>(op)] : nullptr;
  }
  std::vector<TwinOperationMeta> ops_;
  std::vector<Gw> gw_;
};

}  // namespace twinbench::results::kpi
