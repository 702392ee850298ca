#include "twinbench/runtime/mqtt/Subscriptions.hpp"

#include <gtest/gtest.h>

#include "twinbench/core/Random.hpp"

namespace twinbench::runtime::mqtt {
namespace {

using Deliveries = std::vector<std::pair<ConnId, std::uint8_t>>;

Deliveries match(const SubscriptionTree& t, std::string_view topic) {
  Deliveries out;
  t.match(topic, [&](ConnId c, std::uint8_t q) { out.emplace_back(c, q); });
  return out;
}

TEST(MqttSubscriptions, TheSpecificationsExamplesOfSection471) {
  // 4.7.1.2 multi-level wildcard
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1"));
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
  EXPECT_TRUE(topic_matches("sport/#", "sport"));
  EXPECT_TRUE(topic_matches("#", "sport/tennis"));
  // 4.7.1.3 single-level wildcard
  EXPECT_TRUE(topic_matches("sport/tennis/+", "sport/tennis/player1"));
  EXPECT_TRUE(topic_matches("sport/tennis/+", "sport/tennis/player2"));
  EXPECT_FALSE(topic_matches("sport/tennis/+", "sport/tennis/player1/ranking"));
  EXPECT_FALSE(topic_matches("sport/+", "sport"));
  EXPECT_TRUE(topic_matches("sport/+", "sport/"));
  EXPECT_TRUE(topic_matches("+/+", "/finance"));
  EXPECT_TRUE(topic_matches("/+", "/finance"));
  EXPECT_FALSE(topic_matches("+", "/finance"));
  EXPECT_TRUE(topic_matches("+/tennis/#", "sport/tennis/player1"));
  // 4.7.2: '$' topics and leading wildcards; topic levels are case sensitive (4.7.3)
  EXPECT_FALSE(topic_matches("#", "$SYS/broker/clients"));
  EXPECT_FALSE(topic_matches("+/monitor/Clients", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/broker/clients"));
  EXPECT_TRUE(topic_matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
  EXPECT_FALSE(topic_matches("ACCOUNTS", "Accounts"));
}

TEST(MqttSubscriptions, EachClientGetsOneDeliveryAtItsHighestMatchingQos) {
  SubscriptionTree t;
  t.subscribe(7, "plant/+/telemetry", 0);
  t.subscribe(7, "plant/#", 2);
  t.subscribe(3, "plant/gw-0/telemetry", 1);
  t.subscribe(9, "other/#", 1);
  EXPECT_EQ(match(t, "plant/gw-0/telemetry"), (Deliveries{{3, 1}, {7, 2}}));
  EXPECT_EQ(match(t, "plant/gw-1/telemetry"), (Deliveries{{7, 2}}));
  EXPECT_EQ(match(t, "plant"), (Deliveries{{7, 2}}));
  EXPECT_TRUE(match(t, "$SYS/plant").empty());
  t.subscribe(7, "plant/#", 0);  // replaces the QoS 2 subscription (MQTT-3.8.4-3)
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(match(t, "plant/gw-1/telemetry"), (Deliveries{{7, 0}}));
}

TEST(MqttSubscriptions, UnsubscribeAndRemoveClient) {
  SubscriptionTree t;
  t.subscribe(1, "a/b", 1);
  t.subscribe(1, "a/+", 0);
  t.subscribe(2, "a/b", 0);
  EXPECT_FALSE(t.unsubscribe(1, "a/c"));
  EXPECT_FALSE(t.unsubscribe(3, "a/b"));
  EXPECT_TRUE(t.unsubscribe(1, "a/b"));
  EXPECT_EQ(match(t, "a/b"), (Deliveries{{1, 0}, {2, 0}}));
  t.remove_client(1);
  EXPECT_EQ(match(t, "a/b"), (Deliveries{{2, 0}}));
  EXPECT_EQ(t.size(), 1u);
  t.remove_client(2);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(match(t, "a/b").empty());
}

TEST(MqttSubscriptions, TheTreeAgreesWithTheDefinitionOnRandomFiltersAndTopics) {
  // Small alphabets make overlaps, empty levels and wildcards frequent.
  core::RngStream rng(17);
  const char* words[] = {"a", "b", "", "$x"};
  auto topic = [&] {
    std::string s;
    const auto n = 1 + rng.below(4);
    for (std::uint64_t i = 0; i < n; ++i) (s += i ? "/" : "") += words[rng.below(i ? 3 : 4)];
    return s;
  };
  auto filter = [&] {
    std::string s;
    const auto n = 1 + rng.below(4);
    for (std::uint64_t i = 0; i < n; ++i) {
      if (i) s += '/';
      const auto k = rng.below(6);
      if (k == 5 && i + 1 == n) s += '#';
      else if (k >= 4) s += '+';
      else s += words[k];
    }
    return s;
  };
  std::size_t deliveries = 0;
  for (int round = 0; round < 200; ++round) {
    SubscriptionTree t;
    std::vector<std::tuple<ConnId, std::string, std::uint8_t>> subs;
    for (int i = 0; i < 8; ++i) {
      const auto c = static_cast<ConnId>(rng.below(4));
      const std::string f = filter();
      const auto q = static_cast<std::uint8_t>(rng.below(3));
      t.subscribe(c, f, q);
      std::erase_if(subs, [&](const auto& s) { return std::get<0>(s) == c && std::get<1>(s) == f; });
      subs.emplace_back(c, f, q);
    }
    for (int k = 0; k < 10; ++k) {
      const std::string tp = topic();
      std::map<ConnId, std::uint8_t> expected;
      for (const auto& [c, f, q] : subs)
        if (topic_matches(f, tp)) expected[c] = std::max(expected.count(c) ? expected[c] : std::uint8_t{0}, q);
      EXPECT_EQ(match(t, tp), Deliveries(expected.begin(), expected.end())) << "topic '" << tp << "'";
      deliveries += expected.size();
    }
  }
  EXPECT_GT(deliveries, 1000u);  // the cases really overlap
}

}  // namespace
}  // namespace twinbench::runtime::mqtt
