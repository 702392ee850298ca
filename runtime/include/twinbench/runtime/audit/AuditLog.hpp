#pragma once
// A tamper-evident audit log: append-only records (who did what, when, with details) in a hash chain.
// Each record is one JSON line carrying the SHA-256 of its own content and of the record before it:
//   {"seq":3,"t_us":...,"actor":"...","action":"...","details":{...},"prev":"<hex>","hash":"<hex>"}
// A record's hash covers [seq, t_us, actor, action, details (keys sorted), prev], so editing a record,
// dropping one or changing their order breaks the chain where it happened. Cutting records off the end
// leaves a valid shorter chain: compare the head (the last hash) with one kept elsewhere to see that.
// Sans-IO: the caller keeps the lines (a file, the Storage port) and gives the time (simulated or real).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::runtime::audit {

/** The `prev` of the first record: 64 zeros. */
extern const std::string kGenesis;

class Chain {
public:
  /** @brief A new log. */
  Chain() = default;
  /** @brief Continue a log whose records so far verified with `records` records and head `head`. */
  Chain(std::uint64_t records, std::string head) : next_seq_(records), head_(std::move(head)) {}

  /**
   * @brief The line (without its newline) of the next record. `details` must be a JSON object
   * (std::invalid_argument otherwise): an audit entry says what was changed, not just that something was.
   */
  std::string append(TimeUs t_us, std::string_view actor, std::string_view action, std::string_view details_json = "{}");
  const std::string& head() const { return head_; }
  std::uint64_t records() const { return next_seq_; }

private:
  std::uint64_t next_seq_ = 0;
  std::string head_ = kGenesis;
};

struct Verdict {
  bool ok = true;
  std::uint64_t records = 0;  ///< records that verified (all of them when ok)
  std::string head = kGenesis;  ///< the hash of the last record that verified
  std::size_t line = 0;       ///< 1-based line of the first bad record (when !ok; 0 when the log is cut short)
  std::string reason;         ///< "record 2: modified: its content does not match its hash" (when !ok)
};

/**
 * @brief Check a whole log (JSON lines; an empty log is valid). With `expect_head`, its head must be that
 * too; with `expect_at` as well, the head after its first `expect_at` records must be that (a head the
 * gateway sent to the cloud earlier: the log must still hold what it had then).
 */
Verdict verify(std::string_view log, std::string_view expect_head = {}, std::optional<std::uint64_t> expect_at = std::nullopt);

}  // namespace twinbench::runtime::audit
