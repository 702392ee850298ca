#pragma once
// Audit port: who did what, when, with what details. The host keeps the records in a hash chain
// (audit/AuditLog.hpp): a file for twinbench-edge, the run's audit.jsonl in a simulation.

#include <string_view>

#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::runtime {

class AuditTrail {
public:
  virtual ~AuditTrail() = default;
  /** @brief Append one record; `details_json` is a JSON object (what changed, not just that something did). */
  virtual void record(TimeUs t_us, std::string_view actor, std::string_view action, std::string_view details_json) = 0;
};

}  // namespace twinbench::runtime
