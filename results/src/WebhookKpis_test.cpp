// The webhooks family against a run worked out by hand: what became of each event, the SLA share, and why it fell short.
#include "kpi/WebhookKpis.hpp"

#include <gtest/gtest.h>

#include "twinbench/results/Assertions.hpp"
#include "twinbench/results/Collector.hpp"

namespace twinbench::results {
namespace {

using json = nlohmann::ordered_json;
using runtime::Event;
using runtime::kNoConn;
namespace rev = runtime::ev;

constexpr std::int64_t kS = 1'000'000;

RunMeta meta(bool partners) {
  RunMeta m;
  m.scenario = "unit";
  m.duration_s = 100;
  m.sites = {"s"};
  m.gateways = {{"s", "s-gw-0", 2}, {"s", "s-gw-1", 2}};
  if (partners) m.partners = {{"cmms", 10}};
  return m;
}

template <class P>
Event at(double t_s, std::uint32_t gateway, const P& p) {
  return Event::of(static_cast<std::int64_t>(t_s * kS), gateway, kNoConn, p);
}

json run(const std::vector<Event>& events) {
  Collector c(meta(true));
  for (const Event& e : events) c.emit(e);
  return c.summary();
}

// Gateway 0: three events; the first delivered at once, the second after a lost post and a 503 (late), the
// third refused; then one made at 85 s (its 10 s bound passed by the end) and one at 95 s (not yet due).
// Gateway 1: two events, then a restart that gives back one (the oldest is lost), delivered late; one dropped.
const std::vector<Event> kRun = {
    at(1, 0, rev::WebhookQueued{}), at(1.5, 0, rev::WebhookDelivered{.latency_us = kS / 2, .attempts = 1}),
    at(2, 0, rev::WebhookQueued{}), at(3, 0, rev::WebhookQueued{}),
    at(12, 0, rev::WebhookFailed{.status = 0}), at(20, 0, rev::WebhookFailed{.status = 503}),
    at(30, 0, rev::WebhookDelivered{.latency_us = 28 * kS, .attempts = 3}),
    at(31, 0, rev::WebhookFailed{.status = 404}), at(31, 0, rev::WebhookRejected{.status = 404}),
    at(85, 0, rev::WebhookQueued{}), at(95, 0, rev::WebhookQueued{}),
    at(10, 1, rev::WebhookQueued{}), at(11, 1, rev::WebhookQueued{}),
    at(50, 1, rev::WebhookRecovered{.posts = 1}),
    at(60, 1, rev::WebhookDelivered{.latency_us = 49 * kS, .attempts = 1}),
    at(70, 1, rev::WebhookQueued{}), at(70, 1, rev::WebhookDropped{.posts = 1}),
};

TEST(WebhookKpis, EachEventIsDeliveredInTimeLateRefusedDroppedLostOrWaiting) {
  const json s = run(kRun);
  const json& w = s["webhooks"]["cmms"];
  EXPECT_EQ(w["queued"], 8);
  EXPECT_EQ(w["delivered"], 3);
  EXPECT_EQ(w["delivered_late"], 2);
  EXPECT_EQ(w["rejected"], 1);
  EXPECT_EQ(w["dropped"], 1);
  EXPECT_EQ(w["lost_in_restarts"], 1);
  EXPECT_EQ(w["pending_at_end"], 2);
  EXPECT_EQ(w["overdue_at_end"], 1);  // the one made at 85 s; the one at 95 s is not yet late
  // Judged: 3 delivered + 1 refused + 1 dropped + 1 lost + 1 overdue = 7, of which 1 in time.
  EXPECT_DOUBLE_EQ(w["delivered_within_sla"].get<double>(), 0.142857);
  EXPECT_EQ(w["attempts"], 6);  // 3 answered 2xx, 3 not
  EXPECT_EQ(w["failed_attempts"], 3);
  EXPECT_EQ(w["unanswered_attempts"], 1);
  EXPECT_EQ(w["server_error_attempts"], 1);
  EXPECT_DOUBLE_EQ(w["latency_s"]["max"].get<double>(), 49);
  EXPECT_DOUBLE_EQ(w["longest_unreachable_s"].get<double>(), 18);  // gateway 0, from its first failed post (12 s) to its next 2xx (30 s)
  // Per gateway: each has its own share.
  Collector c(meta(true));
  for (const Event& e : kRun) c.emit(e);
  EXPECT_DOUBLE_EQ(c.gateway_kpis(1)["webhooks"]["cmms"]["delivered_within_sla"].get<double>(), 0);
  EXPECT_EQ(c.gateway_kpis(1)["webhooks"]["cmms"]["lost_in_restarts"], 1);
}

TEST(WebhookKpis, APartnerStillOutOfReachAtTheEndCountsUntilTheEnd) {
  const json s = run({at(40, 0, rev::WebhookQueued{}), at(50, 0, rev::WebhookFailed{.status = 0})});
  EXPECT_DOUBLE_EQ(s["webhooks"]["cmms"]["longest_unreachable_s"].get<double>(), 50);
  EXPECT_DOUBLE_EQ(s["webhooks"]["cmms"]["delivered_within_sla"].get<double>(), 0);  // made at 40 s, waiting past its bound
}

TEST(WebhookKpis, NothingToJudgeIsNullAndARunWithoutPartnersHasNoFamily) {
  EXPECT_TRUE(run({at(95, 0, rev::WebhookQueued{})})["webhooks"]["cmms"]["delivered_within_sla"].is_null());
  Collector c(meta(false));
  EXPECT_FALSE(c.summary().contains("webhooks"));
}

TEST(WebhookKpis, AFailedSlaGateSaysWhy) {
  const json s = run(kRun);
  const auto r = check_assertions(s, {{"/webhooks/cmms/delivered_within_sla", 0.99, std::nullopt}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].passed);
  EXPECT_EQ(r[0].message,
            "/webhooks/cmms/delivered_within_sla = 0.142857, expected >= 0.99: 6 of 7 events were not delivered within 10 s: 2 delivered late "
            "(the latest after 49 s), 1 still waiting at the end, 1 dropped from a full queue, 1 refused by the partner (4xx), 1 lost in "
            "gateway restarts; a gateway could not get a post through for 18 s (posts unanswered: 1, answered 5xx: 1)");
  EXPECT_EQ(kpi::WebhookKpis::explain(run({})["webhooks"]["cmms"]), "");  // nothing missed: nothing to say
}

}  // namespace
}  // namespace twinbench::results
