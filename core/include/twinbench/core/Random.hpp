#pragma once
// Reproducible randomness in named streams (the Rng port of runtime/ re-exports this). A stream is derived from (seed, name[, index]) only,
// so adding a component or a device never changes the draws of another (the ns-3 habit).

#include <cstdint>
#include <string_view>

namespace twinbench::core {

/** @brief One random stream (xoshiro256**): 32 bytes of state, cheap to copy and to keep per device. */
class RngStream {
public:
  explicit RngStream(std::uint64_t seed_material);
  /** @brief Next 64 random bits. */
  std::uint64_t next_u64();
  /** @brief Uniform double in [0, 1), 53 bits. */
  double uniform();
  /** @brief Uniform double in (0, 1]: safe to take the log of. */
  double uniform_open0();
  /** @brief Standard normal deviate (Box-Muller; platform-independent, unlike std::normal_distribution). */
  double normal();
  /** @brief Uniform integer in [0, n), n > 0, without modulo bias. */
  std::uint64_t below(std::uint64_t n);
  /** @brief True with probability p. */
  bool bernoulli(double p) { return uniform() < p; }

private:
  std::uint64_t s_[4];
};

class Rng {
public:
  explicit Rng(std::uint64_t seed) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }
  /** @brief The stream named `name` (e.g. "faults/0", "plant-a/gw-1/dev-7"). */
  RngStream stream(std::string_view name) const;
  /** @brief The `index`-th stream of family `name`: avoids building a string per device. */
  RngStream stream(std::string_view name, std::uint64_t index) const;

private:
  std::uint64_t seed_;
};

/** @brief 64-bit FNV-1a of a string: stable across platforms, used to name streams. */
std::uint64_t fnv1a64(std::string_view s);
/** @brief SplitMix64 finaliser: a strong 64-bit mix. */
std::uint64_t mix64(std::uint64_t x);

}  // namespace twinbench::core
