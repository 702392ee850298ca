#pragma once
// Partner hand-off: what became of each event queued for each partner's webhooks (runtime/Webhooks),
// and the figures its SLA is judged on. Family: webhooks (present only when the scenario has partners),
// an object per partner.
//
// Each gateway posts to a partner one event at a time, in order, so the events a gateway still holds for
// it are a queue the results can follow: queued at the back; delivered, rejected or dropped from the front;
// at a restart, what the gateway's storage gave back stays and the rest are lost (counted).

#include <deque>
#include <string>

#include "Kpi.hpp"

namespace twinbench::results::kpi {

class WebhookKpis {
public:
  explicit WebhookKpis(const RunMeta& m);
  void on(const Event& e, const rev::WebhookQueued& p);
  void on(const Event& e, const rev::WebhookDelivered& p);
  void on(const Event& e, const rev::WebhookFailed& p);
  void on(const Event& e, const rev::WebhookRejected& p);
  void on(const Event& e, const rev::WebhookDropped& p);
  void on(const Event& e, const rev::WebhookRecovered& p);
  void write(const Scope& scope, json& s) const;

  /**
   * @brief Why a partner's delivered_within_sla is short of 1, from its object in summary.json: how many
   * events missed the bound and how (late, waiting, dropped, lost), and how long a gateway could not reach
   * the partner. Empty if nothing missed it.
   */
  static std::string explain(const json& partner);

private:
  struct Queue {  // one gateway's, for one partner
    std::deque<std::int64_t> waiting;  ///< when each event still held was made, oldest first
    std::uint64_t queued = 0, delivered = 0, within = 0, rejected = 0, dropped = 0, lost = 0;
    std::uint64_t failed = 0, unanswered = 0, server_errors = 0;
    Histogram latency_us;
    std::int64_t down_since_us = -1;     ///< the first failed post since its last answer; -1: reachable
    std::int64_t longest_down_us = 0;    ///< closed stretches without an answer
    void pop(std::uint64_t n);
  };
  Queue* at(const Event& e, std::int64_t partner);
  void answered(Queue& q, std::int64_t t_us);

  std::vector<PartnerMeta> partners_;
  std::vector<std::vector<Queue>> q_;  ///< [gateway][partner]
  std::int64_t end_us_;
};

}  // namespace twinbench::results::kpi
