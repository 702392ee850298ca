#include "twinbench/runtime/Rules.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "twinbench/core/JsonReader.hpp"

namespace twinbench::runtime {

using core::JsonObject;
using nlohmann::json;

namespace {
constexpr const char* kFormat = "twinbench-rules/1";
constexpr std::array<const char*, kSeverities> kSeverityNames = {"info", "warning", "critical"};

Severity severity_of(const JsonObject& o, const char* key) {
  const std::string s = o.string(key);
  for (int k = 0; k < kSeverities; ++k)
    if (s == kSeverityNames[static_cast<std::size_t>(k)]) return static_cast<Severity>(k);
  o.fail(key, "expected \"info\", \"warning\" or \"critical\", got '" + s + "'");
}
}  // namespace

const char* to_string(Severity s) { return kSeverityNames[static_cast<std::size_t>(s)]; }

RuleSet default_rules() {
  RuleSet r;
  Rule rule;
  rule.name = "anomaly";
  rule.raise_at_model_threshold = true;
  r.rules.push_back(rule);
  return r;
}

RuleSet parse_rules(const json& doc, const std::string& file) {
  const JsonObject root(doc, "", file);
  root.allow({"format", "rules", "routes"});
  if (root.string("format") != kFormat) root.fail("format", "expected \"" + std::string(kFormat) + "\", got '" + root.string("format") + "'");
  RuleSet set;
  for (const auto& [j, path] : root.array("rules", true)) {
    const JsonObject o(*j, path, file);
    o.allow({"name", "model", "asset_class", "raise_above", "clear_below", "clear_ratio", "min_duration_s", "severity"});
    Rule r;
    r.name = o.string("name");
    r.model = o.string_or("model", "");
    r.asset_class = o.string_or("asset_class", "");
    const json& raise = o.raw().contains("raise_above") ? o.raw()["raise_above"] : json();
    if (raise.is_string() && raise == "model") r.raise_at_model_threshold = true;
    else if (raise.is_number() && std::isfinite(raise.get<double>())) r.raise_above = raise.get<double>();
    else o.fail("raise_above", "expected a score threshold (a number) or \"model\" (the model package's threshold), got " + JsonObject::show(raise));
    if (o.has("clear_below") && o.has("clear_ratio")) o.fail("clear_ratio", "give clear_below (a score) or clear_ratio (of the raise threshold), not both");
    if (o.has("clear_below")) {
      r.clear_ratio = false;
      r.clear_below = o.number_or("clear_below", 0);
      if (!r.raise_at_model_threshold && r.clear_below > r.raise_above) o.fail("clear_below", "expected a value <= raise_above (hysteresis clears below where it raises)");
    } else {
      r.clear_below = o.probability_or("clear_ratio", 0.8);
    }
    r.min_duration_us = static_cast<TimeUs>(o.non_negative_or("min_duration_s", 0) * 1e6 + 0.5);
    r.severity = o.has("severity") ? severity_of(o, "severity") : Severity::warning;
    set.rules.push_back(std::move(r));
  }
  if (auto routes = root.optional_object("routes")) {
    routes->allow({"info", "warning", "critical"});
    for (int k = 0; k < kSeverities; ++k) {
      const char* sev = kSeverityNames[static_cast<std::size_t>(k)];
      if (!routes->has(sev)) continue;
      std::uint8_t mask = 0;
      for (const auto& [j, path] : routes->array(sev, true)) {
        const std::string role = j->is_string() ? j->get<std::string>() : "";
        if (role == "technician") mask |= role_technician;
        else if (role == "operator") mask |= role_operator;
        else if (role == "executive") mask |= role_executive;
        else JsonObject::fail_at(file, path, "expected a role (technician, operator, executive), got " + JsonObject::show(*j));
      }
      set.routes[static_cast<std::size_t>(k)] = mask;
    }
  }
  return set;
}

json rules_json(const RuleSet& set) {
  json rules = json::array();
  for (const Rule& r : set.rules) {
    json j = {{"name", r.name}};
    if (!r.model.empty()) j["model"] = r.model;
    if (!r.asset_class.empty()) j["asset_class"] = r.asset_class;
    j["raise_above"] = r.raise_at_model_threshold ? json("model") : json(r.raise_above);
    if (r.clear_ratio) j["clear_ratio"] = r.clear_below;
    else j["clear_below"] = r.clear_below;
    j["min_duration_s"] = static_cast<double>(r.min_duration_us) / 1e6;
    j["severity"] = to_string(r.severity);
    rules.push_back(std::move(j));
  }
  json routes = json::object();
  for (int k = 0; k < kSeverities; ++k) {
    json roles = json::array();
    const std::uint8_t mask = set.routes[static_cast<std::size_t>(k)];
    for (const auto& [bit, name] : {std::pair{role_technician, "technician"}, std::pair{role_operator, "operator"}, std::pair{role_executive, "executive"}})
      if (mask & bit) roles.push_back(name);
    routes[kSeverityNames[static_cast<std::size_t>(k)]] = std::move(roles);
  }
  return {{"format", kFormat}, {"rules", std::move(rules)}, {"routes", std::move(routes)}};
}

RuleSet load_rules(const std::string& file) { return parse_rules(core::parse_json(core::read_text_file(file, "rules"), file), file); }

RuleEngine::RuleEngine(RuleSet rules, std::string model_id, std::string asset_class, double model_threshold)
    : model_id_(std::move(model_id)), asset_class_(std::move(asset_class)), model_threshold_(model_threshold) {
  set_rules(std::move(rules));
}

void RuleEngine::set_rules(RuleSet rules) {
  rules_ = std::move(rules);
  active_.clear();
  for (std::size_t k = 0; k < rules_.rules.size(); ++k) {
    const Rule& r = rules_.rules[k];
    if ((!r.model.empty() && r.model != model_id_) || (!r.asset_class.empty() && r.asset_class != asset_class_)) continue;
    const double raise = r.raise_at_model_threshold ? model_threshold_ : r.raise_above;
    active_.push_back({static_cast<std::uint16_t>(k), raise, r.clear_ratio ? raise * r.clear_below : r.clear_below});
  }
  state_.clear();
}

void RuleEngine::set_model_threshold(double t) {
  model_threshold_ = t;
  set_rules(std::move(rules_));
}

RuleSet scoped_to(RuleSet rules, const std::string& asset_class) {
  for (Rule& r : rules.rules)
    if (r.asset_class.empty() && r.model.empty()) r.asset_class = asset_class;
  return rules;
}

void RuleEngine::forget(ConnId device) {
  const std::size_t base = static_cast<std::size_t>(device) * active_.size();
  for (std::size_t k = 0; k < active_.size() && base + k < state_.size(); ++k) state_[base + k] = State{};
}

void RuleEngine::on_score(ConnId device, TimeUs t_us, float score, const std::function<void(const AlertChange&)>& out) {
  if (active_.empty()) return;
  const std::size_t base = static_cast<std::size_t>(device) * active_.size();
  if (base + active_.size() > state_.size()) state_.resize(base + active_.size());
  for (std::size_t k = 0; k < active_.size(); ++k) {
    const Active& a = active_[k];
    const Rule& r = rules_.rules[a.rule];
    State& s = state_[base + k];
    if (score > a.raise) {
      if (s.above_since < 0) s.above_since = t_us;
      if (!s.alerting && t_us - s.above_since >= r.min_duration_us) {
        s.alerting = true;
        out({device, a.rule, true, r.severity, rules_.routes[static_cast<std::size_t>(r.severity)], score});
      }
    } else {
      s.above_since = -1;
      if (s.alerting && score < a.clear) {
        s.alerting = false;
        out({device, a.rule, false, r.severity, rules_.routes[static_cast<std::size_t>(r.severity)], score});
      }
    }
  }
}

}  // namespace twinbench::runtime
