#pragma once
// The broker side's matching, sans-IO: which sessions a PUBLISH reaches (topic filters with the '+' and
// '#' wildcards of MQTT 3.1.1 section 4.7), and the retained messages a new subscription receives.
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

class SubscriptionTree {
public:
  SubscriptionTree();
  ~SubscriptionTree();
  SubscriptionTree(SubscriptionTree&&) noexcept;
  SubscriptionTree& operator=(SubscriptionTree&&) noexcept;

  /** @brief Subscribe `client` to a valid filter with `qos`; a second subscription to the same filter replaces the first (MQTT-3.8.4-3). */
  void subscribe(ConnId client, std::string_view filter, std::uint8_t qos);
  /** @brief False if the client had no such subscription. */
  bool unsubscribe(ConnId client, std::string_view filter);
  /** @brief Forget every subscription of a client (a clean session ends). */
  void remove_client(ConnId client);
  /**
   * @brief Every client with a subscription matching `topic`, once each with the highest QoS of its
   * matching subscriptions (MQTT-3.3.5-1), in client order.
   */
  void match(std::string_view topic, const std::function<void(ConnId, std::uint8_t)>& deliver) const;
  std::size_t size() const { return count_; }

private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::map<ConnId, std::vector<std::string>> filters_of_;  ///< for remove_client
  std::size_t count_ = 0;
};

/** Retained messages by topic name: the last retained PUBLISH of each topic (MQTT 3.3.1.3). */
class RetainedStore {
public:
  struct Message {
    std::vector<std::uint8_t> payload;
    std::uint8_t qos = 0;
  };
  /** @brief Keep the message; an empty payload removes the topic's retained message (MQTT-3.3.1-10/11). */
  void set(std::string_view topic, std::span<const std::uint8_t> payload, std::uint8_t qos);
  /** @brief Retained messages whose topic matches `filter`, in topic order. */
  void match(std::string_view filter, const std::function<void(const std::string&, const Message&)>& out) const;
  std::size_t size() const { return by_topic_.size(); }

private:
  std::map<std::string, Message, std::less<>> by_topic_;
};

}  // namespace twinbench::runtime::mqtt
