#pragma once
// Partner hand-off: events (alerts, summaries) posted to partners' endpoints (a CMMS, a maintenance SaaS)
// as JSON, each signed and with an idempotency key, one at a time in order, retried with backoff while a
// partner is down, held meanwhile in a bounded queue that survives restarts (an UplinkLog on the Storage
// port), and measured: the figures an SLA is judged on (docs/webhooks.md).
//
// A post's body: {"id": "<gateway>:<partner>:<n>", "kind": "alert", "gateway": "<gateway>",
//                 "created_us": <UTC us when it was made>, "data": {...}}
// Its headers: Idempotency-Key: <id> (a partner drops a post it has: delivery is at least once), and
//   X-Twinbench-Signature: t=<created_us>,v1=<hex HMAC-SHA-256 over "<created_us>.<body>" under the partner's secret>
// A 2xx answer delivers it; 4xx other than 408 and 429 rejects it for good (counted: sending it again
// cannot help); anything else, or no answer, is tried again after an exponential backoff with jitter.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <span>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/core/Random.hpp"
#include "twinbench/runtime/UplinkLog.hpp"
#include "twinbench/runtime/mqtt/Client.hpp"
#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Http.hpp"
#include "twinbench/runtime/ports/Sink.hpp"
#include "twinbench/runtime/ports/Storage.hpp"

namespace twinbench::runtime {

struct WebhookPartner {
  std::string name;                       ///< letters, digits, '-', '_': its ids, its queue's storage keys (webhooks/<name>)
  std::string url;                        ///< where its posts go
  std::vector<std::uint8_t> secret;       ///< the HMAC key both sides hold (read from a file, never from a config)
  std::vector<std::string> kinds = {"alert"};  ///< the events it takes
  std::size_t queue_bytes_max = 4u << 20; ///< posts held while it is down; past it the oldest go (counted)
  mqtt::Backoff retry{1'000'000, 300'000'000};
};

/** What a partner's SLA is judged on, since the start (a restart starts them afresh). */
struct WebhookFigures {
  std::uint64_t queued = 0;     ///< events taken for it
  std::uint64_t delivered = 0;  ///< answered 2xx
  std::uint64_t rejected = 0;   ///< answered 4xx (not 408, 429): dropped
  std::uint64_t dropped = 0;    ///< pushed out of a full queue
  std::uint64_t attempts = 0, failed_attempts = 0;  ///< posts sent, and those not answered 2xx
  std::vector<TimeUs> latency_us;  ///< each delivered post's, from its event to its 2xx (the last 100,000)
};

class Webhooks {
public:
  /** @brief `storage` may be null (the queues are then in memory); `utc_at_start_us` dates the posts. */
  Webhooks(std::string gateway, std::vector<WebhookPartner> partners, Clock& clock, HttpClient& http, Storage* storage, core::RngStream jitter,
           TimeUs utc_at_start_us = 0);
  ~Webhooks();
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  /** @brief Emit what happens to each post (ev::Webhook*) on `sink` as gateway `gateway_index`'s. Before start(). */
  void observe(Sink& sink, std::uint32_t gateway_index) { sink_ = &sink, gateway_index_ = gateway_index; }
  /** @brief Read back what a previous run queued and did not deliver, and start sending. Once. */
  void start();
  /** @brief Whether some partner takes events of `kind`. */
  bool wanted(std::string_view kind) const;
  /** @brief An event for every partner that takes `kind`. */
  void publish(std::string_view kind, const nlohmann::json& data);
  std::size_t partners() const { return partners_.size(); }
  const WebhookFigures& figures(std::size_t partner) const;
  /** @brief Posts waiting for `partner` (the one in flight included). */
  std::uint64_t pending(std::size_t partner) const;

  /** @brief The signature header's value for `body` made at `created_us` (for partners to check against). */
  static std::string signature(std::span<const std::uint8_t> secret, TimeUs created_us, std::string_view body);

private:
  struct Partner;
  void send_next(Partner& p);
  void answered(Partner& p, int status);
  template <class P>
  void emit(const P& payload) {
    if (sink_) sink_->emit(clock_.now_us(), gateway_index_, kNoConn, payload);
  }
  std::int64_t index_of(const Partner& p) const;

  std::string gateway_;
  Clock& clock_;
  HttpClient& http_;
  Storage* storage_;
  core::RngStream jitter_;
  TimeUs utc_at_start_us_;
  Sink* sink_ = nullptr;
  std::uint32_t gateway_index_ = 0;
  std::shared_ptr<bool> alive_;  ///< false once destroyed: an answer that comes later is ignored
  std::vector<std::unique_ptr<Partner>> partners_;
};

}  // namespace twinbench::runtime
