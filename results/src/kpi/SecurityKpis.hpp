#pragma once
// Who the gateways refused (broker access rules: connects, publishes, subscriptions) and how rogue clients
// fared (a scenario's security.rogue_clients: docs/security.md). Family: security.

#include "Kpi.hpp"

namespace twinbench::results::kpi {

class SecurityKpis {
public:
  explicit SecurityKpis(const RunMeta& m) : gw_(m.gateways.size()) {}
  void on(const Event& e, const rev::AccessRefused& p) {
    Gw& g = gw_[e.gateway];
    if (p.what >= 1 && p.what <= 3) ++g.refused[p.what - 1];
  }
  void on(const Event& e, const sev::RogueAttempt& p) { ++(p.outcome == 0 ? gw_[e.gateway].rogue_refused : gw_[e.gateway].rogue_succeeded); }
  void write(const Scope& scope, json& s) const;

private:
  struct Gw {
    std::uint64_t refused[3] = {0, 0, 0};  ///< connects, publishes, subscriptions
    std::uint64_t rogue_refused = 0, rogue_succeeded = 0;
  };
  std::vector<Gw> gw_;
};

}  // namespace twinbench::results::kpi
