#pragma once
// Rng port: all randomness the runtime uses comes from named streams of a seeded Rng. The generator
// lives in core/ (the bottom layer) because the twins' physics and sensor models draw from it too.

#include "twinbench/core/Random.hpp"

namespace twinbench::runtime {
using core::Rng;
using core::RngStream;
}  // namespace twinbench::runtime
