// The edge runtime's alerts as people and partners see them (EdgeRuntime.hpp): each raised alert into the
// alert book, to the cloud and to the partners' webhooks; acknowledgements and resolutions by people;
// alert rules from the cloud or a person, and their preview; the partners' daily digest.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "twinbench/core/JsonReader.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"

namespace twinbench::runtime {

void EdgeRuntime::send_summary() {
  const TimeUs to = config_.utc_at_start_us + ports_.clock.now_us();
  nlohmann::json alerts = nlohmann::json::object();
  for (int i = kSeverities - 1; i >= 0; --i) alerts[to_string(static_cast<Severity>(i))] = summary_alerts_[static_cast<std::size_t>(i)];
  webhooks_->publish("summary", nlohmann::json{{"from_us", summary_from_us_}, {"to_us", to}, {"alerts", alerts}, {"sessions", broker_.sessions()},
                                               {"records_pending", log_.records()}});
  summary_from_us_ = to;
  summary_alerts_ = {};
}

std::vector<AnomalyDetector*> EdgeRuntime::detectors() const {
  std::vector<AnomalyDetector*> all;
  if (detector_) all.push_back(detector_.get());
  for (const auto& d : others_)
    if (d) all.push_back(d.get());
  return all;
}

std::size_t EdgeRuntime::apply_rules(const nlohmann::json& doc, const std::string& source, const std::string& who) {
  const std::vector<AnomalyDetector*> all = detectors();
  if (all.empty()) throw core::InputError("no anomaly detector on this gateway");
  config_.rules = parse_rules(doc, source);  // kept for a model that comes later
  std::size_t active = 0;  // each detector keeps the rules of its asset class
  for (AnomalyDetector* d : all) d->set_rules(config_.rules), active += d->active_rules();
  emit(kNoConn, ev::RulesChanged{.rules = static_cast<std::int64_t>(active)});
  nlohmann::json record = {{"rules", active}, {"document", doc}};
  if (!who.empty()) record["by"] = who;
  audit("rules_changed", record.dump());
  return active;
}

EdgeRuntime::RulesPreview EdgeRuntime::preview_rules(const nlohmann::json& doc, TimeUs since_us) const {
  const std::vector<AnomalyDetector*> all = detectors();
  if (all.empty()) throw core::InputError("no anomaly detector on this gateway");
  const RuleSet rules = parse_rules(doc, "the rules to preview");
  RulesPreview p;
  for (const AnomalyDetector* d : all) {
    p.alerts += d->preview(rules, since_us - config_.utc_at_start_us);
    if (const auto from = d->history_since()) p.scores_since_us = std::min(p.scores_since_us.value_or(*from), *from);
  }
  if (p.scores_since_us) *p.scores_since_us += config_.utc_at_start_us;
  return p;
}

void EdgeRuntime::on_alert(const AlertChange& a, bool own) {
  const TimeUs utc = config_.utc_at_start_us + ports_.clock.now_us();
  if (!a.raised) {  // the cloud hears of raised alerts; clears stay local (the console shows them)
    alert_book_.clear(a.device, a.rule, utc);
    return;
  }
  alerts_since_model_ += own;
  if (alerts_.size() >= config_.alert_queue_max) {
    alerts_.pop_front();
    ++alerts_dropped_;
  }
  std::string client_id(broker_.client_id(a.device));
  if (client_id.empty() && lwm2m_)  // an LwM2M device: its endpoint name
    if (const lwm2m::Registration* r = lwm2m_->find(a.device)) client_id = r->endpoint;
  ++summary_alerts_[static_cast<std::size_t>(a.severity)];
  const std::string rule = a.rule < config_.rules.rules.size() ? config_.rules.rules[a.rule].name : std::to_string(a.rule);
  if (webhooks_)
    webhooks_->publish("alert", nlohmann::json{{"device", client_id}, {"rule", rule}, {"severity", to_string(a.severity)}, {"score", a.score}, {"raised_us", utc}});
  AlertEntry entry;
  entry.raised_us = utc;
  entry.device = client_id;
  entry.conn = a.device;
  entry.rule = rule;
  entry.rule_index = a.rule;
  entry.severity = a.severity;
  entry.roles = a.roles;
  entry.score = a.score;
  alert_book_.raise(std::move(entry));
  alerts_.push_back({a, ports_.clock.now_us(), std::move(client_id)});
  control_ready();
}

AlertBook::Ack EdgeRuntime::acknowledge_alert(std::uint64_t id, const std::string& who) {
  const AlertBook::Ack r = alert_book_.acknowledge(id, who, config_.utc_at_start_us + ports_.clock.now_us());
  if (r == AlertBook::Ack::done) {
    const AlertEntry& e = *alert_book_.find(id);
    emit(e.conn, ev::AlertAcknowledged{.alert = static_cast<std::int64_t>(e.id), .latency_us = *e.acked_us - e.raised_us});
    audit("alert_acknowledged", acknowledgement_details(config_.name, e.device, e.rule, e.severity, e.raised_us, e.id, who));
  }
  return r;
}

AlertBook::Ack EdgeRuntime::resolve_alert(std::uint64_t id, AlertOutcome outcome, const std::string& who) {
  const AlertBook::Ack r = alert_book_.resolve(id, outcome, who, config_.utc_at_start_us + ports_.clock.now_us());
  if (r == AlertBook::Ack::done) {
    const AlertEntry& e = *alert_book_.find(id);
    emit(e.conn, ev::AlertResolved{.alert = static_cast<std::int64_t>(e.id), .outcome = static_cast<std::int64_t>(outcome),
                                   .latency_us = *e.resolved_us - e.raised_us});
    audit("alert_resolved", nlohmann::json{{"alert", e.id}, {"device", e.device}, {"rule", e.rule}, {"severity", to_string(e.severity)},
                                           {"outcome", to_string(outcome)}, {"by", who}}.dump());
  }
  return r;
}

}  // namespace twinbench::runtime
