#pragma once
// One run over several processes (twinbench run --shards, under mpirun): each rank simulates a run of
// consecutive gateways (sim::shard_cuts) with their devices and a cloud of its own, and every lookahead
// of simulated time the ranks meet; at each meeting the others hand rank 0 the events they made since,
// which it feeds to the run's one collector, rank by rank, after its own (fed as they come). The
// collector's results do not depend on how different gateways' events interleave (results/Collector.hpp),
// so rank 0 writes the same bytes as one process would. MPI stays behind this header.

#include <cstdint>
#include <string>
#include <vector>

#include "twinbench/runtime/ports/Sink.hpp"

namespace twinbench::app {

class Shards final : public runtime::Sink {
public:
  /** @brief Initialises MPI (once per process): this process's rank and the number of ranks. */
  Shards();
  /** @brief Finalises MPI. */
  ~Shards() override;
  Shards(const Shards&) = delete;
  Shards& operator=(const Shards&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  /** @brief Where rank 0 sends every rank's events (others: none). */
  void set_collector(runtime::Sink* collector) { collector_ = collector; }
  /** @brief Rank 0's event goes to its collector now; another rank's is kept until the next exchange. */
  void emit(const runtime::Event& e) override {
    if (collector_) collector_->emit(e);
    else kept_.push_back(e);
  }
  using Sink::emit;
  /** @brief Every rank, together: rank 0 feeds each other rank's events since the last exchange to its collector, in rank order. */
  void exchange();
  /** @brief Every rank, together: each rank's text, at rank 0 (others: empty). */
  std::vector<std::string> gather(const std::string& text);
  /** @brief Every rank, together: whether every rank says true. */
  bool all(bool ok);
  /** @brief Every rank, together: the sum over the ranks (at every rank). */
  std::uint64_t sum(std::uint64_t v);

private:
  int rank_ = 0, size_ = 1;
  runtime::Sink* collector_ = nullptr;
  std::vector<runtime::Event> kept_;
  std::string received_;  ///< at rank 0: the other ranks' events at the last meeting
};

}  // namespace twinbench::app
