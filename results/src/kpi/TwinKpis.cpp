#include "TwinKpis.hpp"

namespace twinbench::results::kpi {

void TwinKpis::write(const Scope& scope, json& s) const {
  json list = json::array();
  std::uint64_t targets = 0, succeeded = 0, failed = 0, refused = 0;
  for (std::uint32_t i : scope.gateways) refused += gw_[i].refused;
  for (std::size_t k = 0; k < ops_.size(); ++k) {
    Op op;
    for (std::uint32_t i : scope.gateways) {
      const Op& g = gw_[i].ops[k];
      op.targets += g.targets, op.succeeded += g.succeeded;
      for (const auto& [status, n] : g.failed) op.failed[status] += n;
      op.completion_us.merge(g.completion_us);
    }
    // Every status the twin protocol defines has a key, so that assertions can name it before a run.
    std::uint64_t op_failed = 0;
    json by_status = json::object();
    for (int status : {400, 404, 409, 501, 502, 504}) by_status[std::to_string(status)] = 0;
    by_status["other"] = 0;
    for (const auto& [status, n] : op.failed) {
      const std::string key = std::to_string(status);
      json& slot = by_status.contains(key) ? by_status[key] : by_status["other"];
      slot = slot.get<std::uint64_t>() + n;
      op_failed += n;
    }
    const Histogram& c = op.completion_us;
    list.push_back({{"at_s", ops_[k].at_s},
                    {"kind", ops_[k].kind},
                    {"name", ops_[k].name},
                    {"targets", op.targets},
                    {"succeeded", op.succeeded},
                    {"failed", op_failed},
                    {"pending_at_end", op.targets - std::min(op.targets, op.succeeded + op_failed)},
                    {"completion_s", {{"p50", percentile(c, 0.5, 1e6)}, {"p99", percentile(c, 0.99, 1e6)}, {"max", maximum(c, 1e6)}}},
                    {"failed_by_status", by_status}});
    targets += op.targets, succeeded += op.succeeded, failed += op_failed;
  }
  s["twin"] = {{"operations", list},
               {"targets", targets},
               {"succeeded", succeeded},
               {"failed", failed},
               {"pending_at_end", targets - std::min(targets, succeeded + failed)},
               {"messages_refused", refused}};
}

}  // namespace twinbench::results::kpi
