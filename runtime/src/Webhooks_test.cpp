#include "twinbench/runtime/Webhooks.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "TestPorts.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/ota/Crypto.hpp"

namespace twinbench::runtime {
namespace {

using nlohmann::json;

TEST(Hmac, Rfc4231TestVectors) {
  // RFC 4231, test cases 1 and 2 (HMAC-SHA-256).
  const std::vector<std::uint8_t> key1(20, 0x0b);
  EXPECT_EQ(crypto::hex(crypto::hmac_sha256(key1, "Hi There")), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  const std::string jefe = "Jefe";
  EXPECT_EQ(crypto::hex(crypto::hmac_sha256(std::span(reinterpret_cast<const std::uint8_t*>(jefe.data()), jefe.size()), "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/** A partner's endpoint answered by hand: each post waits for the test to answer it. */
struct ManualHttp final : HttpClient {
  struct Post {
    HttpRequest request;
    std::function<void(int)> done;
    bool answered = false;
  };
  std::vector<Post> posts;
  void post(const HttpRequest& r, std::function<void(int)> done) override { posts.push_back({r, std::move(done)}); }
  void answer(std::size_t i, int status) {
    ASSERT_LT(i, posts.size());
    ASSERT_FALSE(posts[i].answered);
    posts[i].answered = true;
    posts[i].done(status);
  }
  std::string header(std::size_t i, const std::string& name) const {
    for (const auto& [k, v] : posts.at(i).request.headers)
      if (k == name) return v;
    return "(none)";
  }
};

struct WebhooksTest : ::testing::Test {
  ManualClock clock;
  ManualHttp http;
  MemoryStorage storage;
  const std::vector<std::uint8_t> secret = {'s', 'e', 'c', 'r', 'e', 't'};
  WebhookPartner cmms() const {
    WebhookPartner p;
    p.name = "cmms";
    p.url = "https://cmms.example/hooks";
    p.secret = secret;
    p.retry = {1'000'000, 8'000'000};
    return p;
  }
  std::unique_ptr<Webhooks> make(std::vector<WebhookPartner> partners) {
    auto w = std::make_unique<Webhooks>("gw-a", std::move(partners), clock, http, &storage, core::Rng(3).stream("webhooks"), 1'000'000'000);
    w->start();
    return w;
  }
};

TEST_F(WebhooksTest, EachEventIsSignedKeyedAndSentInOrderOneAtATime) {
  auto w = make({cmms()});
  clock.advance_to(5'000'000);
  w->publish("alert", json{{"device", 7}});
  w->publish("alert", json{{"device", 8}});
  w->publish("summary", json{{"ignored", true}});  // the CMMS takes alerts only
  ASSERT_EQ(http.posts.size(), 1u);  // the second waits for the first's answer
  const json body = json::parse(http.posts[0].request.body);
  EXPECT_EQ(body["kind"], "alert");
  EXPECT_EQ(body["gateway"], "gw-a");
  EXPECT_EQ(body["created_us"], 1'005'000'000);
  EXPECT_EQ(body["data"]["device"], 7);
  EXPECT_EQ(http.posts[0].request.url, "https://cmms.example/hooks");
  EXPECT_EQ(http.header(0, "Idempotency-Key"), body["id"].get<std::string>());
  // The signature, recomputed from its definition: HMAC-SHA-256 over "<created_us>.<body>".
  EXPECT_EQ(http.header(0, "X-Twinbench-Signature"),
            "t=1005000000,v1=" + crypto::hex(crypto::hmac_sha256(secret, "1005000000." + http.posts[0].request.body)));
  clock.advance_to(5'250'000);
  http.answer(0, 204);
  ASSERT_EQ(http.posts.size(), 2u);
  EXPECT_EQ(json::parse(http.posts[1].request.body)["data"]["device"], 8);
  EXPECT_NE(http.header(1, "Idempotency-Key"), http.header(0, "Idempotency-Key"));
  http.answer(1, 200);
  const WebhookFigures& f = w->figures(0);
  EXPECT_EQ(f.queued, 2u);
  EXPECT_EQ(f.delivered, 2u);
  EXPECT_EQ(f.attempts, 2u);
  ASSERT_EQ(f.latency_us.size(), 2u);
  EXPECT_EQ(f.latency_us[0], 250'000);  // made at 5 s, answered at 5.25 s
  EXPECT_EQ(w->pending(0), 0u);
}

TEST_F(WebhooksTest, APartnerDownIsRetriedWithBackoffAndARefusalIsNotRetried) {
  auto w = make({cmms()});
  w->publish("alert", json{{"n", 1}});
  http.answer(0, 503);  // down: tried again after the backoff (attempt 0: within [0.5 s, 1 s])
  EXPECT_EQ(http.posts.size(), 1u);
  clock.advance_to(499'999);
  EXPECT_EQ(http.posts.size(), 1u);
  clock.advance_to(1'000'000);
  ASSERT_EQ(http.posts.size(), 2u);
  EXPECT_EQ(http.posts[1].request.body, http.posts[0].request.body);  // the same post, the same key
  EXPECT_EQ(http.header(1, "Idempotency-Key"), http.header(0, "Idempotency-Key"));
  http.answer(1, 0);  // no answer at all: again, after up to 2 s
  clock.advance_to(3'000'000);
  ASSERT_EQ(http.posts.size(), 3u);
  http.answer(2, 429);  // too many requests: again
  clock.advance_to(7'000'000);
  ASSERT_EQ(http.posts.size(), 4u);
  http.answer(3, 201);
  w->publish("alert", json{{"n", 2}});
  ASSERT_EQ(http.posts.size(), 5u);
  http.answer(4, 400);  // the partner refuses it: dropped, counted, not sent again
  clock.advance_to(100'000'000);
  EXPECT_EQ(http.posts.size(), 5u);
  const WebhookFigures& f = w->figures(0);
  EXPECT_EQ(f.delivered, 1u);
  EXPECT_EQ(f.rejected, 1u);
  EXPECT_EQ(f.attempts, 5u);
  EXPECT_EQ(f.failed_attempts, 4u);
  EXPECT_EQ(w->pending(0), 0u);
}

TEST_F(WebhooksTest, WhatHappensToEachPostIsEmittedForTheResults) {
  RecordingSink sink;
  WebhookPartner other = cmms();
  other.name = "saas";
  other.kinds = {"summary"};
  auto w = std::make_unique<Webhooks>("gw-a", std::vector<WebhookPartner>{cmms(), other}, clock, http, &storage, core::Rng(3).stream("webhooks"));
  w->observe(sink, 4);
  w->start();
  EXPECT_TRUE(w->wanted("alert"));
  EXPECT_TRUE(w->wanted("summary"));
  EXPECT_FALSE(w->wanted("digest"));
  clock.advance_to(2'000'000);
  w->publish("alert", json{{"n", 1}});  // made at 2 s
  http.answer(0, 503);
  clock.advance_to(3'000'000);  // the retry (within [0.5 s, 1 s])
  http.answer(1, 200);          // delivered 1 s after it was made, at the second attempt
  w->publish("alert", json{{"n", 2}});
  http.answer(2, 404);
  const auto recovered = sink.of<ev::WebhookRecovered>();
  ASSERT_EQ(recovered.size(), 2u);  // one per partner, nothing from before
  EXPECT_EQ(recovered[1].partner, 1);
  EXPECT_EQ(recovered[1].posts, 0);
  EXPECT_EQ(sink.of<ev::WebhookQueued>().size(), 2u);  // alerts: the CMMS's only
  const auto failed = sink.of<ev::WebhookFailed>();
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].status, 503);
  EXPECT_EQ(failed[1].status, 404);
  const auto delivered = sink.of<ev::WebhookDelivered>();
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].partner, 0);
  EXPECT_EQ(delivered[0].latency_us, 1'000'000);
  EXPECT_EQ(delivered[0].attempts, 2);
  EXPECT_EQ(delivered[0].gateway, 4u);
  EXPECT_EQ(delivered[0].t_us, 3'000'000);
  const auto rejected = sink.of<ev::WebhookRejected>();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].status, 404);
}

TEST_F(WebhooksTest, WhatWasQueuedSurvivesARestartAndGoesWithItsKey) {
  std::string key;
  {
    auto w = make({cmms()});
    w->publish("alert", json{{"n", 1}});
    w->publish("alert", json{{"n", 2}});
    key = http.header(0, "Idempotency-Key");
    http.answer(0, 502);  // down; then the gateway restarts, its answer pending never comes
  }
  storage.power_cut();  // what was committed is durable
  http.posts.clear();
  auto w = make({cmms()});
  ASSERT_EQ(http.posts.size(), 1u);
  EXPECT_EQ(http.header(0, "Idempotency-Key"), key);  // the partner can tell it has it
  EXPECT_EQ(json::parse(http.posts[0].request.body)["data"]["n"], 1);
  http.answer(0, 200);
  ASSERT_EQ(http.posts.size(), 2u);
  EXPECT_EQ(json::parse(http.posts[1].request.body)["data"]["n"], 2);
}

TEST_F(WebhooksTest, AFullQueueDropsTheOldestAndCountsThem) {
  WebhookPartner p = cmms();
  p.queue_bytes_max = 1200;  // a few posts of about 180 bytes each
  auto w = make({p});
  w->publish("alert", json{{"n", 0}});  // in flight
  for (int n = 1; n <= 20; ++n) w->publish("alert", json{{"n", n}});
  const WebhookFigures& f = w->figures(0);
  EXPECT_EQ(f.queued, 21u);
  EXPECT_GT(f.dropped, 0u);
  EXPECT_EQ(f.dropped + w->pending(0), 21u);  // nothing lost: held or counted
  http.answer(0, 200);
  // The newest survive: the next post is not the oldest queued.
  EXPECT_GT(json::parse(http.posts.back().request.body)["data"]["n"].get<int>(), 1);
}

TEST(Webhooks, APartnersNameIsChecked) {
  ManualClock clock;
  struct Never final : HttpClient {
    void post(const HttpRequest&, std::function<void(int)>) override {}
  } http;
  WebhookPartner p;
  p.name = "../x";
  EXPECT_THROW(Webhooks("g", {p}, clock, http, nullptr, core::Rng(1).stream("w")), std::invalid_argument);
}

}  // namespace
}  // namespace twinbench::runtime
