#include "twinbench/runtime/AlertBook.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace twinbench::runtime {

const AlertEntry& AlertBook::raise(AlertEntry e) {
  if (entries_.size() >= capacity_ && capacity_ > 0) {
    const auto cleared = std::find_if(entries_.begin(), entries_.end(), [](const AlertEntry& x) { return !x.active(); });
    entries_.erase(cleared != entries_.end() ? cleared : entries_.begin());
  }
  e.id = next_id_++;
  entries_.push_back(std::move(e));
  changed(entries_.back(), Change::raised);
  return entries_.back();
}

void AlertBook::clear(ConnId conn, std::uint16_t rule, TimeUs at_us) {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (it->conn == conn && it->rule_index == rule && it->active()) {
      it->cleared_us = at_us;
      changed(*it, Change::cleared);
      return;
    }
}

AlertBook::Ack AlertBook::acknowledge(std::uint64_t id, const std::string& who, TimeUs at_us) {
  for (AlertEntry& e : entries_)
    if (e.id == id) {
      if (e.acked_us) return Ack::already;
      e.acked_us = at_us;
      e.acked_by = who;
      changed(e, Change::acknowledged);
      return Ack::done;
    }
  return Ack::unknown;
}

std::string acknowledgement_details(std::string_view gateway, std::string_view device, std::string_view rule, Severity severity, TimeUs raised_us,
                                    std::optional<std::uint64_t> alert, std::string_view by) {
  return nlohmann::ordered_json{{"gateway", gateway}, {"device", device}, {"rule", rule}, {"severity", to_string(severity)}, {"raised_us", raised_us},
                                {"alert", alert ? nlohmann::ordered_json(*alert) : nlohmann::ordered_json(nullptr)}, {"by", by}}
      .dump();
}

const char* to_string(AlertOutcome o) {
  switch (o) {
    case AlertOutcome::none: return "none";
    case AlertOutcome::fault: return "fault";
    case AlertOutcome::false_alarm: return "false_alarm";
  }
  return "?";
}

AlertBook::Ack AlertBook::resolve(std::uint64_t id, AlertOutcome outcome, const std::string& who, TimeUs at_us) {
  for (AlertEntry& e : entries_)
    if (e.id == id) {
      if (e.resolved_us) return Ack::already;
      if (!e.acked_us) e.acked_us = at_us, e.acked_by = who;
      e.outcome = outcome;
      e.resolved_us = at_us;
      e.resolved_by = who;
      changed(e, Change::resolved);
      return Ack::done;
    }
  return Ack::unknown;
}

std::vector<AlertEntry> AlertBook::list(std::uint8_t roles, std::size_t limit) const {
  std::vector<AlertEntry> out;
  for (auto it = entries_.rbegin(); it != entries_.rend() && out.size() < limit; ++it)
    if (it->roles & roles) out.push_back(*it);
  return out;
}

const AlertEntry* AlertBook::find(std::uint64_t id) const {
  for (const AlertEntry& e : entries_)
    if (e.id == id) return &e;
  return nullptr;
}

}  // namespace twinbench::runtime
