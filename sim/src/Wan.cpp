#include "Wan.hpp"

#include <algorithm>
#include <utility>

namespace twinbench::sim {

double WanMessage::wire_bytes() const {
  const std::uint64_t n = bytes.size() + padding;
  return static_cast<double>(n == 0 ? 40 : n + 40 * ((n + 1459) / 1460));
}

WanEndpoint::WanEndpoint(std::uint32_t gateway, runtime::Clock& clock, const bool& link_up, Put put)
    : gateway_(gateway), clock_(clock), link_up_(link_up), put_(std::move(put)) {}

WanEndpoint::~WanEndpoint() {
  for (auto& [conn, tx] : tx_)
    if (tx.timer != 0) clock_.cancel(tx.timer);
}

void WanEndpoint::send(runtime::ConnId conn, WanMessage::Kind kind, std::span<const std::uint8_t> bytes) {
  using Kind = WanMessage::Kind;
  if (kind == Kind::data && !queue_.empty() && queue_.back()->conn == conn && queue_.back()->kind == Kind::data) {
    queue_.back()->bytes.insert(queue_.back()->bytes.end(), bytes.begin(), bytes.end());
    return;
  }
  auto m = std::make_unique<WanMessage>();
  m->gateway = gateway_;
  m->conn = conn;
  m->kind = kind;
  m->seq = kind == Kind::reset ? 0 : tx_[conn].next_seq++;
  m->bytes.assign(bytes.begin(), bytes.end());
  queue_.push_back(std::move(m));
}

bool WanEndpoint::holding() const {
  return std::any_of(tx_.begin(), tx_.end(), [](const auto& t) { return !t.second.held.empty(); });
}

void WanEndpoint::flush() {
  if (queue_.empty()) return;
  if (padding_ > 0) queue_.front()->padding = std::exchange(padding_, 0);
  for (auto& m : queue_) {
    const runtime::ConnId conn = m->conn;
    Tx& tx = tx_[conn];
    if (link_up_ && tx.held.empty()) {
      put_(std::move(m));
      continue;
    }
    tx.held.push_back(std::move(m));
    if (tx.timer == 0) arm(conn, tx);
  }
  queue_.clear();
}

void WanEndpoint::arm(runtime::ConnId conn, Tx& tx) {
  tx.timer = clock_.schedule(tx.rto_us, [this, conn] {
    tx_[conn].timer = 0;
    retransmit(conn);
  });
}

void WanEndpoint::retransmit(runtime::ConnId conn) {
  Tx& tx = tx_[conn];
  if (!link_up_) {
    tx.rto_us = std::min(2 * tx.rto_us, kRtoMaxUs);
    arm(conn, tx);
    return;
  }
  tx.rto_us = kRtoMinUs;
  while (!tx.held.empty()) {
    put_(std::move(tx.held.front()));
    tx.held.pop_front();
  }
}

void WanEndpoint::drop(runtime::ConnId conn) {
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(), [conn](const std::unique_ptr<WanMessage>& m) { return m->conn == conn; }), queue_.end());
  if (const auto it = tx_.find(conn); it != tx_.end()) {
    if (it->second.timer != 0) clock_.cancel(it->second.timer);
    it->second.held.clear();
    it->second.timer = 0;
  }
}

void WanEndpoint::forget(runtime::ConnId conn) {
  rx_.erase(conn);
  ended_.insert(conn);
}

void WanEndpoint::receive(std::unique_ptr<WanMessage> m, const std::function<void(WanMessage&)>& deliver) {
  if (m->kind == WanMessage::Kind::reset || ended_.contains(m->conn)) {
    rx_.erase(m->conn);
    deliver(*m);
    return;
  }
  Rx& rx = rx_[m->conn];
  if (m->seq != rx.expected) {
    rx.early.emplace(m->seq, std::move(m));
    return;
  }
  const runtime::ConnId conn = m->conn;
  ++rx.expected;
  deliver(*m);
  // `deliver` may have ended the connection (forget): what came early for it goes as it comes.
  for (auto it = rx_.find(conn); it != rx_.end();) {
    auto next = it->second.early.find(it->second.expected);
    if (next == it->second.early.end()) break;
    auto early = std::move(next->second);
    it->second.early.erase(next);
    ++it->second.expected;
    deliver(*early);
    it = rx_.find(conn);
  }
}

}  // namespace twinbench::sim
