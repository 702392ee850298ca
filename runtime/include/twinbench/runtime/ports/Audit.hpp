#pragma once
// Audit port: who did what, when, with what details. The host keeps the records in a hash chain
// (audit/AuditLog.hpp): a file for twinbench-edge, the run's audit.jsonl in a simulation.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::runtime {

class AuditTrail {
public:
  virtual ~AuditTrail() = default;
  /** @brief Append one record; `details_json` is a JSON object (what changed, not just that something did). */
  virtual void record(TimeUs t_us, std::string_view actor, std::string_view action, std::string_view details_json) = 0;
  struct Head {
    std::uint64_t records = 0;
    std::string hash;  ///< the hash of the last record (hex)
  };
  /** @brief The chain's head, for a trail kept by one gateway (sent to the cloud); none where the trail is shared. */
  virtual std::optional<Head> head() const { return std::nullopt; }
};

}  // namespace twinbench::runtime
