#include "WebhookKpis.hpp"

#include <cstdio>

namespace twinbench::results::kpi {

WebhookKpis::WebhookKpis(const RunMeta& m)
    : partners_(m.partners), q_(m.gateways.size(), std::vector<Queue>(m.partners.size())), end_us_(to_us(m.duration_s)) {}

void WebhookKpis::Queue::pop(std::uint64_t n) {
  while (n-- > 0 && !waiting.empty()) waiting.pop_front();
}

WebhookKpis::Queue* WebhookKpis::at(const Event& e, std::int64_t partner) {
  if (partner < 0 || static_cast<std::size_t>(partner) >= partners_.size()) return nullptr;
  return &q_[e.gateway][static_cast<std::size_t>(partner)];
}

void WebhookKpis::answered(Queue& q, std::int64_t t_us) {
  if (q.down_since_us >= 0) q.longest_down_us = std::max(q.longest_down_us, t_us - q.down_since_us);
  q.down_since_us = -1;
}

void WebhookKpis::on(const Event& e, const rev::WebhookQueued& p) {
  if (Queue* q = at(e, p.partner)) ++q->queued, q->waiting.push_back(e.t_us);
}

void WebhookKpis::on(const Event& e, const rev::WebhookDelivered& p) {
  Queue* q = at(e, p.partner);
  if (!q) return;
  ++q->delivered;
  q->within += p.latency_us <= to_us(partners_[static_cast<std::size_t>(p.partner)].sla_s) ? 1 : 0;
  q->latency_us.add(std::max<std::int64_t>(0, p.latency_us));
  q->pop(1);
  answered(*q, e.t_us);
}

void WebhookKpis::on(const Event& e, const rev::WebhookFailed& p) {
  Queue* q = at(e, p.partner);
  if (!q) return;
  ++q->failed;
  if (p.status == 0) ++q->unanswered;
  else if (p.status >= 500) ++q->server_errors;
  if (p.status == 0 || p.status >= 500) {  // the partner could not take it: a stretch without service starts (if none has)
    if (q->down_since_us < 0) q->down_since_us = e.t_us;
  } else {
    answered(*q, e.t_us);
  }
}

void WebhookKpis::on(const Event& e, const rev::WebhookRejected& p) {
  if (Queue* q = at(e, p.partner)) ++q->rejected, q->pop(1);
}

void WebhookKpis::on(const Event& e, const rev::WebhookDropped& p) {
  if (Queue* q = at(e, p.partner)) q->dropped += u64(p.posts), q->pop(u64(p.posts));
}

void WebhookKpis::on(const Event& e, const rev::WebhookRecovered& p) {
  Queue* q = at(e, p.partner);
  if (!q || u64(p.posts) >= q->waiting.size()) return;
  const std::uint64_t lost = q->waiting.size() - u64(p.posts);  // the oldest are the ones a restart loses (they were sent first)
  q->lost += lost;
  q->pop(lost);
}

void WebhookKpis::write(const Scope& scope, json& s) const {
  if (partners_.empty()) return;
  json all = json::object();
  for (std::size_t k = 0; k < partners_.size(); ++k) {
    const std::int64_t sla_us = to_us(partners_[k].sla_s);
    Queue t;
    std::uint64_t pending = 0, overdue = 0;
    for (std::uint32_t g : scope.gateways) {
      const Queue& q = q_[g][k];
      t.queued += q.queued, t.delivered += q.delivered, t.within += q.within, t.rejected += q.rejected, t.dropped += q.dropped, t.lost += q.lost;
      t.failed += q.failed, t.unanswered += q.unanswered, t.server_errors += q.server_errors;
      t.latency_us.merge(q.latency_us);
      t.longest_down_us = std::max({t.longest_down_us, q.longest_down_us, q.down_since_us >= 0 ? end_us_ - q.down_since_us : 0});
      pending += q.waiting.size();
      for (std::int64_t made : q.waiting) overdue += made < end_us_ - sla_us ? 1 : 0;
    }
    // Judged: every event whose fate is known, or whose bound passed before the end (the younger ones still waiting are not yet late).
    const std::uint64_t judged = t.delivered + t.rejected + t.dropped + t.lost + overdue;
    all[partners_[k].name] = {
        {"sla_s", partners_[k].sla_s},
        {"queued", t.queued},
        {"delivered", t.delivered},
        {"delivered_within_sla", ratio(static_cast<double>(t.within), static_cast<double>(judged))},
        {"delivered_late", t.delivered - t.within},
        {"rejected", t.rejected},
        {"dropped", t.dropped},
        {"lost_in_restarts", t.lost},
        {"pending_at_end", pending},
        {"overdue_at_end", overdue},
        {"attempts", t.delivered + t.failed},
        {"failed_attempts", t.failed},
        {"unanswered_attempts", t.unanswered},
        {"server_error_attempts", t.server_errors},
        {"latency_s", {{"p50", percentile(t.latency_us, 0.5, 1e6)}, {"p99", percentile(t.latency_us, 0.99, 1e6)}, {"max", maximum(t.latency_us, 1e6)}}},
        {"longest_unreachable_s", round6(static_cast<double>(t.longest_down_us) * 1e-6)}};
  }
  s["webhooks"] = std::move(all);
}

namespace {
std::string duration(double s) {
  char b[32];
  if (s >= 3600) std::snprintf(b, sizeof b, "%.1f h", s / 3600);
  else if (s >= 120) std::snprintf(b, sizeof b, "%.1f min", s / 60);
  else std::snprintf(b, sizeof b, "%.3g s", s);
  return b;
}
std::uint64_t count(const json& o, const char* key) { return o.contains(key) && o[key].is_number_unsigned() ? o[key].get<std::uint64_t>() : 0; }
}  // namespace

std::string WebhookKpis::explain(const json& p) {
  if (!p.is_object() || !p.contains("sla_s")) return "";
  const std::uint64_t late = count(p, "delivered_late"), overdue = count(p, "overdue_at_end"), dropped = count(p, "dropped"),
                      rejected = count(p, "rejected"), lost = count(p, "lost_in_restarts");
  const std::uint64_t missed = late + overdue + dropped + rejected + lost;
  if (missed == 0) return "";
  const double sla = p["sla_s"].get<double>();
  std::string why = std::to_string(missed) + " of " + std::to_string(missed + count(p, "delivered") - late) + " events were not delivered within " + duration(sla) + ":";
  const auto part = [&](std::uint64_t n, const std::string& what) {
    if (n == 0) return;
    why += why.back() == ':' ? " " : ", ";
    why += std::to_string(n) + " " + what;
  };
  const json& max = p["latency_s"]["max"];
  part(late, "delivered late" + (max.is_number() ? " (the latest after " + duration(max.get<double>()) + ")" : std::string()));
  part(overdue, "still waiting at the end");
  part(dropped, "dropped from a full queue");
  part(rejected, "refused by the partner (4xx)");
  part(lost, "lost in gateway restarts");
  const double down = p.contains("longest_unreachable_s") && p["longest_unreachable_s"].is_number() ? p["longest_unreachable_s"].get<double>() : 0;
  if (down > 0) {
    why += "; a gateway could not get a post through for " + duration(down) + " (posts unanswered: " + std::to_string(count(p, "unanswered_attempts")) +
           ", answered 5xx: " + std::to_string(count(p, "server_error_attempts")) + ")";
  }
  return why;
}

}  // namespace twinbench::results::kpi
