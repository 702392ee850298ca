#include "twinbench/core/Random.hpp"

#include <cassert>
#include <cmath>
#include <numbers>

namespace twinbench::core {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

RngStream::RngStream(std::uint64_t seed_material) {
  // SplitMix64 expansion, as the xoshiro authors recommend; never all-zero.
  std::uint64_t x = seed_material;
  for (auto& s : s_) {
    x += 0x9E3779B97F4A7C15ull;
    s = mix64(x);
  }
}

static inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

std::uint64_t RngStream::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double RngStream::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double RngStream::uniform_open0() { return (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53; }

double RngStream::normal() {
  const double u1 = uniform_open0();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::uint64_t RngStream::below(std::uint64_t n) {
  assert(n > 0);
  // Lemire's multiply-shift with rejection.
  for (;;) {
    const unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
    const auto low = static_cast<std::uint64_t>(m);
    if (low >= n || low >= (-n) % n) return static_cast<std::uint64_t>(m >> 64);
  }
}

RngStream Rng::stream(std::string_view name) const { return RngStream(mix64(seed_ ^ mix64(fnv1a64(name)))); }

RngStream Rng::stream(std::string_view name, std::uint64_t index) const {
  return RngStream(mix64(seed_ ^ mix64(fnv1a64(name) ^ mix64(index + 0x5851F42D4C957F2Dull))));
}

}  // namespace twinbench::core
