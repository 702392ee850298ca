#pragma once
// Compute port: the cost of work the runtime just did. Under simulation it becomes simulated CPU time
// on the gateway host (so an overloaded gateway queues); on a real gateway it is a no-op.

namespace twinbench::runtime {

class Compute {
public:
  virtual ~Compute() = default;
  /** @brief Account for `flops` floating-point operations of work done on this host. */
  virtual void charge(double flops) = 0;
};

/** @brief The real-time Compute: the work already ran on the real CPU. */
class NoCompute final : public Compute {
public:
  void charge(double) override {}
};

}  // namespace twinbench::runtime
