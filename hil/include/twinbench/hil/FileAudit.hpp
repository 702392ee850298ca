#pragma once
// The Audit port on a file, for a real gateway: each record is appended as one line of the hash chain
// (runtime/audit) and synced to disk before record() returns. An existing log is verified first and
// continued; a log that does not verify is not extended. Times become UTC: the runtime's clock starts at 0.

#include <string>

#include "twinbench/runtime/audit/AuditLog.hpp"
#include "twinbench/runtime/ports/Audit.hpp"

namespace twinbench::hil {

class FileAudit final : public runtime::AuditTrail {
public:
  /**
   * @brief Open (or start) the log at `path`; `utc_at_start_us` is UTC at the runtime's time 0. Throws
   * std::runtime_error naming the first bad record if the log does not verify, or if it cannot be opened.
   */
  FileAudit(std::string path, runtime::TimeUs utc_at_start_us);
  ~FileAudit() override;
  FileAudit(const FileAudit&) = delete;
  FileAudit& operator=(const FileAudit&) = delete;

  void record(runtime::TimeUs t_us, std::string_view actor, std::string_view action, std::string_view details_json) override;
  std::uint64_t records() const { return chain_.records(); }
  const std::string& head() const { return chain_.head(); }

private:
  std::string path_;
  runtime::TimeUs utc_at_start_us_;
  runtime::audit::Chain chain_;
  int fd_ = -1;
};

}  // namespace twinbench::hil
