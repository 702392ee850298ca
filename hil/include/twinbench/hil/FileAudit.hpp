#pragma once
// The Audit port on a file, for a real gateway: each record is appended as one line of the hash chain
// (runtime/audit) and synced to disk before record() returns. An existing log is verified first and
// continued; a log that does not verify is not extended. Times become UTC: the runtime's clock starts at 0.
//
// Cutting records off the end leaves a valid shorter chain, so the head is also kept in a second place:
// <log>.checkpoint, rewritten (synced, renamed) after every record. A log that holds fewer records than
// its checkpoint says, or whose first ones no longer end at the checkpointed head (cut short, emptied,
// deleted, rewritten), is refused at start. A torn last line (a power cut during an append: no newline,
// and everything before it verifies) is cut off instead; recovered_bytes() says so, for the caller to audit.

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
  std::optional<Head> head() const override { return Head{chain_.records(), chain_.head()}; }
  /** @brief Bytes of a torn last record cut off at start (0: none). */
  std::size_t recovered_bytes() const { return recovered_bytes_; }

private:
  void write_checkpoint();

  std::string path_, checkpoint_path_;
  runtime::TimeUs utc_at_start_us_;
  runtime::audit::Chain chain_;
  int fd_ = -1;
  std::size_t recovered_bytes_ = 0;
};

}  // namespace twinbench::hil
