#pragma once
// The alerts a gateway has raised, as the people on site see them: each with its device, rule, severity
// and the roles it is routed to; active until the rule clears it; acknowledged (once) by a person, whose
// identity and time it keeps. The console lists and pushes them (twinbench-edge, docs/console.md); the
// edge runtime fills it and audits every acknowledgement. Bounded: past `capacity` entries the oldest
// cleared one goes first, then the oldest.

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/runtime/Rules.hpp"
#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::runtime {

/** What a person found when they went to see: the fault was there (and is repaired), or it was a false alarm. */
enum class AlertOutcome : std::uint8_t { none, fault, false_alarm };
const char* to_string(AlertOutcome o);

struct AlertEntry {
  std::uint64_t id = 0;       ///< from 1, in the order raised (a restart starts again from 1)
  TimeUs raised_us = 0;       ///< UTC
  std::string device;         ///< its client id (or LwM2M endpoint)
  ConnId conn = 0;
  std::string rule;
  std::uint16_t rule_index = 0;
  Severity severity = Severity::info;
  std::uint8_t roles = 0;     ///< Role bits
  float score = 0;
  std::optional<TimeUs> cleared_us;   ///< UTC: the rule cleared it
  std::optional<TimeUs> acked_us;     ///< UTC: a person acknowledged it
  std::string acked_by;
  AlertOutcome outcome = AlertOutcome::none;
  std::optional<TimeUs> resolved_us;  ///< UTC: a person said what it was
  std::string resolved_by;
  std::uint32_t revision = 0;  ///< counts its changes: of two copies, the one with the higher is the newer
  bool active() const { return !cleared_us.has_value(); }
};

/**
 * @brief The details of an `alert_acknowledged` audit record, the same whoever acknowledges: a person at
 * twinbench-edge's console, a simulated technician at a gateway, the simulated operator at the cloud
 * (docs/audit.md): {"gateway", "device", "rule", "severity", "raised_us", "alert", "by"}; `alert` is the
 * alert book's id, null where it is not known (at the cloud).
 */
std::string acknowledgement_details(std::string_view gateway, std::string_view device, std::string_view rule, Severity severity, TimeUs raised_us,
                                    std::optional<std::uint64_t> alert, std::string_view by);

class AlertBook {
public:
  enum class Change : std::uint8_t { raised, cleared, acknowledged, resolved };
  explicit AlertBook(std::size_t capacity = 1000) : capacity_(capacity) {}

  /** @brief Called with each entry as it changes (the console pushes it). */
  void on_change(std::function<void(const AlertEntry&, Change)> fn) { observer_ = std::move(fn); }

  const AlertEntry& raise(AlertEntry e);
  /** @brief The active alert of (conn, rule) is cleared; nothing if there is none. */
  void clear(ConnId conn, std::uint16_t rule, TimeUs at_us);
  enum class Ack : std::uint8_t { done, unknown, already };
  /** @brief `who` acknowledges alert `id` at `at_us`; an alert is acknowledged once. */
  Ack acknowledge(std::uint64_t id, const std::string& who, TimeUs at_us);

  /** @brief `who` says what alert `id` was (acknowledging it too, if nobody had); once. Same answers as acknowledge(). */
  Ack resolve(std::uint64_t id, AlertOutcome outcome, const std::string& who, TimeUs at_us);

  /** @brief Entries routed to any of `roles` (all: 0xFF), newest first, at most `limit`. */
  std::vector<AlertEntry> list(std::uint8_t roles = 0xFF, std::size_t limit = 200) const;
  const AlertEntry* find(std::uint64_t id) const;
  std::size_t size() const { return entries_.size(); }

private:
  void changed(AlertEntry& e, Change c) {
    ++e.revision;
    if (observer_) observer_(e, c);
  }
  std::size_t capacity_;
  std::uint64_t next_id_ = 1;
  std::deque<AlertEntry> entries_;  ///< oldest first
  std::function<void(const AlertEntry&, Change)> observer_;
};

}  // namespace twinbench::runtime
