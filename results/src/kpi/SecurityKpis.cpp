#include "SecurityKpis.hpp"

namespace twinbench::results::kpi {

void SecurityKpis::write(const Scope& scope, json& s) const {
  Gw t;
  for (std::uint32_t i : scope.gateways) {
    const Gw& g = gw_[i];
    for (int k = 0; k < 3; ++k) t.refused[k] += g.refused[k];
    t.rogue_refused += g.rogue_refused, t.rogue_succeeded += g.rogue_succeeded;
  }
  const std::uint64_t judged = t.rogue_refused + t.rogue_succeeded;
  s["security"] = {{"refused", {{"connects", t.refused[0]}, {"publishes", t.refused[1]}, {"subscriptions", t.refused[2]}}},
                   {"rogue", {{"attempts_answered", judged},
                              {"refused", t.rogue_refused},
                              {"succeeded", t.rogue_succeeded},
                              {"refused_ratio", ratio(static_cast<double>(t.rogue_refused), static_cast<double>(judged))}}}};
}

}  // namespace twinbench::results::kpi
