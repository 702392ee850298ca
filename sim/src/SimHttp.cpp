#include "SimHttp.hpp"

#include <cmath>

namespace twinbench::sim {

SimHttp::SimHttp(SimClock& clock, const LinkFlags& links, const WanSpec& wan, const std::vector<PartnerSpec>& partners,
                 const std::vector<PartnerOutage>& outages)
    : clock_(clock), links_(links), wan_(wan), partners_(partners), outages_(outages) {}

std::string SimHttp::url_of(const PartnerSpec& p) { return "https://" + p.name + ".partners.sim/hooks"; }

int SimHttp::status_at(std::size_t partner, runtime::TimeUs t_us) const {
  for (const PartnerOutage& o : outages_)
    if (o.partner == partner && t_us >= to_us(o.at_s) && t_us < to_us(o.at_s + o.duration_s)) return o.status;
  return 200;
}

void SimHttp::post(const runtime::HttpRequest& request, std::function<void(int)> done) {
  std::size_t partner = 0;
  while (partner < partners_.size() && url_of(partners_[partner]) != request.url) ++partner;
  if (partner == partners_.size()) {  // no such endpoint: the name does not resolve
    clock_.schedule(0, [done = std::move(done)] { done(0); });
    return;
  }
  const PartnerSpec& p = partners_[partner];
  const runtime::TimeUs timeout = to_us(p.timeout_s);
  if (!links_.wan_up) {  // no route: the connection attempt goes unanswered
    clock_.schedule(timeout, [done = std::move(done)] { done(0); });
    return;
  }
  double bytes = kOverheadBytes + static_cast<double>(request.body.size());
  for (const auto& [k, v] : request.headers) bytes += static_cast<double>(k.size() + v.size() + 4);
  const double rtt_s = 2 * (wan_.latency_ms + p.latency_ms) * 1e-3;
  const runtime::TimeUs answer = to_us(3 * rtt_s + bytes * 8 / wan_.bandwidth_bps);
  if (answer >= timeout) {
    clock_.schedule(timeout, [done = std::move(done)] { done(0); });
    return;
  }
  const runtime::TimeUs sent = clock_.now_us();
  clock_.schedule(answer, [this, partner, sent, timeout, done = std::move(done)]() mutable {
    const runtime::TimeUs now = clock_.now_us();
    if (!links_.wan_up) {  // the link went down on the way: the answer never comes
      clock_.schedule(std::max<runtime::TimeUs>(0, sent + timeout - now), [done = std::move(done)] { done(0); });
      return;
    }
    done(status_at(partner, now));
  });
}

}  // namespace twinbench::sim
