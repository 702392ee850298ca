#pragma once
// Alert rules, self-service: a JSON file (format twinbench-rules/1) says when an anomaly score becomes
// an alert and who hears of it, with no code. Per rule: the model and asset class it applies to, a
// raise threshold (a number, or "model" for the model package's own threshold), a lower clear
// threshold (hysteresis), a minimum duration above the raise threshold, and a severity; per severity,
// the roles it is routed to (technician push, operator console, executive daily digest).
// docs/edge-ai.md has the reference.

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime {

enum class Severity : std::uint8_t { info = 0, warning = 1, critical = 2 };
inline constexpr int kSeverities = 3;
const char* to_string(Severity s);

/** Roles, as bits: an alert's routes are a mask of them. */
enum Role : std::uint8_t { role_technician = 1, role_operator = 2, role_executive = 4 };

struct Rule {
  std::string name;
  std::string model;        ///< model id it applies to; "" = any
  std::string asset_class;  ///< "" = any
  bool raise_at_model_threshold = false;
  double raise_above = 0;   ///< when not at the model's threshold
  double clear_below = 0;   ///< as a fraction of raise_above when `clear_ratio` (the default 0.8), else absolute
  bool clear_ratio = true;
  TimeUs min_duration_us = 0;
  Severity severity = Severity::warning;
};

struct RuleSet {
  std::vector<Rule> rules;
  std::array<std::uint8_t, kSeverities> routes{role_executive, role_operator, role_technician | role_operator};
};

/** @brief Parse a rules document; throws core::InputError naming `file`, the JSON path and the rule. */
RuleSet parse_rules(const nlohmann::json& doc, const std::string& file);
/** @brief A rules document that parse_rules() reads back as `rules` (every field spelled out). */
nlohmann::json rules_json(const RuleSet& rules);
/** @brief Read and parse a rules file. */
RuleSet load_rules(const std::string& file);
/** @brief `rules` with every rule for any class and model made a rule of `asset_class` (one class's rules
 * on a gateway shared by several). */
RuleSet scoped_to(RuleSet rules, const std::string& asset_class);
/** @brief The default when a site names no rules file: one warning rule at the model's threshold. */
RuleSet default_rules();

/** A rule's alert on one device going up (raised) or down (cleared). */
struct AlertChange {
  ConnId device;
  std::uint16_t rule;
  bool raised;
  Severity severity;
  std::uint8_t roles;
  float score;
};

/**
 * The rules applied to one model's scores on one gateway: per (device, rule) a small state machine.
 * Raised when the score stays above the raise threshold for the minimum duration; cleared when it
 * falls below the clear threshold. New rules (set_rules) start every device afresh.
 */
class RuleEngine {
public:
  RuleEngine(RuleSet rules, std::string model_id, std::string asset_class, double model_threshold);
  void set_rules(RuleSet rules);
  /** @brief Rules at the model's threshold raise at `t` from now on (a site baseline); every device starts afresh. */
  void set_model_threshold(double t);
  /** @brief One score of `device` at `t_us`; alerts raised or cleared go to `out`. */
  void on_score(ConnId device, TimeUs t_us, float score, const std::function<void(const AlertChange&)>& out);
  /** @brief `device` is another device now (a connection id given again): its rules start afresh, silently. */
  void forget(ConnId device);
  std::size_t active_rules() const { return active_.size(); }

private:
  struct Active {
    std::uint16_t rule;  ///< index into rules_.rules
    double raise, clear;
  };
  struct State {
    TimeUs above_since = -1;
    bool alerting = false;
  };
  RuleSet rules_;
  std::string model_id_, asset_class_;
  double model_threshold_;
  std::vector<Active> active_;  ///< the rules that apply to this model and asset class
  std::vector<State> state_;    ///< device-major: device * active_.size() + k
};

}  // namespace twinbench::runtime
