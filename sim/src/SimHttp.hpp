#pragma once
// The HttpClient port of a simulated gateway: its webhooks' posts to the scenario's partners, whose
// endpoints are behind the gateway's WAN. A post is answered analytically, not by SimGrid transfers:
// a new HTTPS connection costs three round trips (TCP's handshake, TLS 1.3's, then the request and its
// answer) over the WAN and on to the partner, plus the bytes' time on the WAN's bandwidth. A post is
// small next to the gateway's uplink, so its share of the link is left out (docs/fidelity.md). While the
// WAN is down there is no answer: the post fails at the partner's timeout (status 0), as it does when the
// link goes down before its answer. During a partner's outage it answers the outage's status. Private to sim/src.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "SimPorts.hpp"
#include "twinbench/runtime/ports/Http.hpp"
#include "twinbench/sim/Scenario.hpp"

namespace twinbench::sim {

class SimHttp final : public runtime::HttpClient {
public:
  /** Bytes a post adds to its body and headers on the wire: HTTP framing, and the TLS handshake's certificates. */
  static constexpr double kOverheadBytes = 4500;

  SimHttp(SimClock& clock, const LinkFlags& links, const WanSpec& wan, const std::vector<PartnerSpec>& partners,
          const std::vector<PartnerOutage>& outages);
  /** The URL that names partner `p` in posts (its index in the scenario's partners). */
  static std::string url_of(const PartnerSpec& p);

  void post(const runtime::HttpRequest& request, std::function<void(int status)> done) override;
  /** What partner `partner` answers at `t_us`: 200, or an outage's status. */
  int status_at(std::size_t partner, runtime::TimeUs t_us) const;

private:
  SimClock& clock_;
  const LinkFlags& links_;
  WanSpec wan_;
  const std::vector<PartnerSpec>& partners_;
  const std::vector<PartnerOutage>& outages_;
};

}  // namespace twinbench::sim
