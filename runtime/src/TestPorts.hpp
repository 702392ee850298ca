#pragma once
// Test doubles for the runtime's ports: they record what the runtime did so that tests can assert on it.
// Shared by the runtime's unit tests only.

#include <algorithm>
#include <map>
#include <vector>

#include "twinbench/runtime/Scorer.hpp"
#include "twinbench/runtime/ports/Compute.hpp"
#include "twinbench/runtime/ports/Datagram.hpp"
#include "twinbench/runtime/ports/Sink.hpp"
#include "twinbench/runtime/ports/Transport.hpp"

namespace twinbench::runtime {

using Bytes = std::vector<std::uint8_t>;

struct RecordingTransport final : Transport {
  std::map<ConnId, Bytes> sent;
  std::vector<ConnId> closed;
  bool uplink_up = true;
  ConnId connect(std::string_view endpoint, TransportHandler&) override { return endpoint == "cloud" ? 1000 : kNoConn; }
  SendStatus send(ConnId conn, std::span<const std::uint8_t> b) override {
    if (conn == 1000 && !uplink_up) return SendStatus::unreachable;
    sent[conn].insert(sent[conn].end(), b.begin(), b.end());
    return SendStatus::ok;
  }
  void close(ConnId conn) override { closed.push_back(conn); }
};
struct RecordingDatagrams final : Datagrams {
  std::vector<std::pair<PeerId, Bytes>> sent;
  SendStatus send_to(PeerId to, std::span<const std::uint8_t> b) override {
    sent.emplace_back(to, Bytes(b.begin(), b.end()));
    return SendStatus::ok;
  }
};
/** An event of kind P as recorded: its named fields, and where and when. */
template <class P>
struct Recorded : P {
  TimeUs t_us;
  std::uint32_t gateway;
  ConnId device;
};
struct RecordingSink final : Sink {
  std::vector<Event> events;
  void emit(const Event& e) override { events.push_back(e); }
  using Sink::emit;
  template <class P>
  std::vector<Recorded<P>> of() const {
    std::vector<Recorded<P>> r;
    for (const auto& e : events)
      if (e.is<P>()) r.push_back({e.as<P>(), e.t_us, e.gateway, e.device});
    return r;
  }
};
/** A transparent model for tests: the score of a window is its largest value. (The real libtorch model is
 * tested in ai/.) */
struct MaxScorer final : Scorer {
  std::size_t dim;
  std::vector<std::size_t> calls;  ///< batch size of each call
  explicit MaxScorer(std::size_t d) : dim(d) {}
  std::size_t input_dim() const override { return dim; }
  void score(std::span<const float> x, std::size_t batch, std::span<float> out) override {
    calls.push_back(batch);
    for (std::size_t b = 0; b < batch; ++b) out[b] = *std::max_element(x.begin() + b * dim, x.begin() + (b + 1) * dim);
  }
};
struct CountingCompute final : Compute {
  double flops = 0;
  void charge(double f) override { flops += f; }
};

}  // namespace twinbench::runtime
