#include "twinbench/runtime/mqtt/Subscriptions.hpp"

#include <algorithm>
#include <cassert>

namespace twinbench::runtime::mqtt {

namespace {
/** The levels of a topic or filter ("a//b" has an empty middle level; "/a" an empty first one). */
std::vector<std::string_view> levels(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}
}  // namespace

bool topic_matches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic.front() == '$' && !filter.empty() && (filter.front() == '+' || filter.front() == '#')) return false;
  const auto f = levels(filter), t = levels(topic);
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] == "#") return true;  // also matches the parent level: "a/#" matches "a" (4.7.1.2)
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return f.size() == t.size();
}

struct SubscriptionTree::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;  // literal levels, "+" and "#"
  std::map<ConnId, SubscriptionOptions> subscribers;
};

SubscriptionTree::SubscriptionTree() : root_(std::make_unique<Node>()) {}
SubscriptionTree::~SubscriptionTree() = default;
SubscriptionTree::SubscriptionTree(SubscriptionTree&&) noexcept = default;
SubscriptionTree& SubscriptionTree::operator=(SubscriptionTree&&) noexcept = default;

bool SubscriptionTree::subscribe(ConnId client, std::string_view filter, SubscriptionOptions options) {
  Node* n = root_.get();
  for (std::string_view level : levels(filter)) {
    auto it = n->children.find(level);
    if (it == n->children.end()) it = n->children.emplace(std::string(level), std::make_unique<Node>()).first;
    n = it->second.get();
  }
  if (!n->subscribers.insert_or_assign(client, options).second) return false;
  ++count_;
  filters_of_[client].emplace_back(filter);
  return true;
}

bool SubscriptionTree::unsubscribe(ConnId client, std::string_view filter) {
  // Walk down, remembering the path, then prune nodes left empty.
  std::vector<std::pair<Node*, std::string_view>> path;
  Node* n = root_.get();
  for (std::string_view level : levels(filter)) {
    auto it = n->children.find(level);
    if (it == n->children.end()) return false;
    path.emplace_back(n, level);
    n = it->second.get();
  }
  if (n->subscribers.erase(client) == 0) return false;
  --count_;
  auto& mine = filters_of_[client];
  mine.erase(std::find(mine.begin(), mine.end(), filter));
  if (mine.empty()) filters_of_.erase(client);
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    auto child = it->first->children.find(it->second);
    if (!child->second->subscribers.empty() || !child->second->children.empty()) break;
    it->first->children.erase(child);
  }
  return true;
}

void SubscriptionTree::remove_client(ConnId client) {
  auto it = filters_of_.find(client);
  if (it == filters_of_.end()) return;
  const std::vector<std::string> filters = it->second;
  for (const auto& f : filters) unsubscribe(client, f);
}

void SubscriptionTree::match(std::string_view topic, const std::function<void(ConnId, std::uint8_t)>& deliver) const {
  match(topic, kNoConn, [&](ConnId client, const MatchResult& m) { deliver(client, m.qos); });
}

void SubscriptionTree::match(std::string_view topic, ConnId publisher, const std::function<void(ConnId, const MatchResult&)>& deliver) const {
  std::map<ConnId, MatchResult> best;
  auto take = [&](const Node& n) {
    for (const auto& [client, o] : n.subscribers) {
      if (o.no_local && client == publisher) continue;  // MQTT-3.8.3-3
      auto [slot, fresh] = best.try_emplace(client);
      MatchResult& m = slot->second;
      m.qos = fresh ? o.qos : std::max(m.qos, o.qos);
      m.retain_as_published |= o.retain_as_published;
      if (o.identifier != 0) m.identifiers.push_back(o.identifier);
    }
  };
  const auto t = levels(topic);
  const bool system = !topic.empty() && topic.front() == '$';
  // Depth-first over the levels; wildcards at the first level never match a '$' topic.
  std::function<void(const Node&, std::size_t)> walk = [&](const Node& n, std::size_t i) {
    if (auto hash = n.children.find("#"); hash != n.children.end() && !(i == 0 && system)) take(*hash->second);
    if (i == t.size()) {
      take(n);
      return;
    }
    if (auto lit = n.children.find(t[i]); lit != n.children.end()) walk(*lit->second, i + 1);
    if (auto plus = n.children.find("+"); plus != n.children.end() && !(i == 0 && system)) walk(*plus->second, i + 1);
  };
  walk(*root_, 0);
  for (const auto& [client, m] : best) deliver(client, m);
}

}  // namespace twinbench::runtime::mqtt
