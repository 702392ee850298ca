// The simulated partner behind the WAN against times worked out by hand from the link's figures.
#include "SimHttp.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace twinbench::sim {
namespace {

struct SimHttpTest : ::testing::Test {
  SimClock clock;
  LinkFlags links;
  WanSpec wan{.bandwidth_bps = 8e6, .latency_ms = 30};  // 1 MB/s
  std::vector<PartnerSpec> partners = {PartnerSpec{.name = "cmms", .kinds = {"alert"}, .latency_ms = 20, .timeout_s = 10}};
  std::vector<PartnerOutage> outages;
  SimHttp http{clock, links, wan, partners, outages};

  /** Post a 500-byte body at `at_us`; the answer and when it came (nullopt: none by `until_us`). */
  std::optional<std::pair<int, runtime::TimeUs>> post_at(runtime::TimeUs at_us, runtime::TimeUs until_us = 100'000'000) {
    run_until(at_us);
    std::optional<std::pair<int, runtime::TimeUs>> got;
    http.post({SimHttp::url_of(partners[0]), {}, std::string(500, 'x')}, [&](int status) { got = {{status, clock.now_us()}}; });
    run_until(until_us, &got);
    return got;
  }
  /** Fire timers in time order until `t_us` (the clock then stands there), or until `got` has a value. */
  template <class T = int>
  void run_until(runtime::TimeUs t_us, const std::optional<T>* got = nullptr) {
    while (!(got && got->has_value())) {
      const auto next = clock.timers().next_deadline_us();
      if (!next || *next > t_us) break;
      clock.advance_to(*next);
      clock.timers().fire_due(*next);
    }
    if (!(got && got->has_value())) clock.advance_to(t_us);
  }
};

TEST_F(SimHttpTest, APostIsAnsweredAfterThreeRoundTripsAndItsBytesTime) {
  const auto got = post_at(1'000'000);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, 200);
  // 3 round trips of 2 x (30 + 20) ms = 300 ms, and (4500 + 500) bytes at 1 MB/s = 5 ms.
  EXPECT_EQ(got->second, 1'000'000 + 300'000 + 5'000);
}

TEST_F(SimHttpTest, WithoutTheWanThereIsNoAnswerUntilTheTimeout) {
  links.wan_up = false;
  const auto got = post_at(1'000'000);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, 0);
  EXPECT_EQ(got->second, 11'000'000);
}

TEST_F(SimHttpTest, AWanLostBeforeTheAnswerAlsoEndsAtTheTimeout) {
  run_until(1'000'000);
  std::optional<std::pair<int, runtime::TimeUs>> got;
  http.post({SimHttp::url_of(partners[0]), {}, std::string(500, 'x')}, [&](int status) { got = {{status, clock.now_us()}}; });
  run_until(1'100'000);
  links.wan_up = false;
  run_until(100'000'000, &got);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, 0);
  EXPECT_EQ(got->second, 11'000'000);
}

TEST_F(SimHttpTest, DuringAPartnersOutageItAnswersTheOutagesStatus) {
  outages.push_back({.at_s = 10, .duration_s = 5, .partner = 0, .status = 503});
  EXPECT_EQ(post_at(9'000'000)->first, 200);
  EXPECT_EQ(post_at(9'800'000)->first, 503);  // answered at 10.105 s: inside the outage
  EXPECT_EQ(post_at(14'000'000)->first, 503);
  EXPECT_EQ(post_at(15'000'000)->first, 200);
  EXPECT_EQ(http.status_at(0, 15'000'000), 200);
}

TEST_F(SimHttpTest, AnUnknownEndpointIsNeverAnswered) {
  std::optional<int> got;
  http.post({"https://nobody.partners.sim/hooks", {}, "{}"}, [&](int status) { got = status; });
  run_until(1'000'000, &got);
  EXPECT_EQ(got, 0);
}

}  // namespace
}  // namespace twinbench::sim
