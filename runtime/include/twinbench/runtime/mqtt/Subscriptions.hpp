#pragma once
// The broker side's matching, sans-IO: which sessions a PUBLISH reaches (topic filters with the '+' and
// '#' wildcards of MQTT 3.1.1 section 4.7, and MQTT 5's subscription options).
// Ordered containers throughout, so deliveries come in the same order on every run.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime::mqtt {

/** @brief Does `topic` (a topic name) match `filter` (MQTT 4.7)? '$' topics never match a leading wildcard (MQTT-4.7.2-1). */
bool topic_matches(std::string_view filter, std::string_view topic);

/** A subscription's options (MQTT 5 section 3.8.3.1; in 3.1.1 only the QoS). */
struct SubscriptionOptions {
  std::uint8_t qos = 0;
  bool no_local = false;             ///< not delivered to the client that published
  bool retain_as_published = false;  ///< forwarded with the RETAIN flag it was published with
  std::uint32_t identifier = 0;      ///< Subscription Identifier, 0 = none
};

/** What one client gets for one PUBLISH, its matching subscriptions merged. */
struct MatchResult {
  std::uint8_t qos = 0;              ///< the highest granted QoS
  bool retain_as_published = false;  ///< set on any matching subscription
  std::vector<std::uint32_t> identifiers;  ///< every matching subscription's identifier (MQTT-3.3.4-3/5)
};

class SubscriptionTree {
public:
  SubscriptionTree();
  ~SubscriptionTree();
  SubscriptionTree(SubscriptionTree&&) noexcept;
  SubscriptionTree& operator=(SubscriptionTree&&) noexcept;

  /**
   * @brief Subscribe `client` to a valid filter; a second subscription to the same filter replaces the
   * first (MQTT-3.8.4-3). Returns true if the subscription is new.
   */
  bool subscribe(ConnId client, std::string_view filter, SubscriptionOptions options);
  bool subscribe(ConnId client, std::string_view filter, std::uint8_t qos) { return subscribe(client, filter, SubscriptionOptions{qos}); }
  /** @brief False if the client had no such subscription. */
  bool unsubscribe(ConnId client, std::string_view filter);
  /** @brief Forget every subscription of a client (a clean session ends). */
  void remove_client(ConnId client);
  /**
   * @brief Every client with a subscription matching `topic`, once each with the highest QoS of its
   * matching subscriptions (MQTT-3.3.5-1), in client order.
   */
  void match(std::string_view topic, const std::function<void(ConnId, std::uint8_t)>& deliver) const;
  /**
   * @brief The same with the MQTT 5 options: subscriptions with No Local do not match what `publisher`
   * itself published (kNoConn: the broker's host).
   */
  void match(std::string_view topic, ConnId publisher, const std::function<void(ConnId, const MatchResult&)>& deliver) const;
  std::size_t size() const { return count_; }

private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::map<ConnId, std::vector<std::string>> filters_of_;  ///< for remove_client
  std::size_t count_ = 0;
};

}  // namespace twinbench::runtime::mqtt
