#pragma once
// A gateway's WAN as TCP sees it, without SimGrid: the connections between a gateway and the cloud carry
// ordered, reliable byte streams. Each side has one WanEndpoint per gateway. What a side sends is queued
// and leaves at its next flush() as one message per connection (a train of segments); the receiving
// side puts messages back in order (SimGrid may complete a small transfer before a large one started
// earlier). While the link is down, what leaves is held and sent again at TCP's retransmission backoff,
// each connection on its own timer (RFC 6298: the timeout doubles, here from 200 ms, Linux's minimum, to
// 120 s, its maximum), so a short outage delays bytes and loses none, and the first retry after the
// link returns may come up to two minutes later; a long outage ends the connection by MQTT's keepalive.
// Private to sim/src; the SimGrid transfers are the Put function's business.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <vector>

#include "twinbench/runtime/ports/Clock.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::sim {

/** Segments of one connection crossing a gateway's WAN, either way. */
struct WanMessage {
  /// open/opened: the handshake (SYN, SYN-ACK); close: the end of the stream (FIN, in order);
  /// reset: the answer to a message for a connection the side does not have (RST, acted on at once).
  enum class Kind : std::uint8_t { open, opened, data, close, reset };
  std::uint32_t gateway = 0;
  runtime::ConnId conn = 0;  ///< as the gateway numbers its connections
  std::uint64_t seq = 0;     ///< per connection and direction, from 0 (a reset has none)
  Kind kind = Kind::data;
  std::vector<std::uint8_t> bytes;
  std::uint64_t padding = 0;  ///< bytes that cross with these without being carried (a firmware image)
  /** What crosses the link: the bytes with 40 bytes of TCP/IP headers per 1460-byte segment; 40 for a bare segment. */
  double wire_bytes() const;
};

class WanEndpoint {
public:
  using Put = std::function<void(std::unique_ptr<WanMessage>)>;
  static constexpr runtime::TimeUs kRtoMinUs = 200'000, kRtoMaxUs = 120'000'000;

  WanEndpoint(std::uint32_t gateway, runtime::Clock& clock, const bool& link_up, Put put);
  ~WanEndpoint();
  WanEndpoint(const WanEndpoint&) = delete;
  WanEndpoint& operator=(const WanEndpoint&) = delete;

  /** @brief Queue bytes or a control segment on `conn` for the next flush (bytes join those queued on it). */
  void send(runtime::ConnId conn, WanMessage::Kind kind, std::span<const std::uint8_t> bytes = {});
  /** @brief `bytes` more cross with the next message (a firmware image fetched with a command). */
  void pad(std::uint64_t bytes) { padding_ += bytes; }
  /** @brief Put what is queued on the wire, in order; while the link is down it is held and retransmitted. */
  void flush();
  bool queued() const { return !queue_.empty(); }
  /** @brief Something is held for a retransmission (which a timer puts on the wire, not flush()). */
  bool holding() const;
  /** @brief Drop what is queued or held for `conn` (a power cut: nothing more of it leaves). */
  void drop(runtime::ConnId conn);

  /**
   * @brief A message from the other side: `deliver` sees every message of its connection now in order
   * (a reset at once). Messages for a connection this side ended (forget()) go to `deliver` as they come.
   */
  void receive(std::unique_ptr<WanMessage> m, const std::function<void(WanMessage&)>& deliver);
  /** @brief This side has ended `conn`: its order is no longer kept. */
  void forget(runtime::ConnId conn);

private:
  struct Tx {
    std::uint64_t next_seq = 0;
    std::deque<std::unique_ptr<WanMessage>> held;  ///< flushed while the link was down
    runtime::TimerId timer = 0;
    runtime::TimeUs rto_us = kRtoMinUs;
  };
  void arm(runtime::ConnId conn, Tx& tx);
  void retransmit(runtime::ConnId conn);

  std::uint32_t gateway_;
  runtime::Clock& clock_;
  const bool& link_up_;
  Put put_;
  std::vector<std::unique_ptr<WanMessage>> queue_;  ///< until the next flush, in order
  std::map<runtime::ConnId, Tx> tx_;
  struct Rx {
    std::uint64_t expected = 0;
    std::map<std::uint64_t, std::unique_ptr<WanMessage>> early;
  };
  std::map<runtime::ConnId, Rx> rx_;
  std::set<runtime::ConnId> ended_;
  std::uint64_t padding_ = 0;
};

}  // namespace twinbench::sim
